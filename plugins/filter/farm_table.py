# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The farm_table filter; its documentation is in farm_table.yml beside this file."""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.table import FarmTableError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.table import farm_table as _farm_table


def farm_table(instances: Any, answers: Any = None, records: Any = None, zone: str = "",
               answer_header: str = "HTTP ANSWER") -> str:
    try:
        return _farm_table(instances, answers, records, zone, answer_header)
    except FarmTableError as exc:
        raise AnsibleFilterError(f"farm_table: {exc}") from exc


class FilterModule:
    """Tables of LXD farms."""

    def filters(self) -> dict[str, Any]:
        return {"farm_table": farm_table}
