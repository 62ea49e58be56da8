# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.stored_values import (
    LxdValueError,
    lxd_value,
    missing_type_problem,
    normalize_config,
    normalize_devices,
)


@pytest.mark.parametrize("value, expected", [
    (True, "true"),
    (False, "false"),
    (2, "2"),
    (0, "0"),
    (1.5, "1.5"),
    ("2GiB", "2GiB"),
    ("", ""),
    (None, ""),
])
def test_lxd_value_is_what_lxd_stores(value: Any, expected: str) -> None:
    assert lxd_value(value, "config.x") == expected


@pytest.mark.parametrize("value, kind", [
    ({"a": 1}, "a dict"),
    ([1, 2], "a list"),
])
def test_lxd_value_rejects_structures(value: Any, kind: str) -> None:
    with pytest.raises(LxdValueError, match=rf"config\.limits\.cpu is {kind} .*write the value as one string"):
        lxd_value(value, "config.limits.cpu")


def test_normalize_config_and_devices() -> None:
    assert normalize_config(None) is None
    assert normalize_config({"limits.cpu": 2, "security.nesting": True}) == {
        "limits.cpu": "2", "security.nesting": "true"}
    assert normalize_devices(None) is None
    assert normalize_devices({"eth0": {"type": "nic", "mtu": 1400}}) == {"eth0": {"type": "nic", "mtu": "1400"}}


@pytest.mark.parametrize("devices, message", [
    ({"eth0": "nic"}, r"device 'eth0' is a str \('nic'\); each device is a dict"),
    ({"eth0": ["type", "nic"]}, r"device 'eth0' is a list"),
    ({"eth0": None}, r"device 'eth0' is null \(None\); each device is a dict"),
    ({"eth0": {"type": "nic", "ipv4": {"address": "x"}}}, r"devices\.eth0\.ipv4 is a dict"),
    ({"eth0": {"type": "nic", "hwaddr": ["a"]}}, r"devices\.eth0\.hwaddr is a list"),
    (["eth0"], r"devices is a list"),
])
def test_normalize_devices_rejects_bad_shapes(devices: Any, message: str) -> None:
    with pytest.raises(LxdValueError, match=message):
        normalize_devices(devices)


def test_required_type_is_enforced_only_when_asked() -> None:
    assert normalize_devices({"eth0": {"nictype": "bridged"}}) == {"eth0": {"nictype": "bridged"}}
    with pytest.raises(LxdValueError, match=r"device\(s\) 'eth0' have no 'type'"):
        normalize_devices({"eth0": {"nictype": "bridged"}}, require_type=True)
    assert missing_type_problem({"eth0": {"type": "nic"}}) is None
