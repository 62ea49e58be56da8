#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/molecule.sh [molecule test arguments, e.g. -s SCENARIO instead of all scenarios]
#
# Runs `molecule test` for every scenario under molecule/ from the repository root, against the real LXD
# daemon (`make lab` starts it first). The collection is found through .cache/collections (a symlink to this
# checkout) ahead of the usual collection paths.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv_bin="$root/.venv/bin"
collections="$root/.cache/collections"
# molecule runs ansible-config, ansible-playbook and friends from PATH.
export PATH="$venv_bin:$PATH"
cd "$root"

shopt -s nullglob
scenarios=(molecule/*/molecule.yml)
if (( ${#scenarios[@]} == 0 )); then
    echo "molecule: no scenario under molecule/ (molecule/NAME/molecule.yml); nothing to test"
    exit 0
fi
if [[ ! -x "$venv_bin/molecule" ]]; then
    echo "molecule: $venv_bin/molecule is missing; run 'make bootstrap' first" >&2
    exit 1
fi

link="$collections/ansible_collections/palmfarm/ipv6"
if [[ ! -e "$link" ]]; then
    mkdir -p "$(dirname "$link")"
    ln -sfn "$root" "$link"
fi
export ANSIBLE_COLLECTIONS_PATH="$collections:${ANSIBLE_COLLECTIONS_PATH:-$HOME/.ansible/collections:/usr/share/ansible/collections}"

# molecule's prerun would `ansible-galaxy collection install` this checkout into the first collection path,
# which is the symlink above (ansible-galaxy cannot replace a symlink); the symlink already provides it.
base_configs=()
if [[ -f .config/molecule/config.yml ]]; then
    base_configs+=(-c .config/molecule/config.yml)
fi
no_prerun="$(mktemp --suffix=.yml)"
trap 'rm -f "$no_prerun"' EXIT
printf -- '---\nprerun: false\n' > "$no_prerun"
base_configs+=(-c "$no_prerun")

if (( $# )); then
    molecule "${base_configs[@]}" test "$@"
    exit 0
fi

# One scenario after another, each with its own create and destroy; all run even when one fails.
failed=()
timings=()
for scenario in "${scenarios[@]}"; do
    name="$(basename "$(dirname "$scenario")")"
    echo "molecule: scenario $name"
    t0=$SECONDS
    result=passed
    molecule "${base_configs[@]}" test -s "$name" || { failed+=("$name"); result=FAILED; }
    timings+=("$(printf 'molecule: %-14s %5d s  %s' "$name" $((SECONDS - t0)) "$result")")
done
printf '%s\n' "${timings[@]}"
if (( ${#failed[@]} )); then
    echo "molecule: FAILED scenarios: ${failed[*]}" >&2
    exit 1
fi
echo "molecule: all ${#scenarios[@]} scenario(s) passed"
