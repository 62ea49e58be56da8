# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net import netlink
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net import netns_addresses as netns
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64, instance_addresses

SAMPLES = Path(__file__).parent / "samples" / "netlink"


def sample(name: str) -> bytes:
    """A dump the kernel sent, kept as hex under samples/netlink/."""
    return bytes.fromhex("".join((SAMPLES / name).read_text().split()))


# Captured on the lab host from a running palmfarm-tiny container (profiles default + extbridge, MAC
# 00:16:3e:62:ac:0b): the RTM_GETLINK and RTM_GETADDR dumps of its network namespace, as the kernel sent them.
LINKS = netlink.parse_links(sample("lxd-container.link.hex"))
ADDRESSES = netlink.parse_addresses(sample("lxd-container.addr.hex"))
# Captured on the lab host from a namespace renumbered by hand: eth0-like pfr-a (MAC 00:16:3e:62:ac:0b) with the
# old prefix's address deprecated (preferred_lft 0, valid_lft 7200), the new prefix's and the ULA; the ifindex 3.
RENUMBERED = netlink.parse_addresses(sample("renumbered.addr.hex"))

MAC = "00:16:3e:62:ac:0b"

# What LXD itself answered for that container (lxc query /1.0/instances/<name>/state), counters left out.
LXD_NETWORK = {
    "lo": {"addresses": [{"family": "inet", "address": "127.0.0.1", "netmask": "8", "scope": "local"},
                         {"family": "inet6", "address": "::1", "netmask": "128", "scope": "local"}],
           "hwaddr": "", "mtu": 65536, "state": "up", "type": "loopback"},
    "eth0": {"addresses": [
        {"family": "inet6", "address": "fd6a:c19d:b07:2080:216:3eff:fe62:ac0b", "netmask": "64", "scope": "global"},
        {"family": "inet6", "address": "2001:db8:ebbd:2080:216:3eff:fe62:ac0b", "netmask": "64", "scope": "global"},
        {"family": "inet6", "address": "fe80::216:3eff:fe62:ac0b", "netmask": "64", "scope": "link"}],
        "hwaddr": MAC, "mtu": 1500, "state": "up", "type": "broadcast"},
}


def test_network_map_of_a_captured_dump_is_what_lxd_reports() -> None:
    network = netns.network_map(LINKS, ADDRESSES)
    assert network == LXD_NETWORK
    addrs = instance_addresses(network)
    assert addrs["mac"] == MAC and addrs["interface"] == "eth0"
    assert addrs["global"] == [eui64(MAC, "2001:db8:ebbd:2080::/64")]
    assert addrs["ula"] == [eui64(MAC, "fd6a:c19d:b07:2080::/64")]
    assert addrs["link_local"] == [eui64(MAC, "fe80::/64")]
    assert addrs["ipv4"] == []


def test_interfaces_of_other_kinds() -> None:
    links = [netlink.Link(3, "gre0", 0x91, mtu=1476, address="00:00:00:00"),  # IFF_UP | IFF_POINTOPOINT | ...
             netlink.Link(4, "wg0", 0x90)]
    assert netns.network_map(links, []) == {
        "gre0": {"addresses": [], "hwaddr": "", "mtu": 1476, "state": "up", "type": "point-to-point"},
        "wg0": {"addresses": [], "hwaddr": "", "mtu": 0, "state": "down", "type": "point-to-point"}}


def test_an_address_of_an_unknown_interface_or_family_is_left_out() -> None:
    addresses = [netlink.Address(9, socket.AF_INET6, 64, 0, 0, address="2001:db8::1"),
                 netlink.Address(1, socket.AF_PACKET, 0, 0, 0),
                 netlink.Address(1, socket.AF_INET, 8, 0, 0, address="10.0.0.2", local="10.0.0.1")]
    network = netns.network_map(LINKS[:1], addresses)
    assert network["lo"]["addresses"] == [{"family": "inet", "address": "10.0.0.1", "netmask": "8",
                                           "scope": "global"}]


