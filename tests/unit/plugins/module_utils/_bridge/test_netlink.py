# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import netlink
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.kernel import Address, LinkState, Route
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeError, LinkInfo
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net import netlink as rtnl

FOREVER = rtnl.FOREVER
LO = rtnl.Link(1, "lo", 0x49, mtu=65536, address="00:00:00:00:00:00")
ETH0 = rtnl.Link(2, "eth0", 0x1003, mtu=1500, address="00:16:3e:00:00:01", perm_address="00:16:3e:00:00:02",
                 master=4)
BOND = rtnl.Link(3, "bond0", 0x1002, address="00:16:3e:00:00:03", kind="bond", perm_address="00:00:00:00:00:00")
BR0 = rtnl.Link(4, "br0", 0x1003, address="00:16:3e:00:00:01", kind="bridge", stp_state=0, forward_delay=1499)
LINKS = [LO, ETH0, BOND, BR0]


def test_link_infos() -> None:
    infos = netlink.link_infos(LINKS)
    assert list(infos) == ["lo", "eth0", "bond0", "br0"]
    assert infos["lo"] == LinkInfo("lo", address="00:00:00:00:00:00", loopback=True)
    assert infos["eth0"] == LinkInfo("eth0", master="br0", master_kind="bridge", address="00:16:3e:00:00:01",
                                     perm_address="00:16:3e:00:00:02")
    # an all-zero permanent MAC is none
    assert infos["bond0"] == LinkInfo("bond0", kind="bond", address="00:16:3e:00:00:03")
    assert infos["br0"].kind == "bridge" and infos["br0"].master is None and not infos["br0"].loopback


def test_a_master_that_is_not_listed_is_none() -> None:
    orphan = rtnl.Link(5, "veth1", 0, master=99)
    assert netlink.link_infos([orphan])["veth1"].master is None


def address(index: int, text: str, prefixlen: int, flags: int, preferred: int | None = FOREVER,
            valid: int | None = FOREVER) -> rtnl.Address:
    family = socket.AF_INET6 if ":" in text else socket.AF_INET
    return rtnl.Address(index, family, prefixlen, flags, 0, address=text, local=None if ":" in text else text,
                        preferred=preferred, valid=valid)


ADDRESSES = [
    address(2, "192.0.2.10", 24, 0x80),
    address(2, "2001:db8::5", 64, 0x100, 14390, 86390),  # SLAAC: finite lifetimes
    address(2, "2001:db8::77", 64, 0x01, 3000, 80000),  # a privacy address
    address(2, "2001:db8::9", 64, 0x80 | 0x100, 14390, 86390),  # permanent: no lifetimes, whatever the cache says
    address(2, "2001:db8::a", 64, 0, 90000, 86400),  # preferred longer than valid
    address(2, "fe80::1", 64, 0x80, None, None),  # no IFA_CACHEINFO
    address(4, "2001:db8::b", 64, 0),
    rtnl.Address(2, socket.AF_INET6, 64, 0, 0),  # no address at all
]


def test_addresses_carried_over() -> None:
    assert netlink._addresses(ADDRESSES, 2) == (
        Address("192.0.2.10", 24), Address("2001:db8::5", 64, valid=86390, preferred=14390),
        Address("2001:db8::9", 64), Address("2001:db8::a", 64, valid=86400, preferred=86400),
        Address("fe80::1", 64))
    assert netlink._addresses(ADDRESSES, 4) == (Address("2001:db8::b", 64),)
    assert netlink._addresses(ADDRESSES, 3) == ()


def route(family: int, dst_len: int, oif: int | None, **kwargs: object) -> rtnl.Route:
    values: dict[str, object] = {"table": 254, "protocol": 4, "scope": 0, "type": 1}
    values.update(kwargs)
    return rtnl.Route(family, dst_len, oif=oif, **values)  # type: ignore[arg-type]


ROUTES = {
    socket.AF_INET: [
        route(socket.AF_INET, 0, 2, gateway="192.0.2.1", protocol=16, priority=100, prefsrc="192.0.2.10"),
        route(socket.AF_INET, 24, 2, dst="192.0.2.0", protocol=2, scope=253),  # the kernel's own
        route(socket.AF_INET, 8, 2, dst="10.0.0.0", gateway="192.0.2.9"),
        route(socket.AF_INET, 32, 2, dst="192.0.2.10", table=255, type=2, protocol=2),  # the local table
        route(socket.AF_INET, 16, 2, dst="172.16.0.0", table=100),
        route(socket.AF_INET, 24, 2, dst="198.51.100.0", type=6),  # prohibit
        route(socket.AF_INET, 0, None, multipath=(rtnl.NextHop(2), rtnl.NextHop(4))),
    ],
    socket.AF_INET6: [
        route(socket.AF_INET6, 0, 2, gateway="fe80::1", protocol=9, priority=1024, expires=179837),
        route(socket.AF_INET6, 64, 2, dst="2001:db8:1::", protocol=9, priority=1024, expires=50),
        route(socket.AF_INET6, 64, 2, dst="2001:db8::", protocol=2, priority=256),
        route(socket.AF_INET6, 48, 2, dst="2001:db8:2::", protocol=4, priority=1024, expires=0),
        route(socket.AF_INET6, 0, 4, gateway="fe80::2", protocol=3, priority=1024),
    ],
}


