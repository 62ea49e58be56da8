# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel, for bridge_iface: read the running state of interfaces as kernel.py models it (over netlink, with
_net/netlink.py, the collection's one netlink reader, and from /proc/sys), carry out the steps of a plan (through
pyroute2, which only the changes need), and restore a snapshot. Tested against the real kernel, in network
namespaces (tests/integration/targets/bridge_iface, bench/bridge)."""

from __future__ import annotations

import os
import socket
import struct
from typing import Any, Callable, Iterable, TypeVar

from .._net import netlink as rtnl
from .._optional import import_pyroute2
from .kernel import SYSCTLS, Address, LinkState, Route, Step, plan
from .spec import BridgeError, LinkInfo

SYSCTL_DIR = "/proc/sys/net/ipv6/conf"
FOREVER = rtnl.FOREVER
IFA_F_NODAD = 0x02
IFA_F_TEMPORARY = 0x01
IFA_F_PERMANENT = 0x80
RTN_UNICAST = 1
RTPROT_KERNEL = 2
MAIN_TABLE = 254
NO_MAC = "00:00:00:00:00:00"
FAMILIES = ((socket.AF_INET, 4), (socket.AF_INET6, 6))

T = TypeVar("T")


def _iproute() -> Any:
    iproute, error = import_pyroute2()
    if iproute is None:
        raise BridgeError(f"the kernel backend needs the Python library pyroute2 (pip install pyroute2): {error}")
    return iproute()


def _read(what: str, reader: Callable[[rtnl.RouteSocket], T]) -> T:
    """What ``reader`` reads over a netlink socket of this network namespace; BridgeError when it cannot."""
    try:
        with rtnl.open_route_socket() as sock:
            return reader(sock)
    except OSError as exc:
        raise BridgeError(f"cannot read the {what} from the kernel over netlink: {exc}") from exc


def read_sysctl(dev: str, key: str, base: str = SYSCTL_DIR) -> int | None:
    try:
        with open(os.path.join(base, dev, key), encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def write_sysctl(dev: str, key: str, value: int, base: str = SYSCTL_DIR) -> None:
    with open(os.path.join(base, dev, key), "w", encoding="ascii") as handle:
        handle.write(f"{value}\n")


def forwarding() -> bool:
    return bool(read_sysctl("all", "forwarding"))


def link_infos(links: list[rtnl.Link]) -> dict[str, LinkInfo]:
    """Every interface as a LinkInfo (name, kind, master, MACs), by name."""
    by_index = {link.index: link for link in links}
    found = {}
    for link in links:
        master = by_index.get(link.master) if link.master else None
        found[link.name] = LinkInfo(
            name=link.name,
            kind=link.kind,
            master=master.name if master else None,
            master_kind=master.kind if master else None,
            address=link.address,
            perm_address=link.perm_address if link.perm_address and link.perm_address != NO_MAC else None,
            loopback=link.address == NO_MAC and link.name == "lo",
        )
    return found


def read_links() -> dict[str, LinkInfo]:
    """Every interface as a LinkInfo (name, kind, master, MACs), for the option checks."""
    return link_infos(_read("interfaces", rtnl.RouteSocket.links))


def _addresses(addresses: list[rtnl.Address], index: int) -> tuple[Address, ...]:
    """The addresses of interface ``index`` that a change carries over, with their remaining lifetimes."""
    found = []
    for entry in addresses:
        if entry.index != index or entry.own is None or entry.flags & IFA_F_TEMPORARY:
            continue  # privacy addresses are regenerated, never copied
        valid = FOREVER if entry.valid is None else entry.valid
        preferred = FOREVER if entry.preferred is None else entry.preferred
        finite = not entry.flags & IFA_F_PERMANENT and valid != FOREVER
        found.append(Address(
            address=entry.own,
            prefixlen=entry.prefixlen,
            valid=valid if finite else None,
            preferred=min(preferred, valid) if finite else None,
        ))
    return tuple(found)


def _carried(route: rtnl.Route, index: int) -> bool:
    """Whether a route moves with the addresses of interface ``index``: one of its main table, unicast, out of
    that interface alone, and not the kernel's own."""
    return (route.oif == index and route.type == RTN_UNICAST and route.protocol != RTPROT_KERNEL
            and not route.multipath and route.table == MAIN_TABLE)


