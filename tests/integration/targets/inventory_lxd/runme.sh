#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The palmfarm.ipv6.lxd inventory plugin against the real LXD: two containers on the lab's bridge (itinv-a
# running, itinv-b stopped), read with filters, keyed groups, compose, the lxd connection mode and the cache.
# check_inventory.py asserts on each `ansible-inventory --list` answer.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
image=palmfarm-tiny
mark=itinv-mark
project=itinv-proj
prefix=2001:db8:ebbd:2080::/64
work="$(mktemp -d)"

# Only this plugin reads the sources below, and a source it cannot read fails the command.
export ANSIBLE_INVENTORY_ENABLED=palmfarm.ipv6.lxd
export ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED=true

remove_test_objects() {
    lxc delete --force itinv-a >/dev/null 2>&1 || true
    lxc delete --force itinv-b >/dev/null 2>&1 || true
    lxc profile delete "$mark" >/dev/null 2>&1 || true
    lxc delete --force itinv-p --project "$project" >/dev/null 2>&1 || true
    lxc project delete "$project" >/dev/null 2>&1 || true
}
finish() {
    remove_test_objects
    rm -rf "$work"
}
trap finish EXIT

lxc info >/dev/null || { echo "inventory_lxd: LXD does not answer; start the lab first" >&2; exit 1; }
remove_test_objects  # leftovers of an interrupted run

# The server `lxc` talks to (scripts/integration.sh makes it Incus's `incus` with PALMFARM_TEST_SERVER=incus):
# the sources below name its socket, and the connection variables follow it.
server="$(lxc query /1.0 | "$python" -c 'import json, sys; print(json.load(sys.stdin)["environment"]["server"])')"
case "$server" in
    incus) url_line="url: unix:${INCUS_DIR:-/var/lib/incus}/unix.socket" label=Incus ;;
    *) url_line="" label=LXD ;;
esac

# The tiny image this target launches: made here, by the shared setup role (needs/target/setup_tiny_image).
cat > "$work/setup.yml" <<'YAML'
- name: The tiny image
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/palmfarm.ipv6.lxd:
      url: "{{ palmfarm_lxd_url | default(None, true) }}"
  roles:
    - setup_tiny_image
YAML
env -u ANSIBLE_INVENTORY_ENABLED -u ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED ANSIBLE_ROLES_PATH="$here/.." \
    ansible-playbook -i localhost, -c local \
    -e "ansible_python_interpreter=$python" -e "palmfarm_lxd_url=${url_line#url: }" "$work/setup.yml" \
    >"$work/setup.out" 2>&1 \
    || { cat "$work/setup.out" >&2; echo "inventory_lxd: the tiny image could not be made" >&2; exit 1; }

# The lab creates the extbridge profile; wait for it rather than racing it.
for _ in $(seq 300); do
    lxc profile show extbridge >/dev/null 2>&1 && break
    sleep 1
done
lxc profile show extbridge >/dev/null || { echo "inventory_lxd: profile extbridge did not appear" >&2; exit 1; }

# An empty marker profile keeps other instances of the lab out of the answers; its user.* key also shows
# that lxd_config carries settings inherited from profiles.
lxc profile create "$mark" >/dev/null
lxc profile set "$mark" user.inventory_mark itinv
lxc launch "$image" itinv-a -p default -p extbridge -p "$mark" -c user.role=web >/dev/null
lxc init "$image" itinv-b -p default -p extbridge -p "$mark" -c user.role=db >/dev/null
# A second project that shares the default project's images and profiles, with one stopped instance.
lxc project create "$project" -c features.images=false -c features.profiles=false >/dev/null
lxc init "$image" itinv-p --project "$project" -p default >/dev/null

# SLAAC: wait until itinv-a has its global address.
for _ in $(seq 60); do
    lxc query /1.0/instances/itinv-a/state | grep -q '"2001:db8:ebbd:2080:' && break
    sleep 1
done
lxc query /1.0/instances/itinv-a > "$work/itinv-a.json"
lxc query /1.0/instances/itinv-a/state > "$work/itinv-a.state.json"
lxc query /1.0/instances/itinv-b > "$work/itinv-b.json"

