#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# palmfarm.ipv6.bridge_iface, kernel backend, on the real kernel in network namespaces made here:
#   pfbr-up   the upstream router: radvd advertises 2001:db8:ebbd:9000::/64 on pfbrup0
#   pfbr-pi   the host being converted: its eth0 is a veth to pfbrup0
#   pfbr-c1   a "container": its eth0 is a veth to pfbr-c1p, which goes into br0
# The module runs inside pfbr-pi (ansible-playbook under `ip netns exec`). Asserted: check mode changes
# nothing, eth0 -> br0 keeps the SLAAC address, an upstream ping every 20 ms loses at most MAX_OUTAGE s,
# pfbr-c1 gets its own SLAAC address through br0, idempotence, bad input, the revert of a change whose
# connectivity check fails (within rollback_timeout + 2 s), and a confirmed change that stays.
# Routes move with the addresses: pfbr-pi reaches a remote IPv4 host (through a default route as DHCP leaves it,
# with its source address) and a remote IPv6 host (through the router advertisement's default route), pinged from
# inside pfbr-pi every 20 ms during the conversion (each outage within MAX_OUTAGE s), after the revert and after
# the removal of the bridge.
#   pfbr-rs   a host whose kernel never solicits, behind a router that advertises only when asked: the router
#             solicitation connectivity_check sends brings its prefix and default route.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
prefix=2001:db8:ebbd:9000
upstream="$prefix::1"
silent="$prefix::dead"
rs_prefix=2001:db8:ebbd:9001  # the router solicitation check's
remote6=2001:db8:ffff::1
remote4=198.51.100.1
pi4=192.0.2.10
max_outage="${PFBR_MAX_OUTAGE:-1}"
work="$(mktemp -d /tmp/pfbr-t.XXXXXX)"
statedir=/run/palmfarm/netns-pfbr-pi
pinger_pids=()

# The probe module is run with the collection on PYTHONPATH (ansible-test runs us from inside the tree).
# shellcheck source=../setup_collection_pythonpath/pythonpath.sh
source "$here/../setup_collection_pythonpath/pythonpath.sh"
probe=(-m ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.probe)

remove_test_objects() {
    for pid in "${pinger_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -s "$work/radvd.pid" ]]; then kill "$(cat "$work/radvd.pid")" 2>/dev/null || true; fi
    # A revert still waiting from this test (or an interrupted run): its pid is recorded in its state dir.
    if [[ -s "$statedir/bridge-br0/pid" ]] && grep -q "$statedir" "/proc/$(cat "$statedir/bridge-br0/pid")/cmdline" 2>/dev/null; then
        kill "$(cat "$statedir/bridge-br0/pid")" || true
    fi
    rm -rf "$statedir"
    if [[ -s "$work/radvd-rs.pid" ]]; then kill "$(cat "$work/radvd-rs.pid")" 2>/dev/null || true; fi
    for ns in pfbr-c1 pfbr-pi pfbr-up pfbr-rs; do ip netns del "$ns" 2>/dev/null || true; done
}
finish() {
    remove_test_objects
    rm -rf "$work"
}
trap finish EXIT
remove_test_objects  # leftovers of an interrupted run

pi() { ip netns exec pfbr-pi "$@"; }
up() { ip netns exec pfbr-up "$@"; }
playbook() {  # playbook FILE [ansible-playbook arguments...]: run FILE inside pfbr-pi
    local file="$1"
    shift
    pi ansible-playbook -c local -i localhost, -e "ansible_python_interpreter=$python" \
        -e "links=$here/links.sh" "$here/$file" "$@"
}
fail() { echo "bridge_iface: $*" >&2; exit 1; }
slaac_address() {  # slaac_address NETNS DEV: its non-tentative address in the test prefix
    ip -n "$1" -6 -o address show dev "$2" scope global | grep -v tentative \
        | grep -o "$prefix:[0-9a-f:]*" | head -n1 || true
}
wait_slaac() {  # wait_slaac NETNS DEV
    local addr=""
    for _ in $(seq 100); do
        addr="$(slaac_address "$1" "$2")"
        [[ -n "$addr" ]] && break
        sleep 0.1
    done
    [[ -n "$addr" ]] || fail "$1/$2 got no SLAAC address in $prefix::/64"
    echo "$addr"
}
answers() { up "$python" "${probe[@]}" answers "$1"; }
reaches_out() {  # reaches_out DEV WHEN: pfbr-pi reaches both remote hosts, through default routes on DEV
    local family route
    for family in 4 6; do
        route="$(ip -n pfbr-pi -"$family" route show default)"
        [[ "$route" == *" dev $1 "* ]] || fail "$2: the IPv$family default route is not on $1: '$route'"
    done
    pi "$python" "${probe[@]}" answers "$remote4" || fail "$2: $remote4 does not answer pfbr-pi"
    pi "$python" "${probe[@]}" answers "$remote6" || fail "$2: $remote6 does not answer pfbr-pi"
}

