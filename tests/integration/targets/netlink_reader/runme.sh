#!/usr/bin/env bash
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# The collection's netlink reader (_net/netlink.py) on the real kernel, in a network namespace made here
# (pfnl-t): a bridge with STP and a forward delay, its port (one end of a veth pair), another veth pair, IPv4 and
# IPv6 addresses (a peer address, finite lifetimes, a deprecated one) and routes (static, with a gateway, a
# metric, a preferred source, an expiry, multipath, another table). Asserted (check_reader.py):
#   ip      the links, addresses and routes it reads, from outside through the namespace's file, are what
#           `ip -details -numeric -json` prints of them, field by field;
#   bridge  inside the namespace, _bridge/netlink.py's read_state, read_links and default_route_links give
#           the bridge, its port, their addresses and carried routes as set up here.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python3}"
ns=pfnl-t

# shellcheck source=../setup_collection_pythonpath/pythonpath.sh
source "$here/../setup_collection_pythonpath/pythonpath.sh"

finish() { ip netns del "$ns" 2>/dev/null || true; }
trap finish EXIT
finish  # a leftover of an interrupted run

in_ns() { ip -n "$ns" "$@"; }
ip netns add "$ns"
in_ns link set lo up
in_ns link add pfnl-br0 address 00:16:3e:0a:00:01 type bridge stp_state 1 forward_delay 400
in_ns link add pfnl-p0 type veth peer name pfnl-p1
in_ns link add pfnl-v0 address 00:16:3e:0a:00:02 type veth peer name pfnl-v1
in_ns link set pfnl-p0 master pfnl-br0
# No link-local address of its own for the bridge: STP makes its carrier come up seconds later, and the address
# would then appear between the reads that are compared.
in_ns link set pfnl-br0 addrgenmode none
for dev in pfnl-br0 pfnl-p0 pfnl-p1 pfnl-v0 pfnl-v1; do in_ns link set "$dev" up; done
in_ns address add 192.0.2.10/24 dev pfnl-br0
in_ns address add 10.9.9.1 peer 10.9.9.2/32 dev pfnl-v0
in_ns address add 198.51.100.10/24 dev pfnl-v0
in_ns address add 2001:db8:9::10/64 dev pfnl-br0 valid_lft 3000 preferred_lft 2000 nodad
in_ns address add 2001:db8:8::10/64 dev pfnl-br0 valid_lft 1200 preferred_lft 0 nodad
in_ns address add fd00:9::10/64 dev pfnl-v0 nodad noprefixroute
in_ns route add 10.20.0.0/16 via 192.0.2.1 dev pfnl-br0 proto static metric 5 src 192.0.2.10
in_ns route add 10.30.0.0/16 via 192.0.2.1 dev pfnl-br0 table 100
in_ns route add default nexthop via 192.0.2.1 dev pfnl-br0 nexthop via 198.51.100.1 dev pfnl-v0
in_ns route add 2001:db8:7::/48 via 2001:db8:9::1 dev pfnl-br0 proto ra metric 1024 expires 600
in_ns route add default via fe80::1 dev pfnl-v0 metric 2048
in_ns route add unreachable 2001:db8:6::/48

"$python" "$here/check_reader.py" ip "/run/netns/$ns" "$ns"
ip netns exec "$ns" "$python" "$here/check_reader.py" bridge
echo "netlink_reader: passed"
