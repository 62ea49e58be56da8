# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge_iface module's adapter: its options made a typed request, the one flow (_bridge/flow.py) run with it
and the module's warnings and commands, and its outcome made the module's result."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule

from .._bridge.flow import BridgeOutcome, run
from .._bridge.spec import BACKENDS, BridgeError, BridgeRequest, BridgeSpec

ARGUMENT_SPEC: dict[str, Any] = {
    "name": {"type": "str", "default": "br0"},
    "ports": {"type": "list", "elements": "str"},
    "backend": {"type": "str", "choices": list(BACKENDS), "default": "auto", "aliases": ["method"]},
    "state": {"type": "str", "choices": ["present", "absent", "confirmed"], "default": "present"},
    "mac": {"type": "str", "default": "port"},
    "stp": {"type": "bool", "default": False},
    "forward_delay": {"type": "int", "default": 0},
    "inherit_addressing": {"type": "bool", "default": True},
    "dhcp4": {"type": "bool"},
    "accept_ra": {"type": "bool"},
    "dhcp6": {"type": "bool"},
    "addr_gen_mode": {"type": "str", "choices": ["eui64", "stable-privacy"]},
    "port_disable_ipv6": {"type": "bool", "default": True},
    "rollback_timeout": {"type": "int", "default": 120},
    "connectivity_check": {"type": "list", "elements": "str", "default": []},
    "config_file": {"type": "path", "aliases": ["path"]},
    "backup": {"type": "bool", "default": False},
    "force": {"type": "bool", "default": False},
}
RULES: dict[str, Any] = {}


def bridge_request(params: Mapping[str, Any]) -> BridgeRequest:
    """The flow's request from the module's options (an option given as null reads as it always did: off, 0 or
    none, except inherit_addressing, which only false turns off)."""
    return BridgeRequest(
        name=params["name"] or "",
        ports=None if params["ports"] is None else tuple(params["ports"]),
        backend=params["backend"],
        state=params["state"],
        mac=params["mac"],
        stp=bool(params["stp"]),
        forward_delay=int(params["forward_delay"] or 0),
        inherit_addressing=params["inherit_addressing"] is not False,
        dhcp4=params["dhcp4"],
        accept_ra=params["accept_ra"],
        dhcp6=params["dhcp6"],
        addr_gen_mode=params["addr_gen_mode"],
        port_disable_ipv6=bool(params["port_disable_ipv6"]),
        rollback_timeout=int(params["rollback_timeout"] or 0),
        connectivity_check=tuple(params["connectivity_check"] or ()),
        config_file=params["config_file"],
        backup=bool(params["backup"]),
        force=bool(params["force"]),
    )


def addressing_result(spec: BridgeSpec, inherited_from: list[str]) -> dict[str, Any]:
    """The addressing the bridge got (inherited from the files named, or as the task gave it)."""
    return {
        "dhcp4": spec.dhcp4, "dhcp6": spec.dhcp6, "accept_ra": spec.accept_ra,
        "addresses": list(spec.addresses), "routes": [{"to": d, "via": g} for d, g in spec.routes],
        "nameservers": list(spec.nameservers), "search": list(spec.search), "addr_gen_mode": spec.addr_gen_mode,
        "inherited_from": inherited_from,
    }


def outcome_result(outcome: BridgeOutcome, want_diff: bool) -> dict[str, Any]:
    """The module's result: what changed, the bridge and its ports, MAC, backend, files, commands, addresses and
    revert; the addressing it took over, the backups and (in diff mode) the diff when there are any."""
    rollback = {k: v for k, v in dataclasses.asdict(outcome.rollback).items() if k != "state_dir" or v is not None}
    if outcome.confirm_only:
        return {"changed": outcome.changed, "bridge": outcome.bridge, "rollback": rollback}
    result: dict[str, Any] = {
        "changed": outcome.changed, "bridge": outcome.bridge, "ports": outcome.ports, "mac": outcome.mac,
        "backend": outcome.backend, "files": outcome.files, "commands": outcome.commands,
        "addresses": outcome.addresses, "rollback": rollback,
    }
    if outcome.spec is not None and outcome.inherited_from is not None:
        result["addressing"] = addressing_result(outcome.spec, outcome.inherited_from)
    if want_diff:
        result["diff"] = outcome.diff
    if outcome.backup_files is not None:
        result["backup_files"] = outcome.backup_files
    return result


def run_module(module: AnsibleModule) -> None:
    """Run bridge_iface on this host and exit with its result."""
    try:
        outcome = run(bridge_request(module.params), module.check_mode, module.warn, module.run_command)
    except BridgeError as exc:
        module.fail_json(msg=str(exc), bridge=module.params["name"])
    module.exit_json(**outcome_result(outcome, module._diff))
