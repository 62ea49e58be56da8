#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# What check mode must leave alone: the network tools' files (with their contents' checksums) and the links with
# their masters and addresses.
for dir in /etc/netplan /etc/systemd/network /etc/network /run/systemd/network /etc/NetworkManager/system-connections; do
    if [[ -d "$dir" ]]; then
        find "$dir" -type f -print0 | sort -z | xargs -0 -r sha256sum
    fi
done
ip -o link | sed -E 's/^[0-9]+: //; s/ +link\/.*//'
ip -br address
