# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The farm's progress: one event per instance as its step ends and as its address is seen, timed by the run's
clock, and the final count in the result and its message."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.progress import (
    Progress,
    counts,
    progress_lines,
    summary,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd, instance
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._farm.test_pipeline import farm


def test_a_creation_reports_each_instance_and_the_count() -> None:
    fake = FakeLxd()
    result = farm(fake)
    assert result["msg"] == "created 3, unchanged 0, deleted 0"
    assert result["counts"]["created"] == 3 and result["counts"]["started"] == 0
    steps = [(e["name"], e["event"]) for e in result["progress"]]
    assert sorted(steps) == [("w1", "create, start"), ("w2", "create, start"), ("w3", "create, start")]


def test_a_rerun_reports_no_event_and_everything_unchanged() -> None:
    fake = FakeLxd()
    farm(fake)
    again = farm(fake)
    assert again["progress"] == []
    assert again["msg"] == "created 0, unchanged 3, deleted 0"


def test_a_prune_counts_the_deleted_and_the_message_names_other_changes() -> None:
    fake = FakeLxd({"w1": instance("w1", status="Stopped", profiles=["default", "extbridge"]),
                    "w7": instance("w7", profiles=["default", "extbridge"])})
    result = farm(fake, count=2, prune=True)
    assert result["msg"] == "created 1, unchanged 0, deleted 1, started 1"
    assert sorted((e["name"], e["event"]) for e in result["progress"]) == [
        ("w1", "start"), ("w2", "create, start"), ("w7", "delete")]


def test_addresses_seen_while_waiting_are_events_after_the_steps() -> None:
    fake = FakeLxd(slaac_reads=3)
    result = farm(fake, count=2)
    events = [(e["name"], e["event"].split()[0]) for e in result["progress"]]
    assert sorted(events) == [("w1", "address"), ("w1", "create,"), ("w2", "address"), ("w2", "create,")]
    times = {(e["name"], e["event"].split()[0]): e["seconds"] for e in result["progress"]}
    assert times[("w1", "address")] > times[("w1", "create,")] >= 0


def test_check_mode_says_what_would_be() -> None:
    result = farm(FakeLxd(), check_mode=True)
    assert result["msg"] == "check mode, would be: created 3, unchanged 0, deleted 0"
    assert result["progress"] == []


def test_a_failed_step_is_an_event_of_the_failure() -> None:
    progress = Progress(clock=iter([0.0, 1.5]).__next__)
    progress.step_done("w1", ["create"], "boom", "start")
    assert progress.events == [{"seconds": 1.5, "name": "w1", "event": "start failed after create"}]


@pytest.mark.parametrize(("result", "expected"), [
    ({"created": ["a"], "started": ["a", "b"], "actions": {"a": ["create", "start"], "b": ["start"]}},
     "created 1, unchanged 1, deleted 0, started 1"),
    ({"actions": {}, "offline": {"c": "pi2"}}, "created 0, unchanged 2, deleted 0"),
    ({"deleted": ["z"], "updated": ["a"], "actions": {"a": ["update"], "z": ["delete"]}},
     "created 0, unchanged 2, deleted 1, updated 1"),
])
def test_counts_and_summary(result: dict[str, Any], expected: str) -> None:
    assert summary(counts(result, ["a", "b", "c"])) == expected


def test_progress_lines_are_in_time_order_with_the_seconds() -> None:
    events = [{"seconds": 12.5, "name": "w2", "event": "address 2001:db8::2"},
              {"seconds": 3.25, "name": "w1", "event": "create, start"}]
    assert progress_lines(events) == ["[    3.25 s] w1: create, start", "[   12.50 s] w2: address 2001:db8::2"]
