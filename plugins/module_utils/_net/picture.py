# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A picture of the house's network, as Graphviz DOT text, from what the routers' BIRD says.

Three steps, each plain data:
1. `parse_routes(text)`: the output of `birdc show route` (BIRD 2) or `birdc6 show route` (BIRD 1.6) as a
   list of `Route` (prefix, how it is reached, over which interfaces, whether BIRD prefers it).
2. `build_network(routes_by_router, rooms, links)`: the model. Rooms are the LAN segments a router reaches
   directly (its `direct` routes); links join two routers' interfaces (by default, interfaces of the same name
   on two routers, as the lab's ring12/ring23/ring31). Every path between two rooms is followed hop by hop
   through the preferred routes: the links it crosses are the links carrying traffic.
3. `render_dot(network)`: the DOT text for `dot -Tsvg`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# BIRD 2: "PREFIX unicast [PROTO TIME] * (PREF/METRIC) [ROUTER_ID]" then tab-indented "via ADDR on IFACE" or
# "dev IFACE" lines. BIRD 1.6: all on one line, "PREFIX via ADDR on IFACE [PROTO TIME] * (PREF/METRIC) [...]",
# "PREFIX dev IFACE [PROTO TIME] * (PREF)" or "PREFIX unreachable [PROTO TIME from ADDR] * (PREF/METRIC)".
_PREFIX = r"(?P<prefix>[^\s/\[]+/\d+)"
_BRACKET = r"\[(?P<protocol>[A-Za-z0-9_]+)[^\]]*\]"
_TAIL = r"\s*(?P<best>\*)?\s*(?:\((?P<pref>\d+)(?:/(?P<metric>\d+))?\))?"
_ROUTE_HEAD = re.compile(rf"^{_PREFIX}\s+(?P<rest>.*)$")
_BIRD2_HEAD = re.compile(rf"^(?P<kind>unicast|unreachable|blackhole|prohibited)\s+{_BRACKET}{_TAIL}")
_BIRD16 = re.compile(
    rf"^(?:via\s+(?P<via>\S+)\s+on\s+(?P<via_dev>\S+)|dev\s+(?P<dev>\S+)|(?P<kind>unreachable|blackhole|prohibited))"
    rf"\s+{_BRACKET}{_TAIL}")
_NEXT_HOP = re.compile(r"^(?:via\s+(?P<via>\S+)\s+on\s+(?P<via_dev>\S+)|dev\s+(?P<dev>\S+))")
_IGNORED = re.compile(r"^(BIRD \S+ ready\.|Table \S+:|\d{4} |Access restricted|Network is down)")

DIRECT = "direct"
VIA = "via"
UNREACHABLE = "unreachable"


class NetworkPictureError(ValueError):
    """Input the picture cannot be made from, with the fix in the message."""


@dataclass(frozen=True)
class Route:
    """One route of a BIRD table: how `prefix` is reached."""

    prefix: str
    kind: str
    protocol: str
    preferred: bool
    interfaces: tuple[str, ...] = ()
    next_hops: tuple[str, ...] = ()
    metric: int | None = None


@dataclass(frozen=True)
class Room:
    """A LAN segment, reached directly by `router` on `interface`."""

    key: str
    label: str
    router: str
    interface: str
    prefixes: tuple[str, ...]
    hosts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    """A link between two routers, each end a (router, interface) pair."""

    name: str
    ends: tuple[tuple[str, str], tuple[str, str]]


@dataclass(frozen=True)
class Flow:
    """The way traffic from one room to another goes: the links crossed, in order; complete when it arrives."""

    source: str
    destination: str
    links: tuple[str, ...]
    complete: bool
    problem: str = ""


@dataclass
class Network:
    """Everything the picture shows."""

    routers: list[str]
    rooms: list[Room]
    links: list[Link]
    flows: list[Flow] = field(default_factory=list)
    focus: tuple[str, str] | None = None
    title: str = ""

    def carrying(self) -> dict[str, list[Flow]]:
        """Link name to the flows that cross it (links that carry nothing are absent)."""
        found: dict[str, list[Flow]] = {}
        for flow in self.flows:
            for name in flow.links:
                found.setdefault(name, []).append(flow)
        return found

    def focus_flows(self) -> list[Flow]:
        """The flows between the two rooms of `focus`, both ways."""
        if not self.focus:
            return []
        pair = set(self.focus)
        return [flow for flow in self.flows if {flow.source, flow.destination} == pair]


