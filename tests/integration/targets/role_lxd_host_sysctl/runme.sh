#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The lxd_host role bounds IPv6 addresses per interface and the neighbour table, at run time and in a sysctl
# file. The address limits belong to a network namespace, so the role runs inside one of its own (itsys-ns, with
# a bridge itsysbr0 standing for br0). The neighbour table limits exist in the host's first namespace only: the
# role leaves them out elsewhere (as in a container), and the host part below sets them briefly and puts the
# host's own values back.
set -euo pipefail

python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
ns=itsys-ns
work="$(mktemp -d)"
neigh_keys=(net.ipv6.neigh.default.gc_thresh1 net.ipv6.neigh.default.gc_thresh2 net.ipv6.neigh.default.gc_thresh3)
host_neigh=()
for key in "${neigh_keys[@]}"; do host_neigh+=("$key=$(sysctl -n "$key")"); done
finish() {
    sysctl -qw "${host_neigh[@]}" || true
    ip netns delete "$ns" 2>/dev/null || true
    rm -rf "$work"
}
trap finish EXIT
ip netns delete "$ns" 2>/dev/null || true
ip netns add "$ns"
ip -n "$ns" link add itsysbr0 type bridge

in_ns() { ip netns exec "$ns" "$@"; }
run_role() {
    in_ns ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" \
        -e lxd_host_bridge_name=itsysbr0 -e "lxd_host_sysctl_file=$work/60-palmfarm-lxd-host.conf" "$@" \
        "$(dirname "$0")/sysctl.yml"
}
expect() {  # expect KEY VALUE [host]: the namespace's (or the host's) running value
    local got
    if [[ "${3:-}" == host ]]; then got="$(sysctl -n "$1")"; else got="$(in_ns sysctl -n "$1")"; fi
    [[ "$got" == "$2" ]] || { echo "FAIL: $1 is $got, expected $2" >&2; exit 1; }
}
limits=(-e lxd_host_ipv6_max_addresses=5 -e lxd_host_neigh_gc_thresh1=64 -e lxd_host_neigh_gc_thresh2=256
        -e lxd_host_neigh_gc_thresh3=300)

# Check mode changes nothing: neither the running values nor the file.
before="$(in_ns sysctl -n net.ipv6.conf.all.max_addresses net.ipv6.conf.itsysbr0.max_addresses)"
run_role --check "${limits[@]}" | tee "$work/check.out"
grep -q "changed=1" "$work/check.out" || { echo "FAIL: check mode did not report the change" >&2; exit 1; }
[[ "$(in_ns sysctl -n net.ipv6.conf.all.max_addresses net.ipv6.conf.itsysbr0.max_addresses)" == "$before" ]] \
    || { echo "FAIL: check mode changed running values" >&2; exit 1; }
[[ ! -e "$work/60-palmfarm-lxd-host.conf" ]] || { echo "FAIL: check mode wrote the sysctl file" >&2; exit 1; }

# Apply: the running values and the file.
run_role "${limits[@]}" | tee "$work/apply.out"
grep -q "changed=1" "$work/apply.out" || { echo "FAIL: apply reported no change" >&2; exit 1; }
expect net.ipv6.conf.all.max_addresses 5
expect net.ipv6.conf.default.max_addresses 5
expect net.ipv6.conf.itsysbr0.max_addresses 5
for line in net.ipv6.conf.all.max_addresses=5 net.ipv6.conf.itsysbr0.max_addresses=5; do
    grep -qx "$line" "$work/60-palmfarm-lxd-host.conf" || { echo "FAIL: $line not in the sysctl file" >&2; exit 1; }
done

# A second run changes nothing.
run_role "${limits[@]}" | tee "$work/again.out"
grep -q "changed=0" "$work/again.out" || { echo "FAIL: the second run changed something" >&2; exit 1; }
grep -q "gc_thresh" "$work/60-palmfarm-lxd-host.conf" && { echo "FAIL: neighbour limits written in a namespace" >&2; exit 1; }

# A bridge made later gets the bound at the next run.
ip -n "$ns" link add itsysbr1 type bridge
in_ns sysctl -qw net.ipv6.conf.itsysbr0.max_addresses=16
run_role "${limits[@]}" >/dev/null
expect net.ipv6.conf.itsysbr0.max_addresses 5

# Bad limits fail before anything changes, naming the values.
if run_role -e lxd_host_neigh_gc_thresh1=600 -e lxd_host_neigh_gc_thresh2=512 >"$work/bad.out" 2>&1; then
    echo "FAIL: gc_thresh1 above gc_thresh2 was accepted" >&2; exit 1
fi
grep -q "gc_thresh1 <= gc_thresh2 <= gc_thresh3 (now 600, 512" "$work/bad.out" \
    || { cat "$work/bad.out"; echo "FAIL: the message does not name the values" >&2; exit 1; }
if run_role -e lxd_host_ipv6_max_addresses=0 >"$work/bad0.out" 2>&1; then
    echo "FAIL: max_addresses 0 (no limit) was accepted" >&2; exit 1
fi
expect net.ipv6.conf.all.max_addresses 5

# The neighbour table limits, on the host (its values come back when the script ends). max_addresses is
# given as the host has it, so only the neighbour limits move.
host_run() {
    ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" -e lxd_host_bridge_name=itsys-none \
        -e "lxd_host_sysctl_file=$work/host.conf" \
        -e "lxd_host_ipv6_max_addresses=$(sysctl -n net.ipv6.conf.all.max_addresses)" "$@" "$(dirname "$0")/sysctl.yml"
}
host_run -e lxd_host_neigh_gc_thresh1=64 -e lxd_host_neigh_gc_thresh2=256 -e lxd_host_neigh_gc_thresh3=300 \
    | tee "$work/host.out"
expect net.ipv6.neigh.default.gc_thresh1 64 host
expect net.ipv6.neigh.default.gc_thresh2 256 host
expect net.ipv6.neigh.default.gc_thresh3 300 host
grep -qx "net.ipv6.neigh.default.gc_thresh3=300" "$work/host.conf" \
    || { echo "FAIL: gc_thresh3 not in the sysctl file" >&2; exit 1; }
host_run -e lxd_host_neigh_gc_thresh1=64 -e lxd_host_neigh_gc_thresh2=256 -e lxd_host_neigh_gc_thresh3=300 \
    | tee "$work/host-again.out"
grep -q "changed=0" "$work/host-again.out" || { echo "FAIL: the second host run changed something" >&2; exit 1; }
echo "role_lxd_host_sysctl: all checks passed"
