# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import (
    PUBLISHABLE_SCOPES,
    AddressError,
    best_address,
    eui64,
    instance_addresses,
    interface_id,
    is_eui64_of,
    normalize_mac,
    parse_address,
    scope_of,
)

SEED_MAC = "00:16:3e:97:4e:c9"
SEED_PREFIX = "2001:db8:ebbd:2080::/64"
SEED_ADDRESS = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"


@pytest.mark.parametrize("mac, prefix, expected", [
    (SEED_MAC, SEED_PREFIX, SEED_ADDRESS),
    (SEED_MAC, "fd6a:c19d:b07:2080::/64", "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"),
    (SEED_MAC, "fe80::/64", "fe80::216:3eff:fe97:4ec9"),
    ("00-16-3E-97-4E-C9", SEED_PREFIX, SEED_ADDRESS),
    ("00163e974ec9", SEED_PREFIX, SEED_ADDRESS),
    # The universal/local bit is flipped both ways.
    ("02:00:00:00:00:01", "2001:db8::/64", "2001:db8::ff:fe00:1"),
    ("ff:ff:ff:ff:ff:ff", "2001:db8::/64", "2001:db8::fdff:ffff:feff:ffff"),
    # A prefix written with host bits set is taken as its /64.
    (SEED_MAC, "2001:db8:ebbd:2080::1/64", SEED_ADDRESS),
])
def test_eui64(mac: str, prefix: str, expected: str) -> None:
    assert eui64(mac, prefix) == expected


@pytest.mark.parametrize("mac, prefix, message", [
    (SEED_MAC, "2001:db8:ebbd:2080::/56", "is not a /64; EUI-64 addresses need a /64"),
    (SEED_MAC, "2001:db8:ebbd:2080::/80", "is not a /64"),
    (SEED_MAC, "10.0.0.0/24", "is not an IPv6 prefix"),
    (SEED_MAC, "nonsense", "is not an IPv6 prefix"),
    ("00:16:3e:97:4e", SEED_PREFIX, "is not a MAC address"),
    ("00:16:3e:97:4e:zz", SEED_PREFIX, "is not a MAC address"),
    ("00:16-3e:97:4e:c9", SEED_PREFIX, "is not a MAC address"),
])
def test_eui64_rejects_bad_input(mac: str, prefix: str, message: str) -> None:
    with pytest.raises(AddressError, match=message):
        eui64(mac, prefix)


@pytest.mark.parametrize("mac, expected", [
    ("00:16:3E:97:4E:C9", SEED_MAC),
    ("00-16-3e-97-4e-c9", SEED_MAC),
    ("00163e974ec9", SEED_MAC),
    (" 00:16:3e:97:4e:c9 ", SEED_MAC),
])
def test_normalize_mac(mac: str, expected: str) -> None:
    assert normalize_mac(mac) == expected


