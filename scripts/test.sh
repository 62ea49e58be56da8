#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/test.sh [STEP ...]        (make test: every step, in this order)
#
# Runs the steps of `make test` one after another, each as its own make target, and stops at the first that
# fails. The lab is built once, by the step `lab`; the steps after it are told so (PALMFARM_LAB_READY=1) and do
# not run lab.yml again. Each step prints its time, and a table of all of them closes the run, failed or not;
# the same table goes to $PALMFARM_TEST_DIR/test-times.json. The whole run must stay under the budget
# (PALMFARM_TEST_BUDGET seconds, 3600 unless told): over it, the run says so loudly, and the table shows which
# steps took the time.
set -euo pipefail
cd "$(dirname "$0")/.."

all_steps=(units sanity newest lint ee docs-check lab demo status-check runner-check release-check
           integration integration-incus debian13 molecule)
steps=("${all_steps[@]}")
(($#)) && steps=("$@")
budget="${PALMFARM_TEST_BUDGET:-3600}"
times="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/test-times.json"
start=$SECONDS
names=()
secs=()
results=()

report() {
    local i total=$((SECONDS - start))
    echo
    echo "test: step               seconds  result"
    for i in "${!names[@]}"; do
        printf 'test: %-18s %7d  %s\n' "${names[$i]}" "${secs[$i]}" "${results[$i]}"
    done
    printf 'test: %-18s %7d  (budget %d)\n' "all" "$total" "$budget"
    mkdir -p "$(dirname "$times")"
    {
        printf '{"total": %d, "budget": %d, "steps": [' "$total" "$budget"
        for i in "${!names[@]}"; do
            printf '%s{"step": "%s", "seconds": %d, "result": "%s"}' "$([[ $i -gt 0 ]] && echo ', ')" \
                "${names[$i]}" "${secs[$i]}" "${results[$i]}"
        done
        printf ']}\n'
    } >"$times"
}
trap report EXIT

for step in "${steps[@]}"; do
    t0=$SECONDS
    echo "test: [$(date -u +%H:%M:%S)] $step"
    names+=("$step")
    extra=()
    # The lab is up once `lab` passed; a step run alone still builds it.
    [[ " ${names[*]} " == *" lab "* && "$step" != lab ]] && extra+=(PALMFARM_LAB_READY=1)
    if make --no-print-directory "$step" "${extra[@]}"; then
        results+=(passed)
        secs+=($((SECONDS - t0)))
        echo "test: $step passed in $((SECONDS - t0)) s"
    else
        results+=(FAILED)
        secs+=($((SECONDS - t0)))
        echo "test: $step FAILED after $((SECONDS - t0)) s" >&2
        exit 1
    fi
done
if ((SECONDS - start > budget)); then
    echo "test: WARNING: all steps passed, but in $((SECONDS - start)) s, over the budget of $budget s" >&2
fi
