#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Usage (from runme.sh): ip netns exec NETNS unshare --mount --propagation private bash host.sh BACKEND
#
# One "host" whose network is configured by its own files, converted with bridge_iface's persistent BACKEND
# (networkd, netplan, ifupdown or nm) and read back the way it boots. Runs in the network namespace runme.sh made
# (eth0: a veth to the upstream LAN with DHCPv4 and router advertisements) and in a private mount namespace:
# a tmpfs on /run, overlays on /etc and /var/lib whose writes land in that tmpfs (never in this machine's /etc),
# and a read-only overlay on /usr adding ifupdown's tools and bridge-utils' hooks, or NetworkManager (unpacked by
# fetch_net_tools.sh), and stand-ins for systemctl and udevadm (init/: no systemd is PID 1 here). The network
# tool runs for real: systemd-networkd with its own dbus-daemon (netplan generates networkd's files into
# /run/systemd/network), ifup/ifdown with busybox's udhcpc, or NetworkManager with its own dbus-daemon. A "reboot" ends the tool, resets eth0 and deletes br0, empties its /run
# state and starts it again from the files. Asserted on the kernel after boot, after the change, after the
# reboot and after state absent (see bridged and unbridged); the playbooks assert check mode and idempotence.
# Environment from runme.sh: PFBP_NET_TOOLS, PFBP_PREFIX, PFBP_UPSTREAM4, PFBP_UPSTREAM6, PFBP_POOL4,
# PFBP_STATIC_NET, PFBP_STATIC_HOST, PFBP_LOGS.
set -euo pipefail

backend="$1"
here="$(cd "$(dirname "$0")" && pwd)"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
prefix="$PFBP_PREFIX"
state=/run/pfbp  # pid files, the stand-ins' logs and the daemons' logs, copied to $PFBP_LOGS at the end
probe=(-m ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.probe)

say() { echo "bridge_iface_persistent ($backend, ${SECONDS} s): $*"; }
fail() {
    echo "bridge_iface_persistent ($backend): $*" >&2
    {
        ip address
        ip route
        ip -6 route
        for key in disable_ipv6 accept_ra autoconf addr_gen_mode; do echo "eth0 $key=$(cat "/proc/sys/net/ipv6/conf/eth0/$key")"; done
        pgrep -a "udhcpc|networkd|NetworkManager"
        nmcli device status 2>/dev/null
        tail -n +1 /run/network/ifstate* 2>/dev/null
    } >&2 || true
    exit 1
}

# --- the private mounts -------------------------------------------------------------------------------------
[[ "$(readlink /sbin)" == usr/sbin && "$(readlink /lib)" == usr/lib ]] \
    || fail "this needs a merged /usr (/sbin -> usr/sbin, /lib -> usr/lib), as Debian 12 and 13 have"
mount -t tmpfs -o mode=755 pfbp-run /run
mkdir -p "$state" /run/.pfbp/etc-upper /run/.pfbp/etc-work /run/.pfbp/usr
mount -t overlay pfbp-etc -o lowerdir=/etc,upperdir=/run/.pfbp/etc-upper,workdir=/run/.pfbp/etc-work /etc
# NetworkManager keeps its state (leases, timestamps) under /var/lib/NetworkManager: in the tmpfs too.
mkdir -p /run/.pfbp/var-upper /run/.pfbp/var-work
mount -t overlay pfbp-var -o lowerdir=/var/lib,upperdir=/run/.pfbp/var-upper,workdir=/run/.pfbp/var-work /var/lib
extra=/run/.pfbp/usr
mkdir -p "$extra/bin" "$extra/sbin" "$extra/lib"
cp "$here/init/systemctl" "$here/init/udevadm" "$extra/bin/"
if [[ "$backend" == ifupdown ]]; then
    cp -a "$PFBP_NET_TOOLS/sbin/." "$extra/sbin/"
    cp -a "$PFBP_NET_TOOLS/lib/bridge-utils" "$PFBP_NET_TOOLS/lib/ifupdown" "$extra/lib/"
