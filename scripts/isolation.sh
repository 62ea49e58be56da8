#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/isolation.sh [SEED]
#
# Proves that every integration target and every molecule scenario makes what it needs itself: each runs
# alone (`ansible-test integration TARGET` through integration.sh, `molecule test -s NAME` through
# molecule.sh), all of them in one order shuffled by SEED (random unless given; printed, so that a failing
# order can be replayed), and before each one everything that a test makes for others and the lab does not
# (the tiny image and its cached tarballs) is removed. The lab must be up (`make lab`). Every test runs even
# when an earlier one fails; the script fails when any did.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seed="${1:-$RANDOM}"

tests=()
for dir in tests/integration/targets/*/; do
    name="$(basename "$dir")"
    # setup_* targets are roles that other targets include, not tests of their own.
    [[ "$name" == setup_* ]] && continue
    tests+=("integration:$name")
done
for file in molecule/*/molecule.yml; do
    tests+=("molecule:$(basename "$(dirname "$file")")")
done
mapfile -t order < <(printf '%s\n' "${tests[@]}" | shuf --random-source=<(yes "$seed"))
echo "isolation: ${#order[@]} tests, seed $seed: ${order[*]}"

# What a test may leave for another: the tiny image (alias palmfarm-tiny) and the tarballs it is built from.
forget_shared() {
    lxc image delete palmfarm-tiny >/dev/null 2>&1 || true
    rm -rf /var/cache/palmfarm/tiny-image
}

failed=()
for test in "${order[@]}"; do
    kind="${test%%:*}" name="${test#*:}"
    forget_shared
    started=$SECONDS
    echo "isolation: $kind $name"
    verdict=passed
    if [[ "$kind" == integration ]]; then
        bash scripts/integration.sh "$name" || verdict=FAILED
    else
        bash scripts/molecule.sh -s "$name" || verdict=FAILED
    fi
    [[ "$verdict" == passed ]] || failed+=("$test")
    echo "isolation: $kind $name $verdict in $((SECONDS - started)) s"
done
if (( ${#failed[@]} )); then
    echo "isolation: FAILED (seed $seed): ${failed[*]}" >&2
    exit 1
fi
echo "isolation: all ${#order[@]} tests passed alone, in the order of seed $seed"
