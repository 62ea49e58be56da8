# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns planner: what changes in the forward and the reverse zone, whatever the store."""

from __future__ import annotations

import gc
import weakref
from dataclasses import dataclass
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import (
    DnsPlan,
    Records,
    Request,
    absolute,
    check_request,
    plan_forward,
    plan_reverse,
    ptr_owners,
    publish,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ZoneError

ZONE = "lab.example.net."
REVERSE = "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."
A1, A2, B1 = "2001:db8:ebbd:2080::a1", "2001:db8:ebbd:2080::a2", "2001:db8:ebbd:2080::b1"
PTR_A1 = "1.a.0.0" + ".0" * 12
PTR_1 = "1.0.0.0" + ".0" * 12


@pytest.mark.parametrize("owned, current, wanted, kwargs, add, remove, change, aaaa, owned_after", [
    # first publish
    (set(), {}, {"w1": [A1]}, {}, ["w1"], [], [], {"w1": [A1]}, {"w1"}),
    # nothing to do
    ({"w1"}, {"w1": (3600, [A1])}, {"w1": [A1]}, {}, [], [], [], {}, {"w1"}),
    # an address changes
    ({"w1"}, {"w1": (3600, [A1])}, {"w1": [B1]}, {}, [], [], ["w1"], {"w1": [B1]}, {"w1"}),
    # only the TTL changes
    ({"w1"}, {"w1": (60, [A1])}, {"w1": [A1]}, {}, [], [], ["w1"], {"w1": [A1]}, {"w1"}),
    # a name that exists but is not managed is taken over
    (set(), {"w1": (3600, [A2])}, {"w1": [A1]}, {}, ["w1"], [], [], {"w1": [A1]}, {"w1"}),
    # ... and when it already has the right records, only the ownership changes
    (set(), {"w1": (3600, [A1])}, {"w1": [A1]}, {}, ["w1"], [], [], {}, {"w1"}),
    # without prune, managed names stay
    ({"w1", "w2"}, {"w1": (3600, [A1]), "w2": (3600, [A2])}, {"w1": [A1]}, {}, [], [], [], {}, {"w1", "w2"}),
    # prune removes the managed names no longer wanted
    ({"w1", "w2"}, {"w1": (3600, [A1]), "w2": (3600, [A2])}, {"w1": [A1]}, {"prune": True},
     [], ["w2"], [], {"w2": None}, {"w1"}),
    # a managed name whose records someone else deleted: only the ownership goes
    ({"w1", "w2"}, {"w1": (3600, [A1])}, {"w1": [A1]}, {"prune": True}, [], ["w2"], [], {}, {"w1"}),
    # state=absent removes only managed names
    ({"w1"}, {"w1": (3600, [A1]), "router": (3600, [A2])}, {"w1": [], "router": []}, {"state": "absent"},
     [], ["w1"], [], {"w1": None}, set()),
])
def test_plan_forward(owned: set[str], current: dict[str, Any], wanted: dict[str, list[str]],
                      kwargs: dict[str, Any], add: list[str], remove: list[str], change: list[str],
                      aaaa: dict[str, Any], owned_after: set[str]) -> None:
    fwd = plan_forward(owned, current, wanted, 3600, **kwargs)
    assert (fwd.add, fwd.remove, fwd.change, fwd.aaaa, fwd.owned_after) == (add, remove, change, aaaa, owned_after)
    assert fwd.changed == bool(aaaa or owned != owned_after)


def test_plan_forward_refuses_a_prune_beyond_the_threshold() -> None:
    current = {n: (3600, [A1]) for n in ("w1", "w2", "w3")}
    with pytest.raises(ZoneError, match=r"removing 2 of 3 managed names \(67%\) exceeds max_delete_percent=50"):
        plan_forward({"w1", "w2", "w3"}, current, {"w1": [A1]}, 3600, prune=True, max_delete_percent=50)
    fwd = plan_forward({"w1", "w2", "w3"}, current, {"w1": [A1]}, 3600, prune=True, max_delete_percent=50, force=True)
    assert fwd.remove == ["w2", "w3"]


def test_ptr_owners_skip_addresses_outside_the_reverse_zone() -> None:
    assert ptr_owners({"w1": [A1, "2001:db8:ffff::1"]}, ZONE, REVERSE) == {PTR_A1}


@pytest.mark.parametrize("current, wanted, delete, add", [
    ({}, {PTR_A1: ["w1.lab.example.net."]}, {}, {PTR_A1: ["w1.lab.example.net."]}),
    ({PTR_A1: (3600, ["w1.lab.example.net."])}, {PTR_A1: ["w1.lab.example.net."]}, {}, {}),
    # the TTL changes: added again with the new one
    ({PTR_A1: (60, ["w1.lab.example.net."])}, {PTR_A1: ["w1.lab.example.net."]}, {}, {PTR_A1: ["w1.lab.example.net."]}),
    # an old PTR of a managed name goes; one pointing elsewhere stays
    ({PTR_A1: (3600, ["w1.lab.example.net.", "printer.example.org."]), PTR_1: (3600, ["router.lab.example.net."])},
     {}, {PTR_A1: ["w1.lab.example.net."]}, {}),
])
def test_plan_reverse(current: dict[str, Any], wanted: dict[str, list[str]], delete: dict[str, list[str]],
                      add: dict[str, list[str]]) -> None:
    rev = plan_reverse(current, wanted, {"w1.lab.example.net."}, 3600)
    assert (rev.delete, rev.add) == (delete, add)


def test_plan_reverse_after_keeps_foreign_records() -> None:
    rev = plan_reverse({PTR_A1: (3600, ["w1.lab.example.net.", "printer.example.org."])}, {},
                       {"w1.lab.example.net."}, 3600)
    assert rev.after == {PTR_A1: (3600, ["printer.example.org."])}


# ---------------------------------------------------------------------------------------------------------------
# The whole plan, against a store in memory
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class MemoryChange:
    changed: bool
    key: str = "zone"
    serial_before: int | None = 1
    serial_after: int | None = 1

    def diffs(self) -> list[dict[str, str]]:
        return []


class MemoryStore:
    """A store that holds its records in memory and keeps the plan it was given."""

    where = "the memory"

    def __init__(self, current: dict[str, Any] | None = None, owned: set[str] | None = None,
                 foreign: dict[str, set[str]] | None = None, reverse: dict[str, Any] | None = None,
                 wholly_owned: bool = False, take_over: bool = False) -> None:
        self.current = current or {}
        self.owned = owned if owned is not None else set(self.current)
        self.others = foreign or {}
        self.reverse = reverse or {}
        self.wholly_owned = wholly_owned
        self.take_over = take_over
        self.calls: list[str] = []
        self.owners: set[str] = set()
        self.plan: DnsPlan | None = None

    def check(self) -> None:
        self.calls.append("check")

    def session(self, attempt: Any) -> Any:
        self.calls.append("session")
        return attempt()

    def read(self, zone: str, wanted: dict[str, list[str]]) -> Records:
        self.calls.append("read")
        return Records(self.current, set(self.owned))

    def foreign(self) -> dict[str, set[str]]:
        self.calls.append("foreign")
        return self.others

    def read_reverse(self, reverse_zone: str, owners: Any) -> Records:
        self.calls.append("read_reverse")
        self.owners = owners()
        return Records(self.reverse, wholly_owned=self.wholly_owned)

    def apply(self, dns_plan: DnsPlan, check_mode: bool) -> tuple[list[MemoryChange], list[str]]:
        self.calls.append(f"apply check_mode={check_mode}")
        self.plan = dns_plan
        changed = dns_plan.forward.changed or bool(dns_plan.reverse and dns_plan.reverse.changed)
        return [MemoryChange(changed)], ["a backup"] if changed else []


def req(records: list[dict[str, Any]], **kwargs: Any) -> Request:
    return Request(zone="lab.example.net", records=records, **kwargs)


W1 = [{"name": "w1", "addresses": [A1]}]


def test_publish_reads_plans_and_applies_in_that_order() -> None:
    store = MemoryStore({"w2": (3600, [A2])})
    outcome = publish(req(W1), store, True)
    assert store.calls == ["check", "session", "read", "foreign", "apply check_mode=True"]
    assert (outcome.changed, outcome.added, outcome.removed, outcome.updated) == (True, ["w1"], [], [])
    assert outcome.records == {"w1": [A1], "w2": [A2]} and outcome.backups == ["a backup"]
    assert store.plan is not None and store.plan.zone == ZONE and store.plan.reverse is None


class Watching(MemoryStore):
    """A memory store that notes the request's records when it reads, and whether what it read is still held
    when it is asked to apply."""

    def __init__(self, request: Request, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.request = request
        self.records_at_read: list[Any] | None = None
        self.read_back: list[weakref.ref[Records]] = []
        self.alive_at_apply: list[bool] = []

    def read(self, zone: str, wanted: dict[str, list[str]]) -> Records:
        self.records_at_read = list(self.request.records)
        records = super().read(zone, wanted)
        self.read_back.append(weakref.ref(records))
        return records

    def read_reverse(self, reverse_zone: str, owners: Any) -> Records:
        records = super().read_reverse(reverse_zone, owners)
        self.read_back.append(weakref.ref(records))
        return records

    def apply(self, dns_plan: DnsPlan, check_mode: bool) -> tuple[list[MemoryChange], list[str]]:
        self.alive_at_apply = [ref() is not None for ref in self.read_back]
        return super().apply(dns_plan, check_mode)


def test_what_was_given_and_read_is_let_go_before_the_store_applies() -> None:
    # At 100,000 records the records as given, the records read and the PTR records wanted hold tens of MB
    # each: none of them stays under what the store makes when it applies the plan.
    request = req(W1, ptr=True, reverse_zone=REVERSE)
    store = Watching(request, current={"w2": (3600, [A2])})
    outcome = publish(request, store, False, consume_records=True)
    assert store.records_at_read == [] and request.records == []
    assert store.alive_at_apply == [False, False]
    assert outcome.added == ["w1"] and store.plan is not None and store.plan.reverse is not None
    assert store.plan.forward.result == {"w1": [A1], "w2": [A2]}
    # By default a request keeps its records: it can be published again (check mode, then the run).
    request = req(W1)
    store = Watching(request)
    assert publish(request, store, True).added == ["w1"]
    assert store.records_at_read == W1 and request.records == W1
    assert publish(request, Watching(request), False).added == ["w1"]


def test_nothing_to_do_is_no_change() -> None:
    outcome = publish(req(W1), MemoryStore({"w1": (3600, [A1])}), False)
    assert not outcome.changed and outcome.backups == [] and outcome.updated == []


def test_a_ttl_change_updates_the_managed_names() -> None:
    outcome = publish(req(W1, ttl=300), MemoryStore({"w1": (3600, [A1])}), False)
    assert outcome.changed and outcome.updated == ["w1"]


def test_absent_reads_no_foreign_records() -> None:
    store = MemoryStore({"w1": (3600, [A1])}, foreign={"w1": {"CNAME"}})
    outcome = publish(req([{"name": "w1"}], state="absent"), store, False)
    assert "foreign" not in store.calls and outcome.removed == ["w1"] and outcome.records == {}


@pytest.mark.parametrize("store_takes_over, take_over, message", [
    (False, True, "remove them from the zone file"),
    (False, False, "remove them from the zone file"),
    (True, False, "set take_over=true"),
    (True, True, None),
])
def test_taking_over_is_for_stores_that_can(store_takes_over: bool, take_over: bool, message: str | None) -> None:
    store = MemoryStore(foreign={"w1": {"AAAA"}}, take_over=store_takes_over)
    if message is None:
        assert publish(req(W1, take_over=take_over), store, False).added == ["w1"]
        return
    with pytest.raises(ZoneError, match=f"name w1 already has AAAA records in the memory, .*{message}"):
        publish(req(W1, take_over=take_over), store, False)
    assert "apply check_mode=False" not in store.calls


def test_the_warnings_of_the_records_come_before_those_of_the_plan() -> None:
    ula = "fd6a:c19d:b07:2080::5"
    records = [{"name": "w5", "addresses": [A1], "mac": "00:16:3e:97:4e:c9", "prefix": "2001:db8:ebbd:2080::/64"},
               {"name": "w6", "addresses": [ula]}]
    outcome = publish(req(records, ptr=True, reverse_zone=REVERSE), MemoryStore(), False)
    assert len(outcome.warnings) == 2
    assert outcome.warnings[0].startswith("w5: the EUI-64 address")
    assert outcome.warnings[1].startswith("ptr=true: 1 address outside the reverse zone")


@pytest.mark.parametrize("wholly_owned, after", [
    # a reverse include file: every PTR record there is the module's, the one of a name it never had too
    (True, {PTR_A1: (3600, ["w1.lab.example.net."]), PTR_1: (3600, [])}),
    # a dynamic zone: only the PTR records pointing to a managed name are the module's
    (False, {PTR_A1: (3600, ["w1.lab.example.net."]), PTR_1: (3600, ["router.lab.example.net."])}),
])
def test_which_ptr_records_are_the_modules(wholly_owned: bool, after: dict[str, Any]) -> None:
    store = MemoryStore({"w2": (3600, [A2])}, reverse={PTR_1: (3600, ["router.lab.example.net."])},
                        wholly_owned=wholly_owned)
    outcome = publish(req(W1, ptr=True, reverse_zone="2001:db8:ebbd:2080::/64", prune=True, force=True), store, False)
    assert store.calls[-2:] == ["read_reverse", "apply check_mode=False"]
    assert store.owners == {PTR_A1, "2.a.0.0" + ".0" * 12}
    assert store.plan is not None and store.plan.reverse_zone == REVERSE and store.plan.reverse is not None
    assert store.plan.reverse.after == after
    assert outcome.removed == ["w2"] and outcome.records == {"w1": [A1]}


def test_no_ptr_record_for_a_managed_name_without_records() -> None:
    store = MemoryStore({}, owned={"w2"})  # a dynamic zone where someone deleted w2's records
    publish(req(W1, ptr=True, reverse_zone=REVERSE), store, False)
    assert store.plan is not None and store.plan.reverse is not None
    assert store.plan.reverse.add == {PTR_A1: ["w1.lab.example.net."]}


@pytest.mark.parametrize("options", [{"ttl": 0}, {"ttl": 2 ** 31 - 1}, {"max_delete_percent": 0},
                                     {"max_delete_percent": 100}])
def test_the_bounds_of_the_options_are_allowed(options: dict[str, Any]) -> None:
    check_request(req([], **options))


@pytest.mark.parametrize("options, message", [
    ({"ttl": -1}, "ttl -1 is out of range"),
    ({"ttl": 2 ** 31}, "ttl 2147483648 is out of range"),
    ({"max_delete_percent": -1}, "max_delete_percent -1 is not a share from 0 to 100"),
    ({"max_delete_percent": 101}, "max_delete_percent 101 is not a share from 0 to 100"),
])
def test_options_out_of_bounds_are_refused_before_the_store_is_asked(options: dict[str, Any], message: str) -> None:
    store = MemoryStore()
    with pytest.raises(ZoneError, match=message):
        publish(req(W1, **options), store, False)
    assert store.calls == []


def test_the_absolute_names_of_owners() -> None:
    assert absolute("@", ZONE) == ZONE and absolute("w1", ZONE) == "w1." + ZONE


def test_a_reverse_zone_without_ptr_is_left_alone() -> None:
    store = MemoryStore()
    publish(req(W1, reverse_zone=REVERSE), store, False)
    assert "read_reverse" not in store.calls and store.plan is not None and store.plan.reverse is None


@pytest.mark.parametrize("removed, listed", [
    (5, "w1, w2, w3, w4, w5; raise"),
    (6, "w1, w2, w3, w4, w5 ...; raise"),
])
def test_a_refused_prune_lists_five_names_at_the_most(removed: int, listed: str) -> None:
    current = {f"w{i}": (3600, [A1]) for i in range(1, removed + 2)}
    wanted = {f"w{removed + 1}": [A1]}
    with pytest.raises(ZoneError, match=rf"removing {removed} of {removed + 1} managed names .*: {listed}"):
        plan_forward(set(current), current, wanted, 3600, prune=True, max_delete_percent=50)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_cycle_collector_rests_while_planning_and_comes_back_as_it_was(enabled: bool) -> None:
    seen: list[bool] = []

    class Watching(MemoryStore):
        def read(self, zone: str, wanted: dict[str, list[str]]) -> Records:
            seen.append(gc.isenabled())
            return super().read(zone, wanted)

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        publish(req(W1), Watching(), False)
        assert (seen, gc.isenabled()) == ([False], enabled)
        with pytest.raises(ZoneError):
            publish(req(W1, ttl=-1), Watching(), False)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
