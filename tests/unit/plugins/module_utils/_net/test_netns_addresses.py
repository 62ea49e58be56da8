# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net import netns_addresses as netns
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64, instance_addresses

# Captured on the lab host from a running palmfarm-tiny container (profiles default + extbridge, MAC
# 00:16:3e:62:ac:0b): the RTM_GETLINK and RTM_GETADDR dumps of its network namespace, as the kernel sent them.
LINK_DUMP = bytes.fromhex(
    "bc0500001000020001000000f561000000000403010000004900010000000000070003006c6f000008000d00e80300000500"
    "1000000000000500110000000000050043000100000008000400000001000800320000000000080033000000000008001b00"
    "0000000008001e000000000008003d000000000008001f000100000008002800ffff0000080029000000010008003a000000"
    "010008003f0000000100080040000000010008003b00f8ff070008003c00ffff000008004200000000000800200001000000"
    "0500210001000000080023000000000008002f00000000000800300000000000060044000000000006004500000000000500"
    "2700000000000a00010000000000000000000a0002000000000000000000cc00170000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000064000700000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000c002b0005000200000000000c000600"
    "6e6f71756575650030031a008c00020088000100000000000000000000000000010000000100000001000000010000000000"
    "0000010000000000000000000000000000000000000000000000010000000100000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000010270000e8030000000000000000000000000000000000000100"
    "0000a0020a00080001000000008014000500ffff000068cf080094ab0000e8030000f4000200000000004000000000000100"
    "01000000010000000100000001000000ffffffffa00f0000e8030000ffffffff803a09008051010003000000580200001000"
    "00000000000001000000010000000100000060ea0000000000000000000000000000000000000000000000000000ffffffff"
    "000000000000000010270000e803000001000000000000000000000001000000000000000000000001000000000000000000"
    "0000000000000000000080ee3600000000000000000001000000000000000000000000000000000000000000000000040000"
    "00000000ffff0000ffffffff0100000000000000000000000000000034010300260000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000003c00060007000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000014000700"
    "00000000000000000000000000000000050008000000000024000e0000000000000000000000000000000000000000000000"
    "0000000000000000000004003e8004004180e00500001000020001000000f561000000000100811600004310010000000000"
    "09000300657468300000000008000d00e803000005001000060000000500110000000000050043000000000008000400dc05"
    "0000080032004400000008003300ffff000008001b000000000008001e000000000008003d000000000008001f0002000000"
    "08002800ffff0000080029000000010008003a000000010008003f0000000100080040000000010008003b00f8ff07000800"
    "3c00ffff0000080042000000000008002000020000000500210001000000080023000200000008002f000100000008003000"
    "010000000600440000000000060045000000000005002700000000000a00010000163e62ac0b00000a000200ffffffffffff"
    "0000cc001700b0020000000000000a00000000000000bcee0000000000005403000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000064000700b00200000a000000bcee000054030000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000c002b0005000200000000001000120009000100766574680000000008002500000000000800050082160000"
    "0c0006006e6f71756575650030031a008c000200880001000000000000000000000000000100000001000000010000000100"
    "0000000000000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000010270000e80300000000000000000000000000000000"
    "000001000000a0020a00080001003000008014000500ffff000068cf0800384f0000e8030000f40002000000000040000000"
    "dc05000001000000010000000100000001000000ffffffffa00f0000e803000000000000803a090080510100030000005802"
    "0000100000000000000001000000010000000100000060ea0000000000000000000000000000000000000000000000000000"
    "01000000000000000000000010270000e8030000010000000000000000000000010000000000000000000000010000000000"
    "000000000000000000000000000080ee36000000000000000000010000000000000000000000000000000000000000000000"
    "0004000000000000ffff0000ffffffff01000000000000000000000000000000340103002600000000000000b00200000000"
    "00001cc90000000000001100000000000000b002000000000000000000000000000000000000000000000000000000000000"
    "0a000000000000000a00000000000000c8020000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000ad0200000000000008000000000000000000000000000000000000000000000014c8000000000000"
    "400200000000000000000000000000000000000000000000000000000000000000000000000000003c000600070000000000"
    "0000110000000000000000000000000000000a00000000000000000000000000000000000000000000000000000000000000"
    "1400070000000000000000000000000000000000050008000000000024000e00000000000000000000000000000000000000"
    "000000000000000000000000000004003e8004004180140000000300020001000000f561000000000000"
)
ADDR_DUMP = bytes.fromhex(
    "4c0000001400020002000000f5610000020880fe01000000080001007f000001080002007f000001070003006c6f00000800"
    "08008000000014000600ffffffffffffffff68cf080068cf0800500000001400020002000000f56100000a8080fe01000000"
    "140001000000000000000000000000000000000114000600ffffffffffffffff68cf080068cf080008000800800000000500"
    "0b0001000000500000001400020002000000f56100000a4000008116000014000100fd6ac19d0b07208002163efffe62ac0b"
    "1400060038380000785101002cd0080016f20800080008000001000005000b0002000000500000001400020002000000f561"
    "00000a400000811600001400010020010db8ebbd208002163efffe62ac0b1400060038380000785101002cd0080016f20800"
    "080008000001000005000b0002000000500000001400020002000000f56100000a4080fd8116000014000100fe8000000000"
    "000002163efffe62ac0b14000600ffffffffffffffff68cf080068cf0800080008008000000005000b000300000014000000"
    "0300020002000000f561000000000000"
)

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
    network = netns.network_map(LINK_DUMP, ADDR_DUMP)
    assert network == LXD_NETWORK
    addrs = instance_addresses(network)
    assert addrs["mac"] == MAC and addrs["interface"] == "eth0"
    assert addrs["global"] == [eui64(MAC, "2001:db8:ebbd:2080::/64")]
    assert addrs["ula"] == [eui64(MAC, "fd6a:c19d:b07:2080::/64")]
    assert addrs["link_local"] == [eui64(MAC, "fe80::/64")]
    assert addrs["ipv4"] == []