fi
if [[ "$backend" == nm ]]; then
    # The daemon, nmcli, their libraries and plugins, and NetworkManager's D-Bus policy (read by dbus-daemon).
    cp -a "$PFBP_NET_TOOLS/usr/." "$extra/"
fi
mount -t overlay pfbp-usr -o "lowerdir=$extra:/usr" /usr
if [[ "$backend" != ifupdown ]]; then
    # systemd-networkd waits for udev to initialise each link unless /sys is read-only (a container, for it).
    mount -o bind,remount,ro /sys
fi

finish() {
    local pidfile
    for pidfile in "$state"/*.pid /run/udhcpc.*.pid /run/palmfarm/*/pid /run/palmfarm/*/*/pid; do
        if [[ -s "$pidfile" ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    mkdir -p "$PFBP_LOGS"
    cp -r "$state/." "$PFBP_LOGS/" 2>/dev/null || true
}
trap finish EXIT

# --- the host's own files, as a user has them ---------------------------------------------------------------
rm -rf /etc/netplan /etc/systemd/network /etc/network /etc/resolv.conf /etc/NetworkManager /var/lib/NetworkManager
mkdir -p /etc/netplan /etc/systemd/network /etc/network/interfaces.d /etc/NetworkManager/system-connections \
    /var/lib/NetworkManager
mac="$(cat /sys/class/net/eth0/address)"
static4=""  # a static address beside DHCP in the host's file (and a route to PFBP_STATIC_NET), where it has one
case "$backend" in
    networkd)
        # A file a user wrote by the book: it sorts before the module's 25-palmfarm-*, so it is refused first.
        # It matches the NIC by its MAC, not its name (a name can change with a kernel or a new card), so it
        # would match br0 too, which takes eth0's MAC: the module's file for br0 has to sort before it.
        user_file=/etc/systemd/network/20-wired.network
        # Besides DHCPv4 and router advertisements, a static address and a route of its own.
        static4=192.0.2.51/24
        printf '[Match]\nMACAddress=%s\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\nAddress=%s\n\n[Route]\n%s\n' \
            "$mac" "$static4" "Destination=$PFBP_STATIC_NET"$'\n'"Gateway=192.0.2.1" >"$user_file"
        ;;
    netplan)
        # cloud-init's, as Ubuntu's preinstalled server images for the Raspberry Pi and other boards have it: one
        # definition for every wired NIC by a name glob, so the netplan id (zz-all-eth) is not the port's name,
        # with a static address and route a user added. (No match: macaddress with set-name here: netplan
        # matches it against the permanent MAC, which a veth does not have; the units run netplan generate on
        # that shape, tests/unit/plugins/module_utils/_bridge/golden/netplan_pi*.)
        user_file=/etc/netplan/50-cloud-init.yaml
        static4=192.0.2.52/24
        cat >"$user_file" <<'YAML'
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
network:
    ethernets:
        zz-all-en:
            dhcp4: true
            match:
                name: en*
            optional: true
        zz-all-eth:
            addresses: [192.0.2.52/24]
            dhcp4: true
            match:
                name: eth*
            optional: true
            routes:
                - to: 203.0.113.0/24
                  via: 192.0.2.1
    version: 2
YAML
        chmod 600 "$user_file"
        ;;
    ifupdown)
        # Debian's installer's, with the `source` line and IPv6 by router advertisement.
        user_file=/etc/network/interfaces
        cp -a "$PFBP_NET_TOOLS/etc/network/." /etc/network/
        mkdir -p /etc/udhcpc
        cp "$PFBP_NET_TOOLS/etc/udhcpc/default.script" /etc/udhcpc/
        cat >"$user_file" <<'TEXT'
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback

