#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Usage: check_reader.py ip NETNS_FILE NETNS_NAME
          check_reader.py bridge
          check_reader.py dump NETNS_FILE DIR

ip: reads the links, addresses and routes of the namespace with _net/netlink.py, through a socket opened in it
from outside (NETNS_FILE, e.g. /run/netns/NAME), and compares them field by field with what `ip -n NETNS_NAME
-details -numeric -json` prints; lifetimes and expiries may differ by 2 s (the two reads are not at the same
instant). bridge: run inside the namespace runme.sh sets up, checks _bridge/netlink.py's read_state,
read_links and default_route_links against that set-up. dump: writes the raw dumps of the namespace (links,
addresses, IPv4 and IPv6 routes) as hex, 100 digits a line, to DIR/<kind>.hex, the unit tests' samples.
Each check prints what differs and exits 1 if anything does.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from typing import Any

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import netlink as bridge_netlink
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.kernel import Address, Route
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net import netlink

SLACK = 2  # seconds two reads of a lifetime or an expiry may differ by
IFA_F_NODAD = 0x02
IFA_F_DEPRECATED = 0x20
IFA_F_PERMANENT = 0x80
IFA_F_MANAGETEMPADDR = 0x100
IFA_F_NOPREFIXROUTE = 0x200
FAMILIES: dict[int, tuple[str, int]] = {socket.AF_INET: ("-4", 32), socket.AF_INET6: ("-6", 128)}


def ip_json(netns: str, *args: str) -> list[dict[str, Any]]:
    out = subprocess.run(["ip", "-n", netns, "-details", "-Numeric", "-json", *args], check=True,
                         capture_output=True, text=True).stdout
    result: list[dict[str, Any]] = json.loads(out)
    return result


class Check:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.compared = 0

    def same(self, what: str, ours: Any, theirs: Any) -> None:
        self.compared += 1
        if ours != theirs:
            self.problems.append(f"{what}: the reader has {ours!r}, ip {theirs!r}")

    def near(self, what: str, ours: int | None, theirs: int | None) -> None:
        self.compared += 1
        apart = ours is not None and theirs is not None and abs(ours - theirs) > SLACK
        if (ours is None) != (theirs is None) or apart:
            self.problems.append(f"{what}: the reader has {ours!r}, ip {theirs!r} (more than {SLACK} s apart)")

    def done(self, name: str) -> int:
        print(json.dumps({"check": name, "compared": self.compared, "problems": self.problems}, indent=1))
        return 1 if self.problems or not self.compared else 0


def compare_links(check: Check, links: list[netlink.Link], shown: list[dict[str, Any]]) -> dict[int, str]:
    check.same("links", [(link.index, link.name) for link in links], [(i["ifindex"], i["ifname"]) for i in shown])
    names = {link.index: link.name for link in links}
    for link, theirs in zip(links, shown, strict=False):
        what = f"link {link.name}"
        info = theirs.get("linkinfo", {})
        check.same(f"{what} up", link.up, "UP" in theirs["flags"])
        check.same(f"{what} mtu", link.mtu, theirs["mtu"])
        check.same(f"{what} address", link.address, theirs.get("address"))
        check.same(f"{what} permanent address", link.perm_address, theirs.get("permaddr"))
        check.same(f"{what} master", names.get(link.master or 0), theirs.get("master"))
        check.same(f"{what} kind", link.kind, info.get("info_kind"))
        if link.kind == "bridge":
            check.same(f"{what} stp_state", link.stp_state, info["info_data"]["stp_state"])
            check.same(f"{what} forward_delay", link.forward_delay, info["info_data"]["forward_delay"])
    return names


def compare_addresses(check: Check, addresses: list[netlink.Address], shown: list[dict[str, Any]]) -> None:
    flag_words = {"dynamic": 0, "deprecated": IFA_F_DEPRECATED, "nodad": IFA_F_NODAD,
                  "mngtmpaddr": IFA_F_MANAGETEMPADDR, "noprefixroute": IFA_F_NOPREFIXROUTE}
    for link in shown:
        ours = [a for a in addresses if a.index == link["ifindex"]]
        theirs = link.get("addr_info", [])
        check.same(f"addresses of {link['ifname']}", [(a.own, a.prefixlen) for a in ours],
                   [(i["local"], i["prefixlen"]) for i in theirs])
        for addr, info in zip(ours, theirs, strict=False):
            what = f"address {addr.own}/{addr.prefixlen}"
            check.same(f"{what} family", addr.family, socket.AF_INET6 if info["family"] == "inet6" else socket.AF_INET)
            check.same(f"{what} scope", addr.scope, int(info["scope"]))
            peer = addr.address if addr.family == socket.AF_INET and addr.address != addr.local else None
            check.same(f"{what} peer", peer, info.get("address"))
            for word, bit in flag_words.items():
                has = not addr.flags & IFA_F_PERMANENT if word == "dynamic" else bool(addr.flags & bit)
                check.same(f"{what} {word}", has, bool(info.get(word)))
            check.near(f"{what} valid lifetime", addr.valid, info.get("valid_life_time"))
            check.near(f"{what} preferred lifetime", addr.preferred, info.get("preferred_life_time"))


def route_dst(route: netlink.Route) -> str:
    """The destination as ip prints it: default, an address alone for a host route, else a prefix."""
    if route.dst is None:
        return "default"
    return route.dst if route.dst_len == FAMILIES[route.family][1] else f"{route.dst}/{route.dst_len}"