@pytest.mark.parametrize("flags, expected", [
    (netns.IFF_UP | netns.IFF_LOOPBACK, "loopback"),
    (netns.IFF_UP | netns.IFF_BROADCAST, "broadcast"),
    (netns.IFF_POINTOPOINT, "point-to-point"),
    (0, "unknown"),
])
def test_link_type(flags: int, expected: str) -> None:
    assert netns.link_type(flags) == expected


@pytest.mark.parametrize("address, scope", [
    ("::1", "local"), ("127.0.0.1", "local"), ("fe80::1", "link"), ("169.254.1.1", "link"),
    ("fd6a:c19d:b07:2080::1", "global"), ("2001:db8::1", "global"), ("10.1.2.3", "global"),
])
def test_address_scope_as_lxd_gives_it(address: str, scope: str) -> None:
    assert netns.address_scope(address) == scope


@pytest.mark.parametrize("line, name", [
    ("0::/lxc.payload.itfast-1", "itfast-1"),
    ("9:name=systemd:/lxc.payload.web/system.slice/nginx.service", "web"),
    ("4:memory:/lxc.payload.lab_w2/init.scope", "lab_w2"),
    ("0::/lxc.monitor.itfast-1", None),
    ("0::/lxc.payload.", None),
    ("0::/", None),
    ("1:cpu:/user.slice", None),
])
def test_payload_cgroup(line: str, name: str | None) -> None:
    assert netns.payload_cgroup(line) == name


@pytest.mark.parametrize("name, project, expected", [
    ("w1", None, "w1"), ("w1", "default", "w1"), ("w1", "lab", "lab_w1"),
])
def test_cgroup_name(name: str, project: str | None, expected: str) -> None:
    assert netns.cgroup_name(name, project) == expected


def fake_proc(tmp_path: Path, processes: dict[int, tuple[str, str]]) -> Path:
    """A /proc with, per pid, a cgroup file and a ns/net file (its content standing for the namespace)."""
    for pid, (cgroup, ns) in [*processes.items(), ("self", ("0::/", "host"))]:
        (tmp_path / str(pid) / "ns").mkdir(parents=True)
        (tmp_path / str(pid) / "cgroup").write_text(cgroup)
        target = tmp_path / f"ns-{ns}"
        if not target.exists():
            target.write_text(ns)
        (tmp_path / str(pid) / "ns" / "net").symlink_to(target)
    return tmp_path


def test_init_pids_takes_the_lowest_pid_outside_the_host_namespace(tmp_path: Path) -> None:
    proc = fake_proc(tmp_path, {
        40: ("1:cpu:/lxc.payload.w1\n0::/lxc.payload.w1\n", "host"),  # a process LXD has not moved yet
        41: ("0::/lxc.payload.w1\n", "w1"),
        50: ("0::/lxc.payload.w1/init.scope\n", "w1"),
        60: ("0::/lxc.payload.lab_w2\n", "w2"),
        61: ("0::/lxc.monitor.w3\n", "host"),
        70: ("0::/user.slice\n", "host"),
    })
    assert netns.init_pids(["w1", "w2", "w3"], None, str(proc)) == {"w1": 41}
    assert netns.init_pids(["w2"], "lab", str(proc)) == {"w2": 60}


def test_read_networks_gives_none_when_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(netns, "usable", lambda proc="/proc": False)
    assert netns.read_networks(["w1", "w2"]) == {"w1": None, "w2": None}
    monkeypatch.setattr(netns, "usable", lambda proc="/proc": True)
    proc = fake_proc(tmp_path, {41: ("0::/lxc.payload.w1\n", "w1")})
    # w1's process is found, but its namespace cannot be entered here: None, like w2 that has no process.
    assert netns.read_networks(["w1", "w2"], None, str(proc)) == {"w1": None, "w2": None}


