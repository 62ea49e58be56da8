#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Everything `make` needs on a fresh Debian 12 or 13 machine (as root), installed once:
#   - Debian packages for LXD and the embedded lab (apt-get update only when something is missing);
#   - .venv with requirements-test.txt, .venv-lint with requirements-lint.txt (each rebuilt only when
#     its requirements files change: a sha256 stamp is kept inside the virtualenv);
#   - the collection link .cache/collections/ansible_collections/palmfarm/ipv6 -> this repository.
# Safe to run again: when everything is in place it only says so.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

say() { printf 'bootstrap: %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------------
# The lab needs: debootstrap (base image), busybox-static (tiny test image), radvd and iproute2 (the
# home router in a network namespace), nftables, curl, rsync, git, xz-utils; shellcheck for the sanity tests;
# bird2 (and BIRD 1.6 unpacked beside it by scripts/fetch_bird16.sh) for the babel_bird6 tests; bind9-utils
# (named-checkzone), knot and knot-dnsutils (a real DNS server and kdig) for the dns_aaaa tests; bind9 and
# bind9-dnsutils (named with dynamic zones, tsig-keygen, dig) for the nsupdate tests; netplan.io (`netplan
# generate` into a scratch root), libnm0 and gir1.2-nm-1.0 with python3-gi (NetworkManager's keyfile reader)
# to validate bridge_iface's files offline. ifupdown and network-manager themselves would take over this
# host's network: scripts/fetch_net_tools.sh unpacks them beside, never installs them; nginx-light for the
# farm_gateway tests (its own configuration; the package's service is not started); graphviz (dot) for the
# network picture of status.yml; knot-dnssecutils for kzonecheck, Knot's zone checker. The
# bridge_iface_persistent target runs the network tools for real inside namespaces of its own:
# systemd-networkd (in the systemd package on Debian 12 and 13, a package of its own after them; never started
# on this host itself) with its own dbus-daemon (package dbus: the daemon and the system bus configuration),
# busybox's udhcpd and udhcpc (busybox-static) and radvd; ifupdown, bridge-utils and udhcpc are unpacked by
# fetch_net_tools.sh, not installed, as is NetworkManager's daemon (with libndp0), whose other libraries are
# libraries only and installed: libcurl3-gnutls and libpsl5 (besides those of libnm0).
packages=(shellcheck debootstrap busybox-static radvd nftables iproute2 curl rsync git xz-utils ca-certificates procps
          bird2 bind9-utils knot knot-dnsutils bind9 bind9-dnsutils netplan.io libnm0 gir1.2-nm-1.0 python3-gi
          nginx-light graphviz knot-dnssecutils dbus systemd libcurl3-gnutls libpsl5)
# An LXD that is already there (the snap on Ubuntu, a hand-installed one) is used as it is: never install
# a second one beside it.
if [ -S /var/snap/lxd/common/lxd/unix.socket ]; then
    say "LXD is already installed (snap): using it"
elif command -v lxd >/dev/null 2>&1 && ! dpkg-query -W lxd >/dev/null 2>&1; then
    say "LXD is already installed ($(command -v lxd)): using it"
else
    # dnsmasq-base is only a Recommends of Debian's lxd (installed here without Recommends), but LXD needs
    # it for any managed network: without it `lxc network create` fails to check dnsmasq's version.
    packages+=(lxd lxd-client dnsmasq-base)
fi
# Debian's own python3 makes no virtualenv without python3-venv (ensurepip); pyenv's or another Python
# that has ensurepip needs nothing.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    packages+=(python3-venv)
fi
debian_major="$(cut -d. -f1 /etc/debian_version 2>/dev/null || echo 0)"
# Incus beside it: `make test` runs the LXD-facing targets against Incus too. Debian 13 has it; Debian 12
# has it in its backports (incus-base: containers only; it installs beside Debian's lxd, removing nothing).
incus_packages=(incus-base incus-client)
backports_list=/etc/apt/sources.list.d/palmfarm-bookworm-backports.list

# not_installed PKG...: the ones dpkg does not list as installed, one a line.
not_installed() {
    local pkg status
    for pkg in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = installed ] || echo "$pkg"
    done
}
mapfile -t missing < <(not_installed "${packages[@]}")
mapfile -t missing_incus < <(not_installed "${incus_packages[@]}")
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_incus[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        say "missing Debian packages: ${missing[*]} ${missing_incus[*]}; run this script as root to install them" >&2
        exit 1
    fi
    say "installing Debian packages: ${missing[*]} ${missing_incus[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # The daemons among them (named, knotd, radvd, bird, incusd) are started by the tests with their own
    # settings: keep the packages from starting them with the distribution's (policy-rc.d, only while installing).
    policy=/usr/sbin/policy-rc.d
    own_policy=false
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=true
    fi
    incus_release=()
    if [ ${#missing_incus[@]} -gt 0 ] && [ "$debian_major" = 12 ]; then
        # The same mirror as the system's own sources.
        mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
                  | grep -v security | head -n 1)"
        printf 'deb %s bookworm-backports main\n' "${mirror:-http://deb.debian.org/debian}" >"$backports_list"
        incus_release=(-t bookworm-backports)
    fi
    apt-get update -qq
    if [ ${#missing[@]} -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
    fi
    if [ ${#missing_incus[@]} -gt 0 ]; then
        apt-get install -y -qq --no-install-recommends "${incus_release[@]}" "${missing_incus[@]}"
    fi
    if $own_policy; then rm -f "$policy"; fi
else
    say "Debian packages: all present"
fi

# --- Python virtualenvs ----------------------------------------------------------------------------
# Python here may be pyenv's, where a shim can exist for an interpreter that is not installed: take
# python3.11 only when it really runs.
PYTHON=python3
if command -v python3.11 >/dev/null 2>&1 && python3.11 -c 'import venv' >/dev/null 2>&1; then
    PYTHON=python3.11
fi

# requirements_sha FILE...: one sha256 over the given files and the files they include with -r.
requirements_sha() {
    local files=() f inc
    for f in "$@"; do
        files+=("$f")
        while read -r inc; do
            files+=("$(dirname "$f")/$inc")
        done < <(sed -n 's/^[[:space:]]*-r[[:space:]]*\([^[:space:]#]*\).*/\1/p' "$f")
    done
    cat "${files[@]}" | sha256sum | cut -d' ' -f1
}

# ensure_venv DIR REQUIREMENTS_FILE
ensure_venv() {
    local dir=$1 req=$2 stamp want
    stamp="$dir/.requirements.sha256"
    want=$(requirements_sha "$req")
    if [ -x "$dir/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        say "$dir: up to date with $req"
        return
    fi
    if [ ! -x "$dir/bin/python" ]; then
        say "creating $dir with $($PYTHON -c 'import sys; print(sys.executable)')"
        "$PYTHON" -m venv "$dir"
    fi
    say "$dir: installing $req"
    "$dir/bin/python" -m pip install -q -r "$req"
    printf '%s\n' "$want" >"$stamp"
}

ensure_venv "$ROOT/.venv" requirements-test.txt
ensure_venv "$ROOT/.venv-lint" requirements-lint.txt

# The newest supported ansible-core needs Python 3.12 or later: Debian 13's python3, or pyenv's 3.13/3.12
# (called by path: pyenv's shim for a version that is not the selected one only says "command not found").
NEWEST_PYTHON=
for candidate in python3.13 python3.12 python3 \
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13*/bin/python3 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.12*/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
        NEWEST_PYTHON=$candidate
        break
    fi
done
if [ -n "$NEWEST_PYTHON" ]; then
    PYTHON=$NEWEST_PYTHON ensure_venv "$ROOT/.venv-newest" requirements-newest.txt
else
    say "no Python 3.12 or later here: .venv-newest (ansible-core 2.21) is not made, and 'make newest' says so"
fi

# --- the collection, importable as palmfarm.ipv6 ---------------------------------------------------
link=.cache/collections/ansible_collections/palmfarm/ipv6
if [ "$(readlink "$link" 2>/dev/null || true)" = "$ROOT" ]; then
    say "$link -> $ROOT: present"
else
    mkdir -p "$(dirname "$link")"
    if [ -e "$link" ] && [ ! -L "$link" ]; then
        say "$link exists and is not a link; move it away and run again" >&2
        exit 1
    fi
    ln -sfn "$ROOT" "$link"
    say "linked $link -> $ROOT"
fi
# --- collections from requirements.yml (from the ansible package on PyPI: Galaxy may not be reachable) --
.venv/bin/python scripts/fetch_collections.py requirements.yml | while read -r line; do say "$line"; done
# (Each assigned first: a failure inside a command substitution given to `say` would go unnoticed.)
bird16=$(bash scripts/fetch_bird16.sh)
say "BIRD 1.6 for the babel_bird6 tests: $bird16"
bird_trixie=$(bash scripts/fetch_bird_trixie.sh)
say "BIRD 2.17 and 3.1 (Debian 13 root) for the babel_bird6 tests: $(echo "$bird_trixie" | tr '\n' ' ')"
net_tools=$(bash scripts/fetch_net_tools.sh)
say "ifupdown and NetworkManager tools for the bridge_iface tests: $net_tools"
say "done"
