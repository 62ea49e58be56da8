# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure part of the kernel backend: desired state, the ordered plan, its commands, JSON round trip."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.kernel import (
    Address,
    LinkState,
    Route,
    Step,
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
        "ip -4 route add 198.51.100.0/24 via 192.0.2.254 dev br0 proto static",
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


# --- what the mutation run asked for: each a behaviour a user sees in the plan, its commands or the diff ----------


def test_the_commands_name_the_protocol_ip_would_not_give_by_itself():
    # `ip route add` makes a route proto boot unless told otherwise: a static route (networkd's, or one added
    # with `proto static`) says so, one the boot scripts added (ifupdown's `up ip route add ...`) does not.
    boot = Route(4, "198.51.100.0/24", gateway="192.0.2.254", proto=3)
    bird = Route(6, "2001:db8:ff::/48", gateway="fe80::2", proto=12)
    assert boot.text("br0") == "ip -4 route add 198.51.100.0/24 via 192.0.2.254 dev br0"
    assert V4_STATIC.text("br0") == "ip -4 route add 198.51.100.0/24 via 192.0.2.254 dev br0 proto static"
    assert bird.text("br0") == "ip -6 route add 2001:db8:ff::/48 via fe80::2 dev br0 proto 12"
    assert V4_STATIC.text("eth0", "del") == "ip -4 route del 198.51.100.0/24 via 192.0.2.254 dev eth0"


def test_a_deprecated_address_moves_with_preferred_lifetime_zero():
    # After a renumbering the old prefix's SLAAC address is deprecated (preferred_lft 0) but still valid.
    old = Address("2001:db8:ebbd:8000:dea6:32ff:fe01:203", 64, valid=5400, preferred=0)
    assert old.text() == "2001:db8:ebbd:8000:dea6:32ff:fe01:203/64 nodad valid_lft 5400 preferred_lft 0"
    assert Address("192.0.2.10", 24, valid=3600).text() == "192.0.2.10/24 valid_lft 3600 preferred_lft 0"


def test_address_family():
    assert [Address(a, 24).family for a in ("192.0.2.10", "2001:db8::10", "fe80::1")] == [4, 6, 6]


@pytest.mark.parametrize("value", [
    Address("192.0.2.10", 24), Route(4, "default", gateway="192.0.2.1"), LinkState("eth0"), Step("up", "br0")])
def test_states_and_steps_are_values(value):
    # Snapshots are compared and kept as they were read: nothing may change one in place.
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.dev = "x"  # type: ignore[misc]
    assert value == dataclasses.replace(value)


def test_addresses_and_routes_are_hashable():
    assert len({Address("192.0.2.10", 24), Address("192.0.2.10", 24), V4_DEFAULT, dataclasses.replace(V4_DEFAULT)}) == 2


def test_eui64_asked_for_on_a_port_with_stable_privacy():
    current = before()
    current["eth0"] = dataclasses.replace(current["eth0"], sysctl={**SYSCTL, "addr_gen_mode": 2})
    spec = BridgeSpec("br0", ("eth0",), mac=MAC, addr_gen_mode="eui64")
    desired = desired_present(spec, current, forwarding=False)
    assert desired["br0"].sysctl["addr_gen_mode"] == 0
    assert "sysctl -w net.ipv6.conf.br0.addr_gen_mode=0" in commands(plan(current, desired))


def test_a_bridge_missing_from_the_state_read_is_created():
    current = before()
    del current["br0"]  # the reader lists only the links that exist
    desired = desired_present(SPEC, current, forwarding=True)
    assert desired["br0"].sysctl == {"accept_ra": 2, "disable_ipv6": 0}
    steps = commands(plan(current, desired))
    assert steps[0] == "ip link add br0 address dc:a6:32:01:02:03 type bridge stp_state 0 forward_delay 0"
    assert desired_absent("br0", current) == current


def test_a_new_bridge_with_stp_gets_its_forward_delay():
    spec = BridgeSpec("br0", ("eth0",), mac=MAC, stp=True, forward_delay=4)
    steps = commands(plan(before(), desired_present(spec, before(), forwarding=False)))
    assert steps[0] == "ip link add br0 address dc:a6:32:01:02:03 type bridge stp_state 1 forward_delay 400"


def test_a_bridge_without_a_known_forward_delay_is_set_to_zero():
    current = after()
    want = {**after(), "br0": dataclasses.replace(after()["br0"], stp=True, forward_delay=None)}
    assert commands(plan(current, want)) == ["ip link set br0 type bridge stp_state 1 forward_delay 0"]
    created = {"br0": dataclasses.replace(want["br0"], stp=False), "eth0": current["eth0"]}
    assert commands(plan(before(), created))[0] == \
        "ip link add br0 address dc:a6:32:01:02:03 type bridge stp_state 0 forward_delay 0"