# The primary network interface
allow-hotplug eth0
iface eth0 inet dhcp
iface eth0 inet6 auto
TEXT
        ;;
    nm)
        # The profile NetworkManager writes itself on a desktop install ("Wired connection 1"), bound to the NIC
        # by its MAC and to no interface name, with a static address and a route a user added beside DHCP.
        # NetworkManager's own settings: keyfiles only (Debian's also loads ifupdown's), no profile made up for
        # a NIC without one, no polkit (nmcli runs as root), no resolv.conf written.
        user_file="/etc/NetworkManager/system-connections/Wired connection 1.nmconnection"
        static4=192.0.2.54/24
        cat >/etc/NetworkManager/NetworkManager.conf <<'CONF'
[main]
plugins=keyfile
no-auto-default=*
auth-polkit=false
dhcp=internal
dns=none
rc-manager=unmanaged
CONF
        cat >"$user_file" <<CONF
[connection]
id=Wired connection 1
uuid=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03
type=ethernet
autoconnect-priority=-999
timestamp=1764000000

[ethernet]
mac-address=${mac^^}

[ipv4]
address1=$static4
method=auto
route1=$PFBP_STATIC_NET,192.0.2.1

[ipv6]
addr-gen-mode=default
method=auto

[proxy]
CONF
        chmod 600 "$user_file"
        ;;
esac
if [[ -n "${PFBP_BENCH:-}" && "$backend" == networkd ]]; then
    # bench/bridge times the change itself: the user's file is already where the refusal below tells it to go.
    mv "$user_file" /etc/systemd/network/80-wired.network
    user_file=/etc/systemd/network/80-wired.network
fi
keep_original() {  # the users' files as they are before the change, to compare with after state absent
    rm -rf "$state/original"
    mkdir -p "$state/original"
    cp -a /etc/netplan "$state/original/netplan"
    cp -a /etc/systemd/network "$state/original/systemd-network"
    cp -a /etc/network "$state/original/network"
    cp -a /etc/NetworkManager/system-connections "$state/original/NetworkManager-system-connections"
}
keep_original

# --- the network tool: boot, reboot -------------------------------------------------------------------------
start_networkd() {
    mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
    chown -R systemd-network:systemd-network /run/systemd/netif
    /lib/systemd/systemd-networkd >>"$state/networkd.log" 2>&1 &
    echo $! >"$state/networkd.pid"
    for _ in $(seq 50); do networkctl list >/dev/null 2>&1 && return; sleep 0.1; done
    fail "systemd-networkd did not answer on the bus (see $PFBP_LOGS/networkd.log)"
}
boot() {
    case "$backend" in
        networkd) start_networkd ;;
        netplan) netplan generate && start_networkd ;;  # netplan's systemd generator, at boot
        ifupdown)
            # networking.service, then udev's hotplug rule for each interface (ifupdown-hotplug).
            mkdir -p /run/network
            ifup -a --read-environment
            ifup --allow=hotplug eth0
            ;;
        nm)
            NetworkManager --no-daemon >>"$state/NetworkManager.log" 2>&1 &
            echo $! >"$state/NetworkManager.pid"
            for _ in $(seq 50); do nmcli -t general status >/dev/null 2>&1 && return; sleep 0.1; done
            fail "NetworkManager did not answer on the bus (see $PFBP_LOGS/NetworkManager.log)"
            ;;
    esac
}
shut_down() {  # the tool ends, and the kernel forgets everything it was told
    local pidfile
    # NetworkManager leaves the links as they are when it ends; the rest of a "reboot" resets them.
    for pidfile in "$state/networkd.pid" "$state/NetworkManager.pid" /run/udhcpc.*.pid; do
        if [[ -s "$pidfile" ]]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$(cat "$pidfile")" 2>/dev/null || break; sleep 0.1; done
            rm -f "$pidfile"
        fi
    done
    ip link del br0 2>/dev/null || true
    ip link set eth0 down
    ip address flush dev eth0
    local key
    for key in disable_ipv6 accept_ra autoconf addr_gen_mode; do  # bridge-utils leaves a port without one
        sysctl -qw "net.ipv6.conf.eth0.$key=$(cat "/proc/sys/net/ipv6/conf/default/$key")"
    done
    rm -rf /run/systemd/netif /run/systemd/network /run/network /run/NetworkManager
}

