# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.placement import (
    MEMBERS,
    SINGLE,
    SPREAD,
    Member,
    PlacementError,
    PlacementSpec,
    _least_loaded,
    _shares,
    place,
    placement_spec,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import Server

TWO = [Member("m1"), Member("m2")]
THREE = [Member("m1"), Member("m2"), Member("m3")]
M2_DOWN = [Member("m1"), Member("m2", online=False)]
W = [f"w{i}" for i in range(1, 7)]


def counts(layout: dict[str, list[str]]) -> dict[str, int]:
    return {m: len(v) for m, v in sorted(layout.items())}


@pytest.mark.parametrize(("placement", "target", "rebalance", "expected"), [
    (None, None, None, PlacementSpec(SPREAD)),
    (None, "m1", None, PlacementSpec(SINGLE, target="m1")),
    ("single", None, "move", PlacementSpec(SINGLE, rebalance="move")),
    ("spread", None, "recreate", PlacementSpec(SPREAD, rebalance="recreate")),
    (["m2", "m1"], None, None, PlacementSpec(MEMBERS, members=("m2", "m1"))),
])
def test_placement_spec(placement, target, rebalance, expected):
    assert placement_spec(placement, target, rebalance) == expected


@pytest.mark.parametrize(("placement", "target", "rebalance", "message"), [
    ("even", None, None, "placement 'even' is neither single, spread nor a list"),
    ([], None, None, "placement is an empty list"),
    (["m1", "m1"], None, None, "placement lists m1 more than once"),
    ("spread", "m1", None, "target 'm1' goes with placement: single"),
    (["m1"], "m1", None, "target 'm1' goes with placement: single"),
    ("spread", None, "shuffle", "rebalance 'shuffle' is not one of none, move, recreate"),
    (3, None, None, "placement is 3; write single, spread, or a list"),
])
def test_placement_spec_refused(placement, target, rebalance, message):
    with pytest.raises(PlacementError, match=message):
        placement_spec(placement, target, rebalance)


@pytest.mark.parametrize(("names", "members", "locations", "spec", "new", "kept", "misplaced"), [
    # A new farm spreads evenly, ties by member order.
    (W[:5], TWO, {}, PlacementSpec(SPREAD), {"w1": "m1", "w2": "m2", "w3": "m1", "w4": "m2", "w5": "m1"}, [], {}),
    # Already spread: nothing new, all kept.
    (W[:4], TWO, {"w1": "m1", "w2": "m2", "w3": "m1", "w4": "m2"}, PlacementSpec(SPREAD), {},
     ["w1", "w2", "w3", "w4"], {}),
    # Sticky: an uneven but right-as-can-be layout (3 on m2, 2 on m1) is kept, not reshuffled to m1-first.
    (W[:5], TWO, {"w1": "m2", "w2": "m2", "w3": "m2", "w4": "m1", "w5": "m1"}, PlacementSpec(SPREAD), {},
     W[:5], {}),
    # Scale up: new ones go to the least-loaded member.
    (W[:4], TWO, {"w1": "m1", "w2": "m1"}, PlacementSpec(SPREAD), {"w3": "m2", "w4": "m2"}, ["w1", "w2"], {}),
    # Everything on m1 and m2 empty: the surplus is misplaced, reported only (rebalance none).
    (W[:4], TWO, dict.fromkeys(W[:4], "m1"), PlacementSpec(SPREAD), {}, ["w1", "w2"],
     {"w3": ("m1", "m2"), "w4": ("m1", "m2")}),
    # ... and new ones balance around the misplaced ones that stay.
    (W[:6], TWO, dict.fromkeys(W[:4], "m1"), PlacementSpec(SPREAD), {"w5": "m2", "w6": "m2"}, ["w1", "w2", "w3"],
     {"w4": ("m1", "m2")}),
    # With move, new ones fill the shares counting the moved ones.
    (W[:6], TWO, dict.fromkeys(W[:4], "m1"), PlacementSpec(SPREAD, rebalance="move"), {"w5": "m2", "w6": "m2"},
     ["w1", "w2", "w3"], {"w4": ("m1", "m2")}),
    # A list of members: only those; one outside is misplaced.
    (W[:4], THREE, {"w1": "m3"}, PlacementSpec(MEMBERS, members=("m2", "m3")),
     {"w2": "m2", "w3": "m2", "w4": "m3"}, ["w1"], {}),
    # (with rebalance none w1 stays on m1, so w2 takes m2, where a move would have taken w1)
    (W[:2], THREE, {"w1": "m1"}, PlacementSpec(MEMBERS, members=("m2", "m3")), {"w2": "m2"}, [],
     {"w1": ("m1", "m2")}),
    (W[:2], THREE, {"w1": "m1"}, PlacementSpec(MEMBERS, members=("m2", "m3"), rebalance="move"), {"w2": "m3"}, [],
     {"w1": ("m1", "m2")}),
    # single with a target: all there; others misplaced.
    (W[:3], TWO, {"w1": "m2"}, PlacementSpec(SINGLE, target="m1"), {"w2": "m1", "w3": "m1"}, [],
     {"w1": ("m2", "m1")}),
    # single without target: the member most of the farm is on.
    (W[:3], TWO, {"w1": "m2", "w2": "m2", "w3": "m1"}, PlacementSpec(SINGLE), {}, ["w1", "w2"],
     {"w3": ("m1", "m2")}),
    # single without target on a new farm: the server picks.
    (W[:2], TWO, {}, PlacementSpec(SINGLE), {"w1": None, "w2": None}, [], {}),
    # Instances of other farms do not count.
    (W[:2], TWO, {"other1": "m1", "other2": "m1"}, PlacementSpec(SPREAD), {"w1": "m1", "w2": "m2"}, [], {}),
])
def test_place(names, members, locations, spec, new, kept, misplaced):
    result = place(names, members, locations, spec)
    assert result.new == new
    assert result.kept == kept
    assert result.misplaced == misplaced
    assert result.offline == {}
    assert result.moves == (misplaced if spec.rebalance == "move" else {})


