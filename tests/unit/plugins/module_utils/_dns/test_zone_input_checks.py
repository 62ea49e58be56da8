# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the user hands the zone code and what it makes of it: IDN names as IDNA 2008 (UTS #46,
non-transitional), addresses that have no place in the DNS refused by name, and withdrawing names by name."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import zone_parser
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import plan
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    MissingIdna,
    ZoneError,
    owner_name,
    record_set,
    wanted_names,
    zone_name,
)

ZONE = "lab.example.net"


# ---------------------------------------------------------------------------------------------------------------
# IDNA 2008
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, zone, expected", [
    # IDNA 2003 mapped ß to ss (fass.de, strasse); IDNA 2008 non-transitional, as registries do, keeps it.
    ("faß", "example.de", "xn--fa-hia"),
    ("straße", "example.de", "xn--strae-oqa"),
    ("Straße", "example.de", "xn--strae-oqa"),
    ("bücher", ZONE, "xn--bcher-kva"),
    ("BÜCHER", ZONE, "xn--bcher-kva"),
    # A final sigma stays one (IDNA 2003 made it σ).
    ("ς", ZONE, "xn--3xa"),
    # Full-width and ideographic full stops separate labels.
    ("ｗｗｗ。bücher", ZONE, "www.xn--bcher-kva"),
    ("www.xn--fa-hia.de.", "faß.de", "www"),
    # Typed with an ideographic full stop at the end too: absolute, as with a final '.'.
    ("bücher。lab。example。net。", ZONE, "xn--bcher-kva"),
    ("münchen.faß.de.", "xn--fa-hia.de", "xn--mnchen-3ya"),
])
def test_idna_2008(name: str, zone: str, expected: str) -> None:
    assert owner_name(name, zone) == expected


def test_idn_zone_names() -> None:
    assert zone_name("faß.de") == "xn--fa-hia.de."
    assert zone_name("Straße.de.") == "xn--strae-oqa.de."


@pytest.mark.parametrize("name", ["☃", "a\u200db"])
def test_labels_idna_2008_disallows(name: str) -> None:
    # IDNA 2003 took the snowman (xn--n3h); IDNA 2008 refuses symbols and a joiner out of context.
    with pytest.raises(ZoneError, match="is not a valid IDNA 2008 label"):
        owner_name(name, ZONE)


def test_without_idna_only_non_ascii_names_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zone_parser, "import_idna", lambda: (None, "Traceback: No module named 'idna'"))
    assert owner_name("lxcw5", ZONE) == "lxcw5"
    assert owner_name("xn--fa-hia", ZONE) == "xn--fa-hia"
    with pytest.raises(MissingIdna, match="'faß' is not ASCII.*needs the Python library idna") as caught:
        owner_name("faß", ZONE)
    assert caught.value.name == "faß"


# ---------------------------------------------------------------------------------------------------------------
# Addresses that have no place in the DNS
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("address, why", [
    ("fe80::1", "fe80::1 is link-local (fe80::/10)"),
    ("fe80::1%eth0", "fe80::1%eth0 is link-local (fe80::/10)"),
    ("FE80::216:3eff:fe97:4ec9", "is link-local"),
    ("::1", "::1 is the loopback address"),
    ("::", ":: is the unspecified address"),
    ("ff02::1", "ff02::1 is a multicast address"),
    ("ff0e::1", "is a multicast address"),
    ("::ffff:192.0.2.1", "::ffff:192.0.2.1 is an IPv4-mapped address"),
    ("::192.0.2.1", "is an IPv4-compatible address"),
    ("100::1", "100::1 is in the discard-only prefix 100::/64"),
    ("fec0::1", "is site-local"),
    # The ends of fe80::/10 and fec0::/10.
    ("febf:ffff::1", "febf:ffff::1 is link-local (fe80::/10)"),
    ("feff::1", "feff::1 is site-local (fec0::/10"),
    ("2001:db8:ebbd:2080::5%eth0", "has a zone index (%eth0), which means something on one host only; give the "
                                   "address without it (2001:db8:ebbd:2080::5)"),
])
def test_non_global_addresses_are_refused(address: str, why: str) -> None:
    with pytest.raises(ZoneError) as caught:
        record_set([{"name": "w5", "addresses": [address]}], ZONE)
    assert str(caught.value).startswith("record 'w5': address ") and why in str(caught.value)


@pytest.mark.parametrize("address", ["2001:db8:ebbd:2080::5", "fd6a:c19d:b07:2080::5", "fc00::5", "2a00:1450::1",
                                     "3fff::1", "100:0:0:1::1",
                                     # Below fe80::/10 lies neither link-local nor site-local space: global
                                     # unicast in RFC 4291's table, like all it does not name.
                                     "fe7f::1"])
def test_global_and_ula_addresses_are_published(address: str) -> None:
    assert record_set([{"name": "w5", "addresses": [address]}], ZONE).names == {"w5": [address]}


def test_an_eui64_address_in_a_link_local_prefix_is_refused() -> None:
    with pytest.raises(ZoneError, match="record 'w5': address fe80::216:3eff:fe97:4ec9 is link-local"):
        record_set([{"name": "w5", "mac": "00:16:3e:97:4e:c9", "prefix": "fe80::/64"}], ZONE)


def test_an_instances_link_local_address_is_refused() -> None:
    instance = {"name": "w5", "address": "fe80::216:3eff:fe97:4ec9", "mac": "00:16:3e:97:4e:c9",
                "ipv6": {"global": [], "link_local": ["fe80::216:3eff:fe97:4ec9"]}}
    with pytest.raises(ZoneError, match="is link-local"):
        record_set([instance], ZONE)


# ---------------------------------------------------------------------------------------------------------------
# state=absent: a name asked for by name goes, whatever the share
# ---------------------------------------------------------------------------------------------------------------

def test_withdrawing_the_last_name_needs_no_force() -> None:
    wanted, _warnings = wanted_names([{"name": "w5"}], ZONE, "lxc", "absent")
    step = plan({"lxcw5": ["2001:db8::5"]}, wanted, max_delete_percent=50, state="absent")
    assert step.remove == ["lxcw5"] and step.result == {}


@pytest.mark.parametrize("records", [["w5"], [{"addresses": ["2001:db8::5"]}], [{"name": "w4"}, {"name": ""}]])
def test_withdrawing_a_record_without_a_name_is_refused(records: list[Any]) -> None:
    """As with state=present: a record that names nothing is a mistake in the input, not a record to skip."""
    with pytest.raises(ZoneError, match=r"record .* has no name; state=absent removes the records of the names "
                                        r"given: give \{name\}"):
        wanted_names(records, ZONE, "lxc", "absent")


def test_withdrawing_every_name_by_name_needs_no_force() -> None:
    current = {f"w{i}": [f"2001:db8::{i}"] for i in range(10)}
    step = plan(current, {n: [] for n in current}, max_delete_percent=0, state="absent")
    assert step.remove == sorted(current) and step.result == {}


def test_prune_still_keeps_its_threshold() -> None:
    current = {f"w{i}": [f"2001:db8::{i}"] for i in range(4)}
    with pytest.raises(ZoneError, match="exceeds max_delete_percent=50"):
        plan(current, {"w0": ["2001:db8::0"]}, prune=True, max_delete_percent=50)