if [[ "$backend" != ifupdown ]]; then
    mkdir -p /run/dbus
    dbus-daemon --system --nofork --nopidfile >>"$state/dbus.log" 2>&1 &
    echo $! >"$state/dbus.pid"
    for _ in $(seq 50); do [[ -S /run/dbus/system_bus_socket ]] && break; sleep 0.1; done
fi
ip link set lo up
boot

# --- what the kernel shows ----------------------------------------------------------------------------------
v4_of() {
    ip -4 -o address show dev "$1" scope global 2>/dev/null | grep -o "inet ${PFBP_POOL4}[0-9]*" | cut -d' ' -f2 || true
}
v6_of() {
    ip -6 -o address show dev "$1" scope global 2>/dev/null | grep -v tentative | grep -o "$prefix:[0-9a-f:]*" \
        | head -n1 || true
}
# (Matched in the shell: grep -q would end the pipe early, and pipefail would count ip's SIGPIPE as a failure.)
default_on() { [[ "$(ip -"$1" route show default)" == *" dev $2 "* ]]; }
waited() {  # waited SECONDS COMMAND...: COMMAND succeeded within SECONDS
    local until=$((SECONDS + $1))
    shift
    until "$@"; do
        ((SECONDS < until)) || return 1
        sleep 0.2
    done
}
has() { [[ -n "$("$1" "$2")" ]]; }
answers() { "$python" "${probe[@]}" answers "$1"; }
reaches_upstream() {
    answers "$PFBP_UPSTREAM4" || fail "$1: $PFBP_UPSTREAM4 does not answer"
    answers "$PFBP_UPSTREAM6" || fail "$1: $PFBP_UPSTREAM6 does not answer"
}
addressed() {  # addressed DEV WHEN: DHCPv4 and SLAAC addresses and both default routes on DEV (and the statics)
    waited 20 has v4_of "$1" || fail "$2: $1 has no DHCPv4 address in $PFBP_POOL4*: $(ip -br address)"
    waited 20 has v6_of "$1" || fail "$2: $1 has no SLAAC address in $prefix::/64: $(ip -br address)"
    waited 20 default_on 4 "$1" || fail "$2: the IPv4 default route is not on $1: $(ip -4 route)"
    waited 20 default_on 6 "$1" || fail "$2: the IPv6 default route is not on $1: $(ip -6 route)"
    reaches_upstream "$2"
    if [[ -n "$static4" ]]; then
        [[ "$(ip -4 -o address show dev "$1")" == *"inet $static4 "* ]] \
            || fail "$2: $1 does not have the static address $static4: $(ip -br address)"
        [[ "$(ip -4 route show "$PFBP_STATIC_NET")" == *"via 192.0.2.1 dev $1 "* ]] \
            || fail "$2: the route to $PFBP_STATIC_NET is not through $1: $(ip -4 route)"
        answers "$PFBP_STATIC_HOST" || fail "$2: $PFBP_STATIC_HOST (through the static route) does not answer"
    fi
    say "$2: $1 has $(v4_of "$1") and $(v6_of "$1"), both default routes"
}
port_of_br0() { [[ "$(ip -o link show eth0)" == *" master br0 "* ]]; }
eui64_address() {  # the SLAAC address of eth0's MAC by EUI-64 in the test prefix
    "$python" -c 'import ipaddress, sys
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
iid = bytes([mac[0] ^ 2]) + mac[1:3] + bytes([0xff, 0xfe]) + mac[3:]
print(ipaddress.IPv6Address(ipaddress.IPv6Address(sys.argv[1] + "::").packed[:8] + iid))' "$prefix" "$mac"
}
bridged() {  # bridged WHEN
    waited 10 port_of_br0 || fail "$1: eth0 is not a port of br0: $(ip -o link show eth0)"
    addressed br0 "$1"
    [[ "$(ip -br link show br0 | awk '{print $3}')" == "$mac" ]] || fail "$1: br0 does not have eth0's MAC $mac"
    # The way eth0 formed its SLAAC address is the bridge's: EUI-64 of the same MAC (the same address) where
    # eth0's files say nothing, stable-privacy where NetworkManager's profile says addr-gen-mode=default.
    if [[ "$backend" == nm ]]; then
        [[ "$(v6_of br0)" != "$(eui64_address)" ]] \
            || fail "$1: br0 formed its SLAAC address by EUI-64; eth0's profile says stable-privacy"
    else
        [[ "$(v6_of br0)" == "$(eui64_address)" ]] || fail "$1: br0's SLAAC address is not $(eui64_address)"
    fi
    [[ -z "$(ip -o address show dev eth0)" ]] || fail "$1: eth0 kept addresses: $(ip -o address show dev eth0)"
}
no_br0() { ! ip link show br0 >/dev/null 2>&1; }
configured_from() {  # configured_from FILE: networkd configured eth0 from FILE
    local status
    status="$(networkctl status eth0 2>/dev/null)" || return 1
    [[ "$status" == *"Network File: $1"* && "$status" == *"State: routable (configured)"* ]]
}
unbridged() {  # unbridged WHEN
    waited 10 no_br0 || fail "$1: br0 is still there: $(ip -br link)"
    ! port_of_br0 || fail "$1: eth0 is still a port of br0"
    addressed eth0 "$1"
}
playbook() {  # playbook FILE [ansible-playbook arguments...]
    local file="$1"
    shift
    # Pipelining: each module runs without a copy in a temporary directory (a quicker run, the same module).
    ANSIBLE_PIPELINING=true ansible-playbook -c local -i localhost, -e "ansible_python_interpreter=$python" \
        -e "backend=$backend" \
        -e "upstream4=$PFBP_UPSTREAM4" -e "upstream6=$PFBP_UPSTREAM6" -e "snapshot=$here/snapshot.sh" \
        -e "static4=$static4" \
        "$here/$file" "$@" || fail "$file failed"
}

