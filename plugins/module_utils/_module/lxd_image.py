# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lxd_image module's adapter: its options, the client, and the image's plan (_lxd/image.py) applied."""

from __future__ import annotations

from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule

from .._lxd.connection import LxdError
from .._lxd.image import ImageRequest, apply_image, build_request
from .lxd_connect import connect, lxd_connection_argument_spec

SOURCES = ["instance", "metadata_tarball", "remote", "server"]
ARGUMENT_SPEC: dict[str, Any] = {
    **lxd_connection_argument_spec(),
    "aliases": {"type": "list", "elements": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "instance": {"type": "str"},
    "snapshot": {"type": "str"},
    "create_snapshot": {"type": "bool", "default": False},
    "refresh": {"type": "bool", "default": False},
    "metadata_tarball": {"type": "path"},
    "rootfs_tarball": {"type": "path"},
    "remote": {"type": "str"},
    "server": {"type": "str"},
    "remote_alias": {"type": "str"},
    "protocol": {"type": "str", "choices": ["simplestreams", "lxd"]},
    "auto_update": {"type": "bool"},
    "public": {"type": "bool"},
    "properties": {"type": "dict"},
    "description": {"type": "str"},
}
RULES: dict[str, Any] = {
    "mutually_exclusive": [SOURCES],
    "required_if": [("state", "present", SOURCES, True), ("create_snapshot", True, ["snapshot"])],
    "required_by": {"snapshot": "instance", "rootfs_tarball": "metadata_tarball", "remote_alias": "server",
                    "protocol": "server"},
    "required_together": [("server", "remote_alias")],
}


def image_request(params: Mapping[str, Any]) -> ImageRequest:
    """The core's request from the module's options; ImageError naming a bad value."""
    return build_request(
        aliases=params["aliases"],
        state=params["state"],
        instance=params["instance"],
        snapshot=params["snapshot"],
        create_snapshot=params["create_snapshot"],
        refresh=params["refresh"],
        metadata_tarball=params["metadata_tarball"],
        rootfs_tarball=params["rootfs_tarball"],
        remote=params["remote"],
        server=params["server"],
        remote_alias=params["remote_alias"],
        protocol=params["protocol"],
        auto_update=params["auto_update"],
        public=params["public"],
        properties=params["properties"],
        description=params["description"],
    )


def run_module(module: AnsibleModule) -> None:
    """Run lxd_image against its LXD server and exit with its result."""
    try:
        request = image_request(module.params)
        client = connect(module)
        plan = apply_image(client, request, check_mode=module.check_mode)
    except LxdError as exc:
        module.fail_json(msg=str(exc))
    result = dict(changed=plan.changed, actions=plan.actions, image=plan.image, server=client.server.as_result())
    if module._diff:
        result["diff"] = dict(before=plan.before, after=plan.after)
    module.exit_json(**result)
