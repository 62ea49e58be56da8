# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of _net/picture.py on real `birdc show route` output of a three-router Babel ring.

The samples under samples/network_picture were taken from r1, r2, r3 of the lab (BIRD 2.0.12) and from rings
of the same prefixes and links in network namespaces running BIRD 1.6.8 (`birdc6`), BIRD 2.17.6 (bird217-*) and
BIRD 3.1.8 (bird31-*, both Debian 13's, see scripts/fetch_bird_trixie.sh), healthy and with the link ring31 down
at r1.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.picture import (
    DIRECT,
    UNREACHABLE,
    VIA,
    NetworkPictureError,
    build_network,
    network_dot,
    parse_routes,
)

SAMPLES = Path(__file__).parent / "samples"
PI, SRV, CLI = "2001:db8:ebbd:2080::/64", "2001:db8:ebbd:4118::/64", "2001:db8:ebbd:bac0::/64"
RING = {"r1": ["ring12", "ring31"], "r2": ["ring12", "ring23"], "r3": ["ring23", "ring31"]}
ROOMS = [
    {"prefix": PI, "name": "Pi segment (br0)",
     "hosts": [{"name": "w2", "address": "2001:db8:ebbd:2080:216:3eff:fec6:4eb2"}]},
    {"prefix": SRV, "name": "server segment (lan-srv)", "hosts": [{"name": "ns", "address": "2001:db8:ebbd:4118::53"}]},
    {"prefix": CLI, "name": "client segment (lan-cli)"},
]


def sample(kind: str) -> dict[str, str]:
    return {router: (SAMPLES / f"{kind}-{router}.txt").read_text() for router in ("r1", "r2", "r3")}


@pytest.mark.parametrize("kind", ["bird2", "bird16", "bird217", "bird31"])
def test_parse_healthy_r1(kind: str) -> None:
    routes = {route.prefix: route for route in parse_routes(sample(kind)["r1"])}
    assert len(routes) == 6
    assert routes[PI].kind == DIRECT and routes[PI].interfaces == ("lan0",) and routes[PI].protocol == "direct1"
    assert routes[SRV].kind == VIA and routes[SRV].interfaces == ("ring12",) and routes[SRV].protocol == "babel1"
    assert routes[SRV].next_hops[0].startswith("fe80::")
    assert routes[CLI].interfaces == ("ring31",)
    assert all(route.preferred for route in routes.values())


@pytest.mark.parametrize(("kind", "metric"), [("bird2", 96), ("bird16", 1024), ("bird217", 96), ("bird31", 96)])
def test_parse_metric(kind: str, metric: int) -> None:
    routes = {route.prefix: route for route in parse_routes(sample(kind)["r2"])}
    assert routes[PI].metric == metric
    assert routes[SRV].metric is None


@pytest.mark.parametrize(("kind", "cli_via"), [("bird2", "ring12"), ("bird217", "ring31"), ("bird31", "ring31")])
def test_parse_show_route_all_skips_attributes(kind: str, cli_via: str) -> None:
    # BIRD 2.0.12 and 2.17 print "Type: Babel univ" and "Babel.metric: 96"; BIRD 3.1 "preference: 130",
    # "from: fe80::...", "source: Babel", "babel_metric: 96" and "Internal route handling values: ...".
    text = (SAMPLES / f"{kind}-all-r1.txt").read_text()
    routes = parse_routes(text)
    assert len(routes) == 6
    assert {route.prefix: route.interfaces for route in routes}[CLI] == (cli_via,)
    assert all(len(route.next_hops) <= 1 for route in routes)


def test_parse_bird16_unreachable() -> None:
    # Real birdc6 output while Babel was converging.
    text = ("BIRD 1.6.8 ready.\n"
            "fd6a:c19d:b07:4118::/64 dev lan0 [direct1 08:42:38] * (240)\n"
            "2001:db8:ebbd:2080::/64 unreachable [babel1 08:43:00 from fe80::3447:36ff:fe98:7d78] * (130/65535) "
            "[00:00:00:00:0a:00:00:01]\n")
    routes = parse_routes(text)
    assert [route.kind for route in routes] == [DIRECT, UNREACHABLE]
    assert routes[1].metric == 65535 and routes[1].interfaces == ()


def test_parse_bird2_multipath_and_alternative() -> None:
    text = ("BIRD 2.0.12 ready.\nTable master6:\n"
            "2001:db8:ebbd:bac0::/64 unicast [babel1 08:45:02.720] * (130/96) [00:00:00:00:0a:00:00:03]\n"
            "\tvia fe80::1 on ring31 weight 1\n\tvia fe80::2 on ring12 weight 1\n"
            "                     unicast [static1 08:45:02.720] (200)\n\tvia fe80::3 on ring12\n")
    routes = parse_routes(text)
    assert [(route.protocol, route.preferred, route.interfaces) for route in routes] == [
        ("babel1", True, ("ring31", "ring12")), ("static1", False, ("ring12",))]


@pytest.mark.parametrize(("text", "wanted"), [
    ("garbage here\n", "line 1 of the routes, 'garbage here'"),
    ("2001:db8::/64 frobnicated [x] *\n", "is not a route of `birdc show route`"),
    ("2001:db8::zz/64 unicast [babel1 1] * (130/96)\n", "'2001:db8::zz/64' is not a prefix"),
])
def test_parse_rejects(text: str, wanted: str) -> None:
    with pytest.raises(NetworkPictureError, match=".*") as caught:
        parse_routes(text)
    assert wanted in str(caught.value)


@pytest.mark.parametrize("kind", ["bird2", "bird16", "bird217", "bird31"])
def test_healthy_ring_every_link_carries_its_pair(kind: str) -> None:
    network = build_network(sample(kind), ROOMS, interfaces=RING)
    assert [room.label for room in network.rooms] == [
        "Pi segment (br0)", "server segment (lan-srv)", "client segment (lan-cli)"]
    assert [link.name for link in network.links] == ["ring12", "ring23", "ring31"]
    paths = {(flow.source, flow.destination): flow.links for flow in network.flows}
    assert paths[("r3/lan0", "r1/lan0")] == ("ring31",)
    assert paths[("r1/lan0", "r2/lan0")] == ("ring12",)
    assert all(flow.complete for flow in network.flows)
    assert sorted(network.carrying()) == ["ring12", "ring23", "ring31"]


@pytest.mark.parametrize("kind", ["bird2-r31down", "bird16-r31down", "bird217-r31down", "bird31-r31down"])
def test_dead_link_is_idle_and_traffic_goes_round(kind: str) -> None:
    network = build_network(sample(kind), ROOMS, interfaces=RING, focus=[CLI, "Pi segment (br0)"])
    paths = {(flow.source, flow.destination): flow.links for flow in network.flows}
    assert paths[("r3/lan0", "r1/lan0")] == ("ring23", "ring12")
    assert paths[("r1/lan0", "r3/lan0")] == ("ring12", "ring23")
    assert "ring31" not in network.carrying()
    assert {name for flow in network.focus_flows() for name in flow.links} == {"ring12", "ring23"}
    dot = network_dot(sample(kind), ROOMS, focus=[CLI, "Pi segment (br0)"], interfaces=RING)
    assert 'id="link-ring31"' in dot and 'class="idle"' in dot
    assert dot.count('class="carrying"') == 2
    assert "red: the way between client segment (lan-cli) and Pi segment (br0)" in dot


def test_dead_link_unseen_without_interfaces() -> None:
    # Without the interface lists, a link no route uses is not known: the reason for `interfaces`.
    network = build_network(sample("bird2-r31down"))
    assert [link.name for link in network.links] == ["ring12", "ring23"]


def test_explicit_links_with_other_interface_names() -> None:
    routes = {router: text.replace("ring12", "eth1" if router == "r1" else "wlan0")
              for router, text in sample("bird2").items()}
    links = {"r1-r2": ["r1:eth1", "r2:wlan0"], "r2-r3": ["r2:ring23", "r3:ring23"], "r3-r1": ["r3:ring31", "r1:ring31"]}
    network = build_network(routes, links=links)
    paths = {(flow.source, flow.destination): flow.links for flow in network.flows}
    assert paths[("r1/lan0", "r2/lan0")] == ("r1-r2",)
    assert "r1-r2 (eth1 / wlan0)" in network_dot(routes, links=links)


def test_broken_path_is_noted() -> None:
    routes = sample("bird2")
    routes["r3"] = "\n".join(line for line in routes["r3"].splitlines()
                             if "2080" not in line and "fe20:682d" not in line)
    network = build_network(routes, interfaces=RING)
    broken = [flow for flow in network.flows if not flow.complete]
    assert [(flow.source, flow.problem) for flow in broken] == [
        ("r3/lan0", "r3 has no route to 2001:db8:ebbd:2080::/64")]
    assert "No way through" in network_dot(routes, interfaces=RING)


@pytest.mark.parametrize(("kwargs", "wanted"), [
    ({"routes_by_router": "r1"}, "are not a dict of router name"),
    ({"routes_by_router": {"r1": 5}}, "router r1: routes 5 are not text"),
    ({"rooms": [{"name": "x"}]}, "has no prefix"),
    ({"rooms": [{"prefix": "2001:db8:1::/64", "name": "attic"}]}, "'attic' has the prefix 2001:db8:1::/64, which no"),
    ({"rooms": [{"prefix": PI, "hosts": ["w2"]}]}, "host 'w2' of room"),
    ({"links": {"x": ["r1:ring12"]}}, "link 'x' has 1 ends"),
    ({"links": {"x": ["r9:eth0", "r1:ring12"]}}, "link 'x' has the end 'r9:eth0'"),
    ({"interfaces": ["ring12"]}, "interfaces ['ring12'] is not a dict"),
    ({"focus": "r1"}, "focus 'r1' is not two rooms"),
    ({"focus": ["cellar", "r1"]}, "focus room 'cellar' is none of the rooms"),
])
def test_bad_input_named(kwargs: dict, wanted: str) -> None:
    arguments = {"routes_by_router": sample("bird2"), **kwargs}
    with pytest.raises(NetworkPictureError) as caught:
        network_dot(**arguments)
    assert wanted in str(caught.value)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
@pytest.mark.parametrize("kind", ["bird2", "bird16-r31down"])
def test_dot_renders_valid_svg(kind: str) -> None:
    dot = network_dot(sample(kind), ROOMS, focus=[CLI, PI], title="the house", interfaces=RING)
    svg = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(svg)
    texts = {"".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"r1", "r2", "r3", "Pi segment (br0)", "ns", "2001:db8:ebbd:4118::53"} <= texts
    ids = {node.get("id") for node in root.iter() if node.get("id")}
    assert {"link-ring12", "link-ring23", "link-ring31"} <= ids


def test_hosts_go_to_the_room_of_their_address_and_focus_by_address() -> None:
    hosts = [{"name": "laptop", "address": "2001:db8:ebbd:bac0:216:3eff:feb6:306"},
             {"name": "w3", "address": "2001:db8:ebbd:2080:216:3eff:fe3a:9392"},
             {"name": "elsewhere", "address": "2001:db8:9::1"}]
    network = build_network(sample("bird2"), ROOMS, hosts=hosts, interfaces=RING,
                            focus=["2001:db8:ebbd:bac0:216:3eff:feb6:306", "2001:db8:ebbd:2080:216:3eff:fe3a:9392"])
    by_label = {room.label: [host[0] for host in room.hosts] for room in network.rooms}
    assert by_label == {"Pi segment (br0)": ["w2", "w3"], "server segment (lan-srv)": ["ns"],
                        "client segment (lan-cli)": ["laptop"]}
    assert network.focus == ("r3/lan0", "r1/lan0")
    assert {name for flow in network.focus_flows() for name in flow.links} == {"ring31"}


@pytest.mark.parametrize("kind", ["bird217", "bird31"])
def test_parse_ripng_routes(kind: str) -> None:
    # RIPng with BFD (update time 1, timeout time 3), the same ring: routes of rip1, metric 2 one hop away.
    routes = {route.prefix: route for route in parse_routes((SAMPLES / f"{kind}-rip-r1.txt").read_text())}
    assert len(routes) == 6
    assert routes[SRV].protocol == "rip1" and routes[SRV].metric == 2 and routes[SRV].interfaces == ("ring12",)
    assert routes[CLI].interfaces == ("ring31",) and routes[PI].kind == DIRECT