# --- bench/bridge's persistent ways (PFBP_BENCH=REPEAT, samples appended to PFBP_BENCH_OUT) --------------------
# The same change two ways, alternating, each from a fresh boot on the user's own files: bridge_iface with this
# backend, and by hand as the backend's documentation has it. Four pings every 20 ms (the router's LAN addresses
# and the two hosts beyond it) count the longest run of lost replies, from 1 s before the change until 2 s after
# br0 has everything eth0 had; the clock runs from the start of the change until then.
bench_targets=(192.0.2.1 "$prefix::1" "$PFBP_UPSTREAM4" "$PFBP_UPSTREAM6")
restore_original() {
    local dir
    for dir in netplan systemd/network network NetworkManager/system-connections; do
        rm -rf "/etc/${dir:?}"
        cp -a "$state/original/${dir/\//-}" "/etc/$dir"
    done
}
bridged_now() {
    port_of_br0 && has v4_of br0 && has v6_of br0 && default_on 4 br0 && default_on 6 br0 \
        && { [[ -z "$static4" ]] || [[ "$(ip -4 -o address show dev br0)" == *"inet $static4 "* ]]; }
}
by_hand_networkd() {  # systemd.netdev(5) and systemd.network(5): a bridge, eth0 its port, the addressing on br0
    printf '[NetDev]\nName=br0\nKind=bridge\nMACAddress=%s\n' "$mac" >/etc/systemd/network/10-br0.netdev
    printf '[Match]\nName=eth0\n\n[Network]\nBridge=br0\n' >/etc/systemd/network/10-eth0.network
    printf '[Match]\nName=br0\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\nAddress=%s\n\n[Route]\nDestination=%s\nGateway=192.0.2.1\n' \
        "$static4" "$PFBP_STATIC_NET" >/etc/systemd/network/10-br0.network
    networkctl reload
}
by_hand_ifupdown() {  # bridge-utils-interfaces(5): eth0 down on its old stanza, then br0 up on the new file
    ifdown eth0
    cat >/etc/network/interfaces <<TEXT
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback

iface eth0 inet manual

auto br0
iface br0 inet dhcp
    bridge_ports eth0
    bridge_stp off
    bridge_fd 0
    bridge_hw $mac
iface br0 inet6 auto
TEXT
    ifup br0
}
bench_one() {  # bench_one WAY REPETITION
    local way="$1" stop="$state/bench-stop" target started finished
    local -a watchers=()
    rm -f "$stop"
    for target in "${bench_targets[@]}"; do
        "$python" "${probe[@]}" watch "$target" 0.02 - "$stop" >"$state/bench-watch-$target.json" &
        watchers+=("$!")
    done
    sleep 1
    started="$(date +%s.%N)"
    case "$way" in
        bridge_iface)
            ANSIBLE_PIPELINING=true ansible-playbook -c local -i localhost, -e "ansible_python_interpreter=$python" \
                -e "backend=$backend" -e "upstream4=$PFBP_UPSTREAM4" -e "upstream6=$PFBP_UPSTREAM6" \
                "$here/bench.yml" >"$state/bench-playbook.log" 2>&1 || fail "bench.yml failed: $(tail -n 20 "$state/bench-playbook.log")"
            ;;
        by-hand) "by_hand_$backend" >>"$state/bench-by-hand.log" 2>&1 || fail "the change by hand failed" ;;
    esac
    waited 60 bridged_now || fail "bench, $way: br0 did not get eth0's addressing within 60 s: $(ip -br address)"
    finished="$(date +%s.%N)"
    sleep 2
    touch "$stop"
    wait "${watchers[@]}"
    "$python" - "$backend" "$way" "$2" "$started" "$finished" "$state" "${bench_targets[@]}" >>"$PFBP_BENCH_OUT" <<'PY'
