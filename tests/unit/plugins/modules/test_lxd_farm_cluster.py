# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest

from ansible_collections.palmfarm.ipv6.plugins.modules import lxd_farm
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd

# The module's main() run with a fake LXD, shared with the farm's own module tests.
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._farm.test_pipeline import run_module

FARM = {"name_prefix": "w", "count": 4, "image": "tiny", "profiles": ["default", "pfc-ext"]}


@pytest.mark.parametrize(("args", "message"), [
    ({"rebalance": "move"}, "rebalance 'move' needs placement"),
    ({"placement": "evenly"}, "placement 'evenly' is neither single, spread nor a list of members"),
    ({"placement": "spread", "target": "m1"}, "target 'm1' goes with placement: single"),
    ({"placement": ["m1", "m1"]}, "placement lists m1 more than once"),
    ({"rebalance": "shuffle"}, "value of rebalance must be one of: none, move, recreate"),
])
def test_bad_placement_is_refused_before_contacting_lxd(args, message, capsys, monkeypatch):
    result = run_module(dict(FARM, **args), capsys, monkeypatch)
    assert result["failed"] is True
    assert message in result["msg"]


def test_spread_then_member_down(capsys, monkeypatch):
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    result = run_module(dict(FARM, placement="spread"), capsys, monkeypatch, fake)
    assert result["changed"] is True
    assert result["placement"] == {"m1": ["w1", "w3"], "m2": ["w2", "w4"]}
    fake.members["m2"] = "Offline"
    warned: list[str] = []
    monkeypatch.setattr(lxd_farm.AnsibleModule, "warn", lambda self, text: warned.append(text))
    down = run_module(dict(FARM, placement="spread"), capsys, monkeypatch, fake)
    assert down["changed"] is False
    assert down["offline"] == {"w2": "m2", "w4": "m2"}
    assert warned == ["w2 is on cluster member m2, which is offline: it was left as it is",
                      "w4 is on cluster member m2, which is offline: it was left as it is"]


def test_without_placement_the_cluster_keys_are_empty(capsys, monkeypatch):
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    result = run_module(FARM, capsys, monkeypatch, fake)
    assert result["changed"] is True
    assert result["placement"] == result["misplaced"] == result["offline"] == {}
    assert not any(c[0] == "GET" and c[1].startswith("cluster") for c in fake.calls)
