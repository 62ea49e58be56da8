#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/newest.sh
#
# The unit tests and the full sanity suite on the newest supported ansible-core, from .venv-newest
# (requirements-newest.txt, Python 3.12 or later; scripts/bootstrap.sh makes it). The rest of `make test`
# runs on the oldest supported core, from .venv.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-newest"
# A machine with no Python 3.12 or later (plain Debian 12) cannot run ansible-core 2.21: the step says so
# and passes, except in CI (CI=true), where the newest core must be tested.
if [[ ! -x "$venv/bin/ansible-test" ]]; then
    if [[ "${CI:-false}" == true ]]; then
        echo "newest: $venv is missing: it needs Python 3.12 or later (python3.13 or python3.12 on PATH);" \
             "install one and run 'make bootstrap'" >&2
        exit 1
    fi
    echo "newest: SKIPPED: no Python 3.12 or later here, so ansible-core 2.21 is not tested on this machine"
    exit 0
fi
echo "newest: $("$venv/bin/ansible" --version | head -n 1) on $("$venv/bin/python" --version)"
cd "$root"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit
PALMFARM_VENV="$venv" bash "$root/scripts/sanity.sh"
