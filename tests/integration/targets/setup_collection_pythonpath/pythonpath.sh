# shellcheck shell=bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Sourced by the runme.sh of targets that run the collection's Python outside a playbook (a probe module, a
# helper script): sets collections_root to the ansible_collections directory holding palmfarm.ipv6 and puts
# its parent on PYTHONPATH. ansible-test runs a target from inside that tree; run by hand from a checkout, the
# first entry of ANSIBLE_COLLECTIONS_PATH is used. Such a target lists needs/target/setup_collection_pythonpath
# in its aliases.
collections_root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
while [[ "$collections_root" != / && "$(basename "$collections_root")" != ansible_collections ]]; do
    collections_root="$(dirname "$collections_root")"
done
if [[ "$collections_root" == / ]]; then
    collections_root="${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections"
fi
PYTHONPATH="$(dirname "$collections_root")${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
