# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for palmfarm.ipv6.lxd_farm: runs the module as the normal action does, then, with -v, prints the
per-instance events it returned (``progress``), one line each with the seconds since the module started, and the
final count.

A module cannot print to the controller while it runs: the lines come when the task ends, each with the time its
event happened at. The task's ``msg`` holds the final count either way.
"""

from __future__ import annotations

from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.progress import progress_lines

display = Display()


class ActionModule(NormalAction):
    def run(self, tmp: str | None = None, task_vars: dict | None = None) -> dict:
        result = super().run(tmp, task_vars)
        events = result.get("progress")
        if isinstance(events, list) and display.verbosity >= 1:
            host = (task_vars or {}).get("inventory_hostname")
            for line in progress_lines(events):
                display.v(f"lxd_farm {line}", host=host)
            if isinstance(result.get("counts"), dict):
                display.v(f"lxd_farm: {result.get('msg')}", host=host)
        return result
