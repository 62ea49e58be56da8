# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which addresses of an lxd_farm instance are published (scopes, ipv6.deprecated), PTR records of addresses
outside the reverse zone, and a renumbering published in one run."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_file import publish
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    ZoneError,
    given_addresses,
    published_ptr_records,
    record_set,
    split_ptr_records,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

ZONE = "lab.example.net"
ZONE_TEXT = (Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
             / "lab.example.net.zone").read_text()
REVERSE_TEXT = (Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
                / "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.zone").read_text()
OLD = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"
OLD_PRIVATE = "2001:db8:ebbd:2080:1c4f:9a2e:7b31:d05e"
NEW = "2001:db8:ebbd:2081:216:3eff:fe97:4ec9"
NEW_PRIVATE = "2001:db8:ebbd:2081:5d2e:c4a1:96f3:2b07"
ULA = "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"
MAC = "00:16:3e:97:4e:c9"


def instance(name: str, address: str | None, global_: list[str], ula: list[str] | None = None,
             deprecated: list[str] | None = None) -> dict[str, Any]:
    """An item of the instances list lxd_farm returns (ipv6.deprecated only when given)."""
    ipv6: dict[str, Any] = {"global": global_, "ula": ula or [], "link_local": ["fe80::216:3eff:fe97:4ec9"]}
    if deprecated is not None:
        ipv6["deprecated"] = deprecated
    return {"name": name, "state": "Running", "mac": MAC, "ipv6": ipv6, "address": address}


@pytest.mark.parametrize("item, scopes, expected", [
    # Default: the best address, else the global ones.
    (instance("w5", OLD, [OLD, OLD_PRIVATE], [ULA]), None, [OLD]),
    (instance("w5", None, [OLD, OLD_PRIVATE], [ULA]), None, [OLD, OLD_PRIVATE]),
    (instance("w5", ULA, [], [ULA]), None, [ULA]),
    # Scopes: all the addresses of each scope, in the order given.
    (instance("w5", OLD, [OLD, OLD_PRIVATE], [ULA]), ("global",), [OLD, OLD_PRIVATE]),
    (instance("w5", OLD, [OLD], [ULA]), ("ula",), [ULA]),
    (instance("w5", OLD, [OLD], [ULA]), ("global", "ula"), [OLD, ULA]),
    (instance("w5", OLD, [OLD], [ULA]), ("ula", "global"), [ULA, OLD]),
    # Deprecated addresses are never published: not as the best address, not in a scope, not in either text form.
    (instance("w5", OLD, [NEW, OLD], [ULA], deprecated=[OLD]), None, [NEW]),
    (instance("w5", OLD, [NEW, OLD], [ULA], deprecated=[OLD.upper()]), ("global", "ula"), [NEW, ULA]),
    (instance("w5", NEW, [NEW, OLD], [ULA], deprecated=[OLD]), None, [NEW]),
    # After a renumbering: the best address of the new prefix, not its other global ones.
    (instance("w5", NEW, [NEW, NEW_PRIVATE, OLD], [ULA], deprecated=[OLD]), None, [NEW]),
    (instance("w5", NEW, [NEW], [ULA], deprecated=[]), ("global",), [NEW]),
    (instance("w5", OLD, [OLD], [ULA], deprecated=[OLD]), None, []),
    # Items with addresses keep them (scopes concern instances), but never a deprecated one.
    ({"name": "w5", "addresses": [OLD, NEW]}, ("ula",), [OLD, NEW]),
    ({"name": "w5", "addresses": OLD}, None, [OLD]),
    ({"name": "w5", "addresses": [OLD, NEW], "ipv6": {"deprecated": [OLD]}}, None, [NEW]),
])
def test_given_addresses(item: dict[str, Any], scopes: tuple[str, ...] | None, expected: list[str]) -> None:
    assert given_addresses(item, scopes) == expected


def test_record_set_with_scopes() -> None:
    items = [instance("w5", OLD, [NEW, OLD], [ULA], deprecated=[OLD]),
             instance("w6", "2001:db8:ebbd:2081::6", ["2001:db8:ebbd:2081::6"], ["fd6a:c19d:b07:2080::6"])]
    assert record_set(items, ZONE, "lxc", ["global", "ula"]).names == {
        "lxcw5": [NEW, ULA], "lxcw6": ["2001:db8:ebbd:2081::6", "fd6a:c19d:b07:2080::6"]}
    assert record_set(items, ZONE, "lxc").names == {"lxcw5": [NEW], "lxcw6": ["2001:db8:ebbd:2081::6"]}


@pytest.mark.parametrize("scopes, item, message", [
    (["global", "site"], instance("w5", OLD, [OLD]), "scope 'site' is unknown; give scopes from global, ula"),
    ([], instance("w5", OLD, [OLD]), "scopes is empty"),
    (["ula"], instance("w5", OLD, [OLD]), "record 'w5' has no address to publish (scopes: ula); wait until"),
    (None, instance("w5", OLD, [OLD], deprecated=[OLD]),
     f"record 'w5' has no address to publish (scopes: its address, else ipv6.global); its deprecated addresses "
     f"({OLD}) are never published"),
])
def test_record_set_scope_errors(scopes: list[str] | None, item: dict[str, Any], message: str) -> None:
    with pytest.raises(ZoneError) as caught:
        record_set([item], ZONE, "", scopes)
    assert message in str(caught.value)


