#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Prints the server the lab runs on when LAB_SERVER is not given, by the lxd_host role's rule for
# lxd_host_server: auto (roles/lxd_host/tasks/server.yml): the one installed; where both are, or none, Incus on
# Debian 13 and later, LXD elsewhere. The Makefile passes it on, so that the lab's inventory reaches the
# containers with the matching connection plugin (community.general.lxd or community.general.incus).
set -u
lxd=0
incus=0
if command -v lxd >/dev/null 2>&1 || [ -S /var/snap/lxd/common/lxd/unix.socket ]; then lxd=1; fi
if [ -x /usr/libexec/incus/incusd ] || command -v incusd >/dev/null 2>&1; then incus=1; fi
if [ "$lxd" != "$incus" ]; then
    if [ "$incus" = 1 ]; then echo incus; else echo lxd; fi
    exit 0
fi
id=$(. /etc/os-release 2>/dev/null && echo "${ID:-}")
version=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-0}")
if [ "$id" = debian ] && [ "${version%%.*}" -ge 13 ] 2>/dev/null; then echo incus; else echo lxd; fi
