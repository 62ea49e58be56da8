#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/fetch_net_tools.sh [DEST]
#
# Puts ifupdown's ifquery and NetworkManager's nmcli under DEST without installing them: installing the
# Debian packages ifupdown or network-manager would start managing this machine's network (their
# maintainer scripts enable and start services). They are downloaded and unpacked with `dpkg -x`, and the
# bridge_iface validator tests run them from there: DEST/sbin/ifquery and DEST/usr/bin/nmcli. nmcli needs
# libnm.so.0 (Debian package libnm0, safe to install: a library only). netplan.io installs safely and is not
# fetched here. DEST defaults to $PALMFARM_TEST_DIR/net-tools (/tmp/palmfarm-ipv6-test/net-tools); tests find
# it there or at $PALMFARM_NET_TOOLS. Safe to run again: tools already in DEST are kept. Prints DEST.
set -euo pipefail

dest="${1:-${PALMFARM_NET_TOOLS:-${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/net-tools}}"

if [[ -x "$dest/sbin/ifquery" && -x "$dest/usr/bin/nmcli" ]]; then
    echo "$dest"
    exit 0
fi

for tool in apt-get dpkg; do
    if ! command -v "$tool" >/dev/null; then
        echo "fetch_net_tools: $tool is missing; this script needs a Debian-like system" >&2
        exit 1
    fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current directory (as root it warns that it runs unsandboxed: harmless).
if ! (cd "$work" && apt-get download -q ifupdown network-manager >&2); then
    echo "fetch_net_tools: 'apt-get download ifupdown network-manager' failed; run 'apt-get update' and check" \
         "that both Debian packages are available" >&2
    exit 1
fi
mkdir -p "$work/root"
for deb in "$work"/*.deb; do
    dpkg -x "$deb" "$work/root"
done
if ! "$work/root/sbin/ifquery" --version >/dev/null 2>&1; then
    echo "fetch_net_tools: the unpacked ifquery does not run" >&2
    exit 1
fi
if ! "$work/root/usr/bin/nmcli" --version >/dev/null 2>&1; then
    echo "fetch_net_tools: the unpacked nmcli does not run; install the library package: apt-get install libnm0" >&2
fi
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/root" "$dest"
echo "$dest"
