# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LXD connection options, on the Ansible side: what the LXD modules' adapters (lxd_farm, lxd_image,
lxd_profile) and the lxd inventory plugin share. Their options become an `LxdConnection` and the API extensions
they need, then a connected client, or a failure that names pylxd when a remote server needs it and it is
missing. The cores in _lxd/ see only the client."""

from __future__ import annotations

import os
from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from .._lxd.client import LxdClient
from .._lxd.connection import LxdConnection, is_remote
from .._optional import import_pylxd


def lxd_connection_argument_spec() -> dict[str, Any]:
    """Options documented by the palmfarm.ipv6.lxd doc fragment."""
    return dict(
        url=dict(type="str"),
        snap_url=dict(type="str", default="unix:/var/snap/lxd/common/lxd/unix.socket"),
        project=dict(type="str"),
        client_cert=dict(type="path", aliases=["cert_file"]),
        client_key=dict(type="path", aliases=["key_file"]),
        server_cert=dict(type="path"),
        trust_token=dict(type="str", no_log=True, aliases=["trust_password"]),
        timeout=dict(type="int", default=30),
    )


def connection_from_params(params: Mapping[str, Any]) -> LxdConnection:
    url = params.get("url")
    if not url and not os.environ.get("LXD_DIR"):
        # community.general compatibility: snap_url comes next to $LXD_DIR, when that socket exists.
        snap = params.get("snap_url") or ""
        snap_path = snap[len("unix:"):] if snap.startswith("unix:") else snap
        if snap_path and os.path.exists(snap_path):
            url = snap
    return LxdConnection(
        url=url,
        project=params.get("project"),
        client_cert=params.get("client_cert"),
        client_key=params.get("client_key"),
        server_cert=params.get("server_cert"),
        trust_token=params.get("trust_token"),
        timeout=float(params.get("timeout") or 30),
    )


def needed_extensions(params: Mapping[str, Any]) -> dict[str, str]:
    """The server's API extensions that these options need, each with the option that asks for it."""
    needs: dict[str, str] = {}
    if params.get("project") not in (None, "", "default"):
        needs["projects"] = f"project={params['project']}"
    if params.get("placement") or params.get("target"):
        needs["clustering"] = "placement" if params.get("placement") else "target"
    if params.get("addr_gen_mode") == "stable-privacy":
        needs["linux_sysctl"] = "addr_gen_mode=stable-privacy"
    return needs


def client_from_params(params: Mapping[str, Any]) -> LxdClient:
    """A connected client; LxdError when the server cannot do what the options ask (see needed_extensions)."""
    client = LxdClient(connection_from_params(params))
    client.require(needed_extensions(params))
    return client


def missing_pylxd(params: Mapping[str, Any]) -> str | None:
    """The ImportError traceback when these options name a remote LXD (which needs pylxd) and pylxd is missing."""
    if is_remote(connection_from_params(params).url):
        return import_pylxd()[2]
    return None


def connect(module: AnsibleModule) -> LxdClient:
    """The client for the module's connection options; fails the module when pylxd is needed and missing."""
    pylxd_error = missing_pylxd(module.params)
    if pylxd_error:
        module.fail_json(msg=missing_required_lib("pylxd"), exception=pylxd_error)
    return client_from_params(module.params)
