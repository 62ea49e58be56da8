# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for LxdClient that holds profiles by name like LXD would, for the profile unit tests."""

from __future__ import annotations

from typing import Any

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import Server


class FakeClient:
    """Records the calls apply_profile makes; holds profiles by name like LXD would."""

    # What GET /1.0 would have said: the modules name the server in their results.
    server = Server("lxd", "5.0.2")

    def __init__(self, profiles: dict[str, dict[str, Any]]) -> None:
        self.profiles = profiles
        self.writes: list[tuple[str, str, Any]] = []

    def get_or_none(self, path: str) -> dict[str, Any] | None:
        return self.profiles.get(path.split("/", 1)[1])

    def get(self, path: str) -> dict[str, Any]:
        return self.profiles[path.split("/", 1)[1]]

    def request(self, method: str, path: str, body: Any = None) -> None:
        self.writes.append((method, path, body))
        name = path.split("/", 1)[1] if "/" in path else None
        if method == "POST" and name is None:
            self.profiles[body["name"]] = {**body, "used_by": []}
        elif method == "POST":
            self.profiles[body["name"]] = {**self.profiles.pop(name), "name": body["name"]}
        elif method == "PUT":
            self.profiles[name].update(body)
        elif method == "DELETE":
            del self.profiles[name]
