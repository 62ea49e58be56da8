#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments, e.g. --test validate-modules]
#
# Runs the full `ansible-test sanity` suite on a copy of the collection (see collection_copy.sh), every test
# in its own virtual environment with the requirements ansible-test pins. No ignore files: a finding is fixed,
# not waived. ansible-test bootstraps pip in those environments with a get-pip script from a host that may be
# unreachable; scripts/get_pip_standin.py takes its place in ansible-test's cache.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
# PALMFARM_VENV: the virtualenv whose ansible-core runs the tests (.venv, the oldest supported core, unless told).
venv="${PALMFARM_VENV:-$root/.venv}"
venv_bin="$venv/bin"
python_version="${SANITY_PYTHON:-$("$venv_bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/sanity-$(basename "$venv")"
export PATH="$venv_bin:$PATH"

if [[ ! -x "$venv_bin/ansible-test" ]]; then
    echo "sanity: $venv_bin/ansible-test is missing; run 'make bootstrap' first" >&2
    exit 1
fi

# Without shellcheck ansible-test skips its shellcheck test with a mere warning.
if ! command -v shellcheck >/dev/null; then
    echo "sanity: shellcheck is missing (Debian package shellcheck); run 'make bootstrap' first" >&2
    exit 1
fi

shopt -s nullglob
ignores=("$root"/tests/sanity/ignore-*.txt)
if (( ${#ignores[@]} )); then
    echo "sanity: ignore files are not used in this collection; fix the findings and remove: ${ignores[*]}" >&2
    exit 1
fi

# The pip version ansible-test bootstraps, read from ansible-test itself so that an ansible-core upgrade
# cannot leave the stand-in under a stale name.
pip_version="$("$venv_bin/python" - "$python_version" <<'PY'
import sys
import types

from ansible_test._internal.python_requirements import get_venv_packages

print(get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))["pip"])
PY
)"
get_pip="$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py"
standin="$root/scripts/get_pip_standin.py"
# Keep a genuine get-pip script that ansible-test managed to download; otherwise put (or refresh) the stand-in.
if [[ ! -e "$get_pip" ]] || grep -q 'Offline stand-in for the get-pip script' "$get_pip"; then
    mkdir -p "$(dirname "$get_pip")"
    cp "$standin" "$get_pip"
fi

copy="$(bash "$root/scripts/collection_copy.sh" "$work")"
cd "$copy"
echo "sanity: ansible-test $("$venv_bin/ansible-test" --version | awk '{print $NF}') on $copy (pip $pip_version bootstrap: $get_pip)"
exec "$venv_bin/ansible-test" sanity --requirements --venv --python "$python_version" --color no "$@"
