# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface's options made the flow's request (every option carried, the module's defaults the request's), and
the flow's outcome made the module's result."""

from __future__ import annotations

import dataclasses
from dataclasses import fields
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.flow import BridgeOutcome, Rollback
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeRequest, BridgeSpec
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.bridge_iface import (
    ARGUMENT_SPEC,
    bridge_request,
    outcome_result,
)


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


DIFF = [{"before_header": "commands", "after_header": "commands", "before": "", "after": "ip link add br0\n"}]
SPEC = BridgeSpec(name="br0", ports=("eth0",), dhcp4=True, accept_ra=True, addresses=("192.0.2.10/24",),
                  routes=(("203.0.113.0/24", "192.0.2.1"),), nameservers=("192.0.2.53",), search=("lab",))


def outcome(**kwargs: Any) -> BridgeOutcome:
    return BridgeOutcome(**{"changed": True, "bridge": "br0", "rollback": Rollback(True, False, "12:00:00"),
                            "ports": ["eth0"], "mac": "02:00:5e:10:00:01", "backend": "netplan",
                            "files": ["/etc/netplan/60-palmfarm-br0.yaml"], "commands": ["netplan apply"],
                            "addresses": ["192.0.2.10/24"], "diff": DIFF, **kwargs})


def test_a_change_is_the_result_the_module_documents() -> None:
    assert outcome_result(outcome(), want_diff=False) == {
        "changed": True, "bridge": "br0", "ports": ["eth0"], "mac": "02:00:5e:10:00:01", "backend": "netplan",
        "files": ["/etc/netplan/60-palmfarm-br0.yaml"], "commands": ["netplan apply"],
        "addresses": ["192.0.2.10/24"], "rollback": {"armed": True, "confirmed": False, "deadline": "12:00:00"}}


@pytest.mark.parametrize("want_diff", [True, False])
def test_the_diff_only_in_diff_mode(want_diff: bool) -> None:
    assert ("diff" in outcome_result(outcome(), want_diff)) is want_diff
    assert outcome_result(outcome(), True).get("diff", DIFF) == DIFF


def test_the_addressing_taken_over_and_where_from() -> None:
    result = outcome_result(outcome(spec=SPEC, inherited_from=["/etc/netplan/50-cloud-init.yaml"]), False)
    assert result["addressing"] == {
        "dhcp4": True, "dhcp6": False, "accept_ra": True, "addresses": ["192.0.2.10/24"],
        "routes": [{"to": "203.0.113.0/24", "via": "192.0.2.1"}], "nameservers": ["192.0.2.53"],
        "search": ["lab"], "addr_gen_mode": None, "inherited_from": ["/etc/netplan/50-cloud-init.yaml"]}
    stable = dataclasses.replace(SPEC, addr_gen_mode="stable-privacy")
    assert outcome_result(outcome(spec=stable, inherited_from=[]), False)["addressing"]["addr_gen_mode"] == \
        "stable-privacy"
    # inherit_addressing false: the task's own addressing, from no file; none planned (kernel): no key at all.
    assert outcome_result(outcome(spec=SPEC, inherited_from=[]), False)["addressing"]["inherited_from"] == []
    assert "addressing" not in outcome_result(outcome(), False)


def test_an_armed_revert_says_where_it_keeps_what_it_restores() -> None:
    armed = outcome(rollback=Rollback(True, False, "12:00:00", "/run/palmfarm/bridge-br0"))
    assert outcome_result(armed, False)["rollback"] == {"armed": True, "confirmed": False, "deadline": "12:00:00",
                                                        "state_dir": "/run/palmfarm/bridge-br0"}


def test_backups_only_when_files_were_written() -> None:
    assert "backup_files" not in outcome_result(outcome(), False)
    assert outcome_result(outcome(backup_files=[]), False)["backup_files"] == []


def test_a_confirmation_says_only_what_it_confirmed() -> None:
    confirmed = BridgeOutcome(True, "br0", Rollback(False, True, "12:00:00"), confirm_only=True)
    assert outcome_result(confirmed, want_diff=True) == {
        "changed": True, "bridge": "br0", "rollback": {"armed": False, "confirmed": True, "deadline": "12:00:00"}}
