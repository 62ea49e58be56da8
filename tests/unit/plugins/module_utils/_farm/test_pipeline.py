# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm import pipeline
from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.pipeline import (
    FARM_KEY,
    FarmError,
    Step,
    desired_names,
    diff_of,
    drift,
    instance_facts,
    no_global_message,
    plan,
    prune_candidates,
    run_farm,
    update_body,
    without_global,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import Server
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_farm import build_spec
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64
from ansible_collections.palmfarm.ipv6.plugins.modules import lxd_farm
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import (
    BRIDGE,
    FINGERPRINT,
    GLOBAL,
    ULA,
    FakeLxd,
    instance,
    run_main,
)


def spec(**params: Any) -> pipeline.FarmSpec:
    params.setdefault("name_prefix", "w")
    params.setdefault("count", 3)
    if "names" in params:
        params.pop("name_prefix")
        params.pop("count")
    return build_spec(params)


# --------------------------------------------------------------------------------------------------
# The desired set


@pytest.mark.parametrize("names, prefix, count, start, expected", [
    (None, "w", 9, 2, ["w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10"]),  # the seed's w2 .. w10
    (None, "w", 3, 1, ["w1", "w2", "w3"]),
    (None, "itfarm-w", 2, 0, ["itfarm-w0", "itfarm-w1"]),
    (None, "w", 0, 1, []),
    (["b", "a"], None, None, 1, ["b", "a"]),
    ([], None, None, 1, []),
])
def test_desired_names(names: list[str] | None, prefix: str | None, count: int | None, start: int,
                       expected: list[str]) -> None:
    assert desired_names(names, prefix, count, start) == expected


@pytest.mark.parametrize("params, message", [
    ({"name_prefix": "w", "count": -1}, "count is -1; it must be 0 or more"),
    ({"name_prefix": "w", "count": 2, "start_index": -3}, "start_index is -3"),
    ({"name_prefix": "w"}, "name_prefix 'w' needs count"),
    ({}, "give either names or name_prefix"),
    ({"names": ["a", "b", "a"]}, "names lists a more than once"),
    ({"names": ["1bad_name"]}, "instance name '1bad_name' is not a valid hostname label"),
    ({"name_prefix": "1bad", "count": 1}, "instance name '1bad1' is not a valid hostname label; use letters, "
                                          "digits and hyphens, starting with a letter and not ending with a "
                                          "hyphen (e.g. w2) (from name_prefix '1bad')"),
    ({"name_prefix": "w_", "count": 1}, "instance name 'w_1'"),
    ({"names": ["x" * 64]}, "is 64 characters long; LXD allows at most 63"),
    ({"names": ["a"], "profiles": ["bad name"]}, "profile name 'bad name' contains a slash or white space"),
    ({"names": ["a"], "prune": True}, "prune with names needs farm"),
    ({"names": ["a"], "farm": ""}, "farm is empty"),
    ({"names": ["a"], "workers": 0}, "workers is 0; it must be 1 or more"),
    ({"names": ["a"], "wait_timeout": -1}, "wait_timeout is -1"),
    ({"names": ["a"], "state": "running"}, "state 'running' is not one of started, stopped, absent"),
    ({"names": ["a"], "config": {"user.x": [1, 2]}}, "config.user.x is a list"),
    ({"names": ["a"], "devices": {"eth0": {"nictype": "bridged"}}}, "device(s) 'eth0' have no 'type'"),
    ({"names": ["a"], "devices": {"eth0": "nic"}}, "device 'eth0' is a str ('nic'); each device is a dict"),
])
def test_build_spec_rejects(params: dict[str, Any], message: str) -> None:
    with pytest.raises(FarmError) as info:
        build_spec(params)
    assert message in str(info.value)


def test_build_spec_normalises_values_and_defaults() -> None:
    config = {"limits.cpu": 2, "security.nesting": True, "user.note": None}
    devices = {"eth0": {"type": "nic", "mtu": 1400, "parent": "br0"}}
    result = build_spec({"name_prefix": "w", "count": 2, "config": config, "devices": devices})
    assert result.names == ["w1", "w2"]
    assert result.profiles == ["default"]
    assert result.state == "started"
    assert result.workers == 10 and result.wait_for_ipv6 is True and result.wait_timeout == 60
    assert result.config == {"limits.cpu": "2", "security.nesting": "true", "user.note": ""}
    assert result.devices == {"eth0": {"type": "nic", "mtu": "1400", "parent": "br0"}}
    assert result.name_prefix == "w"


# --------------------------------------------------------------------------------------------------
# Drift and the plan


@pytest.mark.parametrize("params, current, expected", [
    # Same profiles, LXD's own keys differ: no drift.
    ({}, instance("w1"), {}),
    ({"profiles": ["default", "extbridge"]}, instance("w1"), {"profiles": (["default"], ["default", "extbridge"])}),
    # Order of profiles matters to LXD.
    ({"profiles": ["extbridge", "default"]}, instance("w1", profiles=["default", "extbridge"]),
     {"profiles": (["default", "extbridge"], ["extbridge", "default"])}),
    # Values compared as strings.
    ({"config": {"limits.cpu": 2, "security.nesting": True}},
     instance("w1", config={"limits.cpu": "2", "security.nesting": "true"}), {}),
    ({"config": {"limits.cpu": 2}}, instance("w1", config={"limits.cpu": "1"}),
     {"config": ({"limits.cpu": "1"}, {"limits.cpu": "2"})}),
    # A key the spec does not list is removed when config is managed...
    ({"config": {}}, instance("w1", config={"limits.cpu": "1"}), {"config": ({"limits.cpu": "1"}, {})}),
    # ...and left alone when it is not.
    ({}, instance("w1", config={"limits.cpu": "1"}), {}),
    # volatile.* and image.* in the spec are ignored in the comparison.
    ({"config": {"volatile.eth0.hwaddr": "00:16:3e:aa:bb:cc"}}, instance("w1"), {}),
    # The farm label.
    ({"farm": "web"}, instance("w1", config={FARM_KEY: "web"}), {}),
    ({"farm": "web"}, instance("w1"), {"config": ({}, {FARM_KEY: "web"})}),
    ({"farm": "web", "config": {"limits.cpu": "1"}}, instance("w1", config={"limits.cpu": "1"}),
     {"config": ({"limits.cpu": "1"}, {"limits.cpu": "1", FARM_KEY: "web"})}),
    # Without farm, a label is not this task's business.
    ({"config": {}}, instance("w1", config={FARM_KEY: "other"}), {}),
    # Devices.
    ({"devices": {"eth1": {"type": "nic", "mtu": 1400, "parent": "br0", "nictype": "bridged"}}},
     instance("w1", devices={"eth1": {"type": "nic", "mtu": "1400", "parent": "br0", "nictype": "bridged"}}), {}),
    ({"devices": {}}, instance("w1", devices={"eth1": {"type": "nic", "parent": "br0", "nictype": "bridged"}}),
     {"devices": ({"eth1": {"type": "nic", "parent": "br0", "nictype": "bridged"}}, {})}),
])
def test_drift(params: dict[str, Any], current: dict[str, Any], expected: dict[str, Any]) -> None:
    assert drift(current, spec(**params)) == expected


def actions_of(steps: list[Step]) -> dict[str, list[str]]:
    return {s.name: s.actions for s in steps}


@pytest.mark.parametrize("params, current, expected", [
    ({}, {}, {"w1": ["create", "start"], "w2": ["create", "start"], "w3": ["create", "start"]}),
    ({}, {"w1": instance("w1"), "w2": instance("w2", "Stopped"), "w3": instance("w3", "Frozen")},
     {"w1": [], "w2": ["start"], "w3": ["start"]}),
    ({"state": "stopped"}, {"w1": instance("w1"), "w2": instance("w2", "Stopped")},
     {"w1": ["stop"], "w2": [], "w3": ["create"]}),
    ({"state": "absent"}, {"w1": instance("w1"), "w2": instance("w2", "Stopped")},
     {"w1": ["delete"], "w2": ["delete"], "w3": []}),
    ({"profiles": ["default", "extbridge"]}, {"w1": instance("w1"), "w2": instance("w2", "Stopped")},
     {"w1": ["update"], "w2": ["update", "start"], "w3": ["create", "start"]}),
    # Without prune, instances beyond the set are left alone.
    ({"count": 1}, {"w1": instance("w1"), "w2": instance("w2")}, {"w1": []}),
    # With prune, only name_prefix followed by digits goes.
    ({"count": 1, "prune": True},
     {"w1": instance("w1"), "w2": instance("w2"), "w10": instance("w10", "Stopped"), "web": instance("web"),
      "w2a": instance("w2a"), "w": instance("w"), "x3": instance("x3")},
     {"w1": [], "w2": ["delete"], "w10": ["delete"]}),
    ({"count": 0, "prune": True}, {"w1": instance("w1"), "w2": instance("w2")}, {"w1": ["delete"], "w2": ["delete"]}),
    ({"state": "absent", "count": 1, "prune": True}, {"w1": instance("w1"), "w2": instance("w2")},
     {"w1": ["delete"], "w2": ["delete"]}),
    # With names, only instances labelled with the farm are pruned.
    ({"names": ["a"], "farm": "web", "prune": True},
     {"a": instance("a", config={FARM_KEY: "web"}), "b": instance("b", config={FARM_KEY: "web"}),
      "c": instance("c", config={FARM_KEY: "db"}), "d": instance("d")},
     {"a": [], "b": ["delete"]}),
])
def test_plan(params: dict[str, Any], current: dict[str, Any], expected: dict[str, list[str]]) -> None:
    assert actions_of(plan(spec(**params), current)) == expected


def test_prune_candidates_sorted_naturally() -> None:
    current = {n: instance(n) for n in ("w10", "w9", "w11", "w2")}
    assert prune_candidates(spec(count=1), current) == ["w2", "w9", "w10", "w11"]


def test_diff_of_maps_states_and_changed_settings() -> None:
    current = {"w1": instance("w1"), "w3": instance("w3", "Stopped")}
    steps = plan(spec(count=2, prune=True, profiles=["default", "extbridge"]), current)
    assert diff_of(steps) == {
        "before": {"w1": "Running", "w1.profiles": ["default"], "w2": "absent", "w3": "Stopped"},
        "after": {"w1": "Running", "w1.profiles": ["default", "extbridge"], "w2": "Running", "w3": "absent"},
    }


def test_update_body_keeps_lxd_keys_and_replaces_managed_ones() -> None:
    current = instance("w1", config={"limits.cpu": "1", "user.keep": "x"}, devices={"eth1": dict(BRIDGE)})
    body = update_body(current, spec(config={"limits.memory": "64MiB"}, farm="web", devices={},
                                     profiles=["default", "extbridge"]))
    assert body["config"] == {"image.os": "busybox", "volatile.base_image": "f238b06c",
                              "volatile.eth0.hwaddr": "00:16:3e:00:00:01", "volatile.last_state.power": "RUNNING",
                              "limits.memory": "64MiB", FARM_KEY: "web"}
    assert body["devices"] == {}
    assert body["profiles"] == ["default", "extbridge"]
    assert body["architecture"] == "x86_64" and body["ephemeral"] is False
    # Config not managed: everything kept, only the label set.
    body = update_body(current, spec(farm="web"))
    assert body["config"]["limits.cpu"] == "1" and body["config"]["user.keep"] == "x"
    assert body["config"][FARM_KEY] == "web"
    assert body["devices"] == {"eth1": BRIDGE}


# --------------------------------------------------------------------------------------------------
# Facts


def test_instance_facts_running() -> None:
    mac = "00:16:3e:97:4e:c9"
    facts = instance_facts("w2", instance("w2", profiles=["default", "extbridge"], mac=mac), created=True,
                           changed=True)
    assert facts == {
        "name": "w2", "state": "Running", "status": "Running", "mac": mac,
        "ipv6": {"global": ["2001:db8:ebbd:2080:216:3eff:fe97:4ec9"],
                 "ula": ["fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"],
                 "link_local": ["fe80::216:3eff:fe97:4ec9"], "deprecated": []},
        "ipv4": [], "address": "2001:db8:ebbd:2080:216:3eff:fe97:4ec9", "created": True, "changed": True,
        "location": "none",
    }


def test_instance_facts_stopped_takes_the_mac_from_lxd_config() -> None:
    facts = instance_facts("w2", instance("w2", "Stopped", mac="00:16:3e:12:34:56"))
    assert facts["state"] == "Stopped"
    assert facts["mac"] == "00:16:3e:12:34:56"
    assert facts["address"] is None and facts["ipv6"] == {"global": [], "ula": [], "link_local": [], "deprecated": []}


def test_instance_facts_absent() -> None:
    facts = instance_facts("w9", None)
    assert facts["state"] == "absent" and facts["status"] is None and facts["address"] is None


def test_without_global_skips_instances_without_nic_and_stopped_ones() -> None:
    current = {
        "a": instance("a", profiles=["default", "extbridge"]),
        "b": instance("b", profiles=["default", "extbridge"], prefixes=(ULA,)),
        "c": instance("c", profiles=["default", "extbridge"], prefixes=()),
        "d": instance("d"),  # no NIC: nothing to wait for
        "e": instance("e", "Stopped", profiles=["default", "extbridge"]),
    }
    assert without_global(list(current), current) == ["b", "c"]
    message = no_global_message(["b", "c"], current, 5)
    assert message.startswith("no global IPv6 prefix was seen within 5 s on b (fd6a:c19d:b07:2080:")
    assert "c (fe80::" in message
    assert "is a router advertising a global prefix on the bridge" in message


# --------------------------------------------------------------------------------------------------
# run_farm against a fake LXD


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def farm(fake: FakeLxd, check_mode: bool = False, reader: Any = None, **params: Any) -> dict[str, Any]:
    params.setdefault("image", "tiny")
    params.setdefault("profiles", ["default", "extbridge"])
    clock = FakeClock()
    extra = {"reader": reader} if reader is not None else {}
    return run_farm(spec(**params), fake, lambda: fake, check_mode=check_mode, clock=clock, sleep=clock.sleep,
                    kernel_usable=lambda: True, **extra)


def test_create_then_rerun_makes_no_write() -> None:
    fake = FakeLxd()
    result = farm(fake, farm="web")
    assert result["changed"] is True
    assert result["created"] == result["started"] == ["w1", "w2", "w3"]
    assert [i["name"] for i in result["instances"]] == ["w1", "w2", "w3"]
    for item in result["instances"]:
        assert item["created"] is True and item["state"] == "Running"
        assert item["address"] == eui64(item["mac"], GLOBAL)
    assert fake.instances["w1"]["config"][FARM_KEY] == "web"
    fake.calls.clear()
    again = farm(fake, farm="web")
    assert again["changed"] is False
    assert again["created"] == again["started"] == again["deleted"] == []
    assert again["diff"]["before"] == again["diff"]["after"] == {"w1": "Running", "w2": "Running", "w3": "Running"}
    # A client without a local connection: the few running instances' states are asked one by one.
    assert fake.paths()[0] == ("GET", "instances")
    assert sorted(fake.paths()[1:]) == [("GET", f"instances/w{i}/state") for i in (1, 2, 3)]
    assert [i["address"] for i in again["instances"]] == [i["address"] for i in result["instances"]]


class LocalFakeLxd(FakeLxd):
    """A FakeLxd reached over the local socket: its containers' addresses can come from the kernel."""

    conn = type("Conn", (), {"url": None, "project": "lab"})()


def kernel_reader(unreadable: tuple[str, ...] = ()) -> Any:
    """A stand-in for read_networks answering from the fake's states (None for the unreadable ones)."""
    seen: list[tuple[list[str], str | None]] = []

    def read(fake: FakeLxd) -> Any:
        def reader(names: list[str], project: str | None) -> dict[str, Any]:
            seen.append((list(names), project))
            return {n: None if n in unreadable else copy.deepcopy(fake.instances[n]["state"]["network"])
                    for n in names}
        return reader
    return read, seen


@pytest.mark.parametrize("unreadable, calls", [
    ((), []),
    (("w2",), [("GET", "instances/w2/state")]),
    (("w1", "w2", "w3", "w4"), [("GET", "instances")]),
])
def test_add_networks_asks_lxd_only_for_what_the_kernel_did_not_tell(
        unreadable: tuple[str, ...], calls: list[tuple[str, str]]) -> None:
    fake = LocalFakeLxd({f"w{i}": instance(f"w{i}", profiles=["default", "extbridge"], mac=f"00:16:3e:00:00:0{i}")
                         for i in range(1, 6)})
    fake.instances["w5"] = instance("w5", status="Stopped")
    listed = pipeline.list_instances(fake)
    assert all("state" not in i for i in listed.values())
    read, seen = kernel_reader(unreadable)
    fake.calls.clear()
    result = pipeline.add_networks(fake, listed, ["w1", "w2", "w3", "w4", "w5", "w6"], reader=read(fake))
    assert seen == [(["w1", "w2", "w3", "w4"], "lab")]
    assert fake.paths() == calls
    for i in range(1, 5):
        facts = instance_facts(f"w{i}", result[f"w{i}"])
        assert facts["address"] == eui64(f"00:16:3e:00:00:0{i}", GLOBAL)
        assert facts == instance_facts(f"w{i}", fake.instances[f"w{i}"])
    assert "state" not in result["w5"]
    assert instance_facts("w5", result["w5"]) == instance_facts("w5", fake.instances["w5"])


def test_add_networks_never_reads_the_kernel_for_a_remote_lxd() -> None:
    fake = FakeLxd({"w1": instance("w1")})
    fake.conn = type("Conn", (), {"url": "https://lxd.example.net:8443", "project": None})()  # type: ignore[attr-defined]
    read, seen = kernel_reader()
    result = pipeline.add_networks(fake, pipeline.list_instances(fake), ["w1"], reader=read(fake))
    assert seen == []
    assert result["w1"]["state"] == fake.instances["w1"]["state"]


def test_check_mode_writes_nothing_and_predicts() -> None:
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"]), "w5": instance("w5")})
    result = farm(fake, check_mode=True, count=2, prune=True)
    assert fake.writes == []
    assert result["changed"] is True
    assert result["created"] == result["started"] == ["w2"]
    assert result["deleted"] == ["w5"]
    assert result["diff"] == {"before": {"w1": "Running", "w2": "absent", "w5": "Running"},
                              "after": {"w1": "Running", "w2": "Running", "w5": "absent"}}
    assert [(i["name"], i["state"]) for i in result["instances"]] == [("w1", "Running"), ("w2", "Running"),
                                                                      ("w5", "absent")]


def test_unknown_image_names_it_lists_aliases_and_creates_nothing() -> None:
    fake = FakeLxd(aliases=("tiny", "base"))
    with pytest.raises(FarmError) as info:
        farm(fake, image="nosuch")
    assert "image 'nosuch' is neither an image alias nor a fingerprint" in str(info.value)
    assert "existing aliases: base, tiny" in str(info.value)
    assert fake.writes == []


@pytest.mark.parametrize("image, source", [
    ("tiny", {"type": "image", "alias": "tiny"}),
    (FINGERPRINT, {"type": "image", "fingerprint": FINGERPRINT}),
    (FINGERPRINT[:12].upper(), {"type": "image", "fingerprint": FINGERPRINT}),
])
def test_image_by_alias_or_fingerprint(image: str, source: dict[str, str]) -> None:
    fake = FakeLxd()
    farm(fake, count=1, image=image, farm="web", config={"limits.cpu": 1})
    assert fake.bodies == [{"name": "w1", "type": "container", "source": source,
                            "profiles": ["default", "extbridge"],
                            "config": {"limits.cpu": "1", FARM_KEY: "web"}, "devices": {}}]


def test_an_instance_that_stops_right_after_its_start_fails_the_task_by_name() -> None:
    fake = FakeLxd(stop_after_start=("w2",))
    with pytest.raises(FarmError, match=r"^instance\(s\) w2 did not keep running; running: w1, w3\n"
                                        r"w2 is Stopped; last lines of its lxc.log:") as info:
        farm(fake)
    result = info.value.result  # type: ignore[attr-defined]
    assert result["failed_instances"] == ["w2"] and result["running"] == ["w1", "w3"]
    assert [i["state"] for i in result["instances"]] == ["Running", "Stopped", "Running"]


def test_missing_image_when_creating() -> None:
    fake = FakeLxd()
    with pytest.raises(FarmError, match="image is required to create instances.*'lxc image list'"):
        farm(fake, image=None)
    assert fake.writes == []
    fake.server = Server("incus", "6.0.4")
    with pytest.raises(FarmError, match="'incus image list'"):
        farm(fake, image=None)


def test_unknown_profile_names_it_lists_existing_and_creates_nothing() -> None:
    fake = FakeLxd()
    with pytest.raises(FarmError) as info:
        farm(fake, profiles=["default", "nosuch"])
    assert ("profile nosuch not found on this LXD; existing profiles: default, extbridge, pfc-ext, ulaonly"
            in str(info.value))
    assert fake.writes == []


def test_start_failure_reports_log_tail_and_what_started() -> None:
    fake = FakeLxd(fail_start=("w2",))
    with pytest.raises(FarmError) as info:
        farm(fake)
    message = str(info.value)
    assert message.startswith("1 of 3 instance(s) failed (w2); started: w1, w3; running now: w1, w3")
    assert "w2: start failed: LXD operation 1 failed: Failed to start device" in message
    tail = message.split("last lines of its lxc.log:\n", 1)[1].splitlines()
    assert len(tail) == 20
    assert tail[-1] == "lxc start: failed to mount /nonexistent"
    assert ("GET", "instances/w2/logs/lxc.log") in fake.paths()
    result = info.value.result
    assert result["started"] == ["w1", "w3"]
    assert result["created"] == ["w1", "w2", "w3"]
    assert result["failed_instances"] == ["w2"]
    assert result["running"] == ["w1", "w3"]
    assert {i["name"]: i["state"] for i in result["instances"]} == {"w1": "Running", "w2": "Stopped", "w3": "Running"}


def test_ula_only_fails_at_timeout_naming_instances() -> None:
    fake = FakeLxd(global_prefix=False)
    with pytest.raises(FarmError) as info:
        farm(fake, count=2, wait_timeout=3)
    message = str(info.value)
    assert message.startswith("no global IPv6 prefix was seen within 3 s on w1 (fd6a:c19d:b07:2080:")
    assert ", w2 (fd6a:c19d:b07:2080:" in message
    assert "is a router advertising a global prefix on the bridge" in message
    result = info.value.result
    assert result["without_global"] == ["w1", "w2"]
    assert [i["ipv6"]["global"] for i in result["instances"]] == [[], []]
    assert result["created"] == ["w1", "w2"]
    # One list to plan; then per 0.2 s round one GET of each instance still waiting: 3 s is about 15 rounds.
    assert fake.paths().count(("GET", "instances")) == 1
    assert 14 <= fake.paths().count(("GET", "instances/w1")) <= 18


def test_waits_for_late_global_addresses_polling_only_those_still_waiting() -> None:
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"])}, slaac_reads=4)
    result = farm(fake, count=3)
    assert result["created"] == ["w2", "w3"]
    assert [i["address"] for i in result["instances"]] == [eui64(i["mac"], GLOBAL) for i in result["instances"]]
    # w1 had its address all along: never read again. w2 and w3: read after the start, then polled
    # until the fourth read shows the global address.
    assert fake.paths().count(("GET", "instances/w1")) == 0
    assert fake.paths().count(("GET", "instances/w2")) == 4
    assert fake.paths().count(("GET", "instances")) == 1


def test_check_mode_waits_for_the_running_instances_it_would_leave_alone() -> None:
    # w1 runs, but its global address is gone for two reads (a booting container's network manager taking
    # the link over): check mode waits for it as the real run would; w2, which it would create, is not waited for.
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"], prefixes=(ULA,))})
    fake.pending["w1"] = 2
    result = farm(fake, check_mode=True, count=2)
    assert fake.writes == []
    assert [(i["name"], i["state"]) for i in result["instances"]] == [("w1", "Running"), ("w2", "Running")]
    assert result["instances"][0]["address"] == eui64(result["instances"][0]["mac"], GLOBAL)
    assert result["instances"][1]["address"] is None
    assert fake.paths().count(("GET", "instances/w1")) == 2
    assert fake.paths().count(("GET", "instances/w2")) == 0
    # Without a global address at all, check mode fails as the run would, naming only w1.
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"], prefixes=(ULA,))})
    with pytest.raises(FarmError, match="no global IPv6 prefix was seen within 2 s on w1 ") as info:
        farm(fake, check_mode=True, count=2, wait_timeout=2)
    assert info.value.result["without_global"] == ["w1"] and fake.writes == []
    assert farm(fake, check_mode=True, count=2, wait_for_ipv6=False)["instances"][0]["address"] is None


def test_ula_only_passes_without_waiting() -> None:
    fake = FakeLxd(global_prefix=False)
    result = farm(fake, count=1, wait_for_ipv6=False)
    assert result["instances"][0]["address"] is None
    assert result["instances"][0]["ipv6"]["ula"]


def test_no_nic_is_not_waited_for() -> None:
    fake = FakeLxd()
    result = farm(fake, count=2, profiles=["default"])
    assert [i["state"] for i in result["instances"]] == ["Running", "Running"]
    # Each instance is read once after its start, and not polled.
    assert fake.paths().count(("GET", "instances")) == 1
    assert fake.paths().count(("GET", "instances/w1")) == 1


def test_update_stop_and_delete() -> None:
    fake = FakeLxd({"w1": instance("w1"), "w2": instance("w2", profiles=["default", "extbridge"]),
                    "w3": instance("w3")})
    result = farm(fake, count=2, prune=True, state="stopped")
    assert result["updated"] == ["w1"]
    assert result["stopped"] == ["w1", "w2"]
    assert result["deleted"] == ["w3"]
    assert set(fake.instances) == {"w1", "w2"}
    assert fake.instances["w1"]["profiles"] == ["default", "extbridge"]
    assert ("PUT", "instances/w3/state") in fake.paths()  # a running instance is stopped before DELETE
    assert [i["state"] for i in result["instances"]] == ["Stopped", "Stopped", "absent"]


# --------------------------------------------------------------------------------------------------
# The module's main()


def run_module(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
               fake: FakeLxd | None = None) -> dict[str, Any]:
    """lxd_farm's result for ARGS against FAKE (none: it must fail before it contacts LXD)."""
    return run_main(lxd_farm.main, args, capsys, monkeypatch, fake)


@pytest.mark.parametrize("args, message", [
    ({"names": ["a"], "name_prefix": "w", "count": 1}, "parameters are mutually exclusive: names|name_prefix"),
    ({"names": ["a"], "count": 1}, "parameters are mutually exclusive: names|count"),
    ({"image": "tiny"}, "one of the following is required: names, name_prefix"),
    ({"name_prefix": "w"}, "missing parameter(s) required by 'name_prefix': count"),
    ({"name_prefix": "itfarm-w", "count": -1}, "count is -1"),
    ({"names": ["1bad_name"]}, "instance name '1bad_name' is not a valid hostname label"),
])
def test_module_rejects_bad_input_before_contacting_lxd(
        args: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_module(args, capsys, monkeypatch)
    assert result["failed"] is True
    assert message in result["msg"]


def test_module_returns_the_farm(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLxd()
    args = {"name_prefix": "w", "start_index": 2, "count": 9, "image": "tiny", "profiles": ["default", "extbridge"]}
    result = run_module(args, capsys, monkeypatch, fake)
    assert result["changed"] is True
    assert [i["name"] for i in result["instances"]] == [f"w{n}" for n in range(2, 11)]
    assert all(i["address"] for i in result["instances"])
    again = run_module(args, capsys, monkeypatch, fake)
    assert again["changed"] is False


def test_module_failure_carries_the_instances(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLxd(fail_start=("w1",))
    result = run_module({"name_prefix": "w", "count": 2, "image": "tiny"}, capsys, monkeypatch, fake)
    assert result["failed"] is True
    assert "w1: start failed" in result["msg"]
    assert result["started"] == ["w2"]
    assert [i["name"] for i in result["instances"]] == ["w1", "w2"]


# --------------------------------------------------------------------------------------------------
# Stable-privacy addresses (addr_gen_mode)

SECRET = "a farm secret of some length"


@pytest.mark.parametrize("params, message", [
    ({"stable_secret": SECRET}, "stable_secret is given but addr_gen_mode is eui64; set addr_gen_mode: stable-privacy"),
    ({"addr_gen_mode": "stable-privacy", "stable_secret": "short"},
     "stable_secret is 5 characters long; give at least 16"),
    ({"addr_gen_mode": "random"}, "addr_gen_mode 'random' is not one of eui64, stable-privacy"),
    ({"addr_gen_mode": "stable-privacy", "config": {pipeline.SECRET_KEY: "::1"}},
     f"config sets {pipeline.SECRET_KEY}; this key belongs to addr_gen_mode"),
])
def test_build_spec_rejects_bad_stable_privacy_input(params: dict[str, Any], message: str) -> None:
    with pytest.raises(FarmError) as exc:
        spec(**params)
    assert str(exc.value).startswith(message)


def test_derive_secret_is_an_ipv6_address_per_instance_and_stable() -> None:
    one = pipeline.derive_secret(SECRET, "w1")
    assert one == pipeline.derive_secret(SECRET, "w1")
    assert one != pipeline.derive_secret(SECRET, "w2")
    assert one != pipeline.derive_secret(SECRET + "x", "w1")
    assert pipeline.valid_secret(one)
    assert SECRET not in repr(spec(addr_gen_mode="stable-privacy", stable_secret=SECRET))


def test_stable_privacy_with_a_secret_sets_derived_secrets_and_reruns_clean() -> None:
    fake = FakeLxd()
    result = farm(fake, addr_gen_mode="stable-privacy", stable_secret=SECRET)
    assert result["created"] == ["w1", "w2", "w3"]
    # The worker pool sends the creations in any order: compare by name.
    assert {b["name"]: b["config"][pipeline.SECRET_KEY] for b in fake.bodies} == {
        n: pipeline.derive_secret(SECRET, n) for n in ("w1", "w2", "w3")}
    fake.calls.clear()
    again = farm(fake, addr_gen_mode="stable-privacy", stable_secret=SECRET)
    assert again["changed"] is False
    assert fake.writes == []


def test_stable_privacy_without_a_secret_keeps_each_random_secret() -> None:
    fake = FakeLxd()
    farm(fake, addr_gen_mode="stable-privacy")
    secrets = {n: i["config"][pipeline.SECRET_KEY] for n, i in fake.instances.items()}
    assert len(set(secrets.values())) == 3 and all(pipeline.valid_secret(v) for v in secrets.values())
    fake.calls.clear()
    again = farm(fake, addr_gen_mode="stable-privacy", config={"limits.cpu": "1"})
    # The managed config changes; the secret is kept (config does not own it).
    assert again["updated"] == ["w1", "w2", "w3"] and again["restarted"] == []
    assert {n: i["config"][pipeline.SECRET_KEY] for n, i in fake.instances.items()} == secrets
    assert farm(fake, addr_gen_mode="stable-privacy", config={"limits.cpu": "1"})["changed"] is False


@pytest.mark.parametrize("check_mode", [True, False])
def test_switching_a_running_farm_updates_and_restarts_and_diff_hides_the_secret(check_mode: bool) -> None:
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"]),
                    "w2": instance("w2", status="Stopped", profiles=["default", "extbridge"])})
    result = farm(fake, check_mode=check_mode, count=2, addr_gen_mode="stable-privacy", stable_secret=SECRET)
    assert result["actions"] == {"w1": ["update", "restart"], "w2": ["update", "start"]}
    assert result["restarted"] == ["w1"]
    derived = pipeline.derive_secret(SECRET, "w1")
    assert result["diff"]["before"]["w1.stable_secret"] is None
    assert result["diff"]["after"]["w1.stable_secret"] == pipeline.masked_secret(derived)
    assert derived not in json.dumps(result)
    if check_mode:
        assert fake.writes == []
        return
    assert ("PUT", "instances/w1/state") in fake.write_paths()
    assert fake.instances["w1"]["config"][pipeline.SECRET_KEY] == derived
    back = farm(fake, count=2)
    assert back["actions"] == {"w1": ["update", "restart"], "w2": ["update", "restart"]}
    assert all(pipeline.SECRET_KEY not in i["config"] for i in fake.instances.values())


def test_module_never_returns_the_secret(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeLxd()
    args = {"name_prefix": "w", "count": 2, "image": "tiny", "addr_gen_mode": "stable-privacy",
            "stable_secret": SECRET}
    result = run_module(args, capsys, monkeypatch, fake)
    assert result["changed"] is True
    text = json.dumps(result)
    assert SECRET not in text and pipeline.derive_secret(SECRET, "w1") not in text


# --------------------------------------------------------------------------------------------------
# Renumbering: the router advertises a new global prefix and the old one with a preferred lifetime of 0


NEW_GLOBAL = "2001:db8:ebbd:2081::/64"


def inet6(address: str, deprecated: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {"family": "inet6", "address": address, "netmask": "64", "scope": "global"}
    if deprecated:
        entry["deprecated"] = True
    return entry


class RenumberingKernel:
    """A stand-in for read_networks during a renumbering: the old prefix's address is deprecated from the first
    read on; the new prefix's address shows from read ``late + 1`` of each instance on (SLAAC takes time)."""

    def __init__(self, macs: dict[str, str], late: int) -> None:
        self.macs = macs
        self.late = late
        self.reads: dict[str, int] = {}

    def __call__(self, names: list[str], project: str | None) -> dict[str, Any]:
        result = {}
        for name in names:
            self.reads[name] = self.reads.get(name, 0) + 1
            mac = self.macs[name]
            addresses = [inet6(eui64(mac, ULA)), inet6(eui64(mac, GLOBAL), deprecated=True)]
            if self.reads[name] > self.late:
                addresses.insert(0, inet6(eui64(mac, NEW_GLOBAL)))
            addresses.append({"family": "inet6", "address": eui64(mac, "fe80::/64"), "netmask": "64", "scope": "link"})
            result[name] = {"eth0": {"type": "broadcast", "hwaddr": mac, "addresses": addresses}}
        return result


def renumbered_farm(local: bool) -> tuple[FakeLxd, RenumberingKernel]:
    """Three running instances that LXD still shows with the old global prefix (its state has no flag)."""
    macs = {f"w{i}": f"00:16:3e:00:00:0{i}" for i in (1, 2, 3)}
    instances = {n: instance(n, profiles=["default", "extbridge"], mac=m) for n, m in macs.items()}
    fake = LocalFakeLxd(instances) if local else FakeLxd(instances)
    return fake, RenumberingKernel(macs, late=2)


def test_after_a_renumbering_the_run_waits_for_the_new_prefix_and_reports_the_old_apart() -> None:
    fake, kernel = renumbered_farm(local=True)
    result = farm(fake, reader=kernel)
    assert result["changed"] is False and fake.writes == []
    for item in result["instances"]:
        mac = item["mac"]
        assert item["address"] == eui64(mac, NEW_GLOBAL)
        assert item["ipv6"]["global"] == [eui64(mac, NEW_GLOBAL)]
        assert item["ipv6"]["ula"] == [eui64(mac, ULA)]
        assert item["ipv6"]["deprecated"] == [eui64(mac, GLOBAL)]
    # Read once from the kernel to plan, where only the deprecated address showed; then polled (LXD, and the
    # kernel over it) until the third kernel read showed the new address. LXD alone would have ended the wait
    # at once with the old address.
    assert kernel.reads == {"w1": 3, "w2": 3, "w3": 3}
    assert fake.paths().count(("GET", "instances/w1")) == 2
    assert ("GET", "instances/w1/state") not in fake.paths()


def test_a_deprecated_global_address_alone_is_waited_for_and_named_at_the_timeout() -> None:
    fake, kernel = renumbered_farm(local=True)
    kernel.late = 10 ** 6  # the router deprecated the old prefix and advertises no new one
    with pytest.raises(FarmError) as info:
        farm(fake, reader=kernel, wait_timeout=2)
    message = str(info.value)
    assert message.startswith("no global IPv6 prefix was seen within 2 s on w1 (fd6a:c19d:b07:2080:")
    assert f"{eui64('00:16:3e:00:00:01', GLOBAL)} deprecated" in message
    assert "with a preferred lifetime above 0?" in message
    assert info.value.result["without_global"] == ["w1", "w2", "w3"]
    assert [i["address"] for i in info.value.result["instances"]] == [None, None, None]


def test_a_remote_lxd_cannot_tell_a_deprecated_address() -> None:
    # LXD's state API has no flag: the old address is reported as global and the wait ends at once (documented).
    fake, kernel = renumbered_farm(local=False)
    fake.conn = type("Conn", (), {"url": "https://lxd.example.net:8443", "project": None})()  # type: ignore[attr-defined]
    result = farm(fake, reader=kernel)
    assert kernel.reads == {}
    assert [i["address"] for i in result["instances"]] == [eui64(f"00:16:3e:00:00:0{i}", GLOBAL) for i in (1, 2, 3)]
    assert all(i["ipv6"]["deprecated"] == [] for i in result["instances"])


def test_instances_started_by_the_run_are_read_from_the_kernel_too() -> None:
    fake = LocalFakeLxd({"w1": instance("w1", "Stopped", profiles=["default", "extbridge"], mac="00:16:3e:00:00:01")})
    kernel = RenumberingKernel({"w1": "00:16:3e:00:00:01"}, late=0)
    result = farm(fake, reader=kernel, count=1)
    assert result["started"] == ["w1"]
    item = result["instances"][0]
    assert item["address"] == eui64("00:16:3e:00:00:01", NEW_GLOBAL)
    assert item["ipv6"]["deprecated"] == [eui64("00:16:3e:00:00:01", GLOBAL)]
    assert kernel.reads == {"w1": 1}


# --------------------------------------------------------------------------------------------------
# What the mutation run asked for


def test_the_specs_defaults_are_the_modules() -> None:
    """A caller of the core gets what a task without those options gets."""
    import dataclasses

    from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_farm import ARGUMENT_SPEC
    fields = {f.name: f.default for f in dataclasses.fields(pipeline.FarmSpec) if f.default is not dataclasses.MISSING}
    for name in ("state", "prune", "workers", "wait_for_ipv6", "wait_timeout", "addr_gen_mode"):
        assert fields[name] == ARGUMENT_SPEC[name]["default"], name
    assert desired_names(None, "w", 2) == ["w1", "w2"]  # start_index's default, 1


@pytest.mark.parametrize("params, accepted", [
    ({"workers": 1}, True), ({"workers": 0}, False), ({"wait_timeout": 0}, True), ({"wait_timeout": -1}, False),
])
def test_the_bounds_of_workers_and_wait_timeout(params: dict[str, Any], accepted: bool) -> None:
    if accepted:
        assert spec(**params)
    else:
        with pytest.raises(FarmError, match="must be"):
            spec(**params)


def test_an_invalid_secret_in_an_instance_is_replaced() -> None:
    farm_spec = spec(addr_gen_mode="stable-privacy")
    kept = pipeline.wanted_secret("w1", farm_spec, {pipeline.SECRET_KEY: "fe80::1"})
    assert kept == "fe80::1"
    replaced = pipeline.wanted_secret("w1", farm_spec, {pipeline.SECRET_KEY: "not-a-secret"})
    assert replaced != "not-a-secret" and pipeline.valid_secret(replaced)


def test_a_masked_secret_shows_a_fingerprint_only() -> None:
    shown = pipeline.masked_secret("fe80::1")
    assert shown is not None and shown.startswith("hidden, sha256 ") and "fe80" not in shown
    assert shown == "hidden, sha256 " + hashlib.sha256(b"fe80::1").hexdigest()[:8]
    assert shown != pipeline.masked_secret("fe80::2") and pipeline.masked_secret(None) is None


def test_a_checked_spec_cannot_change() -> None:
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        spec().state = "stopped"  # type: ignore[misc]


def test_a_secret_of_exactly_the_least_length_is_accepted() -> None:
    assert spec(addr_gen_mode="stable-privacy", stable_secret="s" * pipeline.MIN_SECRET_LENGTH)
    with pytest.raises(FarmError):
        spec(addr_gen_mode="stable-privacy", stable_secret="s" * (pipeline.MIN_SECRET_LENGTH - 1))


def test_instance_facts_say_not_created_and_not_changed_unless_told() -> None:
    facts = instance_facts("w1", instance("w1"))
    assert facts["created"] is False and facts["changed"] is False


def test_run_farm_changes_the_server_unless_in_check_mode() -> None:
    fake = FakeLxd()
    clock = FakeClock()
    result = run_farm(spec(count=1, image="tiny", profiles=["default", "extbridge"]), fake, lambda: fake,
                      clock=clock, sleep=clock.sleep)
    assert result["created"] == ["w1"] and "w1" in fake.instances


def test_a_create_body_without_a_secret_given_works_one_out() -> None:
    farm_spec = spec(count=1, image="tiny", addr_gen_mode="stable-privacy", stable_secret="s" * 16)
    body = pipeline.create_body("w1", farm_spec, {"type": "image", "alias": "tiny"})
    assert body["config"][pipeline.SECRET_KEY] == pipeline.derive_secret("s" * 16, "w1")
    assert pipeline.SECRET_KEY not in pipeline.create_body("w1", farm_spec, {"type": "image"}, None)["config"]


def test_fetched_instances_get_their_networks_from_the_kernel_only_when_fetched_without_state() -> None:
    def reader(names: list[str], project: str | None) -> dict[str, Any]:
        asked.append(list(names))
        return {n: None if n == "w3" else {"eth0": {"addresses": [], "from": "kernel"}} for n in names}

    asked: list[list[str]] = []
    fake = LocalFakeLxd({n: instance(n) for n in ("w1", "w2", "w3")})
    fake.instances["w2"]["status"] = "Stopped"
    fetched = {n: fake.get(f"instances/{n}") for n in ("w1", "w2", "w3")}
    fetched["w4"] = None  # deleted meanwhile
    fake.calls.clear()
    # With their state (a remote LXD, or no right to read namespaces): as LXD gave them, the kernel not asked.
    with_state = pipeline.FarmWorker(lambda: fake, spec(count=1), kernel_state=False)
    assert pipeline.with_networks(fake, with_state, fetched, reader=reader) is fetched
    assert asked == [] and fake.calls == []
    # Without: the running ones from the kernel, LXD asked for the one it could not tell, the stopped one and
    # the deleted one left as they are.
    kernel = pipeline.FarmWorker(lambda: fake, spec(count=1), kernel_state=True)
    result = pipeline.with_networks(fake, kernel, fetched, reader=reader)
    assert asked == [["w1", "w3"]]
    assert result["w1"]["state"] == {"status": "Running", "network": {"eth0": {"addresses": [], "from": "kernel"}}}
    assert result["w3"]["state"] == fake.instances["w3"]["state"]
    assert fake.paths() == [("GET", "instances/w3/state")]
    assert "state" not in result["w2"] and result["w4"] is None
    assert kernel.kernel_state is True
    # A kernel that tells nothing of any: LXD's answers, and the later fetches ask for the state.
    fake.calls.clear()
    result = pipeline.with_networks(fake, kernel, fetched, reader=lambda names, project: dict.fromkeys(names))
    assert result["w1"]["state"] == fake.instances["w1"]["state"]
    # Asked in parallel: in any order.
    assert sorted(fake.paths()) == [("GET", "instances/w1/state"), ("GET", "instances/w3/state")]
    assert kernel.kernel_state is False
    assert kernel.fetch("w1") == fake.instances["w1"]


def test_instances_the_kernel_cannot_tell_are_asked_one_by_one_never_by_listing_them_all() -> None:
    """On a cluster, the instances on the other members have no namespace here: their states are asked as the
    fetches with their state would have (one GET each), not by listing every instance of the cluster with its
    state on every poll; the kernel still tells of those on this member."""
    fake = LocalFakeLxd({f"w{i}": instance(f"w{i}") for i in range(1, 8)})
    fetched = {n: fake.get(f"instances/{n}") for n in fake.instances}
    elsewhere = [f"w{i}" for i in range(2, 8)]
    fake.calls.clear()
    worker = pipeline.FarmWorker(lambda: fake, spec(count=1), kernel_state=True)

    def reader(names: list[str], project: str | None) -> dict[str, Any]:
        return {n: None if n in elsewhere else {"eth0": {"from": "kernel"}} for n in names}

    result = pipeline.with_networks(fake, worker, fetched, reader=reader)
    assert sorted(fake.paths()) == sorted(("GET", f"instances/{n}/state") for n in elsewhere)
    assert result["w1"]["state"]["network"] == {"eth0": {"from": "kernel"}}
    assert all(result[n]["state"] == fake.instances[n]["state"] for n in elsewhere)
    assert worker.kernel_state is True


@pytest.mark.parametrize("local, usable, recursion", [
    (True, True, None), (True, False, "1"), (False, True, "1"),
])
def test_a_run_reads_instances_with_their_state_unless_the_kernel_tells_it(
        local: bool, usable: bool, recursion: str | None) -> None:
    """LXD reads a container's addresses by entering it: at hundreds of instances polled while they boot, the
    GETs leave the state out when the kernel can be read (a local LXD, and the right to read namespaces)."""
    fake = LocalFakeLxd() if local else FakeLxd()
    kernel, seen = kernel_reader()
    clock = FakeClock()
    result = run_farm(spec(count=2, image="tiny", profiles=["default", "extbridge"]), fake, lambda: fake,
                      clock=clock, sleep=clock.sleep, reader=kernel(fake), kernel_usable=lambda: usable)
    assert result["created"] == ["w1", "w2"]
    macs = [fake.instances[n]["config"]["volatile.eth0.hwaddr"] for n in ("w1", "w2")]
    assert [i["address"] for i in result["instances"]] == [eui64(mac, GLOBAL) for mac in macs]
    reads = [c for c in fake.calls if c.method == "GET" and c.path in ("instances/w1", "instances/w2")]
    assert reads and {c.recursion for c in reads} == {recursion}
    # The kernel is read after the start when the GETs left the state out, and only then.
    assert bool(seen) == (recursion is None)


# --------------------------------------------------------------------------------------------------
# Gaps the mutation tests showed


def test_farm_spec_defaults_are_the_farms() -> None:
    assert pipeline.farm_spec(["w1"]) == pipeline.FarmSpec(names=["w1"])


def test_instance_facts_prefer_eth0s_mac_and_take_another_nics_without_it() -> None:
    stopped = instance("w2", "Stopped", mac="00:16:3e:12:34:56", config={"volatile.dummy.hwaddr": "00:16:3e:aa:aa:aa"})
    assert instance_facts("w2", stopped)["mac"] == "00:16:3e:12:34:56"
    del stopped["config"]["volatile.eth0.hwaddr"]
    assert instance_facts("w2", stopped)["mac"] == "00:16:3e:aa:aa:aa"


def test_a_label_is_left_alone_by_a_spec_without_farm() -> None:
    labelled = instance("w1", config={FARM_KEY: "web", "limits.cpu": "1"})
    assert drift(labelled, spec()) == {}
    assert update_body(labelled, spec(config={}))["config"][FARM_KEY] == "web"
    # The label stays, the other managed keys go: config is the whole of what is wanted.
    assert "limits.cpu" not in update_body(labelled, spec(config={}))["config"]


def test_the_secret_of_an_instance_is_derived_from_its_own_name() -> None:
    wanted = spec(addr_gen_mode="stable-privacy", stable_secret=SECRET)
    current = instance("w1", config={pipeline.SECRET_KEY: pipeline.derive_secret(SECRET, "w1")})
    assert drift(current, wanted) == {}
    assert update_body(instance("w1"), wanted)["config"][pipeline.SECRET_KEY] == pipeline.derive_secret(SECRET, "w1")


def test_missing_profiles_are_named_in_the_plural() -> None:
    with pytest.raises(FarmError, match="^profiles nope1, nope2 not found on this LXD"):
        pipeline.check_profiles(FakeLxd(), ["default", "nope1", "nope2"])
    with pytest.raises(FarmError, match="^profile nope1 not found on this LXD"):
        pipeline.check_profiles(FakeLxd(), ["nope1"])


def test_a_running_instance_is_stopped_by_force_before_it_is_deleted() -> None:
    fake = FakeLxd({"w1": instance("w1")})
    result = farm(fake, count=1, state="absent")
    assert result["deleted"] == ["w1"]
    assert fake.sent() == [("PUT", "instances/w1/state", {"action": "stop", "force": True}),
                           ("DELETE", "instances/w1", None)]


def test_wait_timeout_0_reads_the_addresses_once_and_no_more() -> None:
    # The read after the start shows no global address yet; the next would, but with 0 s there is no next.
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"])}, slaac_reads=2)
    fake.instances["w1"]["status"] = "Stopped"
    with pytest.raises(FarmError, match="no global IPv6 prefix was seen within 0 s"):
        farm(fake, count=1, wait_timeout=0)


def test_a_frozen_instance_is_stopped_by_force() -> None:
    fake = FakeLxd({"w1": instance("w1", "Frozen")})
    result = farm(fake, count=1, state="stopped", profiles=["default"])
    assert result["stopped"] == ["w1"]
    assert fake.sent() == [("PUT", "instances/w1/state", {"action": "stop", "force": True})]


def test_an_unknown_profile_in_an_update_is_refused_before_any_write() -> None:
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"])})
    with pytest.raises(FarmError, match="^profile nope not found on this LXD"):
        farm(fake, count=1, profiles=["default", "nope"])
    assert fake.writes == []
    # A change of config alone asks for no profile.
    fake.calls.clear()
    farm(fake, count=1, config={"limits.cpu": "1"})
    assert ("GET", "profiles") not in fake.paths()


def test_a_worker_asks_the_server_for_the_state_unless_told_the_kernel_tells_it() -> None:
    fake = FakeLxd({"w1": instance("w1")})
    pipeline.FarmWorker(lambda: fake, spec()).fetch("w1")
    assert [(c.method, c.path, c.recursion) for c in fake.calls] == [("GET", "instances/w1", "1")]


def test_the_addresses_waited_for_are_noted_in_the_progress() -> None:
    fake = FakeLxd({"w1": instance("w1", profiles=["default", "extbridge"])}, slaac_reads=4)
    result = farm(fake, count=2)
    noted = [(e["name"], e["event"]) for e in result["progress"] if e["event"].startswith("address ")]
    assert noted == [("w2", f"address {result['instances'][1]['address']}")]