def test_routes_carried_over() -> None:
    assert netlink._routes(ROUTES, 2) == (
        Route(4, "default", "192.0.2.1", 100, 16, src="192.0.2.10"),
        Route(4, "10.0.0.0/8", "192.0.2.9", None, 4),
        Route(6, "default", "fe80::1", 1024, 9, expires=1798),
        Route(6, "2001:db8:1::/64", None, 1024, 9, expires=1),  # under a second left: one
        Route(6, "2001:db8:2::/48", None, 1024, 4),
    )
    assert netlink._routes(ROUTES, 4) == (Route(6, "default", "fe80::2", 1024, 3),)
    assert netlink._routes({}, 2) == ()


def test_link_state_of_a_bridge_and_its_port() -> None:
    names = {link.index: link.name for link in LINKS}
    bridge = netlink.link_state(BR0, names, ADDRESSES, ROUTES, {"accept_ra": 2})
    assert bridge == LinkState("br0", kind="bridge", mac="00:16:3e:00:00:01", up=True, stp=False, forward_delay=14,
                               sysctl={"accept_ra": 2}, addresses=(Address("2001:db8::b", 64),),
                               routes=(Route(6, "default", "fe80::2", 1024, 3),))
    port = netlink.link_state(ETH0, names, [], {}, {})
    assert port == LinkState("eth0", mac="00:16:3e:00:00:01", perm_mac="00:16:3e:00:00:02", up=True, master="br0")
    stp = netlink.link_state(rtnl.Link(7, "br1", 0, kind="bridge", stp_state=1), names, [], {}, {})
    assert (stp.stp, stp.forward_delay, stp.up) == (True, 0, False)


def test_default_routes() -> None:
    others = [route(socket.AF_INET6, 0, 3, table=100), route(socket.AF_INET6, 0, 42)]
    routes = ROUTES[socket.AF_INET] + ROUTES[socket.AF_INET6] + others
    assert netlink.default_routes(LINKS, routes) == ["br0", "eth0"]
    assert netlink.default_routes(LINKS, ROUTES[socket.AF_INET][1:6]) == []


def test_a_kernel_that_cannot_be_read_is_a_bridge_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(netns: str | None = None) -> rtnl.RouteSocket:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(rtnl, "open_route_socket", refused)
    with pytest.raises(BridgeError, match="cannot read the interfaces from the kernel over netlink: .*denied"):
        netlink.read_links()


SAMPLES = Path(__file__).parents[1] / "_net" / "samples" / "netlink"


def sample(name: str) -> bytes:
    return bytes.fromhex("".join((SAMPLES / name).read_text().split()))


def test_the_state_of_a_captured_namespace_is_what_pyroute2_read() -> None:
    """The dumps of a namespace set up as the netlink_reader integration target does, and what the reader this
    module had before, through pyroute2, returned for the same namespace at the same moment."""
    links = rtnl.parse_links(sample("bridge-namespace.link.hex"))
    addresses = rtnl.parse_addresses(sample("bridge-namespace.addr.hex"))
    routes = {socket.AF_INET: rtnl.parse_routes(sample("bridge-namespace.route4.hex")),
              socket.AF_INET6: rtnl.parse_routes(sample("bridge-namespace.route6.hex"))}
    before = json.loads((SAMPLES / "bridge-namespace.pyroute2.json").read_text())
    names = {link.index: link.name for link in links}
    for link in links:
        expected = before["state"][link.name]
        state = netlink.link_state(link, names, addresses, routes, expected["sysctl"])
        assert state.to_dict() == expected
    infos = netlink.link_infos(links)
    assert {name: vars(info) for name, info in infos.items()} == before["links"]
    assert netlink.default_routes(links, routes[socket.AF_INET] + routes[socket.AF_INET6]) == before["default"]
    assert before["state"]["pfnl-br0"]["stp"] and before["state"]["pfnl-br0"]["forward_delay"] == 4
    assert [r["dst"] for r in before["state"]["pfnl-br0"]["routes"]] == ["10.20.0.0/16", "2001:db8:7::/48"]
