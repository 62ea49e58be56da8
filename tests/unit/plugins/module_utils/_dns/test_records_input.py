# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.records_input import farm_records, load_records_file
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ZoneError, record_set

MAC = "00:16:3e:97:4e:c9"
EUI64 = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"
PRIVATE = "2001:db8:ebbd:2080:1c4f:9a2e:7b31:d05e"


def instance(name: str, address: str | None, global_: list[str], state: str = "Running",
             mac: str | None = MAC) -> dict[str, Any]:
    """An item of the instances list lxd_farm returns."""
    return {"name": name, "state": state, "status": state if state != "absent" else None, "mac": mac,
            "ipv6": {"global": global_, "ula": [], "link_local": ["fe80::216:3eff:fe97:4ec9"]} if mac else {},
            "ipv4": [], "address": address, "created": False, "changed": False, "location": "none"}


def test_an_eui64_instance_passes_silently() -> None:
    records, warnings = farm_records([instance("w5", EUI64, [EUI64])])
    assert warnings == []
    assert record_set(records, "lab.example.net", "lxc").names == {"lxcw5": [EUI64]}


def test_a_stable_privacy_instance_warns_and_its_real_address_is_published() -> None:
    records, warnings = farm_records([instance("w5", PRIVATE, [PRIVATE])])
    assert warnings == [
        f"instance w5: the EUI-64 address {EUI64} of MAC {MAC} differs from the address LXD reports, {PRIVATE} "
        f"(stable-privacy addresses, RFC 7217?); {PRIVATE} is published"
    ]
    assert record_set(records, "lab.example.net").names == {"w5": [PRIVATE]}


def test_an_instance_with_both_addresses_passes_silently() -> None:
    _records, warnings = farm_records([instance("w5", EUI64, [EUI64, PRIVATE])])
    assert warnings == []


def test_an_instance_that_has_its_eui64_address_beside_the_published_one_passes_silently() -> None:
    """LXD reports the stable-privacy address as the instance's address, and lists the EUI-64 address among its
    global ones (ipv6.ula may be null): the MAC's address is there, so there is nothing to warn about."""
    item = instance("w5", PRIVATE, [EUI64, PRIVATE])
    item["ipv6"]["ula"] = None
    records, warnings = farm_records([item])
    assert warnings == [] and record_set(records, "lab.example.net").names == {"w5": [PRIVATE]}


def test_a_deleted_instance_is_left_out_when_publishing_only() -> None:
    gone = instance("w9", None, [], state="absent", mac=None)
    records, warnings = farm_records([instance("w5", EUI64, [EUI64]), gone])
    assert [r["name"] for r in records] == ["w5"] and warnings == []
    records, _warnings = farm_records([gone], state="absent")
    assert records == [gone]


@pytest.mark.parametrize("item", [
    {"name": "w1", "addresses": [PRIVATE]},  # no MAC: nothing to compare
    {"name": "w1", "mac": MAC, "prefix": "2001:db8:ebbd:2080::/64", "addresses": [PRIVATE]},  # record_set's job
    {"name": "w1", "mac": "not a mac", "addresses": [PRIVATE]},  # a bad MAC is not used without a prefix
    {"name": "w1", "mac": MAC, "addresses": ["not an address"]},  # record_set rejects it
    "not a dict",
])
def test_items_this_check_leaves_alone(item: Any) -> None:
    records, warnings = farm_records([item])
    assert records == [item] and warnings == []


def test_the_prefix_case_warns_in_record_set() -> None:
    item = {"name": "w1", "mac": MAC, "prefix": "2001:db8:ebbd:2080::/64", "addresses": [PRIVATE]}
    assert record_set([item], "lab.example.net").warnings


# ---------------------------------------------------------------------------------------------------------------
# records_file
# ---------------------------------------------------------------------------------------------------------------

FARM = [instance("w5", EUI64, [EUI64]), instance("w6", PRIVATE, [PRIVATE]), instance("w7", None, [], "absent", None)]


def test_a_json_file_holds_what_records_holds(tmp_path: Path) -> None:
    path = tmp_path / "farm.json"
    path.write_text(json.dumps(FARM))
    assert load_records_file(str(path)) == FARM
    records, warnings = farm_records(load_records_file(str(path)))
    assert [r["name"] for r in records] == ["w5", "w6"] and len(warnings) == 1
    assert record_set(records, "lab.example.net", "lxc").names == {"lxcw5": [EUI64], "lxcw6": [PRIVATE]}


