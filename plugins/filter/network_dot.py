# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network_dot filter; its documentation is in network_dot.yml beside this file."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.picture import NetworkPictureError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.picture import network_dot as _network_dot


def network_dot(routes: Any, rooms: Any = None, links: Any = None, focus: Any = None, title: str = "",
                interfaces: Any = None, hosts: Any = None) -> str:
    try:
        return _network_dot(routes, rooms, links, focus, title, interfaces, hosts)
    except NetworkPictureError as exc:
        raise AnsibleFilterError(f"network_dot: {exc}") from exc


class FilterModule:
    """Pictures of the house's network."""

    def filters(self) -> dict[str, Any]:
        return {"network_dot": network_dot}