import json, sys
backend, way, rep, started, finished, state, *targets = sys.argv[1:]
watched = {t: json.load(open(f"{state}/bench-watch-{t}.json")) for t in targets}
print(json.dumps({"backend": backend, "way": way, "repetition": int(rep),
                  "seconds": round(float(finished) - float(started), 3), "watched": watched}))
PY
}
if [[ -n "${PFBP_BENCH:-}" ]]; then
    ways=(bridge_iface by-hand)
    for ((repetition = 1; repetition <= PFBP_BENCH; repetition++)); do
        if ((repetition % 2 == 0)); then ways=(by-hand bridge_iface); else ways=(bridge_iface by-hand); fi
        for way in "${ways[@]}"; do
            shut_down
            restore_original
            boot
            unbridged "bench, before $way ($repetition)"
            bench_one "$way" "$repetition"
            say "bench: $way ($repetition) done"
        done
    done
    shut_down
    exit 0
fi

# --- the test -----------------------------------------------------------------------------------------------
unbridged "at boot, before the change"
if [[ "$backend" == networkd ]]; then
    playbook refused.yml -e "{\"user_file\": \"$user_file\"}"
    # What the refusal says to do: the user's file sorts after the module's, and networkd reads it again.
    mv "$user_file" /etc/systemd/network/80-wired.network
    user_file=/etc/systemd/network/80-wired.network
    keep_original
    networkctl reload
    # networkd configures eth0 again from the moved file, dropping its leases and SLAAC address for a moment:
    # the check-mode snapshot compares the running state, so the change starts once eth0 is whole again.
    waited 20 configured_from "$user_file" || fail "networkd did not take $user_file: $(networkctl status eth0)"
    addressed eth0 "after the user's file moved"
fi
playbook present.yml -e "{\"user_file\": \"$user_file\"}"  # JSON: the file name may have spaces
bridged "after the change"
shut_down
boot
bridged "after a reboot"
playbook absent.yml
unbridged "after state absent"
for dir in netplan systemd/network network NetworkManager/system-connections; do
    diff -r "$state/original/${dir/\//-}" "/etc/$dir" \
        || fail "after state absent, /etc/$dir is not as it was before the change"
done
shut_down
boot
unbridged "after state absent and a reboot"
say "all checks passed"
