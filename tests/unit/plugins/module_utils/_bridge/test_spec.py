# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The values bridge_iface's cores pass around: the request's defaults (which must be the module's), the
bridge's, a host link's, a planned file change and whether it changes anything, and the backend names."""

from __future__ import annotations

import dataclasses

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import (
    BACKENDS,
    IFNAMSIZ,
    PERSISTENT_BACKENDS,
    BridgeRequest,
    BridgeSpec,
    FileChange,
    LinkInfo,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.bridge_iface import ARGUMENT_SPEC


def test_the_backends_are_auto_the_four_that_write_files_and_kernel() -> None:
    assert BACKENDS == ("auto", "netplan", "networkd", "ifupdown", "nm", "kernel")
    assert PERSISTENT_BACKENDS == ("netplan", "networkd", "ifupdown", "nm")


def test_an_interface_name_has_at_most_15_characters() -> None:
    # Linux IFNAMSIZ is 16 with the terminating NUL.
    assert IFNAMSIZ == 15


def test_a_request_without_options_is_the_modules_defaults() -> None:
    assert dataclasses.asdict(BridgeRequest()) == {
        "name": "br0", "ports": None, "backend": "auto", "state": "present", "mac": "port", "stp": False,
        "forward_delay": 0, "inherit_addressing": True, "dhcp4": None, "accept_ra": None, "dhcp6": None,
        "addr_gen_mode": None, "port_disable_ipv6": True, "rollback_timeout": 120, "connectivity_check": (),
        "config_file": None, "backup": False, "force": False,
    }


def test_the_request_has_one_field_for_each_module_option_with_the_same_default() -> None:
    request = BridgeRequest()
    assert [field.name for field in dataclasses.fields(BridgeRequest)] == list(ARGUMENT_SPEC)
    for option, spec in ARGUMENT_SPEC.items():
        default = spec.get("default")
        expected = tuple(default) if isinstance(default, list) else default
        assert getattr(request, option) == expected, option


def test_a_spec_names_the_bridge_and_its_ports_and_defaults_to_a_plain_ipv6_bridge() -> None:
    spec = BridgeSpec("br0", ("eth0",))
    assert dataclasses.asdict(spec) == {
        "name": "br0", "ports": ("eth0",), "mac": None, "stp": False, "forward_delay": 0, "dhcp4": False,
        "accept_ra": True, "dhcp6": False, "addr_gen_mode": None, "port_disable_ipv6": True, "addresses": (),
        "routes": (), "nameservers": (), "search": (),
    }
    with pytest.raises(TypeError):
        BridgeSpec("br0")  # type: ignore[call-arg]  # the ports have no default


def test_a_link_is_a_plain_nic_unless_told() -> None:
    assert dataclasses.asdict(LinkInfo("eth0")) == {
        "name": "eth0", "kind": None, "master": None, "master_kind": None, "address": None, "perm_address": None,
        "loopback": False,
    }


@pytest.mark.parametrize("value", [
    BridgeRequest(), BridgeSpec("br0", ("eth0",)), LinkInfo("eth0"), FileChange("/etc/netplan/a.yaml", None, "x"),
])
def test_the_values_are_frozen_and_hashable(value: object) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.name = "other"  # type: ignore[attr-defined]
    assert hash(value) == hash(dataclasses.replace(value))  # type: ignore[type-var]


def test_equal_specs_are_one_value() -> None:
    first = BridgeSpec("br0", ("eth0", "eth1"), mac="dc:a6:32:01:02:03", addresses=("192.0.2.10/24",))
    second = BridgeSpec("br0", ("eth0", "eth1"), mac="dc:a6:32:01:02:03", addresses=("192.0.2.10/24",))
    assert first == second and len({first, second}) == 1
    assert first != BridgeSpec("br0", ("eth1", "eth0"), mac="dc:a6:32:01:02:03", addresses=("192.0.2.10/24",))


@pytest.mark.parametrize("before, after, changed", [
    (None, "network:\n  version: 2\n", True),  # written where there was none
    ("network:\n  version: 2\n", None, True),  # removed
    ("network:\n  version: 2\n", "network:\n  version: 2\n", False),
    ("network:\n  version: 2\n", "network:\n  version: 2\n\n", True),  # one byte more is a change
    ("", None, True),  # an empty file removed
    (None, None, False),
])
def test_a_file_change_changes_when_before_and_after_differ(before: str | None, after: str | None,
                                                            changed: bool) -> None:
    assert FileChange("/etc/netplan/60-palmfarm-br0.yaml", before, after).changed is changed
