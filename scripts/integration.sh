#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/integration.sh [TARGET ...] [extra ansible-test integration arguments]
#
# Runs the integration targets under tests/integration/targets/ (all of them unless named) with
# `ansible-test integration` on a copy of the collection (see collection_copy.sh), against the real LXD
# daemon on this machine: `make lab` starts it first. The targets change the machine (aliases: destructive),
# so they run only here, on purpose. Every target runs even when an earlier one fails; the script fails when
# any of them did.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv_bin="$root/.venv/bin"
python_version="${INTEGRATION_PYTHON:-$("$venv_bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')}"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/integration"
# ansible-test finds `python3.X` on PATH: it must be the virtualenv's, which has pylxd.
export PATH="$venv_bin:$PATH"
# ansible-test writes its own configuration; the repository's ansible.cfg is for the lab playbooks.
unset ANSIBLE_CONFIG

if [[ ! -x "$venv_bin/ansible-test" ]]; then
    echo "integration: $venv_bin/ansible-test is missing; run 'make bootstrap' first" >&2
    exit 1
fi
if command -v lxc >/dev/null && ! timeout 30 lxc query /1.0 >/dev/null; then
    echo "integration: the LXD daemon does not answer ('lxc query /1.0' failed); run 'make lab' first" >&2
    exit 1
fi

copy="$(bash "$root/scripts/collection_copy.sh" "$work")"
cd "$copy"
if ! compgen -G "tests/integration/targets/*/" >/dev/null; then
    echo "integration: no targets under tests/integration/targets; nothing to run" >&2
    exit 1
fi
echo "integration: ansible-test $("$venv_bin/ansible-test" --version | awk '{print $NF}') on $copy"
exec "$venv_bin/ansible-test" integration --local --python "$python_version" \
    --allow-destructive --allow-root --continue-on-error --color no -v "$@"
