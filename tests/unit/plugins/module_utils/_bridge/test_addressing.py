# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A port's addressing read from the users' files (netplan, ifupdown, systemd-networkd, NetworkManager), the
bridge's inheritance of it, and the reversible edit that takes it off the port."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import addressing, userfiles
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.addressing import (
    Addressing,
    from_ifupdown,
    from_networkd,
    from_nm,
    ifupdown_stanzas,
    networkd_matches,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.options import with_addressing
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeError, BridgeRequest, BridgeSpec

GOLDEN = Path(__file__).parent / "golden"
STATIC = Addressing(addresses=("192.0.2.10/24",), routes=(("default", "192.0.2.1"),), nameservers=("192.0.2.53",),
                    search=("lan.example",))


def before(case: str) -> Path:
    return GOLDEN / case / "before"


@pytest.mark.parametrize("case,expected", [
    ("netplan_pi", Addressing(dhcp4=True)),
    ("netplan_static_bridge", Addressing(
        dhcp4=True, accept_ra=True, addresses=("192.0.2.10/24", "2001:db8:ebbd:2080::10/64"),
        routes=(("default", "192.0.2.1"),), nameservers=("192.0.2.53", "2001:db8:ebbd:2080::53"),
        search=("lan.example",))),
])
def test_netplan(case: str, expected: Addressing) -> None:
    found = userfiles.netplan(str(before(case)), ("eth0",), "br0", set())
    assert found.addressing == expected
    assert found.addressing.sources and all(s.endswith(".yaml") for s in found.addressing.sources)


@pytest.mark.parametrize("case,expected,kept", [
    ("ifupdown_debian", Addressing(dhcp4=True, accept_ra=True, dhcp6=False), []),
    ("ifupdown_static", Addressing(accept_ra=False, addresses=("192.0.2.10/24", "2001:db8:ebbd:2080::10/64"),
                                   routes=(("default", "192.0.2.1"), ("default", "2001:db8:ebbd:2080::1")),
                                   nameservers=("192.0.2.53",), search=("lan.example",)), ["auto lo"]),
])
def test_ifupdown(case: str, expected: Addressing, kept: list[str]) -> None:
    found = userfiles.ifupdown(str(before(case)), ("eth0",), "br0", set())
    assert found.addressing == expected
    assert found.kept_marks == kept


@pytest.mark.parametrize("stanza,expected", [
    ("iface eth0 inet6 dhcp\n", Addressing(dhcp6=True, accept_ra=True)),
    ("iface eth0 inet6 auto\n    dhcp 1\n    accept_ra 0\n", Addressing(dhcp6=True, accept_ra=False)),
    ("iface eth0 inet6 static\n    address 2001:db8::2/64\n    accept_ra 2\n",
     Addressing(addresses=("2001:db8::2/64",), accept_ra=True)),
    ("iface eth0 inet manual\n", Addressing()),
])
def test_ifupdown_stanza(stanza: str, expected: Addressing) -> None:
    (parsed,), dummy = ifupdown_stanzas(stanza)
    assert from_ifupdown(parsed) == expected


def test_networkd() -> None:
    text = (before("networkd_static") / "etc/systemd/network/80-wired.network").read_text()
    assert from_networkd(text) == Addressing(accept_ra=True, addresses=STATIC.addresses, routes=STATIC.routes,
                                             nameservers=STATIC.nameservers, search=STATIC.search)
    assert from_networkd("[Network]\nDHCP=yes\n[Address]\nAddress=2001:db8::1/64\n[Route]\nDestination=10.0.0.0/8\n"
                         "Gateway=192.0.2.254\n[Route]\nGateway=fe80::1\n") == Addressing(
        dhcp4=True, dhcp6=True, addresses=("2001:db8::1/64",),
        routes=(("10.0.0.0/8", "192.0.2.254"), ("default", "fe80::1")))


@pytest.mark.parametrize("match,name,expected", [
    ("Name=eth0", "eth0", True), ("Name=en* eth*", "eth0", True), ("Name=eth0", "eth00", False),
    ("Name=* !eth0", "eth0", False), ("Name=!lo", "eth0", True), ("MACAddress=02:00:00:00:00:01", "eth0", False),
])
def test_networkd_matches(match: str, name: str, expected: bool) -> None:
    assert networkd_matches(f"[Match]\n{match}\n", name) is expected


def test_nm() -> None:
    text = (before("nm_static") / "etc/NetworkManager/system-connections/Wired connection 1.nmconnection").read_text()
    # addr-gen-mode=default: NetworkManager's global default, stable-privacy.
    assert from_nm(text) == Addressing(dhcp6=False, accept_ra=True, addresses=STATIC.addresses, routes=STATIC.routes,
                                       nameservers=STATIC.nameservers, search=STATIC.search,
                                       addr_gen_mode="stable-privacy")
    assert from_nm("[ipv4]\nmethod=auto\n[ipv6]\nmethod=dhcp\n") == Addressing(dhcp4=True, dhcp6=True, accept_ra=False)


@pytest.mark.parametrize("line, mode", [
    ("addr-gen-mode=eui64", "eui64"), ("addr-gen-mode=stable-privacy", "stable-privacy"),
    ("addr-gen-mode=default", "stable-privacy"), ("addr-gen-mode=default-or-eui64", "eui64"),
    ("", None),  # a keyfile without the key: eui64 to NetworkManager, and to the bridge's profile without it
    ("addr-gen-mode=bogus", None),
])
def test_nm_addr_gen_mode(line: str, mode: str | None) -> None:
    assert from_nm(f"[ipv6]\nmethod=auto\n{line}\n").addr_gen_mode == mode


@pytest.mark.parametrize("value, mode", [("eui64", "eui64"), ("stable-privacy", "stable-privacy"), (None, None)])
def test_netplan_addr_gen_mode(value: str | None, mode: str | None) -> None:
    settings = {"dhcp4": True} if value is None else {"dhcp4": True, "ipv6-address-generation": value}
    assert addressing.from_netplan(settings).addr_gen_mode == mode


@pytest.mark.parametrize("given, found, expected", [
    (None, "stable-privacy", "stable-privacy"),  # inherited
    ("eui64", "stable-privacy", "eui64"),  # the task's wins
    (None, None, None),
])
def test_the_bridge_inherits_the_address_generation(given: str | None, found: str | None,
                                                    expected: str | None) -> None:
    spec = BridgeSpec("br0", ("eth0",), addr_gen_mode=given)
    got = with_addressing(spec, Addressing(accept_ra=True, addr_gen_mode=found), BridgeRequest(addr_gen_mode=given))
    assert got.addr_gen_mode == expected
    # inherit_addressing false: nothing is inherited.
    request = BridgeRequest(addr_gen_mode=given, inherit_addressing=False)
    assert with_addressing(spec, Addressing(addr_gen_mode=found), request).addr_gen_mode == given


def test_nm_prefers_the_profile_nm_would_activate(tmp_path: Path) -> None:
    profiles = tmp_path / "etc/NetworkManager/system-connections"
    profiles.mkdir(parents=True)
    (profiles / "a.nmconnection").write_text("[connection]\ntype=ethernet\ninterface-name=eth0\n[ipv4]\nmethod=auto\n")
    (profiles / "b.nmconnection").write_text(
        "[connection]\ntype=ethernet\ninterface-name=eth0\nautoconnect-priority=5\n[ipv4]\nmethod=disabled\n")
    found = userfiles.nm(str(tmp_path), ("eth0",), "br0", set())
    assert found.addressing.dhcp4 is None and found.addressing.sources == (str(profiles / "b.nmconnection"),)


@pytest.mark.parametrize("asked,expected", [
    ({}, dict(dhcp4=True, dhcp6=False, accept_ra=False, addresses=STATIC.addresses)),
    ({"dhcp4": False, "accept_ra": True}, dict(dhcp4=False, dhcp6=False, accept_ra=True, addresses=STATIC.addresses)),
    ({"inherit_addressing": False}, dict(dhcp4=False, dhcp6=False, accept_ra=True, addresses=())),
    ({"inherit_addressing": False, "dhcp6": True}, dict(dhcp4=False, dhcp6=True, accept_ra=True, addresses=())),
])
def test_with_addressing(asked: dict, expected: dict) -> None:
    found = Addressing(dhcp4=True, accept_ra=False, addresses=STATIC.addresses)
    spec = with_addressing(BridgeSpec("br0", ("eth0",)), found, BridgeRequest(**asked))
    assert {key: getattr(spec, key) for key in expected} == expected


def netplan_root(tmp_path: Path, text: str) -> Path:
    (tmp_path / "etc/netplan").mkdir(parents=True)
    (tmp_path / "etc/netplan/10-x.yaml").write_text(text)
    return tmp_path


# --- the small readers, each pinned on its own (what the mutation run asked for) -------------------------------


def test_family_and_is_v6() -> None:
    assert [addressing.is_v6(a) for a in ("2001:db8::1/64", "fe80::1", "192.0.2.1/24", "not-an-address")] == [
        True, True, False, False]
    assert [addressing._family(a) for a in ("2001:db8::1", "192.0.2.1/24", "")] == [6, 4, 0]


def test_readings_are_values() -> None:
    # Hashable and equal by value: they are merged, compared and kept as keys.
    assert len({addressing.Addressing(dhcp4=True), addressing.Addressing(dhcp4=True)}) == 1
    stanza = addressing.ifupdown_stanzas("iface eth0 inet dhcp\n")[0][0]
    assert len({stanza, addressing.ifupdown_stanzas("iface eth0 inet dhcp\n")[0][0]}) == 1


def test_an_empty_addressing_names_no_file() -> None:
    assert addressing.Addressing().empty
    assert not addressing.Addressing(dhcp4=False).empty
    assert addressing.Addressing().from_file("/etc/netplan/a.yaml").sources == ()
    assert addressing.Addressing(dhcp4=True).from_file("/etc/netplan/a.yaml").sources == ("/etc/netplan/a.yaml",)


@pytest.mark.parametrize("address, netmask, v6, expected", [
    ("192.0.2.10", None, False, "192.0.2.10/32"),
    ("2001:db8::10", None, True, "2001:db8::10/128"),
    ("192.0.2.10/24", "255.255.0.0", False, "192.0.2.10/24"),  # the address's own length wins
    ("192.0.2.10", "24", False, "192.0.2.10/24"),
    ("192.0.2.10", "255.255.255.0", False, "192.0.2.10/24"),
    ("2001:db8::10", "64", True, "2001:db8::10/64"),
    ("192.0.2.10", "bogus", False, "192.0.2.10/bogus"),  # left for the tool's own check to name
])
def test_with_prefix(address: str, netmask: str | None, v6: bool, expected: str) -> None:
    assert addressing._with_prefix(address, netmask, v6) == expected


def test_netplan_stanzas_are_the_ports_and_the_bridge_only() -> None:
    assert addressing.netplan_stanzas(None, ["eth0"], "br0") == []
    assert addressing.netplan_stanzas({"network": "x"}, ["eth0"], "br0") == []
    data = {"network": {"version": 2,
                        "ethernets": {"eth0": {"dhcp4": True}, "eth1": {"dhcp4": True},
                                      "nic": {"match": {"macaddress": "dc:a6:32:01:02:03"}, "set-name": "lan0"}},
                        "bridges": {"br0": {"interfaces": ["eth0"]}, "br1": {"interfaces": ["eth1"]}}}}
    found = addressing.netplan_stanzas(data, ["eth0", "lan0"], "br0")
    assert [(section, ident) for section, ident, _settings in found] == [
        ("ethernets", "eth0"), ("ethernets", "nic"), ("bridges", "br0")]


def test_netplan_routes_need_a_gateway() -> None:
    got = addressing.from_netplan({"routes": [{"to": "default", "via": "192.0.2.1"}, {"to": "198.51.100.0/24"},
                                              "not-a-route", {"to": "::/0", "via": "fe80::1"}]})
    assert got.routes == (("default", "192.0.2.1"), ("default", "fe80::1"))


def test_ifupdown_stanzas_skip_short_iface_lines_and_mark_auto_and_allow() -> None:
    text = "auto lo eth0\nallow-hotplug eth1\niface eth0\niface eth1 inet dhcp\nmapping eth2\n  script x\n"
    stanzas, marks = addressing.ifupdown_stanzas(text)
    assert [(s.name, s.method) for s in stanzas] == [("eth1", "dhcp")]
    assert marks == [(0, "auto", ["lo", "eth0"]), (1, "allow-hotplug", ["eth1"])]


def test_ifupdown_static_without_address_adds_none() -> None:
    stanza = addressing.ifupdown_stanzas("iface eth0 inet static\n  gateway 192.0.2.1\n")[0][0]
    got = addressing.from_ifupdown(stanza)
    assert got.addresses == () and got.routes == (("default", "192.0.2.1"),)
    manual = addressing.ifupdown_stanzas("iface eth0 inet manual\n  address 192.0.2.10/24\n")[0][0]
    assert addressing.from_ifupdown(manual).addresses == ()


def test_ini_entries_read_sections_comments_and_values_with_equals() -> None:
    text = ("# comment=1\n; also=2\n[Match]\nName=eth0\n[Network]\nDHCP=yes\nExtra=a=b\n[broken\nNoValue\n"
            "After=1\n")
    assert addressing.ini_entries(text) == [("Match", "Name", "eth0"), ("Network", "DHCP", "yes"),
                                            ("Network", "Extra", "a=b"), ("Network", "After", "1")]


def test_networkd_matches_only_match_name() -> None:
    assert networkd_matches("[Network]\nName=eth0\n", "eth0") is False
    assert networkd_matches("[Match]\nMACAddress=dc:a6:32:01:02:03\n", "eth0") is False
    assert networkd_matches("[Match]\nName=en* eth0\n", "eth0")


def test_networkd_address_section_only_its_address_key() -> None:
    got = from_networkd("[Address]\nAddress=192.0.2.10/24\nPeer=192.0.2.1/32\n[Network]\nDNS=192.0.2.53\n")
    assert got.addresses == ("192.0.2.10/24",) and got.nameservers == ("192.0.2.53",)


def test_nm_binding_priority() -> None:
    text = "[connection]\ntype=ethernet\ninterface-name=eth0\nautoconnect-priority=-5\n"
    assert addressing.nm_binding(text) == ("ethernet", "eth0", -5, None)
    assert addressing.nm_binding("[connection]\ntype=ethernet\n") == ("ethernet", None, 0, None)
    assert addressing.nm_binding("[connection]\nautoconnect-priority=high\n") == (None, None, 0, None)
    assert addressing.nm_binding("[connection]\ntype=ethernet\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n") == (
        "ethernet", None, 0, "dc:a6:32:01:02:03")


ETHERNET = ("ethernet", "802-3-ethernet")


@pytest.mark.parametrize("keyfile, mac, expected", [
    # NetworkManager's own profiles on a desktop install: bound by MAC only, no interface-name.
    ("[connection]\ntype=ethernet\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n", "dc:a6:32:01:02:03", True),
    ("[connection]\ntype=802-3-ethernet\n[802-3-ethernet]\nmac-address=dc-a6-32-01-02-03\n", "dc:a6:32:01:02:03", True),
    ("[connection]\ntype=ethernet\n[ethernet]\nmac-address=02:00:00:00:00:09\n", "dc:a6:32:01:02:03", False),
    ("[connection]\ntype=ethernet\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n", None, False),  # MAC unknown
    ("[connection]\ntype=ethernet\ninterface-name=eth0\n", "dc:a6:32:01:02:03", True),
    ("[connection]\ntype=ethernet\ninterface-name=eth1\n", "dc:a6:32:01:02:03", False),
    # Both given: both must agree; a MAC not known agrees.
    ("[connection]\ntype=ethernet\ninterface-name=eth0\n[ethernet]\nmac-address=02:00:00:00:00:09\n",
     "dc:a6:32:01:02:03", False),
    ("[connection]\ntype=ethernet\ninterface-name=eth0\n[ethernet]\nmac-address=02:00:00:00:00:09\n", None, True),
    ("[connection]\ntype=ethernet\n", "dc:a6:32:01:02:03", False),  # bound to nothing: not this port's
    # A mac-address that is no MAC binds the profile to no interface at all.
    ("[connection]\ntype=ethernet\ninterface-name=eth0\n[ethernet]\nmac-address=not-a-mac\n",
     "dc:a6:32:01:02:03", False),
    ("[connection]\ntype=wifi\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n", "dc:a6:32:01:02:03", False),
])
def test_nm_bound_to(keyfile: str, mac: str | None, expected: bool) -> None:
    assert addressing.nm_bound_to(keyfile, "eth0", mac, ETHERNET) is expected


@pytest.mark.parametrize("match, mac, expected", [
    ("MACAddress=DC:A6:32:01:02:03", "dc:a6:32:01:02:03", True),
    ("PermanentMACAddress=dc:a6:32:01:02:03", "dc:a6:32:01:02:03", True),  # what netplan renders for match
    ("MACAddress=02:00:00:00:00:01 dc:a6:32:01:02:03", "dc:a6:32:01:02:03", True),
    ("MACAddress=02:00:00:00:00:01", "dc:a6:32:01:02:03", False),
    ("MACAddress=dc:a6:32:01:02:03", None, False),
    ("MACAddress=dc:a6:32:01:02:03\nName=eth0", "dc:a6:32:01:02:03", True),
    ("MACAddress=dc:a6:32:01:02:03\nName=wlan*", "dc:a6:32:01:02:03", False),  # every key must match
    ("Name=eth0\nMACAddress=02:00:00:00:00:01", "dc:a6:32:01:02:03", False),
])
def test_networkd_matches_by_mac(match: str, mac: str | None, expected: bool) -> None:
    assert networkd_matches(f"[Match]\n{match}\n", "eth0", mac) is expected


def test_nm_addresses_and_routes_with_and_without_gateways() -> None:
    text = ("[ipv4]\nmethod=manual\naddress1=192.0.2.10/24,192.0.2.1\naddress2=192.0.2.11/24\n"
            "route1=198.51.100.0/24,192.0.2.254\nroute2=203.0.113.0/24\nroute3=0.0.0.0/0, \n")
    got = from_nm(text)
    assert got.addresses == ("192.0.2.10/24", "192.0.2.11/24")
    assert sorted(got.routes) == [("198.51.100.0/24", "192.0.2.254"), ("default", "192.0.2.1")]
    assert from_nm("[ipv4]\nmethod=manual\naddress1=192.0.2.10/24, \n").routes == ()


@pytest.mark.parametrize("text, message", [
    # A hand-edited .network file whose first setting lost its [Match] header: named by its line, counted from 1.
    ("# 80-wired.network\nName=eth0\n[Network]\nDHCP=yes\n", r"line 2 'Name=eth0' is neither"),
    ("[Match]\nName=eth0\n[Network]\nDHCP\n", r"line 4 'DHCP' is neither"),
])
def test_ini_entries_strict_names_the_line_it_cannot_read(text: str, message: str) -> None:
    with pytest.raises(BridgeError, match=message):
        addressing.ini_entries(text, strict=True)


def test_ini_entries_strict_reads_a_file_this_collection_writes() -> None:
    text = "[Match]\nName=br0\n\n[Network]\nDHCP=ipv4\nIPv6AcceptRA=yes\n"
    assert addressing.ini_entries(text, strict=True) == addressing.ini_entries(text) == [
        ("Match", "Name", "br0"), ("Network", "DHCP", "ipv4"), ("Network", "IPv6AcceptRA", "yes")]
    # Outside strict mode a setting before any section is read under no section, as systemd would ignore it.
    assert addressing.ini_entries("Name=eth0\n[Match]\n") == [("", "Name", "eth0")]


# --- netplan ids that are not the kernel's names, and flow style ------------------------------------------------


@pytest.mark.parametrize("ident, settings, named, expected", [
    ("eth0", {"match": {"macaddress": "e4:5f:01:aa:bb:cc"}, "set-name": "eth0"}, "eth0", ["eth0"]),  # cloud-init, Pi
    ("eth0", {"match": {"macaddress": "e4:5f:01:aa:bb:cc"}, "set-name": "lan0"}, "lan0", ["lan0"]),
    ("lan0", {"match": {"macaddress": "e4:5f:01:aa:bb:cc"}, "set-name": "wan0"}, None, []),  # the id is not the name
    ("zz-all-en", {"match": {"name": "en*"}}, None, ["enp1s0", "enp2s0"]),  # Ubuntu's images
    ("id0", {"match": {"name": "en*"}, "set-name": "lan0"}, "lan0", ["lan0"]),
    ("id0", {"match": {"driver": "r8169"}}, None, []),
    ("lan0", {}, "lan0", ["lan0"]),
])
def test_netplan_ports(ident: str, settings: dict, named: str | None, expected: list) -> None:
    ports = ["lan0", "enp1s0", "enp2s0", "eth0"]
    assert addressing.netplan_named(ident, settings, ports) == named
    assert addressing.netplan_ports(ident, settings, ports) == expected


MACS = {"eth0": "e4:5f:01:aa:bb:cc", "enp1s0": "00:e0:4c:68:00:01"}


@pytest.mark.parametrize("ident, settings, named", [
    # An id that is no interface's name, matching the NIC by MAC and keeping the kernel's name.
    ("lan", {"match": {"macaddress": "E4:5F:01:AA:BB:CC"}, "dhcp4": True}, "eth0"),
    ("usb", {"match": {"macaddress": "00:e0:4c:68:00:01"}}, "enp1s0"),
    ("lan", {"match": {"macaddress": "e4:5f:01:aa:bb:cc", "name": "eth*"}}, "eth0"),
    ("lan", {"match": {"macaddress": "e4:5f:01:aa:bb:cc", "name": "en*"}}, None),  # every key must match
    ("lan", {"match": {"macaddress": "02:00:00:00:00:09"}}, None),
    # set-name decides whatever the MAC says.
    ("lan", {"match": {"macaddress": "e4:5f:01:aa:bb:cc"}, "set-name": "wan0"}, None),
])
def test_netplan_ports_matched_by_mac(ident: str, settings: dict, named: str | None) -> None:
    ports = ["lan0", "enp1s0", "enp2s0", "eth0"]
    assert addressing.netplan_named(ident, settings, ports, MACS) == named
    # A MAC match configures that NIC only, never every interface its name glob matches.
    assert addressing.netplan_ports(ident, settings, ports, MACS) == ([named] if named else [])
    # Without the ports' MACs nothing is matched by MAC.
    assert addressing.netplan_named(ident, settings, ports) is None


def with_macs(root: Path, macs: dict[str, str]) -> Path:
    for port, mac in macs.items():
        (root / "sys/class/net" / port).mkdir(parents=True)
        (root / "sys/class/net" / port / "address").write_text(mac + "\n")
    return root


def test_netplan_definition_matching_the_port_by_mac(tmp_path: Path) -> None:
    """`match: macaddress:` without set-name (an id such as `lan`): the port's definition is that id, its
    addressing is the bridge's, and the bridge's file names it under that id (netplan merges one id's files)."""
    text = ("network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        macaddress: \"E4:5F:01:AA:BB:CC\"\n"
            "      dhcp4: true\n      addresses: [2001:db8::10/64]\n")
    root = with_macs(netplan_root(tmp_path, text), {"eth0": "e4:5f:01:aa:bb:cc"})
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.netplan_ids == {"eth0": "lan"}
    assert found.addressing == Addressing(dhcp4=True, addresses=("2001:db8::10/64",))
    ((dummy, after_text),) = list(found.edits.values())
    assert after_text.count("# moved to br0") == 2 and "        macaddress:" in after_text
    # Another NIC's MAC: the definition is not the port's, and nothing is moved.
    other = with_macs(netplan_root(tmp_path / "other", text), {"eth0": "02:00:00:00:00:09"})
    found = userfiles.netplan(str(other), ("eth0",), "br0", set())
    assert found.netplan_ids == {} and found.addressing == Addressing() and not found.edits


def test_networkd_file_matching_the_port_by_mac(tmp_path: Path) -> None:
    root = with_macs(tmp_path, {"eth0": "dc:a6:32:01:02:03"})
    (root / "etc/systemd/network").mkdir(parents=True)
    (root / "etc/systemd/network/90-lan.network").write_text(
        "[Match]\nMACAddress=DC:A6:32:01:02:03\n\n[Network]\nDHCP=ipv4\n")
    ours = {"br0": str(root / "etc/systemd/network/10-br0.network"),
            "eth0": str(root / "etc/systemd/network/10-br0-eth0.network")}
    assert userfiles.networkd(str(root), ours, "br0", set()).addressing == Addressing(dhcp4=True, dhcp6=False)
    (root / "etc/systemd/network/05-lan.network").write_text("[Match]\nPermanentMACAddress=dc:a6:32:01:02:03\n")
    with pytest.raises(BridgeError, match=r"05-lan.network matches eth0 and sorts before .*10-br0-eth0.network"):
        userfiles.networkd(str(root), ours, "br0", set())


def test_nm_profile_bound_to_the_port_by_mac(tmp_path: Path) -> None:
    root = with_macs(tmp_path, {"eth0": "dc:a6:32:01:02:03"})
    directory = root / "etc/NetworkManager/system-connections"
    directory.mkdir(parents=True)
    (directory / "Wired connection 1.nmconnection").write_text(
        "[connection]\nid=Wired connection 1\ntype=ethernet\n\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n\n"
        "[ipv4]\nmethod=manual\naddress1=192.0.2.10/24,192.0.2.1\n\n[ipv6]\nmethod=auto\n")
    found = userfiles.nm(str(root), ("eth0",), "br0", set())
    assert found.addressing.addresses == ("192.0.2.10/24",) and found.addressing.accept_ra is True


def test_netplan_ids_of_ports_named_otherwise(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n"
                                  "        macaddress: e4:5f:01:aa:bb:cc\n      set-name: lan0\n      dhcp4: true\n"
                                  "    zz-usb:\n      match:\n        name: enx*\n      dhcp6: true\n")
    found = userfiles.netplan(str(root), ("lan0", "enx00e04c680001", "wlan0"), "br0", set())
    # The shared definition (a glob) keeps its lines for the other interfaces it matches; its addressing is inherited.
    assert found.netplan_ids == {"lan0": "eth0"}
    assert found.addressing == Addressing(dhcp4=True, dhcp6=True)
    ((before_text, after_text),) = list(found.edits.values())
    assert after_text.count("# moved to br0") == 1 and "      dhcp6: true\n" in after_text


def test_a_port_with_its_own_definition_does_not_inherit_a_shared_one(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.0.2.10/24]\n"
                                  "    zz-all-eth:\n      match:\n        name: eth*\n      dhcp4: true\n")
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.addressing == Addressing(addresses=("192.0.2.10/24",))


def test_netplan_flow_style_values_in_a_block_definition_are_moved(tmp_path: Path) -> None:
    text = ("network:\n  version: 2\n  ethernets:\n    eth0:\n      match: {macaddress: \"dc:a6:32:01:02:03\"}\n"
            "      set-name: eth0\n      addresses: [192.0.2.10/24]\n      nameservers: {addresses: [192.0.2.53]}\n")
    found = userfiles.netplan(str(netplan_root(tmp_path, text)), ("eth0",), "br0", set())
    assert found.addressing == Addressing(addresses=("192.0.2.10/24",), nameservers=("192.0.2.53",))
    ((before_text, after_text),) = list(found.edits.values())
    assert userfiles.restore(after_text, "br0") == before_text == text
    assert "\n      match: {macaddress: \"dc:a6:32:01:02:03\"}\n      set-name: eth0\n# moved to br0" in after_text
