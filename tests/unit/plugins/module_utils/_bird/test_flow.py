# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""babel_bird6's one flow against a recorded host: what it asks of the router, in which order, and when not."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.config import BirdConfigError, render_config
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.flow import BirdHost, BirdRequest
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.flow import run as run_flow
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.babel_bird6 import (
    bird_request,
    config_request,
    outcome_result,
)

PARAMS: dict[str, Any] = {
    "state": "present", "bird_version": "2", "path": "/etc/bird/bird.conf", "router_id": "10.0.0.1", "profile": None,
    "babel": {"interfaces": [{"names": ["ring1", "ring2"], "type": "wired", "hello_interval": "1 s", "rxcost": None,
                              "update_interval": None, "limit": None, "check_link": None, "authentication": None,
                              "password": None}]},
    "ripng": None, "direct": None, "kernel": None, "device": None, "validate": True, "backup": False,
    "reload": True, "control_socket": None, "render_on_controller": None, "bird_binary": None,
}


class Host:
    """A router as the flow sees it, recording every call."""

    def __init__(self, live: str | None = None, validates_text: bool = True, directory: bool = True,
                 interfaces: list[str] | None = None) -> None:
        self.live = live
        self.validates_text = validates_text
        self.directory = directory
        self.names = interfaces
        self.calls: list[tuple[Any, ...]] = []

    def detect_version(self) -> str:
        self.calls.append(("detect_version",))
        return "3"

    def is_openwrt(self) -> bool:
        return True

    def interfaces(self) -> list[str] | None:
        return self.names

    def read(self, path: str) -> tuple[bool, str]:
        self.calls.append(("read", path))
        return self.live is not None, self.live or ""

    def validate(self, version: str, text: str) -> bool:
        self.calls.append(("validate", version))
        return self.validates_text

    def directory_exists(self, path: str) -> bool:
        return self.directory

    def install(self, path: str, text: str | None, backup: bool, validate_version: str | None) -> str | None:
        self.calls.append(("install", path, text is not None, backup, validate_version))
        return f"{path}.bak" if backup else None

    def reload(self, version: str) -> tuple[bool, str]:
        self.calls.append(("reload", version))
        return True, "Reconfigured"


def request(**changes: Any) -> BirdRequest:
    """The request for the module's options PARAMS with CHANGES."""
    return bird_request({**PARAMS, **changes})


def run(host: BirdHost, request: BirdRequest, check_mode: bool, want_diff: bool) -> dict[str, Any]:
    """The task's result of the flow, as the module and the action plugin report it."""
    return outcome_result(run_flow(host, request, check_mode), want_diff)


def test_a_new_file_is_validated_installed_and_reloaded() -> None:
    host = Host()
    result = run(host, request(), check_mode=False, want_diff=True)
    assert result["changed"] and result["validated"] and result["reloaded"]
    assert host.calls == [("read", "/etc/bird/bird.conf"), ("validate", "2"),
                          ("install", "/etc/bird/bird.conf", True, False, None), ("reload", "2")]
    assert result["diff"]["before"] == "" and result["diff"]["after"] == result["config"]


def test_an_unchanged_file_is_neither_validated_nor_written() -> None:
    host = Host(live=render_config(config_request(PARAMS), "2"))
    result = run(host, request(), check_mode=False, want_diff=False)
    assert not result["changed"] and result["reload_message"] == "nothing changed" and "diff" not in result
    assert host.calls == [("read", "/etc/bird/bird.conf")]


def test_check_mode_validates_and_writes_nothing() -> None:
    host = Host(live="old\n")
    result = run(host, request(), check_mode=True, want_diff=False)
    assert result["changed"] and result["validated"] and result["reload_message"] == "check mode"
    assert [c[0] for c in host.calls] == ["read", "validate"]


def test_a_host_that_only_checked_its_binary_validates_the_staged_file() -> None:
    host = Host(live="old\n", validates_text=False)
    result = run(host, request(backup=True), check_mode=False, want_diff=False)
    assert result["validated"] and result["backup_file"] == "/etc/bird/bird.conf.bak"
    assert ("install", "/etc/bird/bird.conf", True, True, "2") in host.calls


def test_absent_removes_without_validating_and_auto_asks_the_host() -> None:
    host = Host(live="old\n")
    result = run(host, request(state="absent", path=None, bird_version="auto", reload=False), False, False)
    assert result["changed"] and result["path"] == "/etc/bird.conf" and result["bird_version"] == "3"
    assert result["reload_message"] == "reload=false" and "config" not in result
    assert host.calls == [("detect_version",), ("read", "/etc/bird.conf"),
                          ("install", "/etc/bird.conf", False, False, None)]


def test_no_backup_of_a_file_that_was_not_there_and_no_directory_no_write() -> None:
    host = Host(directory=False)
    with pytest.raises(BirdConfigError, match="directory of path /etc/bird/bird.conf does not exist"):
        run(host, request(backup=True), check_mode=False, want_diff=False)
    assert [c[0] for c in host.calls] == ["read", "validate"]
    host = Host()
    assert "backup_file" not in run(host, request(backup=True), False, False)
    assert ("install", "/etc/bird/bird.conf", True, False, None) in host.calls


def test_patterns_that_match_no_interface_are_warned_about() -> None:
    result = run(Host(interfaces=["lo", "ring1"]), request(), check_mode=True, want_diff=False)
    assert result["warnings"] == ["interface name or pattern 'ring2' matches no interface on this host (yet)"]
    assert "warnings" not in run(Host(interfaces=None), request(), check_mode=True, want_diff=False)