inventory() {  # inventory NAME [ansible-inventory arguments...]: list the source NAME.lxd.yml to NAME.json
    local name="$1"
    shift
    ansible-inventory -i "$work/$name.lxd.yml" --list "$@" > "$work/$name.json"
}
check() {
    "$python" "$here/check_inventory.py" --work "$work" --prefix "$prefix" --server "$server" "$@"
}

cat > "$work/all.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
profiles: [$mark]
keyed_groups:
  - key: lxd_config['user.role']
    prefix: role
compose:
  inventory_mark: lxd_config['user.inventory_mark']
groups:
  on_home_lan: lxd_ipv6.global | length > 0
YAML
inventory all
check all "$work/all.json"

cat > "$work/running.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
states: [running]
profiles: [$mark, no-such-profile]
YAML
inventory running
check running "$work/running.json"

cat > "$work/stopped.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
states: [stopped]
profiles: [$mark]
YAML
inventory stopped
check stopped "$work/stopped.json"

cat > "$work/viaexec.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
profiles: [$mark]
connection: lxd
YAML
inventory viaexec
check viaexec "$work/viaexec.json"

cat > "$work/ula.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
profiles: [$mark]
prefer: [ula, global]
YAML
inventory ula
check ula "$work/ula.json"

cat > "$work/project.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
project: $project
connection: lxd
YAML
inventory project
check project "$work/project.json"

# Cache: the first read stores the instance list; after itinv-b is started a cached read still shows it
# stopped, and --flush-cache reads LXD again.
cat > "$work/cached.lxd.yml" <<YAML
plugin: palmfarm.ipv6.lxd
$url_line
profiles: [$mark]
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: $work/cache
cache_timeout: 600
YAML
inventory cached
cp "$work/cached.json" "$work/cached-first.json"
test -n "$(ls -A "$work/cache")" || { echo "inventory_lxd: nothing was written to the cache" >&2; exit 1; }
lxc start itinv-b >/dev/null
inventory cached
check cached-stale "$work/cached-first.json" "$work/cached.json"
inventory cached --flush-cache
check cached-flushed "$work/cached.json"
inventory all
check all-after-start "$work/all.json"

# Failures name their cause.
expect_failure() {  # expect_failure NAME TEXT: reading NAME.lxd.yml fails and says TEXT
    local name="$1" text="$2"
    if ansible-inventory -i "$work/$name.lxd.yml" --list > /dev/null 2> "$work/$name.err"; then
        echo "inventory_lxd: reading $name.lxd.yml succeeded, a failure was expected" >&2
        exit 1
    fi
    grep -qF "$text" "$work/$name.err" || {
        echo "inventory_lxd: $name.lxd.yml failed without saying: $text" >&2
        cat "$work/$name.err" >&2
        exit 1
    }
}
printf 'plugin: palmfarm.ipv6.lxd\nurl: unix:%s/no-lxd.socket\n' "$work" > "$work/unreachable.lxd.yml"
expect_failure unreachable "cannot list LXD instances: no LXD or Incus socket at $work/no-lxd.socket"
printf 'plugin: palmfarm.ipv6.lxd\n%s\nproject: itinv-no-such-project\n' "$url_line" > "$work/noproject.lxd.yml"
expect_failure noproject "$label has no project 'itinv-no-such-project'"
printf 'plugin: palmfarm.ipv6.lxd\n%s\nstates: [runing]\n' "$url_line" > "$work/badstate.lxd.yml"
expect_failure badstate "Valid values are: running, stopped, frozen, error"
printf 'plugin: palmfarm.ipv6.lxd\n%s\nprefer: [ula, ula]\n' "$url_line" > "$work/badprefer.lxd.yml"
expect_failure badprefer "prefer lists a scope twice (ula, ula)"
# A source named without .lxd.yml is not taken by the plugin.
cp "$work/all.lxd.yml" "$work/all.yml"
if ansible-inventory -i "$work/all.yml" --list > /dev/null 2>&1; then
    echo "inventory_lxd: the plugin accepted all.yml, a name without .lxd.yml" >&2
    exit 1
fi

echo "inventory_lxd: all checks passed"