def _prefix(text: str) -> str:
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError as exc:
        raise NetworkPictureError(f"{text!r} is not a prefix; give one like 2001:db8:ebbd:2080::/64") from exc


@dataclass
class _Reading:
    """A route of the output while it is read: its next-hop lines (BIRD 2) may still follow."""

    prefix: str
    kind: str
    protocol: str
    preferred: bool
    metric: int | None
    interfaces: list[str] = field(default_factory=list)
    next_hops: list[str] = field(default_factory=list)

    def add_next_hop(self, line: str) -> None:
        """A "via ADDR on IFACE" or "dev IFACE" line; other indented lines (`show route all`) say nothing here."""
        hop = _NEXT_HOP.match(line)
        if not hop:
            return  # attribute lines of `show route all`, e.g. "Type: Babel univ"
        if hop["via"]:
            self.next_hops.append(hop["via"])
            self.interfaces.append(hop["via_dev"])
        else:
            self.interfaces.append(hop["dev"])

    def route(self) -> Route:
        kind = self.kind
        if kind == "unicast":
            kind = VIA if self.next_hops else DIRECT
        return Route(prefix=self.prefix, kind=kind, protocol=self.protocol, preferred=self.preferred,
                     interfaces=tuple(self.interfaces), next_hops=tuple(self.next_hops), metric=self.metric)


def _route_start(rest: str, prefix: str) -> _Reading | None:
    """The route a line begins (after its prefix, or the prefix of the line before): BIRD 2's head line or BIRD
    1.6's whole route; None when the line is neither."""
    match = _BIRD2_HEAD.match(rest)
    if match:
        return _Reading(prefix=prefix, kind=match["kind"], protocol=match["protocol"], preferred=bool(match["best"]),
                        metric=int(match["metric"]) if match["metric"] else None)
    match = _BIRD16.match(rest)
    if not match:
        return None
    if match["via"]:
        kind, interfaces, hops = VIA, [match["via_dev"]], [match["via"]]
    elif match["dev"]:
        kind, interfaces, hops = DIRECT, [match["dev"]], []
    else:
        kind, interfaces, hops = match["kind"], [], []
    return _Reading(prefix=prefix, kind=kind, protocol=match["protocol"], preferred=bool(match["best"]),
                    metric=int(match["metric"]) if match["metric"] else None, interfaces=interfaces, next_hops=hops)


def _route_line(raw: str, number: int, prefix: str) -> _Reading:
    """The route line NUMBER (``raw``) begins; a line without a prefix of its own continues ``prefix``, the one
    of the route before ("" for none)."""
    head = None if raw[0] in " \t" else _ROUTE_HEAD.match(raw)
    if head:
        prefix = _prefix(head["prefix"])
    elif not prefix:
        raise NetworkPictureError(f"line {number} of the routes, {raw!r}, is not a route of `birdc show route`")
    started = _route_start(head["rest"] if head else raw.strip(), prefix)
    if started is None:
        raise NetworkPictureError(f"line {number} of the routes, {raw!r}, is not a route of `birdc show route` "
                                  f"(BIRD 2) nor of `birdc6 show route` (BIRD 1.6)")
    return started


def parse_routes(text: str) -> list[Route]:
    """The routes of `birdc show route` (BIRD 2) or `birdc6 show route` (BIRD 1.6) output."""
    if not isinstance(text, str):
        raise NetworkPictureError(f"routes {text!r} are not text; give the stdout of `birdc show route`")
    routes: list[Route] = []
    current: _Reading | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or _IGNORED.match(line):
            continue
        if raw[0] in " \t" and not _BIRD2_HEAD.match(line):
            if current is not None:
                current.add_next_hop(line)
            continue
        started = _route_line(raw, number, current.prefix if current is not None else "")
        if current is not None:
            routes.append(current.route())
        current = started
    if current is not None:
        routes.append(current.route())
    return routes


def best_routes(routes: Sequence[Route]) -> dict[str, Route]:
    """Prefix to the route BIRD prefers (marked `*`), else the first one listed."""
    chosen: dict[str, Route] = {}
    for route in routes:
        if route.prefix not in chosen or (route.preferred and not chosen[route.prefix].preferred):
            chosen[route.prefix] = route
    return chosen


