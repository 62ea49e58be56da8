#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The running state that check mode must leave alone, with the bridge timers (which tick) left out.
ip -d link | sed -E 's/(hello_timer|tcn_timer|topology_change_timer|gc_timer) +[0-9.]+//g'
ip -br address
for dev in /proc/sys/net/ipv6/conf/*/; do
    name="$(basename "$dev")"
    echo "$name accept_ra=$(cat "$dev/accept_ra") disable_ipv6=$(cat "$dev/disable_ipv6")"
done