# --- the namespaces, and radvd with its own config, pid file and log in $work
ip netns add pfbr-up
ip netns add pfbr-pi
ip netns add pfbr-c1
ip -n pfbr-up link add pfbrup0 type veth peer name eth0 netns pfbr-pi
ip -n pfbr-pi link add pfbr-c1p type veth peer name eth0 netns pfbr-c1
ip -n pfbr-pi link add pfbr-other type bridge
ip -n pfbr-pi link add pfbr-o1 type veth peer name pfbr-o2
ip -n pfbr-pi link set pfbr-o1 master pfbr-other
up sysctl -qw net.ipv6.conf.all.forwarding=1
for ns in pfbr-up pfbr-pi pfbr-c1; do ip -n "$ns" link set lo up; done
ip -n pfbr-up address add "$upstream/64" dev pfbrup0
ip -n pfbr-up address add 192.0.2.1/24 dev pfbrup0
ip -n pfbr-up address add "$remote4/32" dev lo
ip -n pfbr-up address add "$remote6/128" dev lo
ip -n pfbr-up link set pfbrup0 up
ip -n pfbr-pi link set eth0 up
# What a DHCP client leaves: the address and a default route with its source address.
ip -n pfbr-pi address add "$pi4/24" dev eth0
ip -n pfbr-pi route add default via 192.0.2.1 dev eth0 proto dhcp src "$pi4" metric 100
ip -n pfbr-c1 link set eth0 up
cat > "$work/radvd.conf" <<CONF
interface pfbrup0 {
    AdvSendAdvert on;
    MinRtrAdvInterval 3;
    MaxRtrAdvInterval 10;
    prefix $prefix::/64 { AdvOnLink on; AdvAutonomous on; };
};
CONF
chmod 644 "$work/radvd.conf"
up radvd -C "$work/radvd.conf" -p "$work/radvd.pid" -m logfile -l "$work/radvd.log"
pi_address="$(wait_slaac pfbr-pi eth0)"
echo "bridge_iface: pfbr-pi eth0 has $pi_address"
answers "$pi_address" || fail "$pi_address does not answer from upstream before the test"
for _ in $(seq 100); do ip -n pfbr-pi -6 route show default | grep -q "dev eth0" && break; sleep 0.1; done
reaches_out eth0 "before the test"

# --- bad input, before the conversion
playbook bad_input.yml -e other_port=pfbr-o1

# --- the conversion, with an upstream ping every 20 ms
# Started directly (not through the up function), so that $! is the pinger itself and the trap can end it.
ip netns exec pfbr-up "$python" "${probe[@]}" watch "$pi_address" 0.02 - "$work/stop" > "$work/watch.json" &
pinger_pids+=($!)
# From inside pfbr-pi, through the default routes; all three end at the stop file (or by the trap).
ip netns exec pfbr-pi "$python" "${probe[@]}" watch "$remote4" 0.02 - "$work/stop" > "$work/watch4.json" &
pinger_pids+=($!)
ip netns exec pfbr-pi "$python" "${probe[@]}" watch "$remote6" 0.02 - "$work/stop" > "$work/watch6.json" &
pinger_pids+=($!)
sleep 1
playbook convert.yml -e "pi_address=$pi_address" -e "upstream=$upstream"
sleep 1
touch "$work/stop"
wait "${pinger_pids[@]}"
pinger_pids=()
for watched in "watch:upstream ping of $pi_address" "watch4:ping from pfbr-pi to $remote4" \
               "watch6:ping from pfbr-pi to $remote6"; do
    file="$work/${watched%%:*}.json"
    cat "$file"
    outage="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["outage_seconds"])' "$file")"
    echo "bridge_iface: ${watched#*:}, outage during eth0 -> br0: ${outage} s (bound ${max_outage} s)"
    "$python" -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$outage" "$max_outage" \
        || fail "the conversion cost ${outage} s of the ${watched#*:}, more than ${max_outage} s"
done
reaches_out br0 "after the conversion"
[[ "$(slaac_address pfbr-pi br0)" == "$pi_address" ]] || fail "br0 does not have eth0's address $pi_address"
answers "$pi_address" || fail "$pi_address does not answer after the conversion"

# --- a namespace on br0 gets its own SLAAC address
ip -n pfbr-pi link set pfbr-c1p master br0
ip -n pfbr-pi link set pfbr-c1p up
c1_address="$(wait_slaac pfbr-c1 eth0)"
[[ "$c1_address" != "$pi_address" ]] || fail "pfbr-c1 has the host's address"
answers "$c1_address" || fail "pfbr-c1's $c1_address does not answer from upstream"
echo "bridge_iface: pfbr-c1 behind br0 has $c1_address"

# --- removing the bridge with the default route and rollback_timeout 0 is refused
playbook rollback.yml -e phase=refuse

# --- a change whose check cannot answer is reverted within rollback_timeout + 2 s
playbook rollback.yml -e phase=bad -e "silent=$silent"
# The deadline: in pending.json while the revert waits, in reverted.json when it fired already (a slow run).
plan="$statedir/bridge-br0/pending.json"
[[ -e "$plan" ]] || plan="$statedir/bridge-br0/reverted.json"
deadline="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["deadline"])' "$plan")"
restored=""
for _ in $(seq 200); do
    if ip -n pfbr-pi -o link show eth0 | grep -q "master br0" && [[ "$(slaac_address pfbr-pi br0)" == "$pi_address" ]] \
        && answers "$pi_address"; then
        restored="$(date +%s.%N)"
        break
    fi
    sleep 0.05
done
[[ -n "$restored" ]] || fail "the bad change was not reverted within 10 s"
reaches_out br0 "after the revert"
late="$("$python" -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 2))' "$restored" "$deadline")"
echo "bridge_iface: reverted, $pi_address answering on br0 again ${late} s after the deadline"
"$python" -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= 2 else 1)' "$late" \
    || fail "the revert came ${late} s after the deadline, more than 2 s"
