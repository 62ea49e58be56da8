#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/debian13_check.sh      (make debian13; as root, with LXD or Incus running: make lab)
#
# Proves the project on Debian 13 from a Debian 12 machine, inside a Debian 13 system container of this host's
# default server (LXD here, or Incus):
#   1. the image palmfarm-debian13-base: Debian 13 built by the lab's own image builder (tests/debian13/image.yml,
#      role lab_image, cached in /var/cache/palmfarm/debian13-image; built once);
#   2. the managed network pf-debian13 (IPv4 with NAT, so that the container reaches the Debian mirror and
#      PyPI; an interface name has at most 15 characters, hence not palmfarm-debian13) and the privileged
#      system container palmfarm-debian13 with nesting (for its own Incus), given this host's Debian mirror
#      (for trixie) and pip configuration;
#   3. a clean clone of this repository's HEAD copied in (PALMFARM_DEBIAN13_SOURCE=worktree: the tracked and
#      untracked files of the work tree instead), then inside it, as root: scripts/bootstrap.sh, `make units`,
#      and tests/debian13/incus_farm.yml: the lxd_host role chooses, starts and initialises Incus, a farm of
#      three busybox instances is made with lxd_farm, seen running, made again with no change and removed;
#      the role run again changes nothing.
# Each step prints its time; the output of each is in /tmp/palmfarm-debian13/STEP.log (PALMFARM_DEBIAN13_LOGS),
# whose end is printed when it fails. The container is deleted when all passed, and left stopped for a look
# when something failed (the next run deletes it first). The image and the network stay for the next run.
# Nothing else on the server is touched: every name this script makes starts with palmfarm-debian13 or
# pf-debian13.
#
# Measured on a 2-core Debian 12 machine, 2026-12-04: 3 min 10 s on a first run (the image built, 55 s),
# 2 min 20 s on a second; the bootstrap inside (Debian packages, three virtualenvs from PyPI, a Debian 13 root
# for BIRD) takes 80 s of it, the 1342 unit tests 25 s, Incus and the farm 15 s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

NAME=palmfarm-debian13
NET=pf-debian13
IMAGE=palmfarm-debian13-base
LOGS="${PALMFARM_DEBIAN13_LOGS:-${TMPDIR:-/tmp}/palmfarm-debian13}"
SOURCE="${PALMFARM_DEBIAN13_SOURCE:-head}"
SUBNET="${PALMFARM_DEBIAN13_SUBNET:-10.213.13.1/24}"
DIR=/root/palmfarm.ipv6
START=$SECONDS
mkdir -p "$LOGS"

say() { printf 'debian13: [%3ds] %s\n' "$((SECONDS - START))" "$*"; }

# run STEP COMMAND...: the command's output to LOGS/STEP.log; its time on success, the log's end on failure.
run() {
    local step=$1 t0=$SECONDS
    shift
    say "$step ..."
    # In a subshell of its own with errexit (a function called as an `if` condition would run without it).
    set +e
    (set -e; "$@") </dev/null >"$LOGS/$step.log" 2>&1
    local rc=$?
    set -e
    if [ "$rc" -ne 0 ]; then
        tail -n 40 "$LOGS/$step.log" | sed 's/^/    /'
        say "$step: FAILED after $((SECONDS - t0)) s (the whole output: $LOGS/$step.log)"
        exit 1
    fi
    say "$step: done in $((SECONDS - t0)) s"
}

if lxc info >/dev/null 2>&1; then
    CLI=lxc
elif incus info >/dev/null 2>&1; then
    CLI=incus
else
    say "neither LXD (lxc) nor Incus (incus) answers here: start one first (make lab)" >&2
    exit 1
fi

exists() { "$CLI" info "$NAME" >/dev/null 2>&1; }
in_container() { "$CLI" exec "$NAME" --cwd "$DIR" -- "$@"; }

# A failed run leaves the container stopped, for a look inside; a passed one deletes it.
conf=""
finish() {
    local rc=$?
    rm -rf ${conf:+"$conf"}
    if exists; then
        if [ "$rc" -eq 0 ]; then
            "$CLI" delete --force "$NAME" >/dev/null
        else
            "$CLI" stop --force "$NAME" >/dev/null 2>&1 || true
            say "the container $NAME is left stopped ($CLI start $NAME; $CLI exec $NAME -- bash)"
        fi
    fi
    if [ "$rc" -eq 0 ]; then
        say "Debian 13: bootstrap, units and a farm on Incus passed in $((SECONDS - START)) s"
    fi
}
trap finish EXIT

# This host's Debian mirrors (the first of each kind in apt's sources, deb822 or one-line format): the
# container takes trixie from the same ones.
mirrors() {
    sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
           -e 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
           /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
}
mirror=$(mirrors | grep -v security | head -n 1 || true)
security=$(mirrors | grep security | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}
say "server: $CLI; Debian mirror: $mirror; log files: $LOGS"

# --- 1. the image -----------------------------------------------------------------------------------------
run image ansible-playbook tests/debian13/image.yml -e "debian13_mirror=$mirror"