def _routes_by_router(routes_by_router: Any) -> dict[str, list[Route]]:
    if not isinstance(routes_by_router, Mapping) or not routes_by_router:
        raise NetworkPictureError(f"routes {routes_by_router!r} are not a dict of router name to the text of "
                                  f"`birdc show route`; give e.g. {{'r1': r1_routes.stdout}}")
    parsed: dict[str, list[Route]] = {}
    for router, text in routes_by_router.items():
        try:
            parsed[str(router)] = parse_routes(text)
        except NetworkPictureError as exc:
            raise NetworkPictureError(f"router {router}: {exc}") from exc
    return parsed


def _room_settings(rooms: Any) -> list[dict[str, Any]]:
    if rooms is None:
        return []
    if isinstance(rooms, (str, bytes)) or not isinstance(rooms, Sequence):
        raise NetworkPictureError(f"rooms {rooms!r} is not a list; give a list of dicts with prefix and name")
    checked = []
    for room in rooms:
        if not isinstance(room, Mapping) or "prefix" not in room:
            raise NetworkPictureError(f"room {room!r} has no prefix; give e.g. {{'prefix': "
                                      f"'2001:db8:ebbd:2080::/64', 'name': 'Pi segment (br0)'}}")
        hosts = []
        for host in room.get("hosts") or []:
            if not isinstance(host, Mapping) or "name" not in host:
                raise NetworkPictureError(f"host {host!r} of room {room.get('name', room['prefix'])!r} has no "
                                          f"name; give dicts with name and address, e.g. the instances of "
                                          f"lxd_farm")
            hosts.append((str(host["name"]), str(host.get("address") or "")))
        checked.append({"prefix": _prefix(str(room["prefix"])), "name": str(room.get("name") or ""),
                        "hosts": tuple(hosts)})
    return checked


def _given_link(name: Any, ends: Any, routers: Sequence[str]) -> Link:
    """The link the settings give as NAME: [ROUTER:INTERFACE, ROUTER:INTERFACE]."""
    pairs = []
    for end in ends if isinstance(ends, Sequence) and not isinstance(ends, str) else [ends]:
        router, interface = str(end).partition(":")[::2]
        if router not in routers or not interface:
            raise NetworkPictureError(f"link {name!r} has the end {end!r}; give ROUTER:INTERFACE with a "
                                      f"router of {', '.join(routers)}")
        pairs.append((router, interface))
    if len(pairs) != 2:
        raise NetworkPictureError(f"link {name!r} has {len(pairs)} ends; give exactly two, "
                                  f"ROUTER:INTERFACE each")
    return Link(str(name), (pairs[0], pairs[1]))


def _links(link_settings: Any, routers: Sequence[str], routes: Mapping[str, list[Route]],
           interfaces: Any = None) -> list[Link]:
    if link_settings:
        if not isinstance(link_settings, Mapping):
            raise NetworkPictureError(f"links {link_settings!r} is not a dict; give link name to its two ends, "
                                      f"e.g. {{'ring12': ['r1:eth1', 'r2:wlan0']}}")
        return [_given_link(name, ends, routers) for name, ends in link_settings.items()]
    # Without settings: an interface name that two routers have (in interfaces, else in their routes) is one
    # link between them.
    if interfaces is not None and not isinstance(interfaces, Mapping):
        raise NetworkPictureError(f"interfaces {interfaces!r} is not a dict; give router name to its list of "
                                  f"ring interfaces, e.g. {{'r1': ['ring12', 'ring31']}}")
    seen: dict[str, list[str]] = {}
    for router in routers:
        names = {interface for route in routes[router] if route.kind == VIA for interface in route.interfaces}
        listed = (interfaces or {}).get(router)
        if listed is not None:
            if isinstance(listed, (str, bytes)) or not isinstance(listed, Sequence):
                raise NetworkPictureError(f"interfaces of {router} are {listed!r}; give a list of names")
            names |= {str(name) for name in listed}
        for interface in sorted(names):
            seen.setdefault(interface, []).append(router)
    return [Link(name, ((ends[0], name), (ends[1], name))) for name, ends in sorted(seen.items()) if len(ends) == 2]


