# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lxd_farm module's adapter: its options, mapped to the desired farm (`FarmSpec`) and its placement on a
cluster (`PlacementSpec`, or none), the clients, and the farm's one pipeline (_farm/pipeline.py) run."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from .._farm.pipeline import FarmError, FarmSpec, desired_names, farm_spec, run_farm
from .._farm.placement import PlacementError, PlacementSpec, placement_spec
from .._lxd.connection import LxdError
from .lxd_connect import connect, lxd_connection_argument_spec

ARGUMENT_SPEC: dict[str, Any] = {
    **lxd_connection_argument_spec(),
    "names": {"type": "list", "elements": "str"},
    "name_prefix": {"type": "str"},
    "count": {"type": "int"},
    "start_index": {"type": "int", "default": 1},
    "image": {"type": "str"},
    "profiles": {"type": "list", "elements": "str", "default": ["default"]},
    "config": {"type": "dict"},
    "devices": {"type": "dict"},
    "state": {"type": "str", "choices": ["started", "stopped", "absent"], "default": "started"},
    "prune": {"type": "bool", "default": False},
    "farm": {"type": "str"},
    "workers": {"type": "int", "default": 10},
    "wait_for_ipv6": {"type": "bool", "default": True},
    "wait_timeout": {"type": "int", "default": 60},
    "addr_gen_mode": {"type": "str", "choices": ["eui64", "stable-privacy"], "default": "eui64"},
    "stable_secret": {"type": "str", "no_log": True},
    "placement": {"type": "raw"},
    "target": {"type": "str"},
    "rebalance": {"type": "str", "choices": ["none", "move", "recreate"], "default": "none"},
}
RULES: dict[str, Any] = {
    "mutually_exclusive": [("names", "name_prefix"), ("names", "count")],
    "required_one_of": [("names", "name_prefix")],
    "required_by": {"name_prefix": "count"},
}


def _int_param(params: dict[str, Any], key: str, default: int) -> int:
    value = params.get(key)
    return default if value is None else int(value)


def _str_param(params: dict[str, Any], key: str) -> str | None:
    value = params.get(key)
    return None if value is None else str(value)


def build_spec(params: dict[str, Any]) -> FarmSpec:
    """The desired farm the options ask for; FarmError for a bad value, before any API call."""
    names = desired_names(params.get("names"), params.get("name_prefix"), params.get("count"),
                          _int_param(params, "start_index", 1))
    return farm_spec(
        names,
        name_prefix=params.get("name_prefix") if params.get("names") is None else None,
        image=params.get("image") or None,
        profiles=params.get("profiles"),
        config=params.get("config"),
        devices=params.get("devices"),
        state=params.get("state") or "started",
        prune=bool(params.get("prune")),
        farm=_str_param(params, "farm"),
        workers=_int_param(params, "workers", 10),
        wait_for_ipv6=bool(params.get("wait_for_ipv6", True)),
        wait_timeout=_int_param(params, "wait_timeout", 60),
        addr_gen_mode=params.get("addr_gen_mode") or "eui64",
        stable_secret=_str_param(params, "stable_secret"),
    )


def cluster_placement(params: dict[str, Any]) -> PlacementSpec | None:
    """The placement the options ask for, None when they ask for none (LXD places new instances, and existing
    ones are left where they are); FarmError for a bad value, before any API call."""
    placement, target = params.get("placement"), params.get("target")
    rebalance = params.get("rebalance") or "none"
    if placement is None and not target:
        if rebalance != "none":
            raise FarmError(f"rebalance {rebalance!r} needs placement (spread, single or a list of members), "
                            f"which says where the instances belong; set placement, or leave rebalance out")
        return None
    try:
        return placement_spec(placement, target, rebalance)
    except PlacementError as exc:
        raise FarmError(str(exc)) from exc


def run_module(module: AnsibleModule) -> None:
    """Run lxd_farm against its LXD server (or cluster) and exit with its result."""
    try:
        spec = build_spec(module.params)
        placement = cluster_placement(module.params)
        client = connect(module)
        result = run_farm(spec, client, lambda: connect(module), check_mode=module.check_mode, placement=placement)
        for name, member in result["offline"].items():
            module.warn(f"{name} is on cluster member {member}, which is offline: it was left as it is")
    except LxdError as exc:
        module.fail_json(msg=str(exc), **getattr(exc, "result", {}))
    module.exit_json(server=client.server.as_result(), **result)
