#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/release_check.sh [PLAYBOOK]
#
# The release as a user gets it: `ansible-galaxy collection build` makes the tarball (its version is the one
# in galaxy.yml, the only place that holds it), a fresh virtualenv gets ansible-core and requirements.txt
# (wheels kept in .cache/wheels, so a second run needs no package index), the tarball is installed with
# `ansible-galaxy collection install` into a scratch collections path, and the installed collection's own
# playbook PLAYBOOK (default palmfarm.ipv6.site) runs from that virtualenv against the embedded lab, from a
# directory outside the repository (no ansible.cfg, roles or plugins of the checkout in reach). The tarball must
# hold the user-facing roles and playbooks and none of the lab's roles and playbooks, tests, molecule or scripts. The
# collections of requirements.yml come from .cache/collections, as scripts/bootstrap.sh fetched them.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
playbook="${1:-palmfarm.ipv6.site}"
work="${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/release"
wheels="$root/.cache/wheels"
rm -rf "$work"
mkdir -p "$work/build" "$work/collections/ansible_collections" "$work/run" "$wheels"

python=python3
if command -v python3.11 >/dev/null 2>&1 && python3.11 -c 'import venv' >/dev/null 2>&1; then
    python=python3.11
fi

version="$(sed -n 's/^version:[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$root/galaxy.yml")"
start=$SECONDS
copy="$(bash "$root/scripts/collection_copy.sh" "$work/src")"
"$root/.venv/bin/ansible-galaxy" collection build --output-path "$work/build" "$copy" >/dev/null
tarball="$work/build/palmfarm-ipv6-$version.tar.gz"
[[ -s "$tarball" ]] || { ls "$work/build" >&2; echo "release_check: the build made no $tarball" >&2; exit 1; }
echo "release_check: built $(basename "$tarball") ($(du -k "$tarball" | cut -f1) KiB) in $((SECONDS - start)) s"

# What ships: the user-facing parts are in, the lab and the test harness are out (galaxy.yml's build_ignore).
contents="$(tar -tzf "$tarball")"
for wanted in plugins/modules/ roles/lxd_host/ roles/farm/ roles/dns_zone/ roles/babel_router/ roles/farm_gateway/ \
              playbooks/site.yml playbooks/status.yml inventory/example/ README.md requirements.txt; do
    grep -q "^$wanted" <<<"$contents" || { echo "release_check: $wanted is missing from the tarball" >&2; exit 1; }
done
harness="$(grep -E '^(roles/lab_|playbooks/(demo|lab|lab_down)\.yml|inventory/lab/|tests/|molecule/|scripts/|bench/|Makefile|ansible\.cfg|requirements-)' <<<"$contents" || true)"
[[ -z "$harness" ]] || { echo "release_check: the tarball holds the lab or the test harness:" >&2; echo "$harness" >&2; exit 1; }
echo "release_check: the tarball holds the user-facing roles and playbooks, and no lab role, test or script"

# ansible-core as requirements-test.txt pins it, and the collection's Python requirements.
core_spec="$(grep -E '^ansible-core' "$root/requirements-test.txt" | head -1)"
"$python" -m venv "$work/venv"
pip=("$work/venv/bin/python" -m pip install -q --disable-pip-version-check)
# pip's configuration may name find-links directories that do not exist; its warnings about them are noise.
quiet_pip() { "$@" 2> >(grep -v "^WARNING: Location '.*' is ignored" >&2); }
if ! "${pip[@]}" --no-index --find-links "$wheels" "$core_spec" -r "$root/requirements.txt" >/dev/null 2>&1; then
    quiet_pip "$work/venv/bin/python" -m pip download -q --disable-pip-version-check -d "$wheels" "$core_spec" \
        -r "$root/requirements.txt"
    quiet_pip "${pip[@]}" --no-index --find-links "$wheels" "$core_spec" -r "$root/requirements.txt"
fi
echo "release_check: fresh virtualenv with $("$work/venv/bin/ansible" --version | head -1) in $((SECONDS - start)) s"

# Only the installed collection is in reach: no ansible.cfg, a collections path of the scratch tree alone.
cd "$work/run"
printf '[defaults]\n' >"$work/run/ansible.cfg"
export ANSIBLE_CONFIG="$work/run/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_ROLES_PATH="$work/run/roles"
export ANSIBLE_INVENTORY_ENABLED="palmfarm.ipv6.lxd,yaml,ini,auto" ANSIBLE_HOST_KEY_CHECKING=false
"$work/venv/bin/ansible-galaxy" collection install -p "$work/collections" "$tarball" >/dev/null
installed="$work/collections/ansible_collections/palmfarm/ipv6"
got="$("$work/venv/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
    "$installed/MANIFEST.json")"
[[ "$got" == "$version" && ! -L "$installed" ]] \
    || { echo "release_check: installed palmfarm.ipv6 $got at $installed, wanted $version" >&2; exit 1; }
for dependency in community ansible; do
    ln -s "$root/.cache/collections/ansible_collections/$dependency" "$work/collections/ansible_collections/$dependency"
done

found="$("$work/venv/bin/ansible-galaxy" collection list palmfarm.ipv6 2>/dev/null | grep -m1 '^# ' || true)"
[[ "$found" == "# $work/collections/ansible_collections" ]] \
    || { echo "release_check: ansible-galaxy finds palmfarm.ipv6 in '$found', not the scratch install" >&2; exit 1; }
run_start=$SECONDS
set +e
"$work/venv/bin/ansible-playbook" -i "$root/inventory/lab" "$playbook" >"$work/playbook.log" 2>&1
rc=$?
set -e
sed -n '/PLAY RECAP/,$p' "$work/playbook.log"
if [[ $rc != 0 ]]; then
    tail -40 "$work/playbook.log" >&2
    echo "release_check: $playbook of the installed palmfarm.ipv6 $version failed (rc $rc, log $work/playbook.log)" >&2
    exit 1
fi
echo "release_check: $playbook of the installed palmfarm.ipv6 $version ran in $((SECONDS - run_start)) s" \
     "from a fresh virtualenv; all in $((SECONDS - start)) s"