def _rooms(routes: Mapping[str, list[Route]], settings: list[dict[str, Any]],
           placed: Sequence[tuple[str, str]]) -> list[Room]:
    """Each router's directly connected prefixes, grouped by interface: named and filled with hosts from the
    rooms' settings, and the PLACED hosts by their address."""
    routers = sorted(routes)
    grouped: dict[tuple[str, str], list[str]] = {}
    for router in routers:
        for route in best_routes(routes[router]).values():
            if route.kind == DIRECT and route.interfaces:
                grouped.setdefault((router, route.interfaces[0]), []).append(route.prefix)
    found_rooms: list[Room] = []
    for (router, interface), prefixes in sorted(grouped.items()):
        prefixes = sorted(prefixes)
        mine = [room for room in settings if room["prefix"] in prefixes]
        name = next((room["name"] for room in mine if room["name"]), "") or f"{router} {interface}"
        hosts = tuple(host for room in mine for host in room["hosts"])
        hosts += tuple(host for host in placed if _inside(host[1], prefixes) and host not in hosts)
        found_rooms.append(Room(key=f"{router}/{interface}", label=name, router=router, interface=interface,
                                prefixes=tuple(prefixes), hosts=hosts))
    return found_rooms


def build_network(routes_by_router: Any, rooms: Any = None, links: Any = None, focus: Any = None,
                  title: str = "", interfaces: Any = None, hosts: Any = None) -> Network:
    """The model of the network: rooms, routers, links and the flows between every two rooms.

    `hosts` (dicts with name and address) go into the room whose prefix holds their address.
    """
    routes = _routes_by_router(routes_by_router)
    routers = sorted(routes)
    settings = _room_settings(rooms)
    placed = _room_settings([{"prefix": "::/0", "hosts": hosts}])[0]["hosts"] if hosts else ()
    found_links = _links(links, routers, routes, interfaces)
    found_rooms = _rooms(routes, settings, placed)
    known = {prefix for room in found_rooms for prefix in room.prefixes}
    for room in settings:
        if room["prefix"] not in known:
            raise NetworkPictureError(f"room {room['name'] or room['prefix']!r} has the prefix {room['prefix']}, "
                                      f"which no router reaches directly; known prefixes: "
                                      f"{', '.join(sorted(known)) or 'none'}")

    network = Network(routers=routers, rooms=found_rooms, links=found_links, title=title)
    if focus:
        network.focus = (_room_key(found_rooms, focus[0]), _room_key(found_rooms, focus[1]))
    tables = {router: best_routes(routes[router]) for router in routers}
    for source in found_rooms:
        for destination in found_rooms:
            if source.router != destination.router:
                network.flows.append(_follow(tables, found_links, source, destination))
    return network


def _inside(address: str, prefixes: Sequence[str]) -> bool:
    try:
        parsed = ipaddress.ip_address(address.split("/")[0])
    except ValueError:
        return False
    return any(parsed in ipaddress.ip_network(prefix) for prefix in prefixes)


def _room_key(rooms: Sequence[Room], wanted: Any) -> str:
    text = str(wanted)
    for room in rooms:
        if text in (room.key, room.label, room.router) or text in room.prefixes or _inside(text, room.prefixes):
            return room.key
    raise NetworkPictureError(f"focus room {text!r} is none of the rooms; give a room's name, prefix, router or "
                              f"an address in it: "
                              f"{', '.join(room.label for room in rooms)}")


def _follow(tables: Mapping[str, Mapping[str, Route]], links: Sequence[Link], source: Room,
            destination: Room) -> Flow:
    """Hop by hop from the source room's router through the preferred routes to the destination's first prefix."""
    prefix = destination.prefixes[0]
    router = source.router
    crossed: list[str] = []
    while router != destination.router:
        route = tables[router].get(prefix)
        if route is None or route.kind != VIA or not route.interfaces:
            why = "has no route" if route is None else f"has an {route.kind} route"
            return Flow(source.key, destination.key, tuple(crossed), False, f"{router} {why} to {prefix}")
        link = next((link for link in links if (router, route.interfaces[0]) in link.ends), None)
        if link is None:
            return Flow(source.key, destination.key, tuple(crossed), False,
                        f"{router} routes {prefix} over {route.interfaces[0]}, which is no known link")
        if link.name in crossed:
            return Flow(source.key, destination.key, tuple(crossed), False, f"routing loop at {router} for {prefix}")
        crossed.append(link.name)
        router = next(end[0] for end in link.ends if end != (router, route.interfaces[0]))
    return Flow(source.key, destination.key, tuple(crossed), True)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _node_id(text: str) -> str:
    return _quote(text)


