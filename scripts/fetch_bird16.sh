#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/fetch_bird16.sh [DEST]
#
# Puts BIRD 1.6 (bird6, the version OpenWrt's old bird6 packages run) at DEST/usr/sbin/bird6 without
# installing it: Debian's package `bird` (1.6.8) conflicts with `bird2`, so it is downloaded and unpacked
# beside it with `dpkg -x`. Tests use it to parse the BIRD 1.6 configurations the collection renders.
# Debian 13 has no package `bird` any more: there Debian 12's is downloaded, found with a private apt sources
# list and state (the system's apt is left as it is); its bird6 runs with Debian 13's libraries.
# DEST defaults to $PALMFARM_TEST_DIR/bird16 (/tmp/palmfarm-ipv6-test/bird16). Safe to run again: a working
# bird6 already in DEST is kept. Prints the path of bird6.
set -euo pipefail

dest="${1:-${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/bird16}"
bird6="$dest/usr/sbin/bird6"

if [[ -x "$bird6" ]] && "$bird6" --version 2>&1 | grep -q 'BIRD version 1\.6'; then
    echo "$bird6"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! apt-cache policy bird 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    # The first Debian mirror the system's sources name (deb822 or one-line format).
    mirror="$(sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
                     -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
                     /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | grep -v security | head -n 1 || true)"
    signed=""
    keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    if [[ -f "$keyring" ]]; then signed="[signed-by=$keyring] "; fi
    mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial"
    printf 'deb %s%s bookworm main\n' "$signed" "${mirror:-http://deb.debian.org/debian}" >"$work/apt/sources.list"
    printf 'Dir::Etc::sourcelist "%s";\nDir::Etc::sourceparts "-";\nDir::State::lists "%s";\nDir::Cache "%s";\n' \
        "$work/apt/sources.list" "$work/apt/lists" "$work/apt/cache" >"$work/apt/apt.conf"
    export APT_CONFIG="$work/apt/apt.conf"
    if ! apt-get update -qq >"$work/apt/update.log" 2>&1; then
        cat "$work/apt/update.log" >&2
        echo "fetch_bird16: there is no package bird here, and Debian 12's could not be looked up" >&2
        exit 1
    fi
fi
bash "$(dirname "$0")/unpack_debs.sh" "$work/root" bird
if ! "$work/root/usr/sbin/bird6" --version 2>&1 | grep -q 'BIRD version 1\.6'; then
    echo "fetch_bird16: the Debian package bird holds no BIRD 1.6 bird6" >&2
    exit 1
fi
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/root" "$dest"
echo "$bird6"