def compare_routes(check: Check, routes: list[netlink.Route], shown: list[dict[str, Any]], names: dict[int, str],
                   family: int) -> None:
    check.same(f"routes of family {family}", [route_dst(r) for r in routes], [i["dst"] for i in shown])
    for route, info in zip(routes, shown, strict=False):
        what = f"route {route_dst(route)} (table {route.table})"
        check.same(f"{what} numbers", (route.type, route.table, route.protocol, route.scope),
                   (int(info["type"]), int(info["table"]), int(info["protocol"]), int(info["scope"])))
        check.same(f"{what} gateway", route.gateway, info.get("gateway"))
        check.same(f"{what} device", names.get(route.oif or 0), info.get("dev"))
        check.same(f"{what} metric", route.priority, info.get("metric"))
        check.same(f"{what} preferred source", route.prefsrc, info.get("prefsrc"))
        check.near(f"{what} expires", route.expires // 100 if route.expires else None, info.get("expires"))
        check.same(f"{what} next hops", [(h.gateway, names.get(h.ifindex)) for h in route.multipath],
                   [(h.get("gateway"), h.get("dev")) for h in info.get("nexthops", [])])


def check_ip(netns_file: str, netns: str) -> int:
    check = Check()
    with netlink.open_route_socket(netns_file) as sock:
        links, addresses = sock.links(), sock.addresses()
        routes = {family: sock.routes(family) for family in FAMILIES}
    names = compare_links(check, links, ip_json(netns, "link", "show"))
    compare_addresses(check, addresses, ip_json(netns, "address", "show"))
    for family, (flag, _bits) in FAMILIES.items():
        compare_routes(check, routes[family], ip_json(netns, flag, "route", "show", "table", "all"), names, family)
    return check.done("ip")


def check_bridge() -> int:
    """read_state, read_links and default_route_links inside the namespace runme.sh sets up."""
    check = Check()
    state = bridge_netlink.read_state(["pfnl-br0", "pfnl-p0", "pfnl-none"])
    bridge, port = state["pfnl-br0"], state["pfnl-p0"]
    check.same("absent", state["pfnl-none"].exists, False)
    check.same("bridge", (bridge.kind, bridge.mac, bridge.up, bridge.master, bridge.stp, bridge.forward_delay),
               ("bridge", "00:16:3e:0a:00:01", True, None, True, 4))
    check.same("port", (port.kind, port.up, port.master, port.stp, port.routes), ("veth", True, "pfnl-br0", None, ()))
    check.same("port's addresses (its link-local one)", [(a.link_local, a.valid) for a in port.addresses],
               [(True, None)])
    check.same("bridge sysctls", sorted(bridge.sysctl), ["accept_ra", "addr_gen_mode", "disable_ipv6"])
    finite = {a.address: a for a in bridge.addresses if a.valid is not None}
    check.same("bridge addresses", sorted(a.key for a in bridge.addresses),
               [("192.0.2.10", 24), ("2001:db8:8::10", 64), ("2001:db8:9::10", 64)])
    check.same("bridge address without lifetimes", [a for a in bridge.addresses if a.address not in finite],
               [Address("192.0.2.10", 24)])
    check.near("2001:db8:9::10 valid", finite["2001:db8:9::10"].valid, 3000)
    check.near("2001:db8:9::10 preferred", finite["2001:db8:9::10"].preferred, 2000)
    check.same("2001:db8:8::10 preferred", finite["2001:db8:8::10"].preferred, 0)
    expiring = [r for r in bridge.routes if r.expires is not None]
    check.same("bridge routes", [r for r in bridge.routes if r.expires is None],
               [Route(4, "10.20.0.0/16", "192.0.2.1", 5, 4, src="192.0.2.10")])
    check.same("expiring route", [(r.family, r.dst, r.gateway, r.metric, r.proto) for r in expiring],
               [(6, "2001:db8:7::/48", "2001:db8:9::1", 1024, 9)])
    check.near("expiring route expires", expiring[0].expires if expiring else None, 600)
    links = bridge_netlink.read_links()
    check.same("port's master", (links["pfnl-p0"].master, links["pfnl-p0"].master_kind), ("pfnl-br0", "bridge"))
    check.same("loopback", [n for n, link in links.items() if link.loopback], ["lo"])
    check.same("bridge ports", bridge_netlink.bridge_ports("pfnl-br0"), ["pfnl-p0"])
    check.same("default route links", bridge_netlink.default_route_links(), ["pfnl-br0", "pfnl-v0"])
    return check.done("bridge")


def dump(netns_file: str, directory: str) -> int:
    kinds = {"link": (netlink.RTM_GETLINK, socket.AF_UNSPEC), "addr": (netlink.RTM_GETADDR, socket.AF_UNSPEC),
             "route4": (netlink.RTM_GETROUTE, socket.AF_INET), "route6": (netlink.RTM_GETROUTE, socket.AF_INET6)}
    os.makedirs(directory, exist_ok=True)
    with netlink.open_route_socket(netns_file) as sock:
        for name, (kind, family) in kinds.items():
            with open(os.path.join(directory, f"{name}.hex"), "w", encoding="ascii") as handle:
                handle.write("\n".join(textwrap.wrap(sock.dump(kind, family).hex(), 100)) + "\n")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["ip"] and len(argv) == 3:
        return check_ip(argv[1], argv[2])
    if argv == ["bridge"]:
        return check_bridge()
    if argv[:1] == ["dump"] and len(argv) == 3:
        return dump(argv[1], argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
