# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.cluster import cluster_members, reachable_members
from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.pipeline import (
    SECRET_KEY,
    FarmError,
    derive_secret,
    run_farm,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.placement import Member, placement_spec
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_farm import build_spec, cluster_placement
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd, member_instance


def run(fake: FakeLxd, count: int = 4, placement: Any = "spread", target: str | None = None,
        rebalance: str = "none", check_mode: bool = False, **params: Any) -> dict[str, Any]:
    params.update(name_prefix="w", count=count, image="tiny", profiles=["default", "pfc-ext"])
    return run_farm(build_spec(params), fake, lambda: fake, check_mode=check_mode,
                    placement=placement_spec(placement, target, rebalance))


def where(fake: FakeLxd) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name in sorted(fake.instances):
        result.setdefault(fake.instances[name]["location"], []).append(name)
    return result


def test_members_of_a_cluster_and_of_a_single_server():
    assert cluster_members(FakeLxd(members={"m1": "Online", "m2": "Offline"})) == [Member("m1"), Member("m2", False)]
    assert cluster_members(FakeLxd()) == []


def test_member_whose_instances_are_all_in_error_counts_offline():
    members = [Member("m1"), Member("m2")]
    instances = {"a": {"location": "m1", "status": "Running"}, "b": {"location": "m2", "status": "Error"}}
    assert reachable_members(members, instances) == [Member("m1"), Member("m2", False)]


def test_spread_creates_on_each_member_then_changes_nothing():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    result = run(fake)
    assert where(fake) == {"m1": ["w1", "w3"], "m2": ["w2", "w4"]}
    # The worker pool sends the creations in any order: two on each member, whichever comes first.
    created = sorted((c.path, c.target) for c in fake.writes if c.method == "POST")
    assert created == [("instances", m) for m in ("m1", "m1", "m2", "m2")]
    assert result["changed"] and result["created"] == ["w1", "w2", "w3", "w4"]
    assert result["actions"]["w1"] == ["create", "start"]
    assert result["placement"] == {"m1": ["w1", "w3"], "m2": ["w2", "w4"]}
    assert [(i["name"], i["location"], i["created"]) for i in result["instances"]] == [
        ("w1", "m1", True), ("w2", "m2", True), ("w3", "m1", True), ("w4", "m2", True)]
    assert all(i["address"].startswith("2001:db8:ebbd:2080:") for i in result["instances"])
    assert result["diff"]["before"]["w1"] == "absent" and result["diff"]["after"]["w1.location"] == "m1"
    fake.calls.clear()
    again = run(fake)
    assert again["changed"] is False and fake.writes == []
    assert again["misplaced"] == again["offline"] == {}


def test_check_mode_predicts_the_members_and_writes_nothing():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    result = run(fake, check_mode=True, count=3)
    assert fake.writes == [] and fake.instances == {}
    assert result["changed"] and result["created"] == ["w1", "w2", "w3"]
    assert [i["location"] for i in result["instances"]] == ["m1", "m2", "m1"]


def test_member_down_reports_its_replicas_and_does_not_touch_them():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    run(fake)
    fake.members["m2"] = "Offline"
    fake.calls.clear()
    result = run(fake, rebalance="recreate")
    assert fake.writes == [] and result["changed"] is False
    assert result["offline"] == {"w2": "m2", "w4": "m2"}
    states = {i["name"]: (i["state"], i["location"]) for i in result["instances"]}
    assert states == {"w1": ("Running", "m1"), "w2": ("unreachable", "m2"), "w3": ("Running", "m1"),
                      "w4": ("unreachable", "m2")}
    assert result["diff"]["after"]["w2"] == "unreachable"


def test_scale_while_member_down_then_back_moves_one_and_keeps_the_rest():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    run(fake)
    fake.members["m2"] = "Offline"
    run(fake, count=6)
    assert where(fake) == {"m1": ["w1", "w3", "w5", "w6"], "m2": ["w2", "w4"]}
    fake.members["m2"] = "Online"
    fake.calls.clear()
    report = run(fake, count=6)
    assert fake.writes == [] and report["misplaced"] == {"w6": {"location": "m1", "belongs_on": "m2"}}
    result = run(fake, count=6, rebalance="move")
    assert where(fake) == {"m1": ["w1", "w3", "w5"], "m2": ["w2", "w4", "w6"]}
    moved = [(c.method, c.path, c.target) for c in fake.writes if c[0] != "PUT" or c[1].startswith("instances/w6")]
    assert moved == [("PUT", "instances/w6/state", None), ("POST", "instances/w6", "m2"),
                     ("PUT", "instances/w6/state", None)]
    assert result["moved"] == ["w6"] and result["actions"] == {"w6": ["move", "start"]}
    assert result["diff"]["before"]["w6.location"] == "m1" and result["diff"]["after"]["w6.location"] == "m2"
    assert fake.instances["w6"]["status"] == "Running"
    assert fake.instances["w6"]["config"]["volatile.eth0.hwaddr"] == "00:16:3e:00:01:06"  # same MAC, same address


def test_recreate_deletes_and_creates_on_the_right_member():
    fake = FakeLxd({n: member_instance(n, "m1", mac=f"00:16:3e:00:00:0{i}") for i, n in enumerate(["w1", "w2"], 1)},
                   members={"m1": "Online", "m2": "Online"})
    result = run(fake, count=2, rebalance="recreate")
    assert where(fake) == {"m1": ["w1"], "m2": ["w2"]}
    assert result["recreated"] == ["w2"] and result["actions"]["w2"] == ["recreate", "start"]
    assert [c[0] for c in fake.writes] == ["PUT", "DELETE", "POST", "PUT"]


def test_single_without_target_follows_the_first():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    run(fake, count=3, placement="single")
    assert where(fake) == {"m2": ["w1", "w2", "w3"]}  # LXD picked m2 for w1
    targets = [c.target for c in fake.writes if c[:2] == ("POST", "instances")]
    assert targets == [None, "m2", "m2"]


def test_a_failed_move_names_the_instance():
    fake = FakeLxd({"w1": member_instance("w1", "m1"), "w2": member_instance("w2", "m1")},
                   members={"m1": "Online", "m2": "Online"}, fail_move=("w2",))
    with pytest.raises(FarmError, match=r"w2: move on m2 failed: .*disk full") as info:
        run(fake, count=2, rebalance="move")
    assert info.value.result["failed_instances"] == ["w2"]


@pytest.mark.parametrize(("fake", "options", "message"), [
    (FakeLxd(), {}, "this LXD is not a cluster"),
    (FakeLxd(members={"m1": "Online"}), {"placement": ["m1", "pi3"]}, "pi3 is not a member of the cluster"),
    (FakeLxd(members={"m1": "Online", "m2": "Offline"}), {"placement": "single", "target": "m2"},
     "member m2 is offline"),
])
def test_refused_before_any_write(fake, options, message):
    with pytest.raises(FarmError, match=message):
        run(fake, **options)
    assert fake.writes == []


def test_prune_of_an_instance_on_an_offline_member_is_refused():
    fake = FakeLxd({"w1": member_instance("w1", "m1"), "w2": member_instance("w2", "m2")},
                   members={"m1": "Online", "m2": "Offline"})
    with pytest.raises(FarmError, match="prune would delete w2 on offline member"):
        run(fake, count=1, prune=True)
    assert fake.writes == []


def test_unknown_image_is_refused_before_any_write():
    fake = FakeLxd(members={"m1": "Online"})
    with pytest.raises(FarmError, match="image 'nope'"):
        run_farm(build_spec({"name_prefix": "w", "count": 1, "image": "nope"}), fake, lambda: fake,
                 placement=placement_spec("spread"))
    assert fake.writes == []


@pytest.mark.parametrize(("params", "expected"), [
    ({}, None),
    ({"rebalance": "none"}, None),
    ({"placement": "spread", "rebalance": "move"}, placement_spec("spread", None, "move")),
    ({"target": "m2"}, placement_spec("single", "m2")),
    ({"placement": ["m1", "m2"]}, placement_spec(["m1", "m2"])),
])
def test_cluster_placement(params, expected):
    assert cluster_placement(params) == expected


@pytest.mark.parametrize(("params", "message"), [
    ({"rebalance": "move"}, "rebalance 'move' needs placement"),
    ({"placement": "evenly"}, "placement 'evenly' is neither single, spread nor a list of members"),
])
def test_cluster_placement_refused(params, message):
    with pytest.raises(FarmError, match=message):
        cluster_placement(params)


def test_absent_deletes_what_it_can_reach_and_reports_the_rest():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    run(fake)
    fake.members["m2"] = "Offline"
    result = run(fake, state="absent")
    assert result["deleted"] == ["w1", "w3"]
    assert result["offline"] == {"w2": "m2", "w4": "m2"}
    assert sorted(fake.instances) == ["w2", "w4"]
    assert [i["state"] for i in result["instances"]] == ["absent", "unreachable", "absent", "unreachable"]


def test_a_placement_step_is_not_read_back_the_farm_lists_the_instances_again():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    run(fake, count=2)
    # One list for the placement, one for the plan; each instance read once, after its start.
    assert fake.paths().count(("GET", "instances")) == 2
    assert fake.paths().count(("GET", "instances/w1")) == fake.paths().count(("GET", "instances/w2")) == 1


def test_stable_privacy_instances_created_on_their_member_get_their_own_secret():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    secret = "a farm secret of some length"
    result = run(fake, count=2, addr_gen_mode="stable-privacy", stable_secret=secret)
    for name in ("w1", "w2"):
        assert fake.instances[name]["config"][SECRET_KEY] == derive_secret(secret, name)
    # Created with it, so the kernel has it when eth0 first comes up: no update, no restart afterwards.
    created = {c.body["name"]: c.body["config"][SECRET_KEY] for c in fake.writes if c[:2] == ("POST", "instances")}
    assert created == {name: derive_secret(secret, name) for name in ("w1", "w2")}
    assert sorted(c.path for c in fake.writes if c.method == "PUT") == ["instances/w1/state", "instances/w2/state"]
    assert result["actions"] == {"w1": ["create", "start"], "w2": ["create", "start"]}
    fake.calls.clear()
    assert run(fake, count=2, addr_gen_mode="stable-privacy", stable_secret=secret)["changed"] is False
    assert fake.writes == []


class FirstCreateFails(FakeLxd):
    def _create(self, body: dict[str, Any], params: dict[str, Any]) -> None:
        if body["name"] == "w1":
            raise LxdError("LXD operation 3 failed: no space left on device")
        super()._create(body, params)


def test_single_without_target_creates_no_other_when_the_first_fails():
    fake = FirstCreateFails(members={"m1": "Online", "m2": "Online"})
    with pytest.raises(FarmError) as info:
        run(fake, count=3, placement="single")
    assert str(info.value) == ("1 cluster change(s) failed; w1: create on the member LXD picks failed: "
                               "LXD operation 3 failed: no space left on device")
    assert fake.instances == {} and [c.path for c in fake.writes] == ["instances"]
    result = info.value.result
    assert result["changed"] is False and result["failed_instances"] == ["w1"] and result["created"] == []
    assert [i["state"] for i in result["instances"]] == ["absent", "absent", "absent"]


def test_a_move_alone_is_a_change_and_leaves_nothing_misplaced():
    fake = FakeLxd({n: member_instance(n, "m1", "Stopped") for n in ("w1", "w2")},
                   members={"m1": "Online", "m2": "Online"})
    result = run(fake, count=2, rebalance="move", state="stopped")
    assert result["changed"] is True and result["moved"] == ["w2"] and result["misplaced"] == {}
    assert result["actions"] == {"w2": ["move"]}
    assert [(i["name"], i["changed"]) for i in result["instances"]] == [("w1", False), ("w2", True)]
    # The farm's own diff is kept beside the placement's entries.
    assert result["diff"] == {"before": {"w1": "Stopped", "w2": "Stopped", "w2.location": "m1"},
                              "after": {"w1": "Stopped", "w2": "Stopped", "w2.location": "m2"}}


class CleanStopRefused(FakeLxd):
    def _state(self, name: str, body: dict[str, Any]) -> None:
        if body["action"] == "stop" and "timeout" in body:
            raise LxdError("LXD operation 7 failed: the instance did not stop within 30 s")
        super()._state(name, body)


def test_a_move_stops_by_force_when_the_clean_stop_fails():
    fake = CleanStopRefused({n: member_instance(n, "m1") for n in ("w1", "w2")},
                            members={"m1": "Online", "m2": "Online"})
    result = run(fake, count=2, rebalance="move")
    assert result["moved"] == ["w2"] and where(fake) == {"m1": ["w1"], "m2": ["w2"]}
    stops = [c.body for c in fake.calls if c.method == "PUT" and c.body and c.body.get("action") == "stop"]
    assert stops == [{"action": "stop", "timeout": 30}, {"action": "stop", "force": True}]


def test_check_mode_leaves_out_of_the_placement_what_lxd_would_pick():
    fake = FakeLxd(members={"m1": "Online", "m2": "Online"})
    result = run(fake, count=3, placement="single", check_mode=True)
    assert [(i["name"], i["location"]) for i in result["instances"]] == [("w1", None), ("w2", None), ("w3", None)]
    assert result["placement"] == {} and fake.writes == []
