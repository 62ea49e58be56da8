# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running kernel state of a bridge and its ports: read it, plan a change, apply it, restore a snapshot.

A `RuntimeState` holds, per interface, what bridge_iface manages: whether it exists, its MAC, bridge
parameters, master, up/down, the IPv6 sysctls (accept_ra, disable_ipv6, addr_gen_mode) and its addresses.
`desired_state()` turns a BridgeSpec into the state wanted; `plan()` diffs two states into ordered `Step`s, each
printable as the `ip`/`sysctl` command it stands for; `apply()` runs them with pyroute2. A revert is the same
`plan()` from the state found then back to a snapshot taken before the change (serialised as JSON).

The order is chosen so that the host keeps answering: the bridge is created with the port's MAC and made ready
(STP off, forward delay 0, its sysctls, UP), the port's addresses are added to it first (without DAD, with
their remaining lifetimes: they are the same addresses, already unique on the link, and the same MAC keeps
them: SLAAC on the bridge refreshes them), then the port is enslaved, and only then its IPv6 is switched off.
"""

from __future__ import annotations

import ipaddress
import os
import struct
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Iterable, TypeVar, cast

from .spec import BridgeError, BridgeSpec, LinkInfo

SYSCTL_DIR = "/proc/sys/net/ipv6/conf"
SYSCTLS = ("accept_ra", "disable_ipv6", "addr_gen_mode")
ADDR_GEN_MODE_VALUES = {"eui64": 0, "stable-privacy": 2}
FOREVER = 0xFFFFFFFF
IFA_F_NODAD = 0x02
IFA_F_TEMPORARY = 0x01
IFA_F_PERMANENT = 0x80
IFF_UP = 0x1
RTN_UNICAST = 1
RTPROT_KERNEL = 2
ROUTE_PROTOS = {3: "boot", 4: "static", 9: "ra", 16: "dhcp"}
MAIN_TABLE = 254


@dataclass(frozen=True)
class Address:
    """One address of an interface; valid/preferred are remaining seconds, None for forever."""

    address: str
    prefixlen: int
    valid: int | None = None
    preferred: int | None = None

    @property
    def family(self) -> int:
        return 6 if ":" in self.address else 4

    @property
    def key(self) -> tuple[str, int]:
        return (self.address, self.prefixlen)

    @property
    def link_local(self) -> bool:
        return self.family == 6 and ipaddress.IPv6Address(self.address).is_link_local

    def text(self) -> str:
        words = [f"{self.address}/{self.prefixlen}"]
        if self.family == 6:
            words.append("nodad")
        if self.valid is not None:
            words += ["valid_lft", str(self.valid), "preferred_lft", str(self.preferred or 0)]
        return " ".join(words)


@dataclass(frozen=True)
class Route:
    """A route of the main table out of one interface that is not the kernel's own (those come and go with the
    addresses): a default route learnt from a router advertisement or DHCP, or a static one. It moves with the
    addresses, so the host keeps its way out. `expires` is the remaining seconds of an IPv6 route, None for
    none; `dst` is V(default) or a prefix."""

    family: int
    dst: str
    gateway: str | None = None
    metric: int | None = None
    proto: int = 4  # static
    expires: int | None = None
    src: str | None = None

    @property
    def key(self) -> tuple[int, str, str | None, int | None]:
        return (self.family, self.dst, self.gateway, self.metric)

    def text(self, dev: str, verb: str = "add") -> str:
        """The `ip route` command that adds (or deletes) this route on `dev`."""
        words = ["ip", "-6" if self.family == 6 else "-4", "route", verb, self.dst]
        if self.gateway:
            words += ["via", self.gateway]
        words += ["dev", dev]
        if verb == "add" and self.proto != 4:
            words += ["proto", ROUTE_PROTOS.get(self.proto, str(self.proto))]
        if self.metric is not None:
            words += ["metric", str(self.metric)]
        if verb == "add" and self.src:
            words += ["src", self.src]
        if verb == "add" and self.expires is not None:
            words += ["expires", str(self.expires)]
        return " ".join(words)


@dataclass(frozen=True)
class LinkState:
    """What bridge_iface manages of one interface."""

    name: str
    exists: bool = True
    kind: str | None = None
    mac: str | None = None
    perm_mac: str | None = None
    up: bool = False
    master: str | None = None
    stp: bool | None = None
    forward_delay: int | None = None  # seconds
    sysctl: dict[str, int] = field(default_factory=dict)
    addresses: tuple[Address, ...] = ()
    routes: tuple[Route, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["addresses"] = [asdict(a) for a in self.addresses]
        data["routes"] = [asdict(r) for r in self.routes]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkState:
        values = dict(data)
        values["addresses"] = tuple(Address(**a) for a in data.get("addresses", []))
        values["routes"] = tuple(Route(**r) for r in data.get("routes", []))
        values["sysctl"] = dict(data.get("sysctl") or {})
        return cls(**values)


RuntimeState = dict  # name -> LinkState, in order: the bridge first, then the ports


def state_to_json(state: dict[str, LinkState]) -> list[dict[str, Any]]:
    return [link.to_dict() for link in state.values()]


def state_from_json(data: list[dict[str, Any]]) -> dict[str, LinkState]:
    links = [LinkState.from_dict(item) for item in data]
    return {link.name: link for link in links}


@dataclass(frozen=True)
class Step:
    """One change to the running state, printable as the equivalent command."""

    op: str  # bridge_add, bridge_set, mac, up, sysctl, addr_add, addr_del, master, route_del, route_add, link_del
    dev: str
    args: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        if self.op not in _STEP_TEXT:
            raise ValueError(self.op)
        return _STEP_TEXT[self.op](self.dev, self.args)


def _bridge_text(verb: str, dev: str, a: dict[str, Any]) -> str:
    mac = f" address {a['mac']}" if a.get("mac") else ""
    return f"ip link {verb} {dev}{mac} type bridge stp_state {int(a['stp'])} forward_delay {a['forward_delay'] * 100}"


_STEP_TEXT: dict[str, Callable[[str, dict[str, Any]], str]] = {
    "bridge_add": lambda dev, a: _bridge_text("add", dev, a),
    "bridge_set": lambda dev, a: _bridge_text("set", dev, {**a, "mac": None}),
    "mac": lambda dev, a: f"ip link set {dev} address {a['mac']}",
    "up": lambda dev, a: f"ip link set {dev} up",
    "sysctl": lambda dev, a: f"sysctl -w net.ipv6.conf.{dev.replace('.', '/')}.{a['key']}={a['value']}",
    "addr_add": lambda dev, a: f"ip address add {Address(**a['address']).text()} dev {dev}",
    "addr_del": lambda dev, a: f"ip address del {a['address']['address']}/{a['address']['prefixlen']} dev {dev}",
    "master": lambda dev, a: f"ip link set {dev} " + (f"master {a['master']}" if a["master"] else "nomaster"),
    "route_add": lambda dev, a: Route(**a["route"]).text(dev, "add"),
    "route_del": lambda dev, a: Route(**a["route"]).text(dev, "del"),
    "link_del": lambda dev, a: f"ip link del {dev}",
}


# ---------------------------------------------------------------------------------------------------------------
# desired state and planning (pure)


def accept_ra_value(accept_ra: bool, forwarding: bool) -> int:
    """accept_ra for the bridge: 2 keeps the RA default route while the host forwards, 1 otherwise, 0 off."""
    if not accept_ra:
        return 0
    return 2 if forwarding else 1


def movable(addresses: Iterable[Address], with_link_local: bool) -> list[Address]:
    return [a for a in addresses if with_link_local or not a.link_local]


def desired_present(spec: BridgeSpec, current: dict[str, LinkState], forwarding: bool) -> dict[str, LinkState]:
    """The running state wanted for a present bridge, given the current one (ports must be in `current`)."""
    old = current.get(spec.name) or LinkState(spec.name, exists=False)
    mac = spec.mac or (old.mac if old.exists else None)
    sysctl = {"accept_ra": accept_ra_value(spec.accept_ra, forwarding), "disable_ipv6": 0}
    if spec.addr_gen_mode:
        sysctl["addr_gen_mode"] = ADDR_GEN_MODE_VALUES[spec.addr_gen_mode]
    addresses = {a.key: a for a in old.addresses} if old.exists else {}
    routes = {r.key: r for r in old.routes} if old.exists else {}
    ports: dict[str, LinkState] = {}
    for name in spec.ports:
        port = current[name]
        if port.master != spec.name:
            # Link-local addresses follow only when the bridge has the same MAC: they are then the bridge's own.
            same_mac = mac is not None and port.mac == mac
            for addr in movable(port.addresses, same_mac):
                addresses.setdefault(addr.key, addr)
            for route in port.routes:
                routes.setdefault(route.key, route)
        port_sysctl = dict(port.sysctl)
        if spec.port_disable_ipv6:
            port_sysctl["disable_ipv6"] = 1
        kept = () if port_sysctl.get("disable_ipv6") else tuple(a for a in port.addresses if a.link_local)
        ports[name] = replace(port, master=spec.name, up=True, sysctl=port_sysctl, addresses=kept, routes=())
    bridge = LinkState(
        name=spec.name,
        exists=True,
        kind="bridge",
        mac=mac,
        up=True,
        stp=spec.stp,
        forward_delay=spec.forward_delay,
        sysctl={**(old.sysctl if old.exists else {}), **sysctl},
        addresses=tuple(addresses.values()),
        routes=tuple(routes.values()),
    )
    return {spec.name: bridge, **ports}


def desired_absent(name: str, current: dict[str, LinkState]) -> dict[str, LinkState]:
    """The running state wanted once the bridge is gone: its ports free, the first one with its addresses."""
    bridge = current.get(name)
    if bridge is None or not bridge.exists:
        return dict(current)
    wanted: dict[str, LinkState] = {name: LinkState(name, exists=False)}
    first = True
    for port in current.values():
        if port.name == name or port.master != name:
            continue
        sysctl = {**port.sysctl, "disable_ipv6": 0}
        addresses = {a.key: a for a in port.addresses}
        routes = {r.key: r for r in port.routes}
        if first:
            for addr in movable(bridge.addresses, port.mac == bridge.mac):
                addresses.setdefault(addr.key, addr)
            for route in bridge.routes:
                routes.setdefault(route.key, route)
            first = False
        wanted[port.name] = replace(port, master=None, up=True, sysctl=sysctl, addresses=tuple(addresses.values()),
                                    routes=tuple(routes.values()))
    return wanted


_Held = TypeVar("_Held", Address, Route)


def _live(item: _Held, current: dict[str, LinkState]) -> _Held:
    """The address or route with its lifetimes as they are now wherever it is (a snapshot's are stale)."""
    for link in current.values():
        held: tuple[Any, ...] = link.addresses if isinstance(item, Address) else link.routes
        for have in held:
            if have.key == item.key:
                return cast(_Held, have)
    return item


def _ipv6_off(link: LinkState) -> bool:
    return bool(link.sysctl.get("disable_ipv6"))


def _bridge_steps(desired: dict[str, LinkState], now: dict[str, LinkState]) -> list[Step]:
    """1. bridges: create or adjust, sysctls that must precede UP (addr_gen_mode), then UP; `now` follows."""
    steps: list[Step] = []
    for name, want in desired.items():
        have = now[name]
        if not want.exists or want.kind != "bridge":
            continue
        if not have.exists:
            bridge_args = {"mac": want.mac, "stp": bool(want.stp), "forward_delay": int(want.forward_delay or 0)}
            steps.append(Step("bridge_add", name, bridge_args))
            have = LinkState(name, kind="bridge", mac=want.mac, stp=want.stp, forward_delay=want.forward_delay,
                             sysctl={})
        else:
            if want.mac and want.mac != have.mac:
                steps.append(Step("mac", name, {"mac": want.mac}))
            if (want.stp, want.forward_delay) != (have.stp, have.forward_delay):
                bridge_args = {"stp": bool(want.stp), "forward_delay": int(want.forward_delay or 0)}
                steps.append(Step("bridge_set", name, bridge_args))
        steps += _sysctl_steps(name, want, have, SYSCTLS)
        if want.up and not have.up:
            steps.append(Step("up", name))
        now[name] = replace(want, addresses=have.addresses, routes=have.routes)
    return steps


def _sysctl_steps(name: str, want: LinkState, have: LinkState, keys: Iterable[str]) -> list[Step]:
    return [Step("sysctl", name, {"key": key, "value": want.sysctl[key]})
            for key in keys if key in want.sysctl and have.sysctl.get(key) != want.sysctl[key]]


def _address_add_steps(desired: dict[str, LinkState], now: dict[str, LinkState],
                       current: dict[str, LinkState]) -> list[Step]:
    """3. addresses where they are wanted, before the port moves."""
    steps: list[Step] = []
    for name, want in desired.items():
        if not want.exists:
            continue
        present = {a.key for a in now[name].addresses}
        steps += [Step("addr_add", name, {"address": asdict(_live(addr, current))}) for addr in want.addresses
                  if addr.key not in present and not (addr.family == 6 and _ipv6_off(want))]
    return steps


def _port_steps(desired: dict[str, LinkState], now: dict[str, LinkState], first: str | None) -> list[Step]:
    """4. masters: enslave or free the ports and bring them up; 5. then their remaining sysctls
    (disable_ipv6=1 drops their IPv6 addresses)."""
    masters: list[Step] = []
    sysctls: list[Step] = []
    for name, want in desired.items():
        have = now[name]
        if not want.exists or name == first:
            continue
        if want.master != have.master:
            masters.append(Step("master", name, {"master": want.master}))
        if want.up and not have.up:
            masters.append(Step("up", name))
        # disable_ipv6=0 was set in 2.
        sysctls += _sysctl_steps(name, want, have, [k for k in SYSCTLS if k != "disable_ipv6" or _ipv6_off(want)])
    return masters + sysctls


def _address_del_steps(desired: dict[str, LinkState], now: dict[str, LinkState]) -> list[Step]:
    """6. addresses no longer wanted where they are."""
    steps: list[Step] = []
    for name, want in desired.items():
        have = now[name]
        if not want.exists or not have.exists:
            continue
        wanted = {a.key for a in want.addresses}
        # IPv6 ones go with disable_ipv6, and the kernel keeps its own link-local address.
        steps += [Step("addr_del", name, {"address": asdict(addr)}) for addr in have.addresses
                  if addr.key not in wanted and not (addr.family == 6 and (_ipv6_off(want) or addr.link_local))]
    return steps


def _route_steps(desired: dict[str, LinkState], now: dict[str, LinkState],
                 current: dict[str, LinkState]) -> list[Step]:
    """7. routes: off the interfaces that no longer carry them (most went with their addresses already), then onto
    the ones that now do, whose addresses and links are ready; only moments pass between the two."""
    dels: list[Step] = []
    adds: list[Step] = []
    for name, want in desired.items():
        have = now[name]
        if not want.exists:
            # A link that goes away gives its routes up first, so that the same routes can be added elsewhere.
            dels += [Step("route_del", name, {"route": asdict(r)}) for r in have.routes] if have.exists else []
            continue
        wanted = {r.key for r in want.routes}
        present = {r.key for r in have.routes} if have.exists else set()
        dels += [Step("route_del", name, {"route": asdict(r)}) for r in have.routes if r.key not in wanted]
        adds += [Step("route_add", name, {"route": asdict(_live(r, current))}) for r in want.routes
                 if r.key not in present and not (r.family == 6 and _ipv6_off(want))]
    return dels + adds


def plan(current: dict[str, LinkState], desired: dict[str, LinkState]) -> list[Step]:
    """The steps that take `current` to `desired`, in an order that keeps the host's addresses answering."""
    empty = LinkState("", exists=False)
    first = next(iter(desired), None)  # the bridge
    now = {name: current.get(name, replace(empty, name=name)) for name in desired}
    steps = _bridge_steps(desired, now)
    # 2. interfaces that get IPv6 back (a port being freed) before addresses are added to them
    steps += [Step("sysctl", name, {"key": "disable_ipv6", "value": 0}) for name, want in desired.items()
              if want.exists and now[name].exists and _ipv6_off(now[name]) and not _ipv6_off(want)]
    steps += _address_add_steps(desired, now, current)
    steps += _port_steps(desired, now, first)
    steps += _address_del_steps(desired, now)
    steps += _route_steps(desired, now, current)
    # 8. interfaces that go away
    steps += [Step("link_del", name) for name, want in desired.items() if not want.exists and now[name].exists]
    return steps


def describe(state: dict[str, LinkState]) -> str:
    """A stable text view of a running state, for diff before/after."""
    lines = []
    for link in state.values():
        if not link.exists:
            lines.append(f"{link.name}: absent")
            continue
        words = [f"{link.name}:", link.kind or "ether", f"mac {link.mac}", "up" if link.up else "down"]
        if link.master:
            words.append(f"master {link.master}")
        if link.kind == "bridge":
            words += [f"stp {'on' if link.stp else 'off'}", f"forward_delay {link.forward_delay}"]
        words += [f"{k}={link.sysctl[k]}" for k in SYSCTLS if k in link.sysctl]
        lines.append(" ".join(words))
        lines += [f"  inet{'6' if a.family == 6 else ''} {a.address}/{a.prefixlen}"
                  for a in sorted(link.addresses, key=lambda a: (a.family, a.address))]
        lines += [f"  route{'6' if r.family == 6 else ''} {r.dst}" + (f" via {r.gateway}" if r.gateway else "")
                  + (f" metric {r.metric}" if r.metric is not None else "")
                  for r in sorted(link.routes, key=lambda r: (r.family, r.dst, r.gateway or "", r.metric or 0))]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# the kernel, through pyroute2


def import_pyroute2() -> tuple[Any, str | None]:
    """(pyroute2.IPRoute, None), or (None, the ImportError traceback) when pyroute2 is missing."""
    try:
        from pyroute2 import IPRoute  # pylint: disable=import-outside-toplevel
    except ImportError:
        import traceback  # pylint: disable=import-outside-toplevel

        return None, traceback.format_exc()
    return IPRoute, None


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
