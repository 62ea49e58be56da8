# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one stand-in for the LXD API in the unit tests: instances (on one server or on cluster members), profiles
and images, held the way LXD holds them, with every call recorded as a `Call`.

`FakeLxd()` is a single server; `FakeLxd(members={"m1": "Online", ...})` a cluster; `FakeLxd(answers={...})`
answers GETs from a fixed map of path to metadata and only records the writes (for plans that are judged by the
calls they make, such as lxd_image's)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import Server
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import (
    LxdConnection,
    LxdError,
    LxdNotFound,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module import lxd_connect
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64

GLOBAL = "2001:db8:ebbd:2080::/64"
ULA = "fd6a:c19d:b07:2080::/64"
BRIDGE = {"type": "nic", "nictype": "bridged", "parent": "br0", "name": "eth0"}
ROOT = {"type": "disk", "path": "/", "pool": "default"}
# The profiles' devices, as `expanded_devices` sums them up.
PROFILES = {"default": {"root": ROOT}, "extbridge": {"eth0": BRIDGE}, "ulaonly": {"eth0": BRIDGE},
            "pfc-ext": {"eth0": BRIDGE}}
FINGERPRINT = "f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b"


class Call(NamedTuple):
    """One call the code under test made: the method, the path, the body of a write, the cluster member asked,
    the recursion asked."""

    method: str
    path: str
    body: Any = None
    target: str | None = None
    recursion: str | None = None


def instance(name: str, status: str = "Running", profiles: list[str] | None = None,
             config: dict[str, str] | None = None, devices: dict[str, Any] | None = None,
             mac: str = "00:16:3e:00:00:01", prefixes: tuple[str, ...] = (GLOBAL, ULA),
             location: str = "none") -> dict[str, Any]:
    """An instance as GET instances?recursion=2 returns it."""
    profiles = ["default"] if profiles is None else profiles
    expanded: dict[str, Any] = {}
    for profile in profiles:
        expanded.update(PROFILES.get(profile, {}))
    expanded.update(devices or {})
    addresses = [{"family": "inet6", "address": eui64(mac, p), "netmask": "64", "scope": "global"} for p in prefixes]
    addresses.append({"family": "inet6", "address": eui64(mac, "fe80::/64"), "netmask": "64", "scope": "link"})
    has_nic = any(d.get("type") == "nic" for d in expanded.values())
    network = None
    if status == "Running":
        network = {"lo": {"type": "loopback", "hwaddr": "", "addresses": [
            {"family": "inet6", "address": "::1", "netmask": "128", "scope": "local"}]}}
        if has_nic:
            network["eth0"] = {"type": "broadcast", "hwaddr": mac, "addresses": addresses}
    base_config = {"image.os": "busybox", "volatile.base_image": "f238b06c", "volatile.eth0.hwaddr": mac,
                   "volatile.last_state.power": "RUNNING"}
    base_config.update(config or {})
    return {
        "name": name, "status": status, "status_code": 103 if status == "Running" else 102,
        "architecture": "x86_64", "description": "", "ephemeral": False, "stateful": False,
        "profiles": profiles, "config": base_config, "devices": copy.deepcopy(devices or {}),
        "expanded_devices": expanded, "location": location,
        "state": {"status": status, "network": network},
    }


def member_instance(name: str, member: str, status: str = "Running", mac: str = "00:16:3e:00:00:01",
                    config: dict[str, str] | None = None) -> dict[str, Any]:
    """An instance of the cluster tests: on `member`, with the pfc-ext profile and a global address only."""
    return instance(name, status, ["default", "pfc-ext"], config, mac=mac, prefixes=(GLOBAL,), location=member)


class FakeLxd:
    """The LXD API, with the calls the modules make; every call is recorded in `calls`."""

    # What GET /1.0 would have said: the modules name the server in their results.
    server = Server("lxd", "5.0.2")

    def __init__(self, instances: dict[str, dict[str, Any]] | None = None, *,
                 members: dict[str, str] | None = None, profiles: dict[str, dict[str, Any]] | None = None,
                 answers: dict[str, Any] | None = None, aliases: tuple[str, ...] = ("tiny",),
                 fail_start: tuple[str, ...] = (), stop_after_start: tuple[str, ...] = (),
                 slaac_reads: int = 0, global_prefix: bool = True, fail_move: tuple[str, ...] = (),
                 published: str = FINGERPRINT) -> None:
        self.instances = instances or {}
        self.members = members  # cluster member -> its status (Online, Offline); None: a single server
        self.profiles = profiles if profiles is not None else {
            name: {"name": name, "description": "", "config": {}, "devices": devices, "used_by": []}
            for name, devices in PROFILES.items()}
        self.answers = answers  # path -> metadata: GETs answered from here, writes only recorded
        self.published = published  # the fingerprint LXD gives an image published or imported (answers only)
        self.aliases = aliases
        self.fail_start = fail_start
        # Started without an error, then stopped at once (how Incus 6.0 reports an init that cannot run).
        self.stop_after_start = stop_after_start
        # How many reads of a started instance show no global address yet (the router's answer takes time).
        self.slaac_reads = slaac_reads
        self.global_prefix = global_prefix
        self.fail_move = fail_move
        self.pending: dict[str, int] = {}
        self.calls: list[Call] = []
        if answers is not None:
            # lxd_image's publish and import read the client's timeout. A server with a connection reached
            # over the local socket has its containers' addresses read from the kernel: farm tests that want it
            # give a subclass a `conn` of their own.
            self.conn = LxdConnection()
        self.lock = threading.Lock()
        self.macs = 0
        self.scheduled = iter(["m2"] * 100)  # the member LXD's scheduler picks for an untargeted instance

    # --- what the tests read ---------------------------------------------------------------------------------

    @property
    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method != "GET"]

    def paths(self) -> list[tuple[str, str]]:
        """Every call as (method, path)."""
        return [(c.method, c.path) for c in self.calls]

    def write_paths(self) -> list[tuple[str, str]]:
        return [(c.method, c.path) for c in self.writes]

    def sent(self) -> list[tuple[str, str, Any]]:
        """Every write as (method, path, body)."""
        return [(c.method, c.path, c.body) for c in self.writes]

    @property
    def bodies(self) -> list[Any]:
        """The bodies of the instances created."""
        return [c.body for c in self.calls if (c.method, c.path) == ("POST", "instances")]

    # --- the client's interface ------------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def get_or_none(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self.get(path, params)
        except LxdNotFound:
            return None

    def raw(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append(Call(method, path))
        text = "".join(f"lxc {path.split('/')[1]} line {i}\n" for i in range(30))
        return type("Response", (), {"text": text + "lxc start: failed to mount /nonexistent\n"})()

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                wait: bool = True, timeout: Any = None) -> Any:
        with self.lock:
            self.calls.append(Call(method, path, copy.deepcopy(body), (params or {}).get("target"),
                                   (params or {}).get("recursion")))
            if self.answers is not None:
                return self._answer(method, path)
            head = path.split("/", 1)[0]
            handler = {"cluster": self._cluster, "instances": self._instances, "images": self._images,
                       "profiles": self._profiles}.get(head)
            if handler is None:
                raise AssertionError(f"unexpected call {method} {path}")
            return handler(method, path, body, params or {})

    # --- the parts of the API ----------------------------------------------------------------------------------

    def _answer(self, method: str, path: str) -> Any:
        assert self.answers is not None
        if method != "GET":
            return {"fingerprint": self.published} if (method, path) == ("POST", "images") else {}
        if path not in self.answers:
            raise LxdNotFound(path)
        return self.answers[path]

    def _cluster(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        if path == "cluster":
            return {"enabled": self.members is not None, "server_name": "m1" if self.members is not None else ""}
        assert self.members is not None, "cluster/members asked of a server that is no cluster"
        return [{"server_name": n, "status": s} for n, s in self.members.items()]

    def _instances(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        parts = path.split("/")
        if path == "instances":
            return self._list(params) if method == "GET" else self._create(body, params)
        name = parts[1]
        if name not in self.instances:
            raise LxdNotFound(f"{path}: not found")
        if len(parts) == 3 and parts[2] == "state":
            return copy.deepcopy(self.instances[name]["state"]) if method == "GET" else self._state(name, body)
        if method == "GET":
            return self._read(name, params)
        if method == "POST":
            return self._move(name, body, params)
        if method == "PUT":
            self.instances[name].update(profiles=body["profiles"], config=body["config"], devices=body["devices"])
            return None
        if method == "DELETE":
            del self.instances[name]
            return None
        raise AssertionError(f"unexpected call {method} {path}")

    def _list(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        listed = copy.deepcopy(list(self.instances.values()))
        for item in listed:
            if self.members is not None and self.members.get(item["location"]) != "Online":
                item.update(status="Error", state=None)
            if params.get("recursion") != "2":
                item.pop("state", None)
        return listed

    def _create(self, body: dict[str, Any], params: dict[str, Any]) -> None:
        location = "none"
        if self.members is not None:
            location = params.get("target") or next(self.scheduled)
        self.macs += 1
        self.instances[body["name"]] = instance(
            body["name"], "Stopped", body.get("profiles"), body.get("config"), body.get("devices"),
            mac=f"00:16:3e:00:01:{self.macs:02x}", location=location)

    def _read(self, name: str, params: dict[str, Any]) -> dict[str, Any]:
        if self.members is None:
            assert params in ({}, {"recursion": "1"}), "one instance is read with its state (recursion=1) or without"
        if self.pending.get(name):
            self.pending[name] -= 1
            if not self.pending[name]:
                self._restart(name, "Running", (GLOBAL, ULA))
        found = copy.deepcopy(self.instances[name])
        if params.get("recursion") != "1":
            found.pop("state", None)
        return found

    def _restart(self, name: str, status: str, prefixes: tuple[str, ...]) -> None:
        current = self.instances[name]
        self.instances[name] = instance(name, status, current["profiles"], current["config"], current["devices"],
                                        mac=current["config"]["volatile.eth0.hwaddr"], prefixes=prefixes,
                                        location=current["location"])

    def _state(self, name: str, body: dict[str, Any]) -> None:
        if body["action"] == "start" and name in self.fail_start:
            raise LxdError(f"LXD operation 1 failed: Failed to start device \"bad\" of {name}")
        status = "Running" if body["action"] in ("start", "unfreeze", "restart") else "Stopped"
        if name in self.stop_after_start:
            status = "Stopped"
        if status == "Running" and self.slaac_reads:
            self.pending[name] = self.slaac_reads
        prefixes = (GLOBAL, ULA) if self.global_prefix and not self.slaac_reads else (ULA,)
        if self.members is not None:
            prefixes = (GLOBAL,)
        self._restart(name, status, prefixes)

    def _move(self, name: str, body: dict[str, Any], params: dict[str, Any]) -> None:
        assert body == {"name": name, "migration": True}
        current = self.instances[name]
        if current["status"] != "Stopped":
            raise LxdError("Unable to perform container live migration. CRIU isn't installed")
        if name in self.fail_move:
            raise LxdError("LXD operation 7 failed: Failed migration on target: disk full")
        current["location"] = params["target"]

    def _images(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        parts = path.split("/")
        if path == "images/aliases":
            return [{"name": a} for a in self.aliases]
        if path.startswith("images/aliases/"):
            if parts[2] in self.aliases:
                return {"name": parts[2], "target": FINGERPRINT[:8]}
            raise LxdNotFound(f"{path}: not found")
        if FINGERPRINT.startswith(parts[1]):
            return {"fingerprint": FINGERPRINT, "aliases": []}
        raise LxdNotFound(f"{path}: not found")

    def _profiles(self, method: str, path: str, body: Any, params: dict[str, Any]) -> Any:
        name = path.split("/", 1)[1] if "/" in path else None
        if name is None:
            if method == "GET":
                return [f"/1.0/profiles/{p}" for p in self.profiles]
            self.profiles[body["name"]] = {**body, "used_by": []}
            return None
        if name not in self.profiles:
            raise LxdNotFound(f"{path}: not found")
        if method == "GET":
            return self.profiles[name]
        if method == "POST":
            self.profiles[body["name"]] = {**self.profiles.pop(name), "name": body["name"]}
        elif method == "PUT":
            self.profiles[name].update(body)
        elif method == "DELETE":
            del self.profiles[name]
        return None


def run_main(main: Callable[[], None], args: dict[str, Any], capsys: pytest.CaptureFixture[str],
             monkeypatch: pytest.MonkeyPatch, client: FakeLxd | None = None) -> dict[str, Any]:
    """The result of an LXD module's ``main()`` for ARGS, its server being CLIENT; with no CLIENT, the module must
    fail before it contacts LXD."""
    def connect(params: dict[str, Any]) -> FakeLxd:
        if client is None:
            raise AssertionError("the module contacted LXD although the input is invalid")
        return client

    monkeypatch.setattr(lxd_connect, "client_from_params", connect)
    with patch_module_args(args), pytest.raises(SystemExit):
        main()
    return dict(json.loads(capsys.readouterr().out))
