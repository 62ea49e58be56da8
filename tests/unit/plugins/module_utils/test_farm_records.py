# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm_records import farm_records
from ansible_collections.palmfarm.ipv6.plugins.module_utils._zone import record_set

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