@given(st.binary(min_size=6, max_size=6), st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_eui64_round_trip(octets: bytes, network: int) -> None:
    mac = ":".join(f"{b:02x}" for b in octets)
    prefix = f"{ipaddress.IPv6Address(network << 64)}/64"
    address = ipaddress.IPv6Address(eui64(mac, prefix))
    assert int(address) >> 64 == network
    assert int(address) & ((1 << 64) - 1) == interface_id(mac)
    assert is_eui64_of(str(address), mac)
    # The identifier always carries ff:fe in its middle and the flipped U/L bit.
    assert (interface_id(mac) >> 24) & 0xFFFF == 0xFFFE
    assert (interface_id(mac) >> 56) == octets[0] ^ 0x02


@pytest.mark.parametrize("address, scope", [
    (SEED_ADDRESS, "global"),
    ("2a01:4f8::1", "global"),
    ("fd6a:c19d:b07:2080:216:3eff:fe97:4ec9", "ula"),
    ("fc00::1", "ula"),
    ("fe80::216:3eff:fe97:4ec9", "link_local"),
    ("fe80::1%eth0", "link_local"),
    ("::1", "other"),
    ("ff02::1", "other"),
    ("ff0e::1", "other"),
    ("100::1", "other"),  # unicast, but neither global nor ULA nor link-local (the discard-only prefix)
])
def test_scope_of(address: str, scope: str) -> None:
    assert scope_of(address) == scope


def inet6(address: str) -> dict[str, str]:
    return {"family": "inet6", "address": address, "netmask": "64", "scope": "global"}


def test_instance_addresses_sorts_by_scope_eui64_first() -> None:
    network: dict[str, Any] = {
        "lo": {"type": "loopback", "hwaddr": "", "addresses": [
            {"family": "inet", "address": "127.0.0.1"}, inet6("::1")]},
        "eth0": {"type": "broadcast", "hwaddr": SEED_MAC, "addresses": [
            inet6("fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"),
            inet6("2001:db8:ebbd:2080:1234:5678:9abc:def0"),  # stable-privacy / temporary
            inet6(SEED_ADDRESS),
            inet6("fe80::216:3eff:fe97:4ec9"),
            {"family": "inet", "address": "192.0.2.10", "netmask": "24", "scope": "global"},
        ]},
    }
    result = instance_addresses(network)
    assert result == {
        "global": [SEED_ADDRESS, "2001:db8:ebbd:2080:1234:5678:9abc:def0"],
        "ula": ["fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"],
        "link_local": ["fe80::216:3eff:fe97:4ec9"],
        "deprecated": [],
        "ipv4": ["192.0.2.10"],
        "mac": SEED_MAC,
        "interface": "eth0",
    }
    assert best_address(result) == SEED_ADDRESS


NEW_ADDRESS = "2001:db8:ebbd:2081:216:3eff:fe97:4ec9"


@pytest.mark.parametrize("entries, expected, best", [
    # After a renumbering: the old prefix deprecated, the new one and the ULA in use.
    ([{**inet6(SEED_ADDRESS), "deprecated": True}, inet6(NEW_ADDRESS), inet6("fd6a:c19d:b07:2080:216:3eff:fe97:4ec9")],
     {"global": [NEW_ADDRESS], "ula": ["fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"], "deprecated": [SEED_ADDRESS]},
     NEW_ADDRESS),
    # The new prefix not seen yet: the deprecated address is never the best one, the ULA is.
    ([{**inet6(SEED_ADDRESS), "deprecated": True}, inet6("fd6a:c19d:b07:2080:216:3eff:fe97:4ec9")],
     {"global": [], "ula": ["fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"], "deprecated": [SEED_ADDRESS]},
     "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"),
    # A deprecated ULA, and a privacy address before the EUI-64 one: EUI-64 first there too.
    ([{**inet6("fd6a:c19d:b07:2080::77"), "deprecated": True},
      {**inet6("fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"), "deprecated": True}, inet6(NEW_ADDRESS)],
     {"global": [NEW_ADDRESS], "ula": [],
      "deprecated": ["fd6a:c19d:b07:2080:216:3eff:fe97:4ec9", "fd6a:c19d:b07:2080::77"]},
     NEW_ADDRESS),
    # "deprecated": false is an address in use.
    ([{**inet6(SEED_ADDRESS), "deprecated": False}], {"global": [SEED_ADDRESS], "ula": [], "deprecated": []},
     SEED_ADDRESS),
])
def test_instance_addresses_puts_deprecated_addresses_apart(
        entries: list[dict[str, Any]], expected: dict[str, list[str]], best: str) -> None:
    result = instance_addresses({"eth0": {"type": "broadcast", "hwaddr": SEED_MAC, "addresses": entries}})
    assert {k: result[k] for k in expected} == expected
    assert best_address(result) == best


@pytest.mark.parametrize("network", [None, {}])
def test_instance_addresses_of_a_stopped_instance(network: dict[str, Any] | None) -> None:
    result = instance_addresses(network)
    assert result["global"] == result["ula"] == result["link_local"] == result["deprecated"] == result["ipv4"] == []
    assert result["mac"] is None
    assert best_address(result) is None


@pytest.mark.parametrize("addresses, expected", [
    ({"global": ["2001:db8::1"], "ula": ["fd00::1"], "link_local": ["fe80::1"], "interface": "eth0"}, "2001:db8::1"),
    ({"global": [], "ula": ["fd00::1"], "link_local": ["fe80::1"], "interface": "eth0"}, "fd00::1"),
    ({"global": [], "ula": [], "link_local": ["fe80::1"], "interface": "eth0"}, "fe80::1%eth0"),
    ({"global": [], "ula": [], "link_local": ["fe80::1%eth1"], "interface": "eth0"}, "fe80::1%eth1"),
    ({"global": [], "ula": [], "link_local": ["fe80::1"], "interface": None}, "fe80::1"),
    ({"global": [], "ula": [], "link_local": []}, None),
])
def test_best_address(addresses: dict[str, Any], expected: str | None) -> None:
    assert best_address(addresses) == expected


@pytest.mark.parametrize("address, mac", [
    (SEED_ADDRESS, None),
    (SEED_ADDRESS, ""),
    ("not an address", SEED_MAC),
    (SEED_ADDRESS, "not a mac"),
])
def test_is_eui64_of_is_false_without_a_usable_mac_or_address(address: str, mac: str | None) -> None:
    assert is_eui64_of(address, mac) is False


def test_is_eui64_of_reads_a_zone_index() -> None:
    assert is_eui64_of("fe80::216:3eff:fe97:4ec9%eth0", SEED_MAC) is True


def test_instance_addresses_skips_loopbacks_by_name_and_by_type() -> None:
    network: dict[str, Any] = {
        "lo": {"type": "broadcast", "hwaddr": "00:16:3e:00:00:01", "addresses": [inet6("2001:db8::1")]},
        "lo9": {"type": "loopback", "hwaddr": "00:16:3e:00:00:02", "addresses": [inet6("2001:db8::2")]},
        "eth0": {"type": "broadcast", "hwaddr": SEED_MAC, "addresses": [inet6(SEED_ADDRESS)]},
    }
    result = instance_addresses(network)
    assert result["global"] == [SEED_ADDRESS]
    assert (result["mac"], result["interface"]) == (SEED_MAC, "eth0")


def test_instance_addresses_names_the_first_interface_with_a_mac() -> None:
    network: dict[str, Any] = {
        "eth1": {"type": "broadcast", "hwaddr": "00:16:3e:00:00:01", "addresses": []},
        "eth0": {"type": "broadcast", "hwaddr": "", "addresses": []},
        "eth2": {"type": "broadcast", "hwaddr": "00:16:3e:00:00:02", "addresses": []},
    }
    result = instance_addresses(network)
    assert (result["mac"], result["interface"]) == ("00:16:3e:00:00:01", "eth1")


@given(st.integers(min_value=0, max_value=(1 << 128) - 1), st.booleans())
def test_parse_address_reads_what_ipaddress_reads(value: int, compressed: bool) -> None:
    address = ipaddress.IPv6Address(value)
    text = address.compressed if compressed else address.exploded
    assert parse_address(text) == address
    assert parse_address(f"{text}%eth0") == address


@pytest.mark.parametrize("text", ["not an address", "2001:db8::1::2", "2001:db8:12345::1", "10.0.0.1", ""])
def test_parse_address_rejects_what_ipaddress_rejects(text: str) -> None:
    with pytest.raises(ipaddress.AddressValueError):
        parse_address(text)


def test_instance_addresses_puts_each_interfaces_own_eui64_first_in_interface_order() -> None:
    mac1 = "00:16:3e:00:00:01"
    other0 = "2001:db8:ebbd:2080::99"
    other1 = "2001:db8:ebbd:2081::99"
    own1 = eui64(mac1, "2001:db8:ebbd:2081::/64")
    network: dict[str, Any] = {
        "eth1": {"type": "broadcast", "hwaddr": mac1, "addresses": [inet6(other1), inet6(own1)]},
        "eth0": {"type": "broadcast", "hwaddr": SEED_MAC, "addresses": [inet6(other0), inet6(SEED_ADDRESS)]},
    }
    assert instance_addresses(network)["global"] == [SEED_ADDRESS, own1, other0, other1]


def test_a_link_local_address_is_never_publishable() -> None:
    assert PUBLISHABLE_SCOPES == ("global", "ula")
