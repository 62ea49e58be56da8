#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Renumbering, end to end, on a home LAN of this test's own (router pfr-home with radvd by the lab_network role,
# bridge pfr-br0, profile pfr-ext, containers pfr-w1..3 of palmfarm-base), with Knot DNS on ::1 port 53742:
#   1. the site playbook (site.yml: lxd_farm, then dns_aaaa with scopes [global, ula], ptr and prune) publishes
#      the old global prefix's and the ULA addresses; a second run changes nothing;
#   2. the router advertises the new global prefix and the old one with a preferred lifetime of 0;
#   3. once the containers have taken the new prefix, ONE run of the site playbook; then every AAAA record is
#      the new global address or the ULA one, the PTR records are in the new prefix, nothing of the old prefix
#      is left, each zone's serial moved by exactly one, dig answers so; a second run changes nothing.
# The time from the router advertisement to the right answers is printed (and appended as JSON lines to
# $PFR_TIMINGS when set, run by hand: ansible-test passes no such variable; PFR_KEEP=1 leaves everything in place).
# Everything is removed at the end, whatever happens; leftovers of an earlier run are removed first.
set -euo pipefail
cd "$(dirname "$0")"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
work="$(mktemp -d /tmp/pfr-t.XXXXXX)"
play() { ansible-playbook -i localhost, -c local -e "ansible_python_interpreter=$python" "$@"; }
finish() {
    if [[ -n "${PFR_KEEP:-}" ]]; then echo "renumbering: PFR_KEEP is set, everything is left in place" >&2; return; fi
    play cleanup.yml >"$work/cleanup.out" 2>&1 || { cat "$work/cleanup.out"; echo "renumbering: cleanup failed" >&2; }
    rm -rf "$work"
}
trap finish EXIT
fail() { echo "renumbering: FAIL: $*" >&2; exit 1; }
recap() {  # recap FILE N: the play recap reports changed=N
    grep -q "changed=$2 " "$1" || { grep -A2 'PLAY RECAP' "$1" >&2; fail "expected changed=$2 in $(basename "$1")"; }
}
var() { sed -n "s/^$1: *//p" vars.yml; }
names=(pfr-w1 pfr-w2 pfr-w3)
old="$(var pfr_old_prefix)" new="$(var pfr_new_prefix)" ula="$(var pfr_ula_prefix)"
run_dir="$(var pfr_run_dir)" router_if="$(var pfr_router_interface)"
port="$(var pfr_dns_port)" zone="$(var pfr_zone)"

play setup.yml "$@"

# 1. Published with the old prefix; the serials moved from 100 and 200 by one.
play site.yml "$@" | tee "$work/first.out"
grep -q "changed=0 " "$work/first.out" && fail "the first publish reported no change"
play site.yml "$@" | tee "$work/first-again.out"
recap "$work/first-again.out" 0
play verify.yml -e pfr_expect=old -e pfr_forward_serial=101 -e pfr_reverse_serial=201 "$@"

# 2. The router renumbers: the new prefix, the old one deprecated (valid for 600 s more, which the hosts raise
# to two hours: RFC 4862 5.5.3 e).
t0="$(files/switch_prefix.sh "$run_dir" "$router_if" "$new,$ula" "$old" 600)"
"$python" files/probe.py slaac "$t0" 60 "$new" "${names[@]}" >"$work/slaac.json" \
    || { cat "$work/slaac.json"; fail "the containers did not take the new prefix within 60 s"; }

# 3. One run of the site playbook; the records are right when it ends.
t1="$(date +%s.%N)"
play site.yml "$@" | tee "$work/renumbered.out"
grep -q "changed=0 " "$work/renumbered.out" && fail "the run after the renumbering reported no change"
"$python" files/probe.py dns "$t0" 30 "$port" "$zone" "$new" "$ula" "${names[@]}" >"$work/dns.json" \
    || { cat "$work/dns.json"; fail "dig did not answer the new records"; }
play verify.yml -e pfr_expect=new -e pfr_forward_serial=102 -e pfr_reverse_serial=202 "$@"
play site.yml "$@" | tee "$work/renumbered-again.out"
recap "$work/renumbered-again.out" 0
play verify.yml -e pfr_expect=new -e pfr_forward_serial=102 -e pfr_reverse_serial=202 "$@"

timings="$("$python" - "$t0" "$t1" "$work/slaac.json" "$work/dns.json" <<'PY'
import json, sys
t0, t1 = float(sys.argv[1]), float(sys.argv[2])
slaac = json.load(open(sys.argv[3]))["seconds"]
right = json.load(open(sys.argv[4]))["seconds"]
print(json.dumps({"slaac_s": slaac, "run_s": round(right - (t1 - t0), 3), "total_s": right}))
PY
)"
echo "renumbering: from the router advertisement to the right answers: $timings"
if [[ -n "${PFR_TIMINGS:-}" ]]; then echo "$timings" >>"$PFR_TIMINGS"; fi
echo "renumbering: passed"