def test_single_without_target_follows_first():
    assert place(W[:2], TWO, {}, PlacementSpec(SINGLE)).follow_first
    assert not place(W[:2], TWO, {}, PlacementSpec(SINGLE, target="m2")).follow_first
    assert not place(W[:2], TWO, {}, PlacementSpec(SPREAD)).follow_first


def test_members_and_specs_are_values():
    # Hashable and equal by value: they are compared, and kept in sets and as keys.
    assert len({Member("m1"), Member("m1"), Member("m1", online=False)}) == 2
    assert len({PlacementSpec(SPREAD), PlacementSpec(SPREAD), PlacementSpec(SINGLE, target="m1")}) == 2


def test_shares_remainder_goes_to_the_member_holding_most():
    assert _shares(3, [], {}) == {}
    assert _shares(5, ["a", "b"], {}) == {"a": 3, "b": 2}
    # A member missing from `held` holds nothing: the remainder goes to the one that holds one.
    assert _shares(1, ["a", "b"], {"b": 1}) == {"a": 0, "b": 1}


def test_least_loaded_prefers_members_below_their_share():
    # Below its share (strictly) first, even if more loaded...
    assert _least_loaded(["a", "b"], {"a": 1, "b": 2}, {"a": 1, "b": 3}) == "b"
    # ...and the least loaded of all when every member has its share, ties by member order.
    assert _least_loaded(["a", "b"], {"a": 2, "b": 2}, {"a": 2, "b": 2}) == "a"
    assert _least_loaded(["a", "b"], {"a": 3, "b": 2}, {"a": 2, "b": 2}) == "b"


def test_single_follows_a_member_the_cluster_no_longer_lists_and_refuses_it():
    # w1 sits on a member gone from the cluster: it is where the farm is, and it is offline.
    with pytest.raises(PlacementError, match="member gone is offline"):
        place(W[:2], TWO, {"w1": "gone"}, PlacementSpec(SINGLE))
    with pytest.raises(PlacementError, match="member gone is offline"):
        place(W[:3], TWO, {"w1": "gone", "w2": "gone"}, PlacementSpec(SINGLE))


def test_single_on_an_offline_target_with_the_farm_elsewhere_is_refused():
    # Nothing to create, but w1 would have to go onto the offline target.
    with pytest.raises(PlacementError, match="member m2 is offline"):
        place(W[:1], M2_DOWN, {"w1": "m1"}, PlacementSpec(SINGLE, target="m2"))


def test_offline_member_reported_not_replaced():
    locations = {"w1": "m1", "w2": "m2", "w3": "m1", "w4": "m2"}
    result = place(W[:4], M2_DOWN, locations, PlacementSpec(SPREAD, rebalance="recreate"))
    assert result.offline == {"w2": "m2", "w4": "m2"}
    assert result.new == {} and result.recreates == {} and result.misplaced == {}
    assert result.kept == ["w1", "w3"]


def test_scale_up_while_member_down_then_back():
    """m2 down: new replicas go to m1; m2 back with rebalance move: one moves back, the rest stay."""
    locations = {"w1": "m1", "w2": "m2", "w3": "m1", "w4": "m2"}
    down = place(W, M2_DOWN, locations, PlacementSpec(SPREAD, rebalance="move"))
    assert down.new == {"w5": "m1", "w6": "m1"}
    assert down.offline == {"w2": "m2", "w4": "m2"}
    locations.update(down.new)
    back = place(W, TWO, locations, PlacementSpec(SPREAD, rebalance="move"))
    assert back.moves == {"w6": ("m1", "m2")}
    assert back.kept == ["w1", "w2", "w3", "w4", "w5"]
    assert counts(back.layout(locations)) == {"m1": 3, "m2": 3}


