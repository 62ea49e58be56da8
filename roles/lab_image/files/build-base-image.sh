#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Builds the lab's base image, an LXD unified tarball (metadata.yaml, templates/, rootfs/), with debootstrap.
# Environment: SUITE, VARIANT, INCLUDE (comma separated), MIRROR (empty: the Debian mirror apt uses here),
# OUT (the tarball to write; written under a temporary name and renamed when complete).
set -euo pipefail
: "${SUITE:?}" "${VARIANT:?}" "${INCLUDE:?}" "${OUT:?}"

# The first Debian mirror in apt's sources (one-line and deb822 formats) that serves $SUITE.
find_mirror() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                          if ($(i + 1) == suite) { print $i; exit } }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            BEGIN { RS = ""; FS = "\n" }
            { deb = 0; ok = 0; uri = ""
              for (n = 1; n <= NF; n++) {
                  split($n, kv, /:[ \t]*/)
                  if (kv[1] == "Types" && $n ~ /[ \t]deb([ \t]|$)/) deb = 1
                  if (kv[1] == "Suites" && (" " substr($n, 8) " ") ~ ("[ \t]" suite "[ \t]")) ok = 1
                  if (kv[1] == "URIs") { sub(/^URIs:[ \t]*/, "", $n); split($n, u, /[ \t]+/); uri = u[1] }
              }
              if (deb && ok && uri != "") { print uri; exit } }' "$f"
    done
}

mirror=${MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(find_mirror | head -n 1)
fi
# None names $SUITE (a Debian 12 host building a Debian 13 image): the mirror of the host's own release, as
# every Debian mirror carries every release.
if [ -z "$mirror" ]; then
    host_suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    [ -z "$host_suite" ] || mirror=$(SUITE=$host_suite find_mirror | head -n 1)
fi
if [ -z "$mirror" ]; then
    echo "no Debian mirror for $SUITE in /etc/apt/sources.list*: set the mirror explicitly" >&2
    exit 1
fi

work=$(mktemp -d "$(dirname "$OUT")/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

echo "debootstrap $SUITE ($VARIANT) from $mirror"
debootstrap --variant="$VARIANT" --include="$INCLUDE" "$SUITE" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
}

# Every ethernet link comes up and takes its addresses from router advertisements (SLAAC, EUI-64), and the name
# servers (RDNSS) and search domains (DNSSL) they carry, handed to systemd-resolved when it is installed.
cat >"$rootfs/etc/systemd/network/80-palmfarm-lan.network" <<'NETWORK'
[Match]
Name=eth* en*

[Network]
LinkLocalAddressing=ipv6
IPv6AcceptRA=yes

[IPv6AcceptRA]
Token=eui64
UseDNS=yes
UseDomains=yes
NETWORK
chroot "$rootfs" systemctl enable systemd-networkd.service >/dev/null 2>&1
if [ -x "$rootfs/lib/systemd/systemd-resolved" ]; then
    chroot "$rootfs" systemctl enable systemd-resolved.service >/dev/null 2>&1
    # The stub listener on 127.0.0.53, with the servers and domains of every link behind it.
    ln -sfn ../run/systemd/resolve/stub-resolv.conf "$rootfs/etc/resolv.conf"
fi
# Routers and name servers are configured and started by the roles that need them; unconfigured they only
# fail (bird has no router id, radvd no configuration).
for unit in bird.service radvd.service knot.service; do
    chroot "$rootfs" systemctl disable "$unit" >/dev/null 2>&1 || true
done
# A container cannot mount binfmt_misc; the unit would only fail and leave the system degraded.
chroot "$rootfs" systemctl mask systemd-binfmt.service proc-sys-fs-binfmt_misc.automount >/dev/null 2>&1
# Each instance gets its own machine id on first boot.
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
rm -f "$rootfs"/var/cache/apt/archives/*.deb

mkdir -p "$work/templates"
printf '{{ container.name }}\n' >"$work/templates/hostname.tpl"
cat >"$work/templates/hosts.tpl" <<'HOSTS'
127.0.0.1   localhost
127.0.1.1   {{ container.name }}
::1         localhost ip6-localhost ip6-loopback
ff02::1     ip6-allnodes
ff02::2     ip6-allrouters
HOSTS
cat >"$work/metadata.yaml" <<METADATA
architecture: $(uname -m)
creation_date: $(date +%s)
properties:
  description: palmfarm base, Debian $SUITE $VARIANT with systemd, python3 and nginx-light
  os: debian
  release: $SUITE
  architecture: $(uname -m)
templates:
  /etc/hostname:
    when: [create, copy]
    template: hostname.tpl
  /etc/hosts:
    when: [create, copy]
    template: hosts.tpl
METADATA

echo "packing $OUT"
tar --numeric-owner -C "$work" -cf - metadata.yaml templates rootfs | gzip -1 >"$OUT.part"
mv "$OUT.part" "$OUT"
