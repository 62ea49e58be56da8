# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the LXD modules' adapters (lxd_farm, lxd_image, lxd_profile) share: the client for the task's
connection options, or a failed task that names pylxd when a remote server needs it and it is missing."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from .._lxd.client import LxdClient
from .._lxd.module_options import client_from_params, missing_pylxd


def connect(module: AnsibleModule) -> LxdClient:
    """The client for the module's connection options; fails the module when pylxd is needed and missing."""
    pylxd_error = missing_pylxd(module.params)
    if pylxd_error:
        module.fail_json(msg=missing_required_lib("pylxd"), exception=pylxd_error)
    return client_from_params(module.params)
