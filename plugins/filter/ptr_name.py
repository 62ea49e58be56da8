# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ptr_name filter; its documentation is in ptr_name.yml beside this file."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ZoneError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ptr_name as _ptr_name


def ptr_name(address: Any, reverse_zone: Any = None) -> str:
    try:
        return _ptr_name(str(address), None if reverse_zone is None else str(reverse_zone))
    except ZoneError as exc:
        raise AnsibleFilterError(f"ptr_name: {exc}") from exc


class FilterModule:
    """Reverse DNS names of IPv6 addresses."""

    def filters(self) -> dict[str, Any]:
        return {"ptr_name": ptr_name}