# --- 2. the network and the container ---------------------------------------------------------------------
if ! "$CLI" network show "$NET" >/dev/null 2>&1; then
    # A fixed subnet: LXD's ipv4.address=auto finds none free here.
    run network "$CLI" network create "$NET" "ipv4.address=$SUBNET" ipv4.nat=true ipv6.address=none
fi
gateway=$("$CLI" network get "$NET" ipv4.address)
gateway=${gateway%/*}
if exists; then
    run old-container "$CLI" delete --force "$NAME"
fi

# Files the container gets before it boots: an IPv4 address by DHCP on eth0 (the image's own .network file
# only takes router advertisements), the bridge's DNS forwarder, the trixie suites of this host's mirrors,
# and this host's pip configuration.
conf=$(mktemp -d)
printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\nLinkLocalAddressing=ipv6\n' >"$conf/10-palmfarm-debian13.network"
printf 'nameserver %s\n' "$gateway" >"$conf/resolv.conf"
cat >"$conf/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
: >"$conf/sources.list"

create() {
    # Privileged, with nesting: the Incus inside runs containers of its own, which an unprivileged container
    # (65536 ids of its own) cannot map.
    "$CLI" init -q "$IMAGE" "$NAME" --network "$NET" \
        -c security.privileged=true -c security.nesting=true
    "$CLI" file push -q "$conf/10-palmfarm-debian13.network" "$NAME/etc/systemd/network/10-palmfarm-debian13.network"
    "$CLI" file push -q "$conf/resolv.conf" "$NAME/etc/resolv.conf"
    "$CLI" file push -q "$conf/debian.sources" "$NAME/etc/apt/sources.list.d/debian.sources"
    "$CLI" file push -q "$conf/sources.list" "$NAME/etc/apt/sources.list"
    if [ -f /etc/pip.conf ]; then
        "$CLI" file push -q /etc/pip.conf "$NAME/etc/pip.conf"
    fi
    "$CLI" start "$NAME"
    # Up when its apt reaches the mirror.

    for _ in $(seq 60); do
        if "$CLI" exec "$NAME" -- apt-get update -qq >/dev/null 2>&1; then
            break
        fi
        sleep 1
    done
    if ! "$CLI" exec "$NAME" -- apt-get update -qq; then
        echo "the container reached no Debian mirror in 60 s:"
        "$CLI" exec "$NAME" -- ip -4 addr || true
        return 1
    fi
    # Where this host's kernel mounts the v1 controllers cpu and cpuacct apart, Debian 13's systemd inside
    # expects them joined ("cpu,cpuacct"), fails to mount them and leaves links to an empty directory, on which
    # the nested Incus's containers fail to start ("Failed to open 9/cpuacct"). Mount each one alone instead.
    # (A Debian 13 host boots with cgroup v2 only and knows nothing of this.)
    # shellcheck disable=SC2016  # expanded inside the container
    "$CLI" exec "$NAME" -- sh -ec 'if [ -L /sys/fs/cgroup/cpuacct ] && grep -q "^[0-9]*:cpuacct:" /proc/self/cgroup; then
        mount -o remount,rw /sys/fs/cgroup
        for c in cpu cpuacct; do rm /sys/fs/cgroup/$c; mkdir /sys/fs/cgroup/$c; mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c; done
        mount -o remount,ro /sys/fs/cgroup
        echo "cgroup v1 controllers cpu and cpuacct mounted apart"
    fi'
    # The local certificate authorities this host trusts (a proxy on the way to PyPI may present one).
    if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
        tar -C /usr/local/share/ca-certificates -cf - . \
            | "$CLI" exec "$NAME" -- tar -xf - -C /usr/local/share/ca-certificates
        "$CLI" exec "$NAME" -- update-ca-certificates
    fi
}
run container create
say "$NAME runs Debian $("$CLI" exec "$NAME" -- cat /etc/debian_version)"

# --- 3. the repository, and the project's own steps inside ------------------------------------------------
copy_source() {
    # (in run's subshell: the variable and the trap are its own)
    clone=$(mktemp -d)
    trap 'rm -rf "$clone"' EXIT
    if [ "$SOURCE" = worktree ]; then
        mkdir "$clone/src"
        git ls-files -z --cached --others --exclude-standard \
            | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$clone/src"
    else
        git clone -q "$ROOT" "$clone/src"
        git -C "$clone/src" log -1 --format='%h %s'
    fi
    "$CLI" exec "$NAME" -- mkdir -p "$DIR"
    tar -C "$clone/src" -cf - . | "$CLI" exec "$NAME" -- tar -xf - -C "$DIR"
}
run source copy_source

run bootstrap in_container bash scripts/bootstrap.sh
run units in_container make units
playbook() { in_container env ANSIBLE_CONFIG="$DIR/ansible.cfg" "$DIR/.venv/bin/ansible-playbook" "$@"; }
run incus-farm playbook tests/debian13/incus_farm.yml
run incus-again playbook tests/debian13/incus_farm.yml --skip-tags farm
if ! grep -q 'changed=0 ' "$LOGS/incus-again.log"; then
    tail -n 20 "$LOGS/incus-again.log" | sed 's/^/    /'
    say "the lxd_host role changed something on its second run (above)"
    exit 1
fi
