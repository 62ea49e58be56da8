# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface's options made the flow's request: every option carried, the module's defaults the request's."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeRequest
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.bridge_iface import ARGUMENT_SPEC, bridge_request


def params(**kwargs: Any) -> dict[str, Any]:
    """The options as AnsibleModule hands them over: every one present, the defaults where none is given."""
    return {**{key: option.get("default") for key, option in ARGUMENT_SPEC.items()}, **kwargs}


def test_every_option_is_a_field_of_the_request() -> None:
    assert sorted(ARGUMENT_SPEC) == sorted(field.name for field in fields(BridgeRequest))


def test_the_module_defaults_are_the_requests() -> None:
    assert bridge_request(params()) == BridgeRequest()


def test_lists_become_tuples() -> None:
    request = bridge_request(params(ports=["eth0", "eth1"], connectivity_check=["2001:db8::1"]))
    assert request.ports == ("eth0", "eth1") and request.connectivity_check == ("2001:db8::1",)


def test_the_tri_state_options_stay_unset() -> None:
    request = bridge_request(params(dhcp4=False, accept_ra=None, dhcp6=True))
    assert (request.dhcp4, request.accept_ra, request.dhcp6) == (False, None, True)


def test_options_given_as_null_read_as_off_except_inherit_addressing() -> None:
    request = bridge_request(params(name=None, stp=None, forward_delay=None, inherit_addressing=None,
                                    port_disable_ipv6=None, rollback_timeout=None, connectivity_check=None,
                                    backup=None, force=None))
    assert request == BridgeRequest(name="", port_disable_ipv6=False, rollback_timeout=0)