def test_a_yaml_file_when_it_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "farm.yml"
    path.write_text(f"# by hand\n- name: web\n  addresses: [{EUI64}]\n- {{name: w5, mac: '{MAC}', "
                    "prefix: '2001:db8:ebbd:2080::/64'}\n")
    assert load_records_file(str(path)) == [
        {"name": "web", "addresses": [EUI64]}, {"name": "w5", "mac": MAC, "prefix": "2001:db8:ebbd:2080::/64"}]


def test_without_pyyaml_a_non_json_file_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "farm.yml"
    path.write_text("- name: web\n")
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ZoneError) as caught:
        load_records_file(str(path))
    assert str(caught.value).startswith(f"records_file {path} is not JSON (")
    assert "PyYAML, which would read it as YAML, is not installed on this host; write the file with to_json" in \
        str(caught.value)
    (tmp_path / "farm.json").write_text('[{"name": "web", "addresses": "2001:db8::1"}]')
    assert load_records_file(str(tmp_path / "farm.json")) == [{"name": "web", "addresses": "2001:db8::1"}]


@pytest.mark.parametrize("content, message", [
    ("", "holds nothing, not a list of records; each item is {name, addresses}, {name, mac, prefix} or an instance"),
    ('{"name": "w5"}', "holds a dict, not a list of records"),
    ('{"changed": false, "instances": []}', "holds a mapping with instances, not a list; write the list itself "
     "(farm.instances | to_json, not farm | to_json)"),
    ('"w5"', "holds a str, not a list of records"),
    ('[{"name": "w5", "addresses": []}, "w6"]', ": item 1 is 'w6', not a mapping; each item is"),
    ('[{"addresses": ["2001:db8::1"]}]', ": item 0 ({'addresses': ['2001:db8::1']}) has no name (a string)"),
    ('[{"name": ""}]', ": item 0 ({'name': ''}) has no name"),
    ('[{"name": true}]', ": item 0 ({'name': True}) has no name"),
    ('[{"name": "w5", "addresses": {"a": 1}}]', ": item 0 (w5): addresses is {'a': 1}; give a list of IPv6"),
    ("[{name: w5", "is neither JSON (Expecting property name enclosed in double quotes: line 1 column 3 (char 2)) "
     "nor YAML ("),
    ("\xff", "is not UTF-8 text"),
])
def test_bad_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "records.json"
    path.write_bytes(content.encode("latin-1") if "\xff" in content else content.encode())
    with pytest.raises(ZoneError) as caught:
        load_records_file(str(path))
    assert str(caught.value).startswith(f"records_file {path}")
    assert message in str(caught.value)


def test_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match=f"records_file {tmp_path}/none.json does not exist on the host that runs "
                                        "the task; write it there first"):
        load_records_file(str(tmp_path / "none.json"))
    with pytest.raises(ZoneError, match=f"cannot read records_file {tmp_path}: Is a directory"):
        load_records_file(str(tmp_path))
    if os.geteuid() != 0:
        path = tmp_path / "secret.json"
        path.write_text("[]")
        path.chmod(0)
        with pytest.raises(ZoneError, match="Permission denied; make it readable"):
            load_records_file(str(path))


# The lines of an old hosts file pasted into the records list as strings: the item is shown whole up to 80
# characters, a longer one cut to 77 and '...'.
ADDRESSES = f" {EUI64} {PRIVATE}"


@pytest.mark.parametrize("item, shown", [
    ("w" + ADDRESSES, repr("w" + ADDRESSES)),
    ("w5" + ADDRESSES, repr("w5" + ADDRESSES)[:77] + "..."),
    ("lxcweb5" + ADDRESSES, repr("lxcweb5" + ADDRESSES)[:77] + "..."),
])
def test_a_long_item_is_shown_cut_to_80_characters(tmp_path: Path, item: str, shown: str) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps([item]))
    with pytest.raises(ZoneError) as caught:
        load_records_file(str(path))
    assert str(caught.value).startswith(f"records_file {path}: item 0 is {shown}, not a mapping; each item is")
    assert len(shown) == 80
