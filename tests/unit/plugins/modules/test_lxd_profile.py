# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.modules import lxd_profile
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd, run_main

BRIDGE = {"type": "nic", "nictype": "bridged", "parent": "br0"}


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        client: FakeLxd | None = None) -> dict[str, Any]:
    return run_main(lxd_profile.main, args, capsys, monkeypatch, client)


@pytest.mark.parametrize("args, message", [
    ({}, "missing required arguments: name"),
    ({"name": "p1", "state": "gone"}, "value of state must be one of: present, absent"),
    ({"name": "bad name"}, "name: profile name 'bad name' contains a slash or white space"),
    ({"name": "p1", "new_name": "x/y"}, "new_name: profile name 'x/y'"),
    ({"name": "p1", "devices": {"eth0": {"nictype": "bridged", "parent": "br0"}}}, "'eth0' have no 'type'"),
    ({"name": "p1", "devices": {"eth0": "nic"}}, "device 'eth0' is a str ('nic')"),
    ({"name": "p1", "devices": {"eth0": {"type": "nic", "x": {"y": 1}}}}, "devices.eth0.x is a dict"),
    ({"name": "p1", "config": {"user.list": [1, 2]}}, "config.user.list is a list"),
    ({"name": "default", "state": "absent"}, "'default' profile cannot be deleted"),
])
def test_bad_input_fails_before_contacting_lxd(args: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(args, capsys, monkeypatch)
    assert result["failed"] is True
    assert message in result["msg"]


def test_check_mode_reports_diff_and_writes_nothing(capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeLxd(profiles={"p1": {"name": "p1", "description": "", "config": {"limits.cpu": "1"},
                                      "devices": {"eth0": dict(BRIDGE)}, "used_by": []}})
    result = run({"name": "p1", "config": {"limits.cpu": 2}, "merge_profile": True,
                  "_ansible_check_mode": True, "_ansible_diff": True}, capsys, monkeypatch, client)
    assert result["changed"] is True
    assert result["actions"] == ["update"]
    assert result["old_state"] == "present"
    assert result["diff"]["before"]["config"] == {"limits.cpu": "1"}
    assert result["diff"]["after"]["config"] == {"limits.cpu": "2"}
    assert result["profile"]["config"] == {"limits.cpu": "2"}
    assert client.writes == []


def test_apply_then_no_change(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeLxd(profiles={"p1": {"name": "p1", "description": "", "config": {},
                                      "devices": {"eth0": dict(BRIDGE)}, "used_by": []}})
    args = {"name": "p1", "devices": {"eth0": {"mtu": 1400}}, "merge_profile": True}
    result = run(args, capsys, monkeypatch, client)
    assert result["changed"] is True
    assert client.sent() == [("PUT", "profiles/p1", {"description": "", "config": {},
                                                     "devices": {"eth0": {**BRIDGE, "mtu": "1400"}}})]
    assert "diff" not in result
    result = run(args, capsys, monkeypatch, client)
    assert result["changed"] is False
    assert result["actions"] == []
    assert len(client.writes) == 1


def test_profile_in_use_is_not_deleted(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeLxd(profiles={"p1": {"name": "p1", "description": "", "config": {}, "devices": {},
                                      "used_by": ["/1.0/instances/w1"]}})
    result = run({"name": "p1", "state": "absent"}, capsys, monkeypatch, client)
    assert result["failed"] is True
    assert "profile 'p1' is still used by w1" in result["msg"]
    assert client.writes == []
