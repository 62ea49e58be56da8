# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.options import (
    bridge_spec,
    connectivity_targets,
    ifname_problem,
    removal_problem,
    resolve_mac,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import (
    BridgeError,
    BridgeRequest,
    BridgeSpec,
    LinkInfo,
)

LINKS = {
    "lo": LinkInfo("lo", address="00:00:00:00:00:00", loopback=True),
    "eth0": LinkInfo("eth0", address="02:aa:bb:cc:dd:01", perm_address="dc:a6:32:01:02:03"),
    "eth1": LinkInfo("eth1", kind="veth", address="02:aa:bb:cc:dd:02"),
    "eth2": LinkInfo("eth2", kind="veth", address="02:aa:bb:cc:dd:03", master="br1", master_kind="bridge"),
    "eth3": LinkInfo("eth3", address="02:aa:bb:cc:dd:04", master="bond0", master_kind="bond"),
    "eth4": LinkInfo("eth4", kind="veth", address="02:aa:bb:cc:dd:05", master="br0", master_kind="bridge"),
    "br1": LinkInfo("br1", kind="bridge", address="02:aa:bb:cc:dd:06"),
    "wg0": LinkInfo("wg0", kind="wireguard"),
}


def request(**kwargs):
    """The task's request: the module's defaults with ports [eth0], changed by kwargs (ports as a list)."""
    kwargs["ports"] = tuple(kwargs.get("ports", ["eth0"]))
    return BridgeRequest(**kwargs)


@pytest.mark.parametrize("name", ["br0", "br-lan", "a" * 15, "eth0.10", "vmbr_1"])
def test_valid_names(name):
    assert ifname_problem(name) is None


@pytest.mark.parametrize("name, says", [
    ("", "bridge name is empty"),
    ("a" * 16, f"bridge name '{'a' * 16}' is 16 characters; Linux interface names have at most 15"),
    ("br/0", "is not a valid interface name"),
    ("br 0", "is not a valid interface name"),
    ("br:0", "is not a valid interface name"),
    ("..", "is not a valid interface name"),
])
def test_invalid_names(name, says):
    assert says in ifname_problem(name)


def test_spec_copies_the_first_ports_permanent_mac():
    spec = bridge_spec(request(), LINKS)
    assert spec == BridgeSpec(name="br0", ports=("eth0",), mac="dc:a6:32:01:02:03")


def test_mac_port_falls_back_to_the_current_mac_without_a_permanent_one():
    assert bridge_spec(request(ports=["eth1"]), LINKS).mac == "02:aa:bb:cc:dd:02"


@pytest.mark.parametrize("mac, expected", [
    ("none", None),
    ("None", None),
    ("02-00-00-AA-BB-CC", "02:00:00:aa:bb:cc"),
    ("0200.00aa.bbcc".replace(".", ""), "02:00:00:aa:bb:cc"),
])
def test_mac_values(mac, expected):
    assert resolve_mac(mac, ("eth0",), LINKS) == expected


@pytest.mark.parametrize("mac, says", [
    ("02:00:00:zz:00:01", "MAC '02:00:00:zz:00:01' is not a MAC address"),
    ("02:00:00:00:01", "is not a MAC address"),
    ("01:00:5e:00:00:01", "MAC 01:00:5e:00:00:01 is a multicast address"),
    ("00:00:00:00:00:00", "cannot be an interface's MAC"),
])
def test_bad_macs(mac, says):
    with pytest.raises(BridgeError, match="mac: port") as err:
        resolve_mac(mac, ("eth0",), LINKS)
    assert says in str(err.value)


@pytest.mark.parametrize("ports, says", [
    ([], "ports is empty; list the interface(s) to put into br0"),
    (["eth9"], "port eth9 does not exist on this host (interfaces: br1, eth0, eth1, eth2, eth3, eth4, wg0)"),
    (["eth2"], "port eth2 is already a port of bridge br1; remove it from br1 first (ip link set eth2 nomaster)"),
    (["eth3"], "port eth3 is already a port of bond bond0"),
    (["br1"], "port br1 is itself a bridge"),
    (["br0"], "port br0 is the bridge itself"),
    (["lo"], "port lo is the loopback interface"),
    (["eth0", "eth0"], "port eth0 is listed twice"),
    (["eth0/1"], "port 'eth0/1' is not a valid interface name"),
])
def test_bad_ports(ports, says):
    with pytest.raises(BridgeError) as err:
        bridge_spec(request(ports=ports), LINKS)
    assert says in str(err.value)


def test_a_port_already_in_this_bridge_is_fine():
    assert bridge_spec(request(ports=["eth4", "eth1"]), LINKS).ports == ("eth4", "eth1")


def test_name_of_an_existing_non_bridge_is_refused():
    with pytest.raises(BridgeError, match="interface wg0 exists and is a wireguard, not a bridge"):
        bridge_spec(request(name="wg0"), LINKS)


def test_too_long_bridge_name():
    with pytest.raises(BridgeError, match="is 16 characters"):
        bridge_spec(request(name="pfbr-toolong-16c"), LINKS)


@pytest.mark.parametrize("changes, says", [
    ({"forward_delay": 31}, "forward_delay 31 is out of range; give 0 to 30 seconds"),
    ({"forward_delay": -1}, "forward_delay -1 is out of range"),
    ({"stp": True, "forward_delay": 1}, "forward_delay 1 is below 2, the least Linux accepts with STP on"),
    ({"addr_gen_mode": "random"}, "addr_gen_mode 'random' is not one of eui64, stable-privacy"),
])
def test_bad_bridge_parameters(changes, says):
    with pytest.raises(BridgeError) as err:
        bridge_spec(request(**changes), LINKS)
    assert says in str(err.value)


def test_all_options_carried():
    spec = bridge_spec(request(stp=True, forward_delay=4, dhcp4=True, dhcp6=True, accept_ra=False,
                               addr_gen_mode="stable-privacy", port_disable_ipv6=False, mac="none"), LINKS)
    assert spec == BridgeSpec(name="br0", ports=("eth0",), mac=None, stp=True, forward_delay=4, dhcp4=True,
                              accept_ra=False, dhcp6=True, addr_gen_mode="stable-privacy", port_disable_ipv6=False)


def test_absent_needs_no_ports():
    spec = bridge_spec(request(state="absent", ports=[]), LINKS)
    assert spec.ports == () and spec.mac is None


@pytest.mark.parametrize("routes, timeout, force, refused", [
    (["br0"], 0, False, True),
    (["br0", "wg0"], 0, False, True),
    (["br0"], 120, False, False),
    (["br0"], 0, True, False),
    (["eth0"], 0, False, False),
    ([], 0, False, False),
])
def test_removal_of_the_default_route_bridge(routes, timeout, force, refused):
    problem = removal_problem("br0", routes, timeout, force)
    assert (problem is not None) == refused
    if refused:
        assert "bridge br0 carries the default route and rollback_timeout is 0" in problem
        assert "force: true" in problem


def test_connectivity_targets():
    assert connectivity_targets(["2001:db8::1", "[2001:db8::1]:22", "192.0.2.1", "router:53"]) == [
        "2001:db8::1", "[2001:db8::1]:22", "192.0.2.1", "router:53"]
    with pytest.raises(BridgeError, match="connectivity_check entry 'router' is not an IP address"):
        connectivity_targets(["router"])
