#!/bin/sh
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: build-tiny-image.sh OUTDIR
#
# Builds a tiny LXD container image from the static busybox of this machine (Debian: busybox-static) as two
# tarballs, OUTDIR/metadata.tar.gz and OUTDIR/rootfs.tar.gz, for `lxc image import metadata.tar.gz
# rootfs.tar.gz` or palmfarm.ipv6.lxd_image. The container boots busybox init, which brings lo and eth0 up,
# so the kernel configures eth0 by SLAAC from whatever sends router advertisements on its link, and keeps
# running. The tarballs are reproducible (sorted, owned by root, fixed times; the creation date in the metadata
# is the modification time of the busybox file): the same busybox gives the same image fingerprint. When both
# tarballs exist already nothing is done.
#
# Environment: BUSYBOX (default: /bin/busybox, must be statically linked).
set -eu

out="${1:?usage: build-tiny-image.sh OUTDIR}"
busybox="${BUSYBOX:-/bin/busybox}"

if [ -s "$out/metadata.tar.gz" ] && [ -s "$out/rootfs.tar.gz" ]; then
    echo "tiny image: $out/metadata.tar.gz and $out/rootfs.tar.gz exist already"
    exit 0
fi
if [ ! -x "$busybox" ]; then
    echo "tiny image: $busybox is missing; install busybox-static (apt-get install busybox-static)" >&2
    exit 1
fi
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked' && ldd "$busybox" >/dev/null 2>&1; then
    echo "tiny image: $busybox is linked dynamically; install busybox-static or set BUSYBOX" >&2
    exit 1
fi

mkdir -p "$out"
work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
meta="$work/meta"
mkdir -p "$root" "$meta/templates"

# The file system: busybox and a link for each of its applets where busybox says they live.
for dir in bin sbin usr/bin usr/sbin etc etc/init.d proc sys dev run tmp root var/log; do
    mkdir -p "$root/$dir"
done
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    depth="$(echo "$applet" | tr -cd / | wc -c)"
    up=""
    i=0
    while [ "$i" -lt "$depth" ]; do up="../$up"; i=$((i + 1)); done
    ln -sf "${up}bin/busybox" "$root/$applet"
done

cat > "$root/etc/inittab" <<'INITTAB'
::sysinit:/etc/init.d/rcS
::respawn:/sbin/syslogd -n -O /var/log/messages
::shutdown:/bin/umount -a -r
INITTAB

cat > "$root/etc/init.d/rcS" <<'RCS'
#!/bin/sh
# Bring the network up; the kernel does SLAAC on eth0 by itself.
[ -s /etc/hostname ] && hostname -F /etc/hostname
ip link set lo up
ip link set eth0 up 2>/dev/null || true
RCS
chmod 0755 "$root/etc/init.d/rcS"

printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
printf 'tiny\n' > "$root/etc/hostname"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' > "$root/etc/hosts"

# The metadata: architecture, a description, and the container name as host name.
version="$("$busybox" 2>/dev/null | head -n 1 | sed -n 's/^BusyBox v\([^ ]*\).*/\1/p')"
cat > "$meta/metadata.yaml" <<META
architecture: $(uname -m)
creation_date: $(stat -L -c %Y "$busybox")
properties:
  description: palmfarm tiny busybox
  os: busybox
  release: "${version:-unknown}"
templates:
  /etc/hostname:
    when: [create, copy]
    template: hostname.tpl
META
printf '{{ container.name }}\n' > "$meta/templates/hostname.tpl"

pack() {  # pack DIR TARBALL: a reproducible gzip'ed tarball of DIR's contents
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$1" -cf - . \
        | gzip -n -9 > "$2"
}
pack "$meta" "$work/metadata.tar.gz"
pack "$root" "$work/rootfs.tar.gz"
mv "$work/metadata.tar.gz" "$out/metadata.tar.gz"
mv "$work/rootfs.tar.gz" "$out/rootfs.tar.gz"
echo "tiny image: built $out/metadata.tar.gz and $out/rootfs.tar.gz"