def test_unknown_member_is_offline():
    result = place(W[:2], TWO, {"w1": "gone", "w2": "m1"}, PlacementSpec(SPREAD))
    assert result.offline == {"w1": "gone"}


@pytest.mark.parametrize(("names", "members", "locations", "spec", "message"), [
    (W[:1], [], {}, PlacementSpec(SPREAD), "this LXD is not a cluster"),
    (W[:1], TWO, {}, PlacementSpec(MEMBERS, members=("m1", "pi9")),
     "pi9 is not a member of the cluster; its members are m1, m2"),
    (W[:1], TWO, {}, PlacementSpec(SINGLE, target="pi9"), "pi9 is not a member"),
    (W[:1], M2_DOWN, {}, PlacementSpec(SINGLE, target="m2"), "member m2 is offline"),
    (W[:1], M2_DOWN, {}, PlacementSpec(MEMBERS, members=("m2",)),
     r"no member to place on is online \(m2 all offline\)"),
    (W[:1], [Member("m1", False), Member("m2", False)], {}, PlacementSpec(SPREAD),
     r"no member to place on is online \(m1, m2 all offline\)"),
])
def test_place_refused(names, members, locations, spec, message):
    with pytest.raises(PlacementError, match=message):
        place(names, members, locations, spec)


@pytest.mark.parametrize(("members", "spec", "message"), [
    ([], PlacementSpec(SPREAD), "this Incus is not a cluster"),
    (M2_DOWN, PlacementSpec(SINGLE, target="m2"), r"bring m2 back \(incus cluster list\)"),
    (M2_DOWN, PlacementSpec(MEMBERS, members=("m2",)), r"\(incus cluster list shows their state\)"),
])
def test_on_incus_the_messages_name_incus(members, spec, message):
    with pytest.raises(PlacementError, match=message):
        place(W[:1], members, {}, spec, Server("incus", "6.0.4"))


member_sets = st.lists(st.booleans(), min_size=1, max_size=4).map(
    lambda flags: [Member(f"m{i + 1}", online) for i, online in enumerate(flags)])


@st.composite
def cases(draw):
    members = draw(member_sets)
    names = [f"w{i}" for i in range(draw(st.integers(0, 12)))]
    where = st.sampled_from([m.name for m in members] + [None])
    locations = {}
    for name in names + ["x1", "x2"]:
        member = draw(where)
        if member is not None:
            locations[name] = member
    rebalance = draw(st.sampled_from(["none", "move", "recreate"]))
    return names, members, locations, rebalance


@settings(max_examples=300, deadline=None)
@given(cases())
def test_spread_properties(case):
    names, members, locations, rebalance = case
    spec = PlacementSpec(SPREAD, rebalance=rebalance)
    online = [m.name for m in members if m.online]
    if not online:
        with pytest.raises(PlacementError):
            place(names, members, locations, spec)
        return
    result = place(names, members, locations, spec)
    # Every desired instance is accounted for exactly once.
    buckets = [set(result.new), set(result.kept), set(result.misplaced), set(result.offline)]
    assert sorted(n for b in buckets for n in b) == sorted(names)
    # Offline ones stay where they are, and nothing goes to an offline member.
    assert all(locations[n] == m and m not in online for n, m in result.offline.items())
    assert all(m in online for m in result.new.values())
    assert all(pair[1] in online for pair in result.misplaced.values())
    # Deterministic.
    assert place(names, members, locations, spec) == result
    if rebalance != "none":
        # Even over the online members, and stable: a second run changes nothing.
        layout = result.layout({n: m for n, m in locations.items() if n in names and n not in result.offline})
        sizes = [len(layout.get(m, [])) for m in online]
        assert max(sizes) - min(sizes) <= 1
        after = dict(locations)
        for name, pair in result.misplaced.items():
            after[name] = pair[1]
        after.update({n: m for n, m in result.new.items() if m is not None})
        again = place(names, members, after, spec)
        assert again.new == {} and again.misplaced == {}
        assert set(again.kept) == set(names) - set(result.offline)
    else:
        assert result.moves == {} and result.recreates == {}
        # Kept ones are a subset of what rebalance would keep too: moving never touches them.
        moved = place(names, members, locations, PlacementSpec(SPREAD, rebalance="move"))
        assert moved.kept == result.kept
