# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The running kernel state of a bridge and its ports, and the plan of a change to it (pure: _bridge/netlink.py
reads the state from the kernel and carries the plan out).

A `RuntimeState` holds, per interface, what bridge_iface manages: whether it exists, its MAC, bridge
parameters, master, up/down, the IPv6 sysctls (accept_ra, disable_ipv6, addr_gen_mode), its addresses and its
routes. `desired_present()`/`desired_absent()` turn a BridgeSpec into the state wanted; `plan()` diffs two states
into ordered `Step`s, each printable as the `ip`/`sysctl` command it stands for. A revert is the same `plan()`
from the state found then back to a snapshot taken before the change (serialised as JSON).

The order is chosen so that the host keeps answering: the bridge is created with the port's MAC and made ready
(STP off, forward delay 0, its sysctls, UP), the port's addresses are added to it first (without DAD, with
their remaining lifetimes: they are the same addresses, already unique on the link, and the same MAC keeps
them: SLAAC on the bridge refreshes them), then the port is enslaved, and only then its IPv6 is switched off.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Iterable, TypeVar, cast

from .spec import BridgeSpec

SYSCTLS = ("accept_ra", "disable_ipv6", "addr_gen_mode")
ADDR_GEN_MODE_VALUES = {"eui64": 0, "stable-privacy": 2}
ROUTE_PROTOS = {4: "static", 9: "ra", 16: "dhcp"}  # the words `ip route` prints for them
ROUTE_PROTO_BOOT = 3  # what `ip route add` gives a route it is not told the protocol of


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
        if verb == "add" and self.proto != ROUTE_PROTO_BOOT:
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
