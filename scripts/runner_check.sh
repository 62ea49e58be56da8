#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/runner_check.sh [PLAYBOOK]
#
# Runs PLAYBOOK (default site.yml) of playbooks/ against the embedded lab the way AWX does: through
# ansible-runner, from a private data dir made in a scratch directory, with
#   project/    the collection's playbooks (what an AWX project checks out),
#   inventory/  inventory/lab with its group_vars (what an AWX inventory source provides),
#   env/        envvars: the collections path (this collection and the ones of requirements.yml, as an
#               execution environment has them installed) and the collection's ansible.cfg.
# Fails unless ansible-runner reports the status `successful` and rc 0; prints the play recap.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv_bin="$root/.venv/bin"
playbook="${1:-site.yml}"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/runner"
[[ -f "$root/playbooks/$playbook" ]] || { echo "runner_check: there is no playbooks/$playbook" >&2; exit 2; }
collections="$root/.cache/collections"
[[ -e "$collections/ansible_collections/palmfarm/ipv6" ]] \
    || { echo "runner_check: $collections has no palmfarm.ipv6; run scripts/bootstrap.sh first" >&2; exit 2; }

rm -rf "$work"
mkdir -p "$work/project" "$work/inventory" "$work/env"
cp -a "$root/playbooks/." "$work/project/"
cp -a "$root/inventory/lab/." "$work/inventory/"
cat >"$work/env/envvars" <<EOF
---
ANSIBLE_COLLECTIONS_PATH: $collections
ANSIBLE_CONFIG: $root/ansible.cfg
EOF
# The runner's own copy of the output is kept in artifacts/; no need for it on the terminal twice.
cat >"$work/env/settings" <<EOF
---
suppress_ansible_output: false
EOF

start=$SECONDS
set +e
PATH="$venv_bin:$PATH" "$venv_bin/ansible-runner" run "$work" -p "$playbook" --ident check >"$work/runner.log" 2>&1
runner_rc=$?
set -e
artifacts="$work/artifacts/check"
status="$(cat "$artifacts/status" 2>/dev/null || echo none)"
rc="$(cat "$artifacts/rc" 2>/dev/null || echo none)"
echo "runner_check: ansible-runner ran $playbook in $((SECONDS - start)) s: status $status, rc $rc"
sed -n '/PLAY RECAP/,$p' "$artifacts/stdout" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g'
if [[ "$runner_rc" != 0 || "$status" != successful || "$rc" != 0 ]]; then
    tail -40 "$work/runner.log" >&2
    echo "runner_check: ansible-runner did not run $playbook successfully (artifacts: $artifacts)" >&2
    exit 1
fi
