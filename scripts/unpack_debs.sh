#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/unpack_debs.sh ROOT PACKAGE...
#
# Downloads the Debian packages and unpacks them under ROOT with `dpkg -x`, without installing them: for tools
# whose packages conflict with what is installed (bird beside bird2) or would take over this machine
# (ifupdown, network-manager). ROOT must not exist yet. Used by fetch_bird16.sh and fetch_net_tools.sh.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 ROOT PACKAGE..." >&2
    exit 2
fi
root="$1"
shift
for tool in apt-get dpkg; do
    if ! command -v "$tool" >/dev/null; then
        echo "unpack_debs: $tool is missing; this needs a Debian-like system" >&2
        exit 1
    fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# apt-get download writes into the current directory (as root it warns that it runs unsandboxed: harmless).
if ! (cd "$work" && apt-get download -q "$@" >&2); then
    echo "unpack_debs: 'apt-get download $*' failed; run 'apt-get update' and check that the Debian" \
         "packages are available" >&2
    exit 1
fi
mkdir -p "$root"
for deb in "$work"/*.deb; do
    dpkg -x "$deb" "$root"
done
