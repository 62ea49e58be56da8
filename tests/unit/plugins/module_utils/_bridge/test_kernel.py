# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure part of the kernel backend: desired state, the ordered plan, its commands, JSON round trip."""

from __future__ import annotations

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.kernel import (
    Address,
    LinkState,
    Route,
    accept_ra_value,
    describe,
    desired_absent,
    desired_present,
    plan,
    state_from_json,
    state_to_json,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeSpec

MAC = "dc:a6:32:01:02:03"
GUA = Address("2001:db8:ebbd:9000:dea6:32ff:fe01:203", 64, valid=86000, preferred=14000)
LL = Address("fe80::dea6:32ff:fe01:203", 64)
STATIC = Address("2001:db8:ebbd:9000::10", 64)
V4 = Address("192.0.2.10", 24)
SYSCTL = {"accept_ra": 1, "disable_ipv6": 0, "addr_gen_mode": 0}


def before():
    return {
        "br0": LinkState("br0", exists=False),
        "eth0": LinkState("eth0", mac=MAC, up=True, sysctl=dict(SYSCTL), addresses=(GUA, LL, STATIC, V4)),
    }


def after():
    return {
        "br0": LinkState("br0", kind="bridge", mac=MAC, up=True, stp=False, forward_delay=0,
                         sysctl={"accept_ra": 2, "disable_ipv6": 0, "addr_gen_mode": 0},
                         addresses=(GUA, LL, STATIC, V4)),
        "eth0": LinkState("eth0", mac=MAC, up=True, master="br0", sysctl={**SYSCTL, "disable_ipv6": 1}),
    }


SPEC = BridgeSpec("br0", ("eth0",), mac=MAC)


def commands(steps):
    return [s.text() for s in steps]


def test_conversion_order_keeps_the_addresses_answering():
    desired = desired_present(SPEC, before(), forwarding=True)
    assert commands(plan(before(), desired)) == [
        "ip link add br0 address dc:a6:32:01:02:03 type bridge stp_state 0 forward_delay 0",
        "sysctl -w net.ipv6.conf.br0.accept_ra=2",
        "sysctl -w net.ipv6.conf.br0.disable_ipv6=0",
        "ip link set br0 up",
        "ip address add 2001:db8:ebbd:9000:dea6:32ff:fe01:203/64 nodad valid_lft 86000 preferred_lft 14000 dev br0",
        "ip address add fe80::dea6:32ff:fe01:203/64 nodad dev br0",
        "ip address add 2001:db8:ebbd:9000::10/64 nodad dev br0",
        "ip address add 192.0.2.10/24 dev br0",
        "ip link set eth0 master br0",
        "sysctl -w net.ipv6.conf.eth0.disable_ipv6=1",
        "ip address del 192.0.2.10/24 dev eth0",
    ]


def test_converted_state_needs_nothing():
    assert plan(after(), desired_present(SPEC, after(), forwarding=True)) == []


def test_without_forwarding_accept_ra_is_1_and_differs():
    steps = plan(after(), desired_present(SPEC, after(), forwarding=False))
    assert commands(steps) == ["sysctl -w net.ipv6.conf.br0.accept_ra=1"]


@pytest.mark.parametrize("accept_ra, forwarding, value", [(True, True, 2), (True, False, 1), (False, True, 0)])
def test_accept_ra_value(accept_ra, forwarding, value):
    assert accept_ra_value(accept_ra, forwarding) == value


def test_link_local_stays_behind_when_the_bridge_gets_another_mac():
    spec = BridgeSpec("br0", ("eth0",), mac="02:00:00:00:00:01")
    desired = desired_present(spec, before(), forwarding=False)
    assert LL not in desired["br0"].addresses
    assert GUA in desired["br0"].addresses


def test_kernel_mac_when_none_and_bridge_exists():
    current = after()
    spec = BridgeSpec("br0", ("eth0",), mac=None)
    assert desired_present(spec, current, forwarding=True)["br0"].mac == MAC
    assert plan(current, desired_present(spec, current, forwarding=True)) == []


def test_changed_bridge_parameters_and_mac():
    spec = BridgeSpec("br0", ("eth0",), mac="02:00:00:00:00:01", stp=True, forward_delay=4,
                      addr_gen_mode="stable-privacy")
    assert commands(plan(after(), desired_present(spec, after(), forwarding=True))) == [
        "ip link set br0 address 02:00:00:00:00:01",
        "ip link set br0 type bridge stp_state 1 forward_delay 400",
        "sysctl -w net.ipv6.conf.br0.addr_gen_mode=2",
    ]


def test_port_keeps_ipv6_when_asked_but_loses_its_global_addresses():
    spec = BridgeSpec("br0", ("eth0",), mac=MAC, port_disable_ipv6=False)
    steps = commands(plan(before(), desired_present(spec, before(), forwarding=False)))
    assert "sysctl -w net.ipv6.conf.eth0.disable_ipv6=1" not in steps
    assert "ip address del 2001:db8:ebbd:9000:dea6:32ff:fe01:203/64 dev eth0" in steps
    assert "ip address del fe80::dea6:32ff:fe01:203/64 dev eth0" not in steps


def test_removal_gives_the_addresses_back_to_the_port_first():
    assert commands(plan(after(), desired_absent("br0", after()))) == [
        "sysctl -w net.ipv6.conf.eth0.disable_ipv6=0",
        "ip address add 2001:db8:ebbd:9000:dea6:32ff:fe01:203/64 nodad valid_lft 86000 preferred_lft 14000 dev eth0",
        "ip address add fe80::dea6:32ff:fe01:203/64 nodad dev eth0",
        "ip address add 2001:db8:ebbd:9000::10/64 nodad dev eth0",
        "ip address add 192.0.2.10/24 dev eth0",
        "ip link set eth0 nomaster",
        "ip link del br0",
    ]


def test_removal_of_an_absent_bridge_needs_nothing():
    assert plan(before(), desired_absent("br0", before())) == []


def test_restore_of_a_snapshot_takes_live_lifetimes():
    snapshot = before()
    current = after()
    fresher = Address(GUA.address, 64, valid=86400, preferred=14400)
    current["br0"] = LinkState.from_dict({**current["br0"].to_dict(), "addresses": [
        {"address": fresher.address, "prefixlen": 64, "valid": 86400, "preferred": 14400}]})
    steps = commands(plan(current, snapshot))
    assert f"ip address add {fresher.address}/64 nodad valid_lft 86400 preferred_lft 14400 dev eth0" in steps
    assert steps[-1] == "ip link del br0"


def test_json_round_trip():
    state = after()
    assert state_from_json(state_to_json(state)) == state
    assert list(state_from_json(state_to_json(state))) == ["br0", "eth0"]


def test_describe():
    text = describe(before())
    assert text.startswith("br0: absent\neth0: ether mac dc:a6:32:01:02:03 up accept_ra=1 disable_ipv6=0")
    assert "  inet 192.0.2.10/24\n" in text
    assert "  inet6 2001:db8:ebbd:9000::10/64\n" in text


# --- routes move with the addresses ----------------------------------------------------------------------------

V4_DEFAULT = Route(4, "default", gateway="192.0.2.1", metric=100, proto=16, src="192.0.2.10")
V6_DEFAULT = Route(6, "default", gateway="fe80::1", metric=1024, proto=9, expires=1790)
V4_STATIC = Route(4, "198.51.100.0/24", gateway="192.0.2.254")


def with_routes(state, name, *routes):
    state[name] = LinkState.from_dict({**state[name].to_dict(), "routes": []})
    state[name] = type(state[name])(**{**state[name].__dict__, "routes": routes})
    return state


def test_the_routes_follow_the_addresses_to_the_bridge_right_after_they_left_the_port():
    current = with_routes(before(), "eth0", V4_DEFAULT, V6_DEFAULT, V4_STATIC)
    desired = desired_present(SPEC, current, forwarding=False)
    assert desired["br0"].routes == (V4_DEFAULT, V6_DEFAULT, V4_STATIC)
    assert desired["eth0"].routes == ()
    steps = commands(plan(current, desired))
    tail = steps[steps.index("ip address del 192.0.2.10/24 dev eth0") + 1:]
    assert tail == [
        "ip -4 route del default via 192.0.2.1 dev eth0 metric 100",
        "ip -6 route del default via fe80::1 dev eth0 metric 1024",
        "ip -4 route del 198.51.100.0/24 via 192.0.2.254 dev eth0",
        "ip -4 route add default via 192.0.2.1 dev br0 proto dhcp metric 100 src 192.0.2.10",
        "ip -6 route add default via fe80::1 dev br0 proto ra metric 1024 expires 1790",
        "ip -4 route add 198.51.100.0/24 via 192.0.2.254 dev br0",
    ]
    # Once there, nothing more to do.
    converted = with_routes(after(), "br0", V4_DEFAULT, V6_DEFAULT, V4_STATIC)
    assert plan(converted, desired_present(SPEC, converted, forwarding=True)) == []


def test_the_routes_go_back_to_the_first_port_before_the_bridge_goes():
    current = with_routes(after(), "br0", V4_DEFAULT, V6_DEFAULT)
    desired = desired_absent("br0", current)
    assert desired["eth0"].routes == (V4_DEFAULT, V6_DEFAULT)
    steps = commands(plan(current, desired))
    assert steps[-5:] == [
        "ip -4 route del default via 192.0.2.1 dev br0 metric 100",
        "ip -6 route del default via fe80::1 dev br0 metric 1024",
        "ip -4 route add default via 192.0.2.1 dev eth0 proto dhcp metric 100 src 192.0.2.10",
        "ip -6 route add default via fe80::1 dev eth0 proto ra metric 1024 expires 1790",
        "ip link del br0",
    ]
    assert steps.index("ip address add 192.0.2.10/24 dev eth0") < steps.index(steps[-3])


def test_a_revert_puts_the_routes_back_with_their_lifetime_as_it_is_now():
    snapshot = with_routes(before(), "eth0", V6_DEFAULT)
    fresher = Route(6, "default", gateway="fe80::1", metric=1024, proto=9, expires=1800)
    current = with_routes(after(), "br0", fresher)
    steps = commands(plan(current, snapshot))
    assert "ip -6 route add default via fe80::1 dev eth0 proto ra metric 1024 expires 1800" in steps


def test_no_ipv6_route_on_a_port_that_keeps_ipv6_off():
    current = with_routes(after(), "br0", V6_DEFAULT)
    current["eth0"] = with_routes(current, "eth0", V6_DEFAULT)["eth0"]
    steps = commands(plan(current, desired_present(SPEC, current, forwarding=True)))
    assert steps == ["ip -6 route del default via fe80::1 dev eth0 metric 1024"]


def test_routes_round_trip_and_describe():
    state = with_routes(after(), "br0", V4_DEFAULT, V6_DEFAULT)
    assert state_from_json(state_to_json(state)) == state
    text = describe(state)
    assert "  route default via 192.0.2.1 metric 100\n" in text
    assert "  route6 default via fe80::1 metric 1024\n" in text
    # A snapshot written before routes were kept still reads.
    old = state_to_json(before())
    for item in old:
        item.pop("routes")
    assert state_from_json(old) == before()
