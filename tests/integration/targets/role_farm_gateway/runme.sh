#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The farm_gateway role on this host: two replicas (pfgw-w1, pfgw-w2) on br0, a lab client in the namespace
# pfgw-cli (IPv4 to the host only, IPv6 on the LAN), the gateway on port 8080 run check -> apply -> check -> apply,
# then an IPv4 visitor through the gateway and an IPv6 visitor straight to a replica, each in the replica's
# log with its own address. Everything is removed at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
work="$(mktemp -d)"
play() { ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"; }
finish() {
    play cleanup.yml >"$work/cleanup.out" 2>&1 || { cat "$work/cleanup.out"; echo "cleanup failed" >&2; }
    rm -rf "$work"
}
trap finish EXIT
recap() {  # recap FILE N: the play recap reports changed=N
    grep -q "changed=$2 " "$1" || { echo "FAIL: expected changed=$2 in $1" >&2; grep -A2 'PLAY RECAP' "$1" >&2; exit 1; }
}

play setup.yml "$@"
# The gateway: check -> apply -> check -> apply. The first check reports changes (the replicas' files are
# compared inside them, so it knows exactly); the second round reports none.
play --check gateway.yml "$@" | tee "$work/check1.out"
grep -q "changed=0 " "$work/check1.out" && { echo "FAIL: check mode reported no change" >&2; exit 1; }
ip netns exec pfgw-cli curl -4 -s --max-time 2 http://198.51.100.1:8080/ >/dev/null \
    && { echo "FAIL: check mode started the gateway" >&2; exit 1; }
play gateway.yml "$@" | tee "$work/apply1.out"
grep -q "changed=0 " "$work/apply1.out" && { echo "FAIL: the first run reported no change" >&2; exit 1; }
play --check gateway.yml "$@" | tee "$work/check2.out"
recap "$work/check2.out" 0
play gateway.yml "$@" | tee "$work/apply2.out"
recap "$work/apply2.out" 0

play verify.yml "$@"
play bad_input.yml "$@"
echo "role_farm_gateway: passed"