def _routes(routes: dict[int, list[rtnl.Route]], index: int) -> tuple[Route, ...]:
    """The routes of interface ``index`` that a change carries over, IPv4 then IPv6."""
    found = []
    for family, width in FAMILIES:
        for route in routes.get(family, []):
            if not _carried(route, index):
                continue
            dst = f"{route.dst}/{route.dst_len}" if route.dst_len else "default"
            expires = route.expires or 0
            found.append(Route(family=width, dst=dst, gateway=route.gateway, metric=route.priority,
                               proto=route.protocol, expires=max(1, expires // 100) if expires else None,
                               src=route.prefsrc))
    return tuple(found)


def link_state(link: rtnl.Link, names: dict[int, str], addresses: list[rtnl.Address],
               routes: dict[int, list[rtnl.Route]], sysctl: dict[str, int]) -> LinkState:
    """The managed view of one interface: ``names`` are every interface's by index, ``addresses`` and ``routes``
    (by family) those of every interface."""
    bridge = link.kind == "bridge"
    return LinkState(
        name=link.name,
        kind=link.kind,
        mac=link.address,
        perm_mac=link.perm_address,
        up=link.up,
        master=names.get(link.master) if link.master else None,
        stp=bool(link.stp_state) if bridge else None,
        forward_delay=(link.forward_delay or 0) // 100 if bridge else None,
        sysctl=sysctl,
        addresses=_addresses(addresses, link.index),
        routes=_routes(routes, link.index),
    )


def _sysctls(name: str) -> dict[str, int]:
    values = {k: read_sysctl(name, k) for k in SYSCTLS}
    return {k: v for k, v in values.items() if v is not None}


def read_state(names: Iterable[str]) -> dict[str, LinkState]:
    """The managed view of these interfaces (absent ones with exists=False), in the order given."""

    def dumps(sock: rtnl.RouteSocket) -> tuple[list[rtnl.Link], list[rtnl.Address], dict[int, list[rtnl.Route]]]:
        return sock.links(), sock.addresses(), {family: sock.routes(family) for family, _width in FAMILIES}

    links, addresses, routes = _read("interfaces, addresses and routes", dumps)
    by_name = {link.name: link for link in links}
    by_index = {link.index: link.name for link in links}
    state: dict[str, LinkState] = {}
    for name in names:
        link = by_name.get(name)
        if link is None:
            state[name] = LinkState(name, exists=False)
        else:
            state[name] = link_state(link, by_index, addresses, routes, _sysctls(name))
    return state


def bridge_ports(name: str) -> list[str]:
    """The names of the current ports of bridge `name`."""
    return [link.name for link in read_links().values() if link.master == name]


def default_routes(links: list[rtnl.Link], routes: list[rtnl.Route]) -> list[str]:
    """The interfaces among ``links`` that carry one of these default routes (of the main table), sorted."""
    names = {link.index: link.name for link in links}
    found: set[str] = set()
    for route in routes:
        if route.dst_len != 0 or route.table != MAIN_TABLE:
            continue
        hops = [hop.ifindex for hop in route.multipath]
        found.update(names[oif] for oif in ([route.oif] if route.oif is not None else []) + hops if oif in names)
    return sorted(found)


def default_route_links() -> list[str]:
    """Interfaces that carry an IPv4 or IPv6 default route."""

    def dumps(sock: rtnl.RouteSocket) -> tuple[list[rtnl.Link], list[rtnl.Route]]:
        return sock.links(), [route for family, _width in FAMILIES for route in sock.routes(family)]

    return default_routes(*_read("interfaces and routes", dumps))


def apply(steps: list[Step], ipr: Any = None) -> None:
    """Run the steps against the kernel; BridgeError names the step that failed."""
    own = ipr is None
    ipr = ipr or _iproute()
    try:
        for step in steps:
            try:
                _apply_one(ipr, step)
            except BridgeError:
                raise
            except Exception as exc:  # pyroute2 raises NetlinkError, OSError, ...
                raise BridgeError(f"'{step.text()}' failed: {exc}") from exc
    finally:
        if own:
            ipr.close()


def _index(ipr: Any, name: str) -> int:
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise BridgeError(f"interface {name} vanished while it was being changed")
    index: int = found[0]
    return index


def _apply_one(ipr: Any, step: Step) -> None:  # noqa: C901
    a = step.args
    if step.op == "bridge_add":
        extra = {"address": a["mac"]} if a.get("mac") else {}
        ipr.link("add", ifname=step.dev, kind="bridge", br_stp_state=int(a["stp"]),
                 br_forward_delay=a["forward_delay"] * 100, **extra)
    elif step.op == "bridge_set":
        ipr.link("set", index=_index(ipr, step.dev), kind="bridge", br_stp_state=int(a["stp"]),
                 br_forward_delay=a["forward_delay"] * 100)
    elif step.op == "mac":
        ipr.link("set", index=_index(ipr, step.dev), address=a["mac"])
    elif step.op == "up":
        ipr.link("set", index=_index(ipr, step.dev), state="up")
    elif step.op == "sysctl":
        write_sysctl(step.dev, a["key"], a["value"])
    elif step.op == "addr_add":
        addr = Address(**a["address"])
        kwargs: dict[str, Any] = {}
        if addr.family == 6:
            kwargs["flags"] = IFA_F_NODAD
        if addr.valid is not None:
            kwargs["IFA_CACHEINFO"] = {"ifa_valid": addr.valid, "ifa_preferred": addr.preferred or 0,
                                       "cstamp": 0, "tstamp": 0}
        try:
            ipr.addr("add", index=_index(ipr, step.dev), address=addr.address, prefixlen=addr.prefixlen, **kwargs)
        except Exception as exc:  # already there (a race with SLAAC): fine
            if getattr(exc, "code", None) != 17:
                raise
    elif step.op == "addr_del":
        addr = Address(**a["address"])
        try:
            ipr.addr("del", index=_index(ipr, step.dev), address=addr.address, prefixlen=addr.prefixlen)
        except Exception as exc:  # already gone
            if getattr(exc, "code", None) not in (99, 19):
                raise
    elif step.op == "master":
        if a["master"]:
            ipr.link("set", index=_index(ipr, step.dev), master=_index(ipr, a["master"]))
        else:
            ipr.link("set", index=_index(ipr, step.dev), master=0)
    elif step.op in ("route_add", "route_del"):
        _apply_route(ipr, step)
    elif step.op == "link_del":
        ipr.link("del", index=_index(ipr, step.dev))
    else:
        raise BridgeError(f"unknown step {step.op}")


def _route_match(ipr: Any, dev: str, route: Route) -> dict[str, Any]:
    """pyroute2's arguments that name the route: family, table, destination, gateway, device and metric."""
    match: dict[str, Any] = {"family": 10 if route.family == 6 else 2, "table": MAIN_TABLE, "oif": _index(ipr, dev)}
    if route.dst == "default":
        match.update(dst="::" if route.family == 6 else "0.0.0.0", dst_len=0)
    else:
        net, length = route.dst.split("/")
        match.update(dst=net, dst_len=int(length))
    if route.gateway:
        match["gateway"] = route.gateway
    if route.metric is not None:
        match["priority"] = route.metric
    return match


def _apply_route(ipr: Any, step: Step) -> None:
    route = Route(**step.args["route"])
    kwargs = _route_match(ipr, step.dev, route)
    if step.op == "route_del":
        try:
            ipr.route("del", **kwargs)
        except Exception as exc:  # gone with its address or with disable_ipv6: fine
            if getattr(exc, "code", None) != 3:
                raise
        return
    kwargs["proto"] = route.proto
    if route.src:
        kwargs["prefsrc"] = route.src
    if route.expires is not None and route.family == 6:
        kwargs["RTA_EXPIRES"] = struct.pack("=I", route.expires)
    try:
        ipr.route("add", **kwargs)
    except Exception as exc:  # already there (the router's advertisement was quicker): fine
        if getattr(exc, "code", None) != 17:
            raise


def restore(snapshot: dict[str, LinkState], ipr: Any = None) -> list[Step]:
    """Bring the running state back to `snapshot`; the steps taken."""
    current = read_state(list(snapshot))
    steps = plan(current, snapshot)
    apply(steps, ipr)
    return steps