def render_dot(network: Network) -> str:
    """Graphviz DOT text of the network: rooms as boxes listing their hosts, routers, links; carrying links bold."""
    carrying = network.carrying()
    focus_links = {name for flow in network.focus_flows() for name in flow.links}
    labels = {room.key: room.label for room in network.rooms}
    legend = "bold blue: a link carrying traffic between rooms; dashed grey: idle"
    if network.focus:
        legend += f"; red: the way between {labels[network.focus[0]]} and {labels[network.focus[1]]}"
    caption = f"{network.title}\n{legend}" if network.title else legend
    lines = ["graph palmfarm {",
             "  graph [fontname=\"Helvetica\", layout=dot, rankdir=TB, nodesep=0.6, ranksep=0.8, "
             f"label={_quote(caption)}, labelloc=t];",
             "  node [fontname=\"Helvetica\", fontsize=11];",
             "  edge [fontname=\"Helvetica\", fontsize=9];"]
    for router in network.routers:
        lines.append(f"  {_node_id('router:' + router)} [label={_quote(router)}, shape=circle, style=filled, "
                     f"fillcolor=\"#cfe2f3\"];")
    for room in network.rooms:
        rows = [f"<tr><td colspan=\"2\"><b>{_html(room.label)}</b></td></tr>"]
        rows += [f"<tr><td colspan=\"2\">{_html(prefix)}</td></tr>" for prefix in room.prefixes]
        rows += [f"<tr><td align=\"left\">{_html(name)}</td><td align=\"left\">{_html(address)}</td></tr>"
                 for name, address in room.hosts]
        table = "<<table border=\"0\" cellborder=\"0\" cellspacing=\"1\">" + "".join(rows) + "</table>>"
        lines.append(f"  {_node_id('room:' + room.key)} [label={table}, shape=box, style=\"rounded,filled\", "
                     f"fillcolor=\"#fff2cc\"];")
        lines.append(f"  {_node_id('router:' + room.router)} -- {_node_id('room:' + room.key)} "
                     f"[label={_quote(room.interface)}, color=\"#7f7f7f\"];")
    for link in network.links:
        flows = carrying.get(link.name, [])
        (first, first_if), (second, second_if) = link.ends
        name = link.name if first_if == second_if else f"{link.name} ({first_if} / {second_if})"
        if flows:
            between = sorted({" - ".join(sorted((labels[flow.source], labels[flow.destination]))) for flow in flows})
            color = "#c00000" if link.name in focus_links else "#2e75b6"
            label = name + "\ncarrying: " + "\n".join(between)
            style = f"penwidth=3, color={_quote(color)}, class=\"carrying\""
        else:
            label = name + "\nidle (no traffic between rooms)"
            style = "style=dashed, color=\"#a0a0a0\", class=\"idle\""
        lines.append(f"  {_node_id('router:' + first)} -- {_node_id('router:' + second)} "
                     f"[id={_quote('link-' + link.name)}, label={_quote(label)}, {style}];")
    broken = [flow for flow in network.flows if not flow.complete]
    if broken:
        text = "\n".join(f"{labels[flow.source]} -> {labels[flow.destination]}: {flow.problem}" for flow in broken)
        note = _quote("No way through:\n" + text)
        lines.append(f"  unreachable [shape=note, color=\"#c00000\", label={note}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def network_dot(routes_by_router: Any, rooms: Any = None, links: Any = None, focus: Any = None,
                title: str = "", interfaces: Any = None, hosts: Any = None) -> str:
    """`build_network` then `render_dot`."""
    if focus is not None and (isinstance(focus, (str, bytes)) or not isinstance(focus, Sequence) or len(focus) != 2):
        raise NetworkPictureError(f"focus {focus!r} is not two rooms; give [from, to], e.g. "
                                  f"['2001:db8:ebbd:bac0::/64', '2001:db8:ebbd:2080::/64']")
    return render_dot(build_network(routes_by_router, rooms, links, focus, title, interfaces, hosts))
