# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge_iface module's adapter: its options made a typed request, and the one flow (_bridge/flow.py) run
with it and the module's warnings and commands."""

from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule

from .._bridge.flow import run
from .._bridge.spec import BACKENDS, BridgeError, BridgeRequest

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


def run_module(module: AnsibleModule) -> None:
    """Run bridge_iface on this host and exit with its result."""
    try:
        module.exit_json(**run(bridge_request(module.params), module.check_mode, module._diff, module.warn,
                               module.run_command))
    except BridgeError as exc:
        module.fail_json(msg=str(exc), bridge=module.params["name"])
