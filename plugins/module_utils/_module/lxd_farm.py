# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lxd_farm module's adapter: its options, the clients, and the farm (_farm/pipeline.py, or
_farm/cluster.py on a cluster with a placement) run."""

from __future__ import annotations

from typing import Any

from ansible.module_utils.basic import AnsibleModule

from .._farm.cluster import cluster_placement, run_cluster_farm
from .._farm.pipeline import build_spec, run_farm
from .._lxd.connection import LxdError
from .._lxd.module_options import lxd_connection_argument_spec
from .lxd_connect import connect

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


def run_module(module: AnsibleModule) -> None:
    """Run lxd_farm against its LXD server (or cluster) and exit with its result."""
    try:
        spec = build_spec(module.params)
        placement = cluster_placement(module.params)
        client = connect(module)
        if placement is None:
            result = run_farm(spec, client, lambda: connect(module), check_mode=module.check_mode)
            result.update(moved=[], recreated=[], misplaced={}, offline={}, placement={})
        else:
            result = run_cluster_farm(spec, placement, client, lambda: connect(module),
                                      check_mode=module.check_mode)
            for name, member in result["offline"].items():
                module.warn(f"{name} is on cluster member {member}, which is offline: it was left as it is")
    except LxdError as exc:
        module.fail_json(msg=str(exc), **getattr(exc, "result", {}))
    module.exit_json(server=client.server.as_result(), **result)
