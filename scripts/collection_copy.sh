#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/collection_copy.sh DEST_ROOT
#
# Copies this collection to DEST_ROOT/ansible_collections/palmfarm/ipv6/ and prints that path.
# ansible-test only works from a real directory at .../ansible_collections/NAMESPACE/NAME/ (it refuses
# other paths, and a symlink is not enough). The copy holds the files git knows of (tracked, and untracked
# ones that are not ignored); local environments, caches and test output stay behind. An earlier copy at
# the same place is replaced.
set -euo pipefail

if [[ $# -ne 1 || -z "$1" ]]; then
    echo "usage: $0 DEST_ROOT" >&2
    exit 2
fi

root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
dest_root="$(cd "$1" && pwd)"
dest="$dest_root/ansible_collections/palmfarm/ipv6"

case "$dest/" in
    "$root"/*)
        echo "collection_copy: the destination $dest lies inside the collection $root; choose a path outside it" >&2
        exit 2
        ;;
esac

excludes=(--exclude=.git --exclude='.venv*' --exclude=.cache --exclude=tests/output --exclude=.ansible --exclude=.hypothesis
          --exclude=.pytest_cache --exclude=.ruff_cache --exclude=__pycache__ --exclude='*.pyc')

rm -rf "$dest"
mkdir -p "$dest"

if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked files plus untracked files that .gitignore does not hide; rsync skips names that no longer exist.
    git -C "$root" ls-files -z --cached --others --exclude-standard \
        | rsync -a --from0 --files-from=- --ignore-missing-args "${excludes[@]}" "$root/" "$dest/"
else
    rsync -a "${excludes[@]}" "$root/" "$dest/"
fi

# The collections this one depends on (requirements.yml, installed by bootstrap into .cache/collections) sit
# beside the copy, where ansible-test and the playbooks it runs look for them.
for dep in "$root"/.cache/collections/ansible_collections/*/*/; do
    dep="${dep%/}"
    name="${dep#"$root"/.cache/collections/ansible_collections/}"
    [[ "$name" == palmfarm/* || ! -f "$dep/MANIFEST.json" ]] && continue
    mkdir -p "$dest_root/ansible_collections/${name%/*}"
    ln -sfn "$dep" "$dest_root/ansible_collections/$name"
done

echo "$dest"