playbook rollback.yml -e phase=late

# --- a confirmed change is not reverted
playbook rollback.yml -e phase=confirm
sleep 7
ip -n pfbr-pi -o link show eth0 | grep -q master && fail "the confirmed removal of br0 was reverted"
ip -n pfbr-pi link show br0 >/dev/null 2>&1 && fail "br0 came back after a confirmed removal"
[[ "$(slaac_address pfbr-pi eth0)" == "$pi_address" ]] || fail "eth0 did not get $pi_address back"
answers "$pi_address" || fail "$pi_address does not answer after the confirmed removal"
reaches_out eth0 "after the removal of br0"
[[ -e "$statedir/bridge-br0/reverted.json" ]] && fail "a revert fired after the confirm"

# --- the router solicitation of connectivity_check (_bridge/solicit.py), on its own: a router that advertises
# only when asked (radvd UnicastOnly) and a host link whose kernel never asks (router_solicitations 0) have no
# prefix between them until the solicitation goes out, then the address and the default route within 3 s.
ip netns add pfbr-rs
ip -n pfbr-up link add pfbrrs0 type veth peer name eth0 netns pfbr-rs
ip netns exec pfbr-rs sysctl -qw net.ipv6.conf.eth0.router_solicitations=0
ip -n pfbr-up address add "$rs_prefix::1/64" dev pfbrrs0
ip -n pfbr-up link set pfbrrs0 up
cat > "$work/radvd-rs.conf" <<CONF
interface pfbrrs0 {
    AdvSendAdvert on;
    UnicastOnly on;
    prefix $rs_prefix::/64 { AdvOnLink on; AdvAutonomous on; };
};
CONF
chmod 644 "$work/radvd-rs.conf"
up radvd -C "$work/radvd-rs.conf" -p "$work/radvd-rs.pid" -m logfile -l "$work/radvd-rs.log"
ip -n pfbr-rs link set eth0 up
sleep 3  # the link-local address (DAD), and time for an advertisement that should not come
[[ -z "$(ip -n pfbr-rs -6 -o address show dev eth0 scope global)" ]] \
    || fail "pfbr-rs got a prefix without soliciting: the router of this check must advertise only when asked"
ip netns exec pfbr-rs "$python" -c 'import sys
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import solicit
sys.exit(0 if solicit.solicit_all(["eth0"]) == ["eth0"] else 1)' || fail "no router solicitation sent on pfbr-rs eth0"
solicited=""
for _ in $(seq 30); do
    if ip -n pfbr-rs -6 -o address show dev eth0 scope global | grep -q "$rs_prefix:" \
        && ip -n pfbr-rs -6 route show default | grep -q "dev eth0"; then
        solicited=yes
        break
    fi
    sleep 0.1
done
[[ -n "$solicited" ]] || fail "the router solicitation brought no advertisement within 3 s: $(cat "$work/radvd-rs.log")"
echo "bridge_iface: a router solicitation brought pfbr-rs its prefix and default route"

echo "bridge_iface: all checks passed"
