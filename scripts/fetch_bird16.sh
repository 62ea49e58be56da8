#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/fetch_bird16.sh [DEST]
#
# Puts BIRD 1.6 (bird6, the version OpenWrt's old bird6 packages run) at DEST/usr/sbin/bird6 without
# installing it: Debian's package `bird` (1.6.8) conflicts with `bird2`, so it is downloaded and unpacked
# beside it with `dpkg -x`. Tests use it to parse the BIRD 1.6 configurations the collection renders.
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
bash "$(dirname "$0")/unpack_debs.sh" "$work/root" bird
if ! "$work/root/usr/sbin/bird6" --version 2>&1 | grep -q 'BIRD version 1\.6'; then
    echo "fetch_bird16: the Debian package bird holds no BIRD 1.6 bird6" >&2
    exit 1
fi
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/root" "$dest"
echo "$bird6"
