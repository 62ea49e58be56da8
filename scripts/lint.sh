#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/lint.sh
#
# ansible-lint (profile production, see .ansible-lint), yamllint (.yamllint), ruff and mypy (strict on
# plugins/module_utils; both configured in pyproject.toml), all from the .venv-lint virtualenv (requirements-lint.txt),
# and scripts/function_length.py (no new function of plugins/ over 50 lines). mypy reads the cores by their full
# name, from the collection link that bootstrap makes under .cache/collections. Every linter runs even when an
# earlier one fails; the script fails when any of them did.
set -uo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
lint_bin="${LINT_VENV:-$root/.venv-lint}/bin"
cd "$root" || exit 1

for tool in ansible-lint yamllint ruff mypy; do
    if [[ ! -x "$lint_bin/$tool" ]]; then
        echo "lint: $lint_bin/$tool is missing; run 'make bootstrap' first" >&2
        exit 1
    fi
done
# ansible-lint runs ansible-playbook and friends from PATH: take the ones beside it.
export PATH="$lint_bin:$PATH"
export ANSIBLE_CONFIG="$root/ansible.cfg"

failed=()
run() {
    local name="$1"
    shift
    echo "lint: $*"
    "$@" || failed+=("$name")
}

run ansible-lint ansible-lint --nocolor
run yamllint yamllint --strict --format standard .
run ruff ruff check --no-cache --output-format concise plugins tests bench scripts
# mypy from the collection link, where the cores import by their full name.
typecheck() {
    (cd "$root/.cache/collections" && "$lint_bin/mypy" --config-file "$root/pyproject.toml" --cache-dir /dev/null \
        -p ansible_collections.palmfarm.ipv6.plugins.module_utils)
}
run mypy typecheck
run function-length "$root/.venv/bin/python" "$root/scripts/function_length.py"

if (( ${#failed[@]} )); then
    echo "lint: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "lint: ansible-lint, yamllint, ruff and mypy passed"
