# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the LXD API of a cluster, with the calls lxd_farm makes there (placement, moves, and run_farm's)."""

from __future__ import annotations

import copy
import threading
from typing import Any

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import Server
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdError, LxdNotFound
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64

GLOBAL = "2001:db8:ebbd:2080::/64"
BRIDGE = {"type": "nic", "nictype": "bridged", "parent": "br0", "name": "eth0"}
PROFILES = {"default": {"root": {"type": "disk", "path": "/", "pool": "default"}}, "pfc-ext": {"eth0": BRIDGE}}


def instance(name: str, member: str, status: str = "Running", mac: str = "00:16:3e:00:00:01",
             config: dict[str, str] | None = None) -> dict[str, Any]:
    network = None
    if status == "Running":
        network = {"eth0": {"type": "broadcast", "hwaddr": mac, "addresses": [
            {"family": "inet6", "address": eui64(mac, GLOBAL), "netmask": "64", "scope": "global"}]}}
    base = {"volatile.eth0.hwaddr": mac}
    base.update(config or {})
    return {"name": name, "status": status, "location": member, "architecture": "x86_64", "description": "",
            "ephemeral": False, "stateful": False, "profiles": ["default", "pfc-ext"], "config": base, "devices": {},
            "expanded_devices": {"eth0": BRIDGE}, "state": {"status": status, "network": network}}


class FakeCluster:
    """The LXD API of a cluster, with the calls run_cluster_farm and run_farm make; calls are recorded."""

    # What GET /1.0 would have said: the modules name the server in their results.
    server = Server("lxd", "5.0.2")

    def __init__(self, members: dict[str, str], instances: dict[str, dict[str, Any]] | None = None,
                 clustered: bool = True, fail_move: tuple[str, ...] = ()) -> None:
        self.members = members  # name -> LXD status (Online, Offline)
        self.instances = instances or {}
        self.clustered = clustered
        self.fail_move = fail_move
        self.calls: list[tuple[str, str, Any]] = []
        self.lock = threading.Lock()
        self.macs = 0
        self.least = iter(["m2"] * 100)  # the member LXD's scheduler picks

    @property
    def writes(self) -> list[tuple[str, str, Any]]:
        return [c for c in self.calls if c[0] != "GET"]

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def get_or_none(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self.get(path, params)
        except LxdNotFound:
            return None

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                wait: bool = True) -> Any:
        with self.lock:
            self.calls.append((method, path, (params or {}).get("target")))
            parts = path.split("/")
            if method == "GET" and path == "cluster":
                return {"enabled": self.clustered, "server_name": "m1" if self.clustered else ""}
            if method == "GET" and path == "cluster/members":
                assert self.clustered
                return [{"server_name": n, "status": s} for n, s in self.members.items()]
            if method == "GET" and path == "instances":
                listed = copy.deepcopy(list(self.instances.values()))
                for item in listed:
                    if self.members.get(item["location"]) != "Online":
                        item.update(status="Error", state=None)
                    if (params or {}).get("recursion") != "2":
                        item.pop("state", None)
                return listed
            if method == "GET" and path.startswith("images/aliases/"):
                if parts[2] == "tiny":
                    return {"name": "tiny"}
                raise LxdNotFound(path)
            if method == "GET" and path == "images/aliases":
                return [{"name": "tiny"}]
            if method == "GET" and path == "profiles":
                return [f"/1.0/profiles/{p}" for p in PROFILES]
            if method == "POST" and path == "instances":
                member = (params or {}).get("target") or next(self.least)
                self.macs += 1
                self.instances[body["name"]] = instance(body["name"], member, "Stopped",
                                                        mac=f"00:16:3e:00:01:{self.macs:02x}", config=body["config"])
                return None
            name = parts[1]
            if name not in self.instances:
                raise LxdNotFound(path)
            current = self.instances[name]
            if method == "GET" and len(parts) == 3 and parts[2] == "state":
                return copy.deepcopy(current["state"])
            if method == "GET":
                return copy.deepcopy(current)
            if method == "POST":  # a move
                assert body == {"name": name, "migration": True}
                if current["status"] != "Stopped":
                    raise LxdError("Unable to perform container live migration. CRIU isn't installed")
                if name in self.fail_move:
                    raise LxdError("LXD operation 7 failed: Failed migration on target: disk full")
                current["location"] = params["target"]
                return None
            if method == "PUT" and path == f"instances/{name}/state":
                status = "Running" if body["action"] == "start" else "Stopped"
                self.instances[name] = instance(name, current["location"], status,
                                                mac=current["config"]["volatile.eth0.hwaddr"], config=current["config"])
                return None
            if method == "DELETE":
                del self.instances[name]
                return None
        raise AssertionError(f"unexpected call {method} {path}")
