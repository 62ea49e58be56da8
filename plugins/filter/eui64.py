# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The eui64 filter; its documentation is in eui64.yml beside this file."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import AddressError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64 as _eui64


def eui64(mac: Any, prefix: Any) -> str:
    try:
        return _eui64(str(mac), str(prefix))
    except AddressError as exc:
        raise AnsibleFilterError(f"eui64: {exc}") from exc


class FilterModule:
    """SLAAC addresses from MAC addresses."""

    def filters(self) -> dict[str, Any]:
        return {"eui64": eui64}