def test_a_port_that_is_down_comes_up_in_the_bridge():
    current = before()
    current["eth0"] = dataclasses.replace(current["eth0"], up=False)
    desired = desired_present(SPEC, current, forwarding=False)
    assert desired["eth0"].up
    assert "ip link set eth0 up" in commands(plan(current, desired))


def two_ports():
    """A bridge of eth0 and eth1 (a USB adapter, down), and wlan0 beside it, on its own."""
    state = after()
    state["eth1"] = LinkState("eth1", mac="00:e0:4c:68:00:01", up=False, master="br0",
                              sysctl={**SYSCTL, "disable_ipv6": 1})
    state["wlan0"] = LinkState("wlan0", mac="dc:a6:32:01:02:04", up=True, sysctl=dict(SYSCTL),
                               addresses=(Address("192.0.2.77", 24),))
    return state


def test_removal_gives_the_addresses_to_the_first_port_only_and_leaves_other_links_alone():
    current = two_ports()
    desired = desired_absent("br0", current)
    assert desired["eth0"].addresses == after()["br0"].addresses
    assert desired["eth1"].addresses == () and desired["eth1"].master is None and desired["eth1"].up
    assert list(desired) == ["br0", "eth0", "eth1"]
    steps = commands(plan(current, desired))
    assert "ip link set eth1 nomaster" in steps and "ip link set eth1 up" in steps
    assert not [s for s in steps if "wlan0" in s]
    assert not [s for s in steps if "dev eth1" in s]


def test_a_revert_deletes_a_link_that_did_not_exist_without_freeing_it_first():
    # The snapshot was taken before the veth of a container existed; it joined the bridge since.
    current = after()
    current["veth1"] = LinkState("veth1", mac="02:00:00:00:00:09", up=True, master="br0")
    snapshot = {**before(), "veth1": LinkState("veth1", exists=False)}
    steps = commands(plan(current, snapshot))
    assert "ip link del veth1" in steps
    assert not [s for s in steps if s.startswith("ip link set veth1")]


def test_a_revert_gives_an_ipv4_only_port_its_address_and_route_back():
    # A Pi with IPv6 switched off on eth0 (net.ipv6.conf.eth0.disable_ipv6 = 1 in /etc/sysctl.d/).
    snapshot = with_routes({"br0": LinkState("br0", exists=False),
                            "eth0": LinkState("eth0", mac=MAC, up=True, sysctl={**SYSCTL, "disable_ipv6": 1},
                                              addresses=(V4,))}, "eth0", V4_DEFAULT)
    current = with_routes(after(), "br0", V4_DEFAULT)
    steps = commands(plan(current, snapshot))
    assert "ip address add 192.0.2.10/24 dev eth0" in steps
    assert "ip -4 route add default via 192.0.2.1 dev eth0 proto dhcp metric 100 src 192.0.2.10" in steps
    assert steps.index("ip address add 192.0.2.10/24 dev eth0") < steps.index("ip link set eth0 nomaster")


def test_no_ipv6_address_or_route_is_added_to_a_link_whose_ipv6_is_off():
    # The kernel refuses both there (EACCES); a wanted state that lists them (a snapshot edited by hand,
    # or read while the sysctl changed) must not make the plan fail half-way.
    current = with_routes(before(), "eth0")
    want = {"br0": current["br0"], "eth0": dataclasses.replace(
        current["eth0"], sysctl={**SYSCTL, "disable_ipv6": 1}, addresses=(GUA, V4, Address("192.0.2.11", 24)),
        routes=(V6_DEFAULT, V4_STATIC))}
    current["eth0"] = dataclasses.replace(current["eth0"], addresses=(V4,))
    steps = commands(plan(current, want))
    assert steps == ["ip address add 192.0.2.11/24 dev eth0",
                     "sysctl -w net.ipv6.conf.eth0.disable_ipv6=1",
                     "ip -4 route add 198.51.100.0/24 via 192.0.2.254 dev eth0 proto static"]


def test_describe_does_not_depend_on_the_order_the_kernel_lists_routes():
    routes = [Route(6, "default", gateway="fe80::2", metric=1024, proto=9),
              Route(6, "default", gateway="fe80::1", metric=1024, proto=9),
              Route(6, "default", gateway="fe80::1", metric=1, proto=9),
              Route(6, "default", gateway="fe80::1", proto=9),
              Route(6, "default", proto=9)]
    texts = {describe(with_routes(after(), "br0", *order)) for order in (routes, routes[::-1], routes[2:] + routes[:2])}
    assert len(texts) == 1
    assert texts.pop().endswith("  route6 default\n  route6 default via fe80::1\n"
                                "  route6 default via fe80::1 metric 1\n  route6 default via fe80::1 metric 1024\n"
                                "  route6 default via fe80::2 metric 1024\n"
                                "eth0: ether mac dc:a6:32:01:02:03 up master br0 accept_ra=1 disable_ipv6=1 "
                                "addr_gen_mode=0\n")
