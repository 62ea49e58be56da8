# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lxd_farm action: with -v, one line per event the module returned, then the count; nothing without -v."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.action import lxd_farm as action

RESULT = {"changed": True, "msg": "created 2, unchanged 0, deleted 0", "counts": {"created": 2},
          "progress": [{"seconds": 2.5, "name": "w2", "event": "create, start"},
                       {"seconds": 1.0, "name": "w1", "event": "create, start"},
                       {"seconds": 4.0, "name": "w1", "event": "address 2001:db8::1"}]}


def run(monkeypatch: pytest.MonkeyPatch, verbosity: int, result: dict[str, Any]) -> list[tuple[str | None, str]]:
    shown: list[tuple[str | None, str]] = []
    monkeypatch.setattr(action.NormalAction, "run", lambda self, tmp=None, task_vars=None: dict(result))
    monkeypatch.setattr(action.display, "verbosity", verbosity)
    monkeypatch.setattr(action.display, "v", lambda msg, host=None: shown.append((host, msg)) if verbosity else None)
    plugin = object.__new__(action.ActionModule)
    assert plugin.run(task_vars={"inventory_hostname": "pi"}) == result
    return shown


def test_verbose_shows_each_event_in_time_order_then_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, 1, RESULT) == [
        ("pi", "lxd_farm [    1.00 s] w1: create, start"),
        ("pi", "lxd_farm [    2.50 s] w2: create, start"),
        ("pi", "lxd_farm [    4.00 s] w1: address 2001:db8::1"),
        ("pi", "lxd_farm: created 2, unchanged 0, deleted 0"),
    ]


def test_quiet_shows_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, 0, RESULT) == []


def test_a_failure_shows_its_events_without_a_count(monkeypatch: pytest.MonkeyPatch) -> None:
    failed = {"failed": True, "msg": "1 of 1 instance(s) failed", "progress": [
        {"seconds": 0.5, "name": "w1", "event": "start failed after create"}]}
    assert run(monkeypatch, 1, failed) == [("pi", "lxd_farm [    0.50 s] w1: start failed after create")]