def test_parse_links_reads_index_name_and_flags() -> None:
    links = netns.parse_links(LINK_DUMP)
    assert sorted(link["name"] for link in links.values()) == ["eth0", "lo"]
    assert links[1]["name"] == "lo" and links[1]["type"] == "loopback" and links[1]["hwaddr"] == ""


def test_a_torn_dump_is_an_error() -> None:
    with pytest.raises(netns.NetnsError, match="does not fit"):
        list(netns.messages(ADDR_DUMP[:-30]))


def test_a_netlink_error_message_is_an_error() -> None:
    error = netns._NLMSGHDR.pack(36, netns.NLMSG_ERROR, 0, 1, 0) + (-1 & 0xFFFFFFFF).to_bytes(4, "little") + bytes(16)
    with pytest.raises(netns.NetnsError, match="netlink error"):
        list(netns.messages(error))


def rtattr(kind: int, value: bytes) -> bytes:
    raw = netns._RTATTR.pack(4 + len(value), kind) + value
    return raw + bytes(-len(raw) % 4)


def message(kind: int, payload: bytes) -> bytes:
    return netns._NLMSGHDR.pack(16 + len(payload), kind, 2, 1, 0) + payload


def test_ipv4_uses_the_local_address_not_the_peer() -> None:
    payload = (netns._IFADDRMSG.pack(socket.AF_INET, 32, 0, 0, 7)
               + rtattr(netns.IFA_ADDRESS, socket.inet_aton("10.0.0.2"))
               + rtattr(netns.IFA_LOCAL, socket.inet_aton("10.0.0.1")))
    assert netns.parse_addresses(message(netns.RTM_NEWADDR, payload)) == [
        (7, {"family": "inet", "address": "10.0.0.1", "netmask": "32", "scope": "global"})]


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