def test_addresses_outside_the_reverse_zone_are_left_out_with_one_warning() -> None:
    names = {"lxcw5": [OLD, ULA], "lxcw6": ["fd6a:c19d:b07:2080::6"]}
    records, outside = split_ptr_records(names, ZONE, "2001:db8:ebbd:2080::/64")
    assert records == {"9.c.e.4.7.9.e.f.f.f.e.3.6.1.2.0": ["lxcw5.lab.example.net."]}
    assert outside == [(ULA, "lxcw5"), ("fd6a:c19d:b07:2080::6", "lxcw6")]
    published, warning = published_ptr_records(names, ZONE, "2001:db8:ebbd:2080::/64")
    assert published == records
    assert warning == (
        "ptr=true: 2 addresses outside the reverse zone 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa. got no PTR record: "
        f"{ULA} (lxcw5), fd6a:c19d:b07:2080::6 (lxcw6). Their AAAA records are published; publish their PTR "
        "records with a task whose reverse_zone covers them, or leave their scope out (scopes)")


def test_the_warning_lists_ten_addresses_and_counts_the_rest() -> None:
    names = {f"u{i}": [f"fd6a:c19d:b07:2080::{i:x}"] for i in range(1, 26)} | {"g": [OLD]}
    _records, warning = published_ptr_records(names, ZONE, "2001:db8:ebbd:2080::/64")
    assert warning is not None and warning.startswith("ptr=true: 25 addresses outside")
    assert "fd6a:c19d:b07:2080::a (u10)" in warning and "(u11)" not in warning and "and 15 more." in warning


def test_the_warning_lists_ten_addresses_without_a_count() -> None:
    names = {f"u{i}": [f"fd6a:c19d:b07:2080::{i:x}"] for i in range(1, 11)} | {"g": [OLD]}
    _records, warning = published_ptr_records(names, ZONE, "2001:db8:ebbd:2080::/64")
    assert warning is not None and warning.startswith("ptr=true: 10 addresses outside")
    assert "fd6a:c19d:b07:2080::a (u10). Their AAAA records are published" in warning and "more" not in warning


def test_no_warning_when_every_address_is_inside() -> None:
    assert published_ptr_records({"lxcw5": [OLD]}, ZONE, "2001:db8:ebbd:2080::/64")[1] is None
    assert published_ptr_records({}, ZONE, "2001:db8:ebbd:2080::/64") == ({}, None)


def test_a_reverse_zone_that_holds_no_address_is_an_error() -> None:
    with pytest.raises(ZoneError) as caught:
        published_ptr_records({"lxcw5": [NEW, ULA]}, ZONE, "2001:db8:ebbd:2080::/64")
    assert str(caught.value).startswith(
        "ptr=true: none of the 2 published addresses lies in the reverse zone "
        "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa. "
        f"(address {NEW} of lxcw5 is outside the reverse zone); give the reverse zone of the published prefix")


def _zones(tmp_path: Path, records: list[Any], **kwargs: Any) -> Request:
    for name, text in (("lab.zone", ZONE_TEXT), ("reverse.zone", REVERSE_TEXT)):
        if not (tmp_path / name).exists():
            (tmp_path / name).write_text(text)
    return Request(zone=ZONE, zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.inc"),
                   records=records, ptr=True, reverse_zone="2001:db8:ebbd::/48",
                   reverse_zone_file=str(tmp_path / "reverse.zone"), serial_format="increment", prune=True,
                   validate=kwargs.pop("validate", bool(shutil.which("named-checkzone"))), **kwargs)


def test_a_renumbering_in_one_run(tmp_path: Path) -> None:
    """Before: the old global and the ULA address. After the prefix change lxd_farm lists the old address as
    deprecated: one run publishes the new one, keeps the ULA one, drops the old one (AAAA and PTR), and moves
    each zone's serial by one; the ULA address has no PTR in the /48 reverse zone, with one warning."""
    (tmp_path / "reverse.zone").write_text(REVERSE_TEXT.replace("0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.",
                                                                "d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."))
    before = [instance("w5", OLD, [OLD], [ULA]), instance("w6", "2001:db8:ebbd:2080::6", ["2001:db8:ebbd:2080::6"])]
    first = publish(_zones(tmp_path, before, scopes=["global", "ula"]), check_mode=False, run_command=run_command)
    assert first.records == {"w5": [OLD, ULA], "w6": ["2001:db8:ebbd:2080::6"]}
    assert len(first.warnings) == 1 and f"{ULA} (w5)" in first.warnings[0]
    serials = [c.serial_after for c in first.changes]
    after = [instance("w5", NEW, [NEW, OLD], [ULA], deprecated=[OLD]),
             instance("w6", "2001:db8:ebbd:2081::6", ["2001:db8:ebbd:2081::6", "2001:db8:ebbd:2080::6"],
                      deprecated=["2001:db8:ebbd:2080::6"])]
    second = publish(_zones(tmp_path, after, scopes=["global", "ula"]), check_mode=False, run_command=run_command)
    assert second.changed and second.updated == ["w5", "w6"]
    assert second.records == {"w5": [NEW, ULA], "w6": ["2001:db8:ebbd:2081::6"]}
    assert [c.serial_after for c in second.changes] == [s + 1 for s in serials]
    include = (tmp_path / "lab.inc").read_text()
    assert OLD not in include and NEW in include and ULA in include
    ptr = (tmp_path / "lab.inc.ptr").read_text()
    assert "9.c.e.4.7.9.e.f.f.f.e.3.6.1.2.0.1.8.0" in ptr and "9.c.e.4.7.9.e.f.f.f.e.3.6.1.2.0.0.8.0" not in ptr
    assert "lxc" not in include
    third = publish(_zones(tmp_path, after, scopes=["global", "ula"]), check_mode=False, run_command=run_command)
    assert not third.changed
