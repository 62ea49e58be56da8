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
# fetched here. Beside them, for the bridge_iface_persistent target, which runs ifup/ifdown for real inside a
# private mount and network namespace: bridge-utils (the ifupdown hooks under DEST/etc/network/if-*.d and
# DEST/lib/bridge-utils that make a bridge from bridge_ports) and udhcpc (busybox's DHCP client, the one
# ifupdown's `inet dhcp` runs when no dhclient is there, with its DEST/etc/udhcpc/default.script); and, for
# its NetworkManager host, the daemon itself (DEST/usr/sbin/NetworkManager, from network-manager) with the one
# library of its that libnm0 does not bring, libndp0. DEST defaults to $PALMFARM_TEST_DIR/net-tools
# (/tmp/palmfarm-ipv6-test/net-tools); tests find it there or at $PALMFARM_NET_TOOLS. Safe to run again: tools already in DEST are kept. Prints DEST.
set -euo pipefail

dest="${1:-${PALMFARM_NET_TOOLS:-${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/net-tools}}"

if [[ -x "$dest/sbin/ifquery" && -x "$dest/usr/bin/nmcli" && -e "$dest/lib/bridge-utils/ifupdown.sh" \
      && -e "$dest/etc/udhcpc/default.script" && -n "$(compgen -G "$dest/usr/lib/*/libndp.so.0")" ]]; then
    echo "$dest"
    exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
bash "$(dirname "$0")/unpack_debs.sh" "$work/root" ifupdown network-manager libndp0 bridge-utils udhcpc
# Debian 13's packages hold their files under /usr only (merged /usr): give the unpacked root the same links
# a merged system has, so the tools are at DEST/sbin/ifquery and DEST/usr/bin/nmcli on every release.
if [[ ! -e "$work/root/sbin/ifquery" ]]; then
    for dir in bin sbin lib; do
        if [[ -d "$work/root/usr/$dir" && ! -e "$work/root/$dir" ]]; then
            ln -s "usr/$dir" "$work/root/$dir"
        fi
    done
fi
if ! "$work/root/sbin/ifquery" --version >/dev/null 2>&1; then
    echo "fetch_net_tools: the unpacked ifquery does not run" >&2
    exit 1
fi
if ! LD_LIBRARY_PATH="$(dirname "$(compgen -G "$work/root/usr/lib/*/libndp.so.0")")" \
        "$work/root/usr/sbin/NetworkManager" --version >/dev/null 2>&1; then
    echo "fetch_net_tools: the unpacked NetworkManager does not run (ldd says what it lacks)" >&2
    exit 1
fi
if ! "$work/root/usr/bin/nmcli" --version >/dev/null 2>&1; then
    echo "fetch_net_tools: the unpacked nmcli does not run; install the library package: apt-get install libnm0" >&2
fi
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/root" "$dest"
echo "$dest"