# Captured on the lab host from a namespace renumbered by hand: eth0-like pfr-a (MAC 00:16:3e:62:ac:0b) with the
# old prefix's address deprecated (preferred_lft 0, valid_lft 7200), the new prefix's and the ULA; the ifindex 3.
RENUMBERED_ADDR_DUMP = bytes.fromhex(
    "5000000014000200020000009a6600000a4080fd0200000014000100fe80000000000000b08580fffecb82fa14000600ffff"
    "ffffffffffff8a1820008a182000080008008000000005000b00030000004800000014000200020000009a6600000a408200"
    "0300000014000100fd6ac19d0b07208002163efffe62ac0b14000600ffffffffffffffff8b1820008b182000080008008200"
    "00004800000014000200020000009a6600000a400200030000001400010020010db8ebbd208102163efffe62ac0b14000600"
    "3f3800007f5101008b1820008b18200008000800020000004800000014000200020000009a6600000a402200030000001400"
    "010020010db8ebbd208002163efffe62ac0b14000600000000001f1c00008b1820008b182000080008002200000050000000"
    "14000200020000009a6600000a40c0fd0300000014000100fe8000000000000002163efffe62ac0b14000600ffffffffffff"
    "ffff8a1820008a18200008000800c000000005000b00030000001400000003000200020000009a66000000000000"
)


def test_a_deprecated_address_is_marked_and_sorted_apart() -> None:
    entries = {e["address"]: e for _index, e in netns.parse_addresses(RENUMBERED_ADDR_DUMP)}
    old, new = eui64(MAC, "2001:db8:ebbd:2080::/64"), eui64(MAC, "2001:db8:ebbd:2081::/64")
    assert entries[old] == {"family": "inet6", "address": old, "netmask": "64", "scope": "global", "deprecated": True}
    assert [a for a, e in entries.items() if e.get("deprecated")] == [old]
    network = {"eth0": {"type": "broadcast", "hwaddr": MAC,
                        "addresses": [e for index, e in netns.parse_addresses(RENUMBERED_ADDR_DUMP) if index == 3]}}
    addrs = instance_addresses(network)
    assert addrs["global"] == [new]
    assert addrs["ula"] == [eui64(MAC, "fd6a:c19d:b07:2080::/64")]
    assert addrs["deprecated"] == [old]
    assert addrs["link_local"] == [eui64(MAC, "fe80::/64")]


def test_the_captured_dump_of_a_fresh_container_has_no_deprecated_address() -> None:
    assert not any("deprecated" in e for _index, e in netns.parse_addresses(ADDR_DUMP))


def flagged(family: int, header_flags: int, *attrs: bytes) -> bytes:
    raw = socket.inet_pton(family, "2001:db8::5" if family == socket.AF_INET6 else "10.0.0.5")
    payload = netns._IFADDRMSG.pack(family, 64, header_flags, 0, 2) + rtattr(netns.IFA_ADDRESS, raw) + b"".join(attrs)
    return message(netns.RTM_NEWADDR, payload)


def cacheinfo(preferred: int, valid: int) -> bytes:
    return rtattr(netns.IFA_CACHEINFO, netns._IFA_CACHEINFO.pack(preferred, valid, 0, 0))


@pytest.mark.parametrize("dump, deprecated", [
    (flagged(socket.AF_INET6, 0), False),
    (flagged(socket.AF_INET6, netns.IFA_F_DEPRECATED), True),  # the header's 8 bits
    (flagged(socket.AF_INET6, 0, rtattr(netns.IFA_FLAGS, (netns.IFA_F_DEPRECATED | 0x100).to_bytes(4, "little"))),
     True),
    # IFA_FLAGS, when present, is the whole truth (the header's copy is only the low 8 bits)
    (flagged(socket.AF_INET6, 0, rtattr(netns.IFA_FLAGS, (0x100).to_bytes(4, "little"))), False),
    (flagged(socket.AF_INET6, 0, cacheinfo(0, 7200)), True),
    (flagged(socket.AF_INET6, 0, cacheinfo(14400, 86400)), False),
    (flagged(socket.AF_INET6, 0x80, cacheinfo(0xFFFFFFFF, 0xFFFFFFFF)), False),  # permanent
    (flagged(socket.AF_INET, netns.IFA_F_DEPRECATED, cacheinfo(0, 10)), False),  # only IPv6 addresses are marked
])
def test_deprecated_from_flags_or_preferred_lifetime(dump: bytes, deprecated: bool) -> None:
    [(_index, entry)] = netns.parse_addresses(dump)
    assert entry.get("deprecated", False) is deprecated
    assert set(entry) <= {"family", "address", "netmask", "scope", "deprecated"}
