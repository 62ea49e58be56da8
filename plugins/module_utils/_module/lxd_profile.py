# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lxd_profile module's adapter: its options, the client, and the profile's plan (_lxd/profile.py) applied."""

from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule

from .._lxd.connection import LxdError
from .._lxd.profile import ProfileRequest, apply_profile, build_request
from .lxd_connect import connect, lxd_connection_argument_spec

ARGUMENT_SPEC: dict[str, Any] = {
    **lxd_connection_argument_spec(),
    "name": {"type": "str", "required": True},
    "new_name": {"type": "str"},
    "description": {"type": "str"},
    "config": {"type": "dict"},
    "devices": {"type": "dict"},
    "merge_profile": {"type": "bool", "default": False},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
}
RULES: dict[str, Any] = {}


def profile_request(params: Mapping[str, Any]) -> ProfileRequest:
    """The core's request from the module's options; ProfileError naming a bad value."""
    return build_request(name=params["name"], state=params["state"], description=params["description"],
                         config=params["config"], devices=params["devices"], merge=params["merge_profile"],
                         new_name=params["new_name"])


def run_module(module: AnsibleModule) -> None:
    """Run lxd_profile against its LXD server and exit with its result."""
    try:
        request = profile_request(module.params)
        client = connect(module)
        plan, profile = apply_profile(client, request, check_mode=module.check_mode)
    except LxdError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=plan.changed, actions=plan.actions, old_state=plan.old_state, profile=profile,
                  server=client.server.as_result())
    if module._diff:
        result["diff"] = dict(before=plan.before, after=plan.after)
    module.exit_json(**result)