def test_read_networks_keeps_what_each_namespace_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A namespace that fails to read, or a pid that no longer belongs to its container once read, gives None
    for that container alone; the others keep their networks."""
    proc = fake_proc(tmp_path, {
        41: ("0::/lxc.payload.w1\n", "w1"),
        42: ("0::/lxc.payload.w2\n", "w2"),
        43: ("0::/lxc.payload.w3\n", "w3"),
    })
    monkeypatch.setattr(netns, "usable", lambda proc="/proc": True)

    def read(pid: int, proc: str = "/proc") -> netns.Network:
        if pid == 42:
            raise OSError("gone")
        if pid == 43:  # the pid is another process's by the time it is checked
            (Path(proc) / "43" / "cgroup").write_text("0::/user.slice\n")
        return {"eth0": {"pid": pid}}

    monkeypatch.setattr(netns, "read_network", read)
    assert netns.read_networks(["w1", "w2", "w3", "w4"], None, str(proc)) == {
        "w1": {"eth0": {"pid": 41}}, "w2": None, "w3": None, "w4": None}


def test_read_networks_trusts_nothing_once_stuck(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc = fake_proc(tmp_path, {41: ("0::/lxc.payload.w1\n", "w1"), 42: ("0::/lxc.payload.w2\n", "w2")})
    monkeypatch.setattr(netns, "usable", lambda proc="/proc": True)
    read: list[int] = []

    def stuck_on_the_second(pid: int, proc: str = "/proc") -> netns.Network:
        read.append(pid)
        if len(read) == 2:
            raise netlink.NetnsStuck("cannot return")
        return {"eth0": {}}

    monkeypatch.setattr(netns, "read_network", stuck_on_the_second)
    assert netns.read_networks(["w1", "w2"], None, str(proc)) == {"w1": None, "w2": None}
    assert len(read) == 2


def test_a_deprecated_address_is_marked_and_sorted_apart() -> None:
    entries = {e["address"]: e for e in map(netns.address_entry, RENUMBERED) if e is not None}
    old, new = eui64(MAC, "2001:db8:ebbd:2080::/64"), eui64(MAC, "2001:db8:ebbd:2081::/64")
    assert entries[old] == {"family": "inet6", "address": old, "netmask": "64", "scope": "global", "deprecated": True}
    assert [a for a, e in entries.items() if e.get("deprecated")] == [old]
    network = {"eth0": {"type": "broadcast", "hwaddr": MAC,
                        "addresses": [netns.address_entry(a) for a in RENUMBERED if a.index == 3]}}
    addrs = instance_addresses(network)
    assert addrs["global"] == [new]
    assert addrs["ula"] == [eui64(MAC, "fd6a:c19d:b07:2080::/64")]
    assert addrs["deprecated"] == [old]
    assert addrs["link_local"] == [eui64(MAC, "fe80::/64")]


def test_the_captured_dump_of_a_fresh_container_has_no_deprecated_address() -> None:
    assert not any("deprecated" in (netns.address_entry(a) or {}) for a in ADDRESSES)


def address(family: int, flags: int, preferred: int | None = None) -> netlink.Address:
    text = "2001:db8::5" if family == socket.AF_INET6 else "10.0.0.5"
    return netlink.Address(2, family, 64, flags, 0, address=text, preferred=preferred, valid=preferred and 86400)


@pytest.mark.parametrize("entry, deprecated", [
    (address(socket.AF_INET6, 0), False),
    (address(socket.AF_INET6, netns.IFA_F_DEPRECATED), True),
    (address(socket.AF_INET6, netns.IFA_F_DEPRECATED | 0x100), True),
    (address(socket.AF_INET6, 0x100), False),
    (address(socket.AF_INET6, 0, 0), True),  # a preferred lifetime of 0
    (address(socket.AF_INET6, 0, 14400), False),
    (address(socket.AF_INET6, 0x80, netlink.FOREVER), False),  # permanent
    (address(socket.AF_INET, netns.IFA_F_DEPRECATED, 0), False),  # only IPv6 addresses are marked
])
def test_deprecated_from_flags_or_preferred_lifetime(entry: netlink.Address, deprecated: bool) -> None:
    result = netns.address_entry(entry)
    assert result is not None and result.get("deprecated", False) is deprecated
    assert set(result) <= {"family", "address", "netmask", "scope", "deprecated"}
