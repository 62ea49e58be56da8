#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/ee_check.sh
#
# The collection as an AWX / Ansible Automation Platform execution environment would take it: the built
# tarball listed in an EE definition, `ansible-builder create` making the build context (no container engine
# needed), and `ansible-builder introspect` reading the Python and system requirements from the collection's
# own meta/execution-environment.yml. Fails when any of them is missing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv_bin="$root/.venv/bin"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/ee"
rm -rf "$work"
mkdir -p "$work/build" "$work/installed"

copy="$(bash "$root/scripts/collection_copy.sh" "$work/src")"
"$venv_bin/ansible-galaxy" collection build --force --output-path "$work/build" "$copy" >/dev/null
tarball="$(ls "$work"/build/palmfarm-ipv6-*.tar.gz)"
echo "ee_check: built $(basename "$tarball")"

# The EE definition a user writes: this collection's tarball, and the collections it uses at run time from
# requirements.yml (community.general for the lxd connection, ansible.posix), which an image built from the
# tarball alone would lack.
"$venv_bin/python" - "$root/requirements.yml" "$(basename "$tarball")" >"$work/execution-environment.yml" <<'PY'
import json
import sys

import yaml

with open(sys.argv[1], encoding="utf-8") as handle:
    needed = yaml.safe_load(handle)["collections"]
definition = {
    "version": 3,
    "images": {"base_image": {"name": "quay.io/ansible/awx-ee:latest"}},
    "dependencies": {
        "galaxy": {"collections": [{"name": f"collections/{sys.argv[2]}", "type": "file"}] + needed},
        "python": [],
        "system": [],
    },
    "additional_build_files": [{"src": f"build/{sys.argv[2]}", "dest": "collections"}],
}
print(json.dumps(definition, indent=2))
PY
"$venv_bin/ansible-builder" create -f "$work/execution-environment.yml" --context "$work/context" \
    --output-filename Containerfile >/dev/null
for want in "$work/context/Containerfile" "$work/context/_build/collections/$(basename "$tarball")"; do
    [[ -s "$want" ]] || { echo "ee_check: ansible-builder create made no $want" >&2; exit 1; }
done
grep -q "ansible-galaxy collection install" "$work/context/Containerfile" \
    || { echo "ee_check: the Containerfile does not install collections" >&2; exit 1; }
for want in community.general ansible.posix; do
    grep -q -- "$want" "$work/context/_build/requirements.yml" \
        || { echo "ee_check: the build context's requirements.yml misses $want" >&2; exit 1; }
done
echo "ee_check: ansible-builder create made $work/context"

# What the image build would gather from the collection itself.
ANSIBLE_COLLECTIONS_PATH="$work/installed" "$venv_bin/ansible-galaxy" collection install --force \
    -p "$work/installed" "$tarball" >/dev/null
"$venv_bin/ansible-builder" introspect --sanitize "$work/installed" >"$work/introspect.txt"
python_reqs="$(sed -n 's/^[[:space:]]*\([A-Za-z0-9_.-]*\)[<>=!~ ].*/\1/p' "$root/requirements.txt" | grep -v '^$')"
for req in $python_reqs openssh-client bird2 bind9-utils; do
    grep -qi -- "$req" "$work/introspect.txt" \
        || { cat "$work/introspect.txt" >&2; echo "ee_check: introspection misses $req" >&2; exit 1; }
done
echo "ee_check: introspection lists $(echo "$python_reqs" | tr '\n' ' ')and the system packages"
