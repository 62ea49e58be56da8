#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/test.sh [STEP ...]        (make test: every step, in this order)
#
# Runs the steps of `make test` one after another, each as its own make target, and stops at the first that
# fails; a step written A+B runs A and B side by side. The lab is built once, by the step `lab`; the steps
# after it are told so (PALMFARM_LAB_READY=1) and do not run lab.yml again. Each step prints its time, and a table of all of them closes the run, failed or not;
# the same table goes to $PALMFARM_TEST_DIR/test-times.json. The whole run must stay under the budget
# (PALMFARM_TEST_BUDGET seconds, 3600 unless told): over it, the run says so loudly, and the table shows which
# steps took the time. Each step's output is also kept in $PALMFARM_TEST_DIR/logs/STEP.log; when a step fails,
# the lines that say why (failed tasks, tracebacks, failed assertions) close the run, after the table, so that
# the last lines of a long run name the cause.
set -euo pipefail
cd "$(dirname "$0")/.."

all_steps=(sanity+newest units+lint ee docs-check lab demo status-check runner-check release-check
           integration integration-incus+debian13 molecule)
steps=("${all_steps[@]}")
(($#)) && steps=("$@")
budget="${PALMFARM_TEST_BUDGET:-3600}"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}"
times="$work/test-times.json"
logs="$work/logs"
failed_log=""
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
        printf '{"date": "%s", "machine": {"cpus": %d, "debian": "%s", "kernel": "%s"}, ' "$(date -u +%F)" \
            "$(nproc)" "$(cat /etc/debian_version 2>/dev/null || echo unknown)" "$(uname -r)"
        printf '"total": %d, "budget": %d, "steps": [' "$total" "$budget"
        for i in "${!names[@]}"; do
            printf '%s{"step": "%s", "seconds": %d, "result": "%s"}' "$([[ $i -gt 0 ]] && echo ', ')" \
                "${names[$i]}" "${secs[$i]}" "${results[$i]}"
        done
        printf ']}\n'
    } >"$times"
    [[ -n "$failed_log" ]] && why "$failed_log"
    return 0
}

# The lines of a failed step's log that say why: failed tasks, tracebacks, failed assertions and tests.
why() {
    echo
    echo "test: why it failed (from $1):"
    local lines
    # The first failures first (later ones often follow from them); molecule's note about a missing default
    # scenario is no failure.
    lines="$(grep -v "'molecule/default/molecule.yml' glob failed" "$1" \
        | grep -E -A6 'fatal: \[|FAILED! =>|CRITICAL|Idempotence test failed|Traceback|^E   |^FAILED |ERROR: ' \
        || true)"
    [[ -n "$lines" ]] || lines="$(tail -n 15 "$1")"
    printf '%s\n' "$lines" | cut -c1-300 | head -n 40
}
trap report EXIT

# A step written A+B runs A and B side by side (steps that share nothing: their own virtualenvs and work
# directories), each into its own log, printed one after the other when both are done.
# record STEP RC SECONDS [RESULT]: one line of the table, and the step's verdict printed; a failed step's log is
# the one the closing lines quote (the first to fail).
record() {
    names+=("$1")
    secs+=("$3")
    if [[ "$2" == 0 ]]; then
        results+=("${4:-passed}")
        echo "test: $1 passed in $3 s"
        return 0
    fi
    results+=(FAILED)
    echo "test: $1 FAILED after $3 s" >&2
    [[ -n "$failed_log" ]] || failed_log="$logs/$1.log"
    return 1
}

run_parallel() {
    local part pids=() parts
    IFS=+ read -r -a parts <<<"$1"
    for part in "${parts[@]}"; do
        (
            t0=$SECONDS
            rc=0
            make --no-print-directory "$part" "${extra[@]}" >"$logs/$part.log" 2>&1 || rc=$?
            echo "$rc $((SECONDS - t0))" >"$logs/$part.rc"
        ) &
        pids+=($!)
    done
    wait "${pids[@]}" || true
    local failed=0 rc sec others
    for part in "${parts[@]}"; do
        cat "$logs/$part.log"
        read -r rc sec <"$logs/$part.rc"
        others="+$1+"
        others="${others//+$part+/+}"
        others="${others#+}"
        record "$part" "$rc" "$sec" "passed (beside ${others%+})" || failed=1
    done
    return "$failed"
}

mkdir -p "$logs"
for step in "${steps[@]}"; do
    t0=$SECONDS
    echo "test: [$(date -u +%H:%M:%S)] $step"
    extra=()
    # The lab is up once `lab` passed; a step run alone still builds it.
    [[ " ${names[*]} " == *" lab "* && "$step" != lab ]] && extra+=(PALMFARM_LAB_READY=1)
    if [[ "$step" == *+* ]]; then
        run_parallel "$step" || exit 1
        continue
    fi
    rc=0
    make --no-print-directory "$step" "${extra[@]}" 2>&1 | tee "$logs/$step.log" || rc=$?
    record "$step" "$rc" $((SECONDS - t0)) || exit 1
done
if ((SECONDS - start > budget)); then
    echo "test: WARNING: all steps passed, but in $((SECONDS - start)) s, over the budget of $budget s" >&2
fi
