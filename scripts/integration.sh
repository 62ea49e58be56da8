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

# PALMFARM_TEST_SERVER=incus: run the targets against Incus instead of the machine's default server. The
# modules find Incus's socket through $INCUS_DIR; the targets' own set-up and checks call `lxc`, which is then
# Incus's `incus` (same sub-commands for all the targets use).
case "${PALMFARM_TEST_SERVER:-}" in
    "" | lxd) ;;
    incus)
        export INCUS_DIR="${INCUS_DIR:-/var/lib/incus}"
        unset LXD_DIR
        work="$work-incus"
        mkdir -p "$work/bin"
        printf '#!/bin/sh\nexec incus "$@"\n' >"$work/bin/lxc"
        chmod 755 "$work/bin/lxc"
        export PATH="$work/bin:$PATH"
        ;;
    *)
        echo "integration: PALMFARM_TEST_SERVER=$PALMFARM_TEST_SERVER is neither lxd nor incus" >&2
        exit 2
        ;;
esac

if [[ ! -x "$venv_bin/ansible-test" ]]; then
    echo "integration: $venv_bin/ansible-test is missing; run 'make bootstrap' first" >&2
    exit 1
fi
if command -v lxc >/dev/null && ! timeout 30 lxc query /1.0 >/dev/null; then
    echo "integration: the server does not answer ('$(command -v lxc) query /1.0' failed); run 'make lab' first" >&2
    exit 1
fi

copy="$(bash "$root/scripts/collection_copy.sh" "$work")"
cd "$copy"
if [[ "${PALMFARM_TEST_SERVER:-}" == incus ]]; then
    # Variables for every target (ansible-test passes no other environment to the modules).
    printf 'palmfarm_lxd_url: unix:%s/unix.socket\npalmfarm_lxd_server: incus\n' "$INCUS_DIR" \
        >tests/integration/integration_config.yml
fi
if ! compgen -G "tests/integration/targets/*/" >/dev/null; then
    echo "integration: no targets under tests/integration/targets; nothing to run" >&2
    exit 1
fi
echo "integration: ansible-test $("$venv_bin/ansible-test" --version | awk '{print $NF}') on $copy"
exec "$venv_bin/ansible-test" integration --local --python "$python_version" \
    --allow-destructive --allow-root --continue-on-error --color no -v "$@"
