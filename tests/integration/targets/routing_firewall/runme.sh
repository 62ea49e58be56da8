#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# palmfarm.ipv6.routing_firewall against the real kernel, in two network namespaces of its own joined by a
# veth pair, BIRD 2 running Babel in both. The playbook runs inside the first namespace (the module and every
# nft command see only its ruleset); the host's firewall is never touched.
set -euo pipefail

ns1=pffw-fw1
ns2=pffw-fw2
scratch="$(mktemp -d "${TMPDIR:-/tmp}/pffw-fw.XXXXXX")"

stop() {
    for ns in "$ns1" "$ns2"; do
        if [[ -S "$scratch/$ns.ctl" ]]; then
            ip netns exec "$ns" birdc -s "$scratch/$ns.ctl" down >/dev/null 2>&1 || true
        fi
        if ip netns list | grep -qw "$ns"; then
            ip netns del "$ns"
        fi
    done
}
cleanup() {
    stop
    rm -rf "$scratch"
}
stop  # leftovers of an earlier run
trap cleanup EXIT

ip netns add "$ns1"
ip netns add "$ns2"
ip link add pffw-a netns "$ns1" type veth peer name pffw-b netns "$ns2"
for pair in "$ns1:pffw-a" "$ns2:pffw-b"; do
    ns="${pair%%:*}" dev="${pair##*:}"
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.accept_dad=0"
    ip netns exec "$ns" ip link set lo up
    ip netns exec "$ns" ip link set "$dev" up
done

ip netns exec "$ns1" ansible-playbook -i "${INVENTORY_PATH:-../../inventory}" \
    -e "scratch=$scratch" -e "ns1=$ns1" -e "ns2=$ns2" playbook.yml "$@"
