# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kernel, through pyroute2 (netlink) and /proc/sys: read the running state of interfaces as kernel.py models
it, carry out the steps of a plan, and restore a snapshot. Tested against the real kernel, in network
namespaces (tests/integration/targets/bridge_iface, bench/bridge)."""

from __future__ import annotations

import os
import struct
from typing import Any, Iterable

from .._optional import import_pyroute2
from .kernel import SYSCTLS, Address, LinkState, Route, Step, plan
from .spec import BridgeError, LinkInfo

SYSCTL_DIR = "/proc/sys/net/ipv6/conf"
FOREVER = 0xFFFFFFFF
IFA_F_NODAD = 0x02
IFA_F_TEMPORARY = 0x01
IFA_F_PERMANENT = 0x80
IFF_UP = 0x1
RTN_UNICAST = 1
RTPROT_KERNEL = 2
MAIN_TABLE = 254


def _iproute() -> Any:
    iproute, error = import_pyroute2()
    if iproute is None:
        raise BridgeError(f"the kernel backend needs the Python library pyroute2 (pip install pyroute2): {error}")
    return iproute()


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


def _kind(msg: Any) -> str | None:
    kind: str | None = msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_KIND")
    return kind


def read_links(ipr: Any = None) -> dict[str, Any]:
    """Every interface as a LinkInfo (name, kind, master, MACs), for the option checks."""

    own = ipr is None
    ipr = ipr or _iproute()
    try:
        msgs = list(ipr.get_links())
    finally:
        if own:
            ipr.close()
    names = {m["index"]: m.get("IFLA_IFNAME") for m in msgs}
    kinds = {m["index"]: _kind(m) for m in msgs}
    links = {}
    for m in msgs:
        master = m.get("IFLA_MASTER")
        perm = m.get("IFLA_PERM_ADDRESS")
        links[m.get("IFLA_IFNAME")] = LinkInfo(
            name=m.get("IFLA_IFNAME"),
            kind=kinds[m["index"]],
            master=names.get(master) if master else None,
            master_kind=kinds.get(master) if master else None,
            address=m.get("IFLA_ADDRESS"),
            perm_address=perm if perm and perm != "00:00:00:00:00:00" else None,
            loopback=m.get("IFLA_ADDRESS") == "00:00:00:00:00:00" and m.get("IFLA_IFNAME") == "lo",
        )
    return links


def _addresses(ipr: Any, index: int) -> tuple[Address, ...]:
    found = []
    for msg in ipr.get_addr(index=index):
        flags = msg.get("IFA_FLAGS") or msg["flags"]
        if flags & IFA_F_TEMPORARY:
            continue  # privacy addresses are regenerated, never copied
        info = msg.get("IFA_CACHEINFO") or {}
        valid = info.get("ifa_valid", FOREVER)
        preferred = info.get("ifa_preferred", FOREVER)
        finite = not flags & IFA_F_PERMANENT and valid != FOREVER
        found.append(Address(
            address=msg.get("IFA_ADDRESS") if msg["family"] == 10 else (msg.get("IFA_LOCAL") or msg.get("IFA_ADDRESS")),
            prefixlen=msg["prefixlen"],
            valid=valid if finite else None,
            preferred=min(preferred, valid) if finite else None,
        ))
    return tuple(found)


def _routes(ipr: Any, index: int) -> tuple[Route, ...]:
    found = []
    for family, width in ((2, 4), (10, 6)):
        for msg in ipr.get_routes(family=family, table=MAIN_TABLE):
            if (msg.get("RTA_OIF") != index or msg["type"] != RTN_UNICAST or msg["proto"] == RTPROT_KERNEL
                    or msg.get("RTA_MULTIPATH") or msg.get("RTA_TABLE", MAIN_TABLE) != MAIN_TABLE):
                continue
            dst = f"{msg.get('RTA_DST')}/{msg['dst_len']}" if msg["dst_len"] else "default"
            expires = (msg.get("RTA_CACHEINFO") or {}).get("rta_expires") or 0
            found.append(Route(family=width, dst=dst, gateway=msg.get("RTA_GATEWAY"), metric=msg.get("RTA_PRIORITY"),
                               proto=msg["proto"], expires=max(1, expires // 100) if expires else None,
                               src=msg.get("RTA_PREFSRC")))
    return tuple(found)


def read_state(names: Iterable[str], ipr: Any = None) -> dict[str, LinkState]:
    """The managed view of these interfaces (absent ones with exists=False), in the order given."""
    own = ipr is None
    ipr = ipr or _iproute()
    try:
        msgs = list(ipr.get_links())
        by_name = {m.get("IFLA_IFNAME"): m for m in msgs}
        by_index = {m["index"]: m.get("IFLA_IFNAME") for m in msgs}
        state: dict[str, LinkState] = {}
        for name in names:
            msg = by_name.get(name)
            if msg is None:
                state[name] = LinkState(name, exists=False)
                continue
            kind = _kind(msg)
            stp = delay = None
            if kind == "bridge":
                stp = bool(msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_DATA", "IFLA_BR_STP_STATE"))
                delay = int(msg.get_nested("IFLA_LINKINFO", "IFLA_INFO_DATA", "IFLA_BR_FORWARD_DELAY") or 0) // 100
            master = msg.get("IFLA_MASTER")
            values = {k: read_sysctl(name, k) for k in SYSCTLS}
            sysctl = {k: v for k, v in values.items() if v is not None}
            state[name] = LinkState(
                name=name,
                kind=kind,
                mac=msg.get("IFLA_ADDRESS"),
                perm_mac=msg.get("IFLA_PERM_ADDRESS"),
                up=bool(msg["flags"] & IFF_UP),
                master=by_index.get(master) if master else None,
                stp=stp,
                forward_delay=delay,
                sysctl=sysctl,
                addresses=_addresses(ipr, msg["index"]),
                routes=_routes(ipr, msg["index"]),
            )
        return state
    finally:
        if own:
            ipr.close()


def bridge_ports(name: str, ipr: Any = None) -> list[str]:
    """The names of the current ports of bridge `name`."""
    return [link.name for link in read_links(ipr).values() if link.master == name]


def default_route_links(ipr: Any = None) -> list[str]:
    """Interfaces that carry an IPv4 or IPv6 default route."""
    own = ipr is None
    ipr = ipr or _iproute()
    try:
        names = {m["index"]: m.get("IFLA_IFNAME") for m in ipr.get_links()}
        found = []
        for family in (2, 10):
            for route in ipr.get_routes(family=family, table=254):
                if route["dst_len"] == 0 and route.get("RTA_OIF") in names:
                    found.append(names[route.get("RTA_OIF")])
                for hop in route.get("RTA_MULTIPATH") or []:
                    if route["dst_len"] == 0 and hop["oif"] in names:
                        found.append(names[hop["oif"]])
        return sorted(set(found))
    finally:
        if own:
            ipr.close()


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
    own = ipr is None
    ipr = ipr or _iproute()
    try:
        current = read_state(list(snapshot), ipr)
        steps = plan(current, snapshot)
        apply(steps, ipr)
        return steps
    finally:
        if own:
            ipr.close()
