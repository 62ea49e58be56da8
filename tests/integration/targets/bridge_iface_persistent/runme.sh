#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# palmfarm.ipv6.bridge_iface, persistent backends, applied for real and read back as at boot, in network
# namespaces made here:
#   pfbp-up   the upstream router: bridge pfbplan with busybox udhcpd (DHCPv4 in 192.0.2.0/24) and radvd
#             (2001:db8:ebbd:9100::/64), remote hosts 198.51.100.1, 2001:db8:ffff::1 and 203.0.113.1 behind it
#   pfbp-nd   a host configured by a systemd-networkd .network file (backend networkd)
#   pfbp-np   a host configured by cloud-init's netplan file as Ubuntu's images have it, a definition for
#             every eth* NIC (`zz-all-eth`, `match: name: eth*`, `dhcp4: true`) (backend netplan)
#   pfbp-if   a host configured by Debian's /etc/network/interfaces (backend ifupdown)
#   pfbp-nm   a host configured by NetworkManager's own profile, bound to the NIC by its MAC (backend nm)
# Each host's eth0 is a veth into pfbplan. host.sh runs inside each host, all four at the same time, each in a
# private mount namespace too (see there): the host boots from its own files, bridge_iface moves eth0's
# addressing to br0 (check mode first, then apply, then again with no change), and the kernel shows br0 with
# eth0's DHCPv4 and SLAAC addresses and both default routes, eth0 with no address, after the change and after a
# reboot; state absent gives eth0 its addressing and the users' files back. Nothing on this machine's own
# network or /etc changes. PFBP_BACKENDS (by hand: e.g. "netplan ifupdown") runs only those hosts.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/pfbp-t.XXXXXX)"
hosts=(pfbp-nd:networkd pfbp-np:netplan pfbp-if:ifupdown pfbp-nm:nm)
if [[ -n "${PFBP_BACKENDS:-}" ]]; then  # by hand, some of them only: PFBP_BACKENDS="netplan ifupdown"
    mapfile -t hosts < <(printf '%s\n' "${hosts[@]}" | grep -E ":(${PFBP_BACKENDS// /|})$")
fi
export PFBP_PREFIX=2001:db8:ebbd:9100
export PFBP_POOL4=192.0.2.1  # DHCPv4 gives 192.0.2.100 to 192.0.2.199
export PFBP_UPSTREAM4=198.51.100.1 PFBP_UPSTREAM6=2001:db8:ffff::1
export PFBP_STATIC_NET=203.0.113.0/24 PFBP_STATIC_HOST=203.0.113.1  # a static route's, in the netplan and networkd files

# The collection (ansible-test runs us from inside the tree), for the probe module and fetch_net_tools.sh.
# shellcheck source=../setup_collection_pythonpath/pythonpath.sh
source "$here/../setup_collection_pythonpath/pythonpath.sh"
# ifupdown, bridge-utils and udhcpc unpacked, never installed (scripts/bootstrap.sh fetched them already).
# shellcheck disable=SC2154  # collections_root is set by pythonpath.sh
PFBP_NET_TOOLS="$(bash "$collections_root/palmfarm/ipv6/scripts/fetch_net_tools.sh")"
export PFBP_NET_TOOLS

remove_test_objects() {
    local pidfile ns pid
    for pidfile in "$work/udhcpd.pid" "$work/radvd.pid"; do
        if [[ -s "$pidfile" ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    # Every process left in a host namespace made here was started by this test (network tools, DHCP clients).
    for ns in "${hosts[@]%%:*}" pfbp-up; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}
finish() {
    remove_test_objects
    rm -rf "$work"
}
trap finish EXIT
remove_test_objects  # leftovers of an interrupted run

up() { ip netns exec pfbp-up "$@"; }

# --- the upstream router and its LAN, with its daemons' configuration, pid files and logs in $work
ip netns add pfbp-up
up sysctl -qw net.ipv6.conf.all.forwarding=1
ip -n pfbp-up link set lo up
ip -n pfbp-up link add pfbplan type bridge stp_state 0 forward_delay 0
ip -n pfbp-up address add 192.0.2.1/24 dev pfbplan
ip -n pfbp-up address add "$PFBP_PREFIX::1/64" dev pfbplan
ip -n pfbp-up address add "$PFBP_UPSTREAM4/32" dev lo
ip -n pfbp-up address add "$PFBP_UPSTREAM6/128" dev lo
ip -n pfbp-up address add "$PFBP_STATIC_HOST/32" dev lo
ip -n pfbp-up link set pfbplan up
number=0
for host in "${hosts[@]%%:*}"; do
    number=$((number + 1))
    ip netns add "$host"
    # A fixed MAC, so that a "reboot" finds the same eth0, as a real one does.
    ip -n pfbp-up link add "$host" type veth peer name eth0 netns "$host" address "02:00:5e:10:00:0$number"
    ip -n pfbp-up link set "$host" master pfbplan up
done
cat >"$work/udhcpd.conf" <<CONF
start 192.0.2.100
end 192.0.2.199
interface pfbplan
lease_file $work/udhcpd.leases
pidfile $work/udhcpd.pid
opt subnet 255.255.255.0
opt router 192.0.2.1
opt dns 192.0.2.1
opt lease 600
CONF
touch "$work/udhcpd.leases"
up busybox udhcpd -f "$work/udhcpd.conf" >"$work/udhcpd.log" 2>&1 &
# radvd's defaults, as a home router has them: unsolicited advertisements 200 to 600 s apart. Every host learns
# the prefix by soliciting it (the kernel, networkd and NetworkManager when a link comes up, bridge_iface's
# connectivity_check after its change).
cat >"$work/radvd.conf" <<CONF
interface pfbplan {
    AdvSendAdvert on;
    prefix $PFBP_PREFIX::/64 { AdvOnLink on; AdvAutonomous on; };
};
CONF
chmod 644 "$work/radvd.conf"
up radvd -C "$work/radvd.conf" -p "$work/radvd.pid" -m logfile -l "$work/radvd.log"

# --- the hosts, side by side (each in its own namespaces; output kept apart, shown when each is done)
runs=()
for host in "${hosts[@]}"; do
    ns="${host%%:*}" backend="${host#*:}"
    PFBP_LOGS="$work/logs-$backend" ip netns exec "$ns" unshare --mount --propagation private \
        bash "$here/host.sh" "$backend" >"$work/$backend.out" 2>&1 &
    runs+=("$!:$backend")
done
failed=()
for run in "${runs[@]}"; do
    backend="${run#*:}"
    verdict=0
    wait "${run%%:*}" || verdict=$?
    echo "=== $backend"
    cat "$work/$backend.out"
    if ((verdict)); then
        failed+=("$backend")
        for log in "$work/logs-$backend"/*.log; do
            if [[ -s "$log" ]]; then echo "--- $log"; tail -n 40 "$log"; fi
        done
    fi
done
if ((${#failed[@]})); then
    echo "--- $work/udhcpd.log"
    tail -n 20 "$work/udhcpd.log"
    echo "bridge_iface_persistent: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "bridge_iface_persistent: all checks passed"
