# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""babel_bird6's argument spec: the module and its action plugin (routers without Python) check the same options."""

from __future__ import annotations

from typing import Any

_BABEL_IFACE = dict(
    names=dict(type="list", elements="str", required=True),
    type=dict(type="str", choices=["wired", "wireless", "tunnel"]),
    hello_interval=dict(type="str"),
    update_interval=dict(type="str"),
    rxcost=dict(type="int"),
    limit=dict(type="int"),
    check_link=dict(type="bool"),
    authentication=dict(type="str", choices=["none", "mac"]),
    password=dict(type="str", no_log=True),
)
_RIPNG_IFACE = dict(
    names=dict(type="list", elements="str", required=True),
    update_time=dict(type="int"),
    timeout_time=dict(type="int"),
    garbage_time=dict(type="int"),
    split_horizon=dict(type="bool"),
    poison_reverse=dict(type="bool"),
    bfd=dict(type="bool"),
    check_link=dict(type="bool"),
)
ARGUMENT_SPEC: dict[str, Any] = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    bird_version=dict(type="str", choices=["auto", "1.6", "2", "3"], default="auto"),
    path=dict(type="path", aliases=["config_file"]),
    router_id=dict(type="str"),
    profile=dict(type="str", choices=["seed", "stable", "fast"]),
    babel=dict(type="dict", options=dict(
        interfaces=dict(type="list", elements="dict", required=True, options=_BABEL_IFACE))),
    ripng=dict(type="dict", options=dict(
        interfaces=dict(type="list", elements="dict", required=True, options=_RIPNG_IFACE))),
    direct=dict(type="dict", options=dict(interfaces=dict(type="list", elements="str", required=True))),
    kernel=dict(type="dict", options=dict(
        enabled=dict(type="bool", default=True),
        persist=dict(type="bool", default=False),
        scan_time=dict(type="int"))),
    device=dict(type="dict", options=dict(scan_time=dict(type="int", default=10))),
    validate=dict(type="bool", default=True),
    backup=dict(type="bool", default=False),
    reload=dict(type="bool", default=True, aliases=["apply"]),
    control_socket=dict(type="path"),
    render_on_controller=dict(type="bool"),
    bird_binary=dict(type="path"),
)
