# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read `ansible-inventory --list` on stdin; print {"hostvars": {host: vars}, "groups": {group: [hosts]}} with
Ansible's unsafe-text wrappers ({"__ansible_unsafe": text}) unwrapped, so a playbook can from_json it."""

from __future__ import annotations

import json
import sys
from typing import Any


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


listing = plain(json.load(sys.stdin))
groups = {name: sorted(body.get("hosts") or []) for name, body in listing.items() if name != "_meta"}
json.dump({"hostvars": listing["_meta"]["hostvars"], "groups": groups}, sys.stdout)
