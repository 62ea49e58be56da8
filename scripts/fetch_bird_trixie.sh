#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage: scripts/fetch_bird_trixie.sh [DEST]
#
# Puts the BIRD releases of Debian 13 (trixie) beside the host's own: BIRD 2.17 (package bird2) and BIRD 3.1
# (package bird3). Their binaries need Debian 13's libc, so they live in a Debian 13 root made with
# `debootstrap --variant=minbase trixie DEST/root` (about a minute, about 350 MB): bird2 is installed there
# with apt, bird3 (which conflicts with it) is unpacked with `dpkg -x` into DEST/root/opt/bird3.
#
# For each a pair of small wrappers runs the binary with chroot, so that tests, the babel_bird6 module (put
# the directory first on PATH) and bench/convergence use it like a host binary:
#   DEST/bird2/bird, DEST/bird2/birdc   BIRD 2.17 (chroot DEST/root /usr/sbin/bird ...)
#   DEST/bird3/bird, DEST/bird3/birdc   BIRD 3.1  (chroot DEST/root /opt/bird3/usr/sbin/bird ...)
# A wrapper passes paths under DEST/root as BIRD sees them inside it, and copies a configuration file given
# with -c from outside DEST/root into DEST/root/tmp first (enough for `bird -p -c FILE`; a daemon that is to
# read its file again on `birdc configure` needs the file inside DEST/root).
#
# DEST defaults to $PALMFARM_TEST_DIR/bird-trixie (/tmp/palmfarm-ipv6-test/bird-trixie). Needs root,
# debootstrap and the Debian mirror. Safe to run again: a root whose wrappers report BIRD 2 and BIRD 3 is kept.
# Prints the paths of the two `bird` wrappers.
set -euo pipefail

dest="${1:-${PALMFARM_TEST_DIR:-${TMPDIR:-/tmp}/palmfarm-ipv6-test}/bird-trixie}"
mkdir -p "$(dirname "$dest")"
dest="$(cd "$(dirname "$dest")" && pwd)/$(basename "$dest")"
mirror="${PALMFARM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
declare -A binary=([2]=/usr/sbin/bird [3]=/opt/bird3/usr/sbin/bird)
declare -A client=([2]=/usr/sbin/birdc [3]=/opt/bird3/usr/sbin/birdc)

ready() {
    local major
    for major in 2 3; do
        "$dest/bird$major/bird" --version 2>&1 | grep -q "BIRD version $major\." || return 1
    done
}

write_wrapper() {  # FILE PROGRAM-INSIDE-ROOT
    cat > "$1" <<EOF
#!/usr/bin/env bash
# Written by scripts/fetch_bird_trixie.sh: runs $2 of the Debian 13 root $dest/root with chroot.
# Paths under that root are passed as seen inside it; a file given with -c from outside is copied in first.
set -euo pipefail
root="$dest/root"
args=()
copy=""
while ((\$#)); do
    arg="\$1"
    shift
    if [[ ( "\$arg" == -c || "\$arg" == -s || "\$arg" == -P ) && \$# -gt 0 ]]; then
        path="\$1"
        shift
        [[ "\$path" == /* ]] || path="\$PWD/\$path"
        if [[ "\$path" == "\$root"/* ]]; then
            path="\${path#"\$root"}"
        elif [[ "\$arg" == -c && -z "\$copy" ]]; then
            copy="\$(mktemp "\$root/tmp/palmfarm-bird.XXXXXX")"
            cat "\$path" > "\$copy"
            path="\${copy#"\$root"}"
        fi
        args+=("\$arg" "\$path")
    else
        args+=("\$arg")
    fi
done
if [[ -z "\$copy" ]]; then
    exec chroot "\$root" $2 "\${args[@]}"
fi
trap 'rm -f "\$copy"' EXIT
chroot "\$root" $2 "\${args[@]}"
EOF
    chmod 755 "$1"
}

if [[ -d "$dest/root" ]] && ready; then
    echo "$dest/bird2/bird"
    echo "$dest/bird3/bird"
    exit 0
fi
if [[ $EUID -ne 0 ]]; then
    echo "fetch_bird_trixie: debootstrap and chroot need root" >&2
    exit 1
fi
if ! command -v debootstrap >/dev/null; then
    echo "fetch_bird_trixie: debootstrap is missing; apt-get install debootstrap" >&2
    exit 1
fi

# Build beside DEST (same file system), then rename: an interrupted run leaves no half root at DEST.
work="$(mktemp -d "$dest.new.XXXXXX")"
trap 'rm -rf "$work"' EXIT
if ! debootstrap --variant=minbase --include=bird2 trixie "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 20 "$work/debootstrap.log" >&2
    echo "fetch_bird_trixie: debootstrap of Debian 13 from $mirror failed (log above)" >&2
    exit 1
fi
# bird3 conflicts with bird2: download it inside the root (its apt knows trixie) and unpack it beside.
chroot "$work/root" sh -c 'apt-get update -q && cd /tmp && apt-get download -q bird3 \
    && dpkg -x /tmp/bird3_*.deb /opt/bird3 && rm -f /tmp/bird3_*.deb' >"$work/bird3.log" 2>&1 || {
    tail -n 20 "$work/bird3.log" >&2
    echo "fetch_bird_trixie: could not download and unpack bird3 in the Debian 13 root" >&2
    exit 1
}
rm -rf "$dest"
mkdir -p "$dest"
mv "$work/root" "$dest/root"
for major in 2 3; do
    mkdir -p "$dest/bird$major"
    write_wrapper "$dest/bird$major/bird" "${binary[$major]}"
    write_wrapper "$dest/bird$major/birdc" "${client[$major]}"
done
if ! ready; then
    echo "fetch_bird_trixie: the Debian 13 root at $dest/root holds no working BIRD 2 and BIRD 3" >&2
    exit 1
fi
echo "$dest/bird2/bird"
echo "$dest/bird3/bird"
