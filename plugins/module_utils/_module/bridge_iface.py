# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge_iface module's adapter: its options, and the one flow (_bridge/flow.py) run with the module's
warnings and commands."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from .._bridge.flow import run
from .._bridge.spec import BACKENDS, BridgeError

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


def run_module(module: AnsibleModule) -> None:
    """Run bridge_iface on this host and exit with its result."""
    try:
        module.exit_json(**run(dict(module.params), module.check_mode, module._diff, module.warn, module.run_command))
    except BridgeError as exc:
        module.fail_json(msg=str(exc), bridge=module.params["name"])
