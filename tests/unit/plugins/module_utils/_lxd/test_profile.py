# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.profile import (
    ProfileError,
    ProfileRequest,
    apply_profile,
    build_request,
    desired,
    plan_profile,
    profile_path,
    user_names,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd

BRIDGE = {"type": "nic", "nictype": "bridged", "parent": "br0", "name": "eth0"}
ROOT = {"type": "disk", "path": "/", "pool": "default"}


def stored(name: str = "p1", description: str = "", config: dict | None = None,
           devices: dict | None = None, used_by: list | None = None) -> dict[str, Any]:
    """A profile as LXD returns it."""
    return {"name": name, "description": description, "config": config or {}, "devices": devices or {},
            "used_by": used_by or []}


def request(**params: Any) -> ProfileRequest:
    """The request for the module's options (merge_profile is the core's merge)."""
    params.setdefault("name", "p1")
    params["merge"] = params.pop("merge_profile", False)
    return build_request(**params)


@pytest.mark.parametrize("params, message", [
    ({"name": "a b"}, r"^name: profile name 'a b' contains a slash or white space.*choose a name"),
    ({"name": "a/b"}, r"^name: profile name 'a/b'"),
    ({"name": ""}, r"^name: a profile name cannot be empty"),
    ({"name": "p1", "new_name": "x/y"}, r"^new_name: profile name 'x/y'"),
    ({"name": "p1", "devices": {"eth0": {"nictype": "bridged"}}}, r"device\(s\) 'eth0' have no 'type'.*add it"),
    ({"name": "p1", "config": {"limits.cpu": [1]}}, r"config\.limits\.cpu is a list"),
    ({"name": "default", "state": "absent"}, r"'default' profile cannot be deleted"),
    ({"name": "default", "new_name": "other"}, r"'default' profile cannot be renamed \(new_name 'other'\)"),
])
def test_build_request_rejects_bad_input(params: dict[str, Any], message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        build_request(**params)


def test_build_request_accepts_typeless_device_when_merging() -> None:
    req = request(merge_profile=True, devices={"eth0": {"mtu": 1400}})
    assert req.devices == {"eth0": {"mtu": "1400"}}
    assert req.merge


def test_build_request_ignores_missing_type_for_absent() -> None:
    assert request(state="absent", devices={"eth0": {}}).state == "absent"


@pytest.mark.parametrize("params, expected_config, expected_devices, expected_description", [
    # Nothing given: everything stays.
    ({}, {"a": "1", "b": "2"}, {"eth0": BRIDGE}, "old"),
    # Replace.
    ({"config": {"c": 3}}, {"c": "3"}, {"eth0": BRIDGE}, "old"),
    ({"devices": {"root": {"type": "disk", "path": "/", "pool": "default"}}}, {"a": "1", "b": "2"},
     {"root": {"type": "disk", "path": "/", "pool": "default"}}, "old"),
    ({"config": {}, "devices": {}, "description": ""}, {}, {}, ""),
    # Merge.
    ({"merge_profile": True, "config": {"b": 20, "c": True}}, {"a": "1", "b": "20", "c": "true"},
     {"eth0": BRIDGE}, "old"),
    ({"merge_profile": True, "devices": {"eth0": {"mtu": 1400}}}, {"a": "1", "b": "2"},
     {"eth0": {**BRIDGE, "mtu": "1400"}}, "old"),
    ({"merge_profile": True, "devices": {"eth0": {"parent": "br1"}, "root": ROOT}},
     {"a": "1", "b": "2"}, {"eth0": {**BRIDGE, "parent": "br1"}, "root": ROOT}, "old"),
    # An empty string removes a key, as LXD does.
    ({"merge_profile": True, "config": {"a": ""}}, {"b": "2"}, {"eth0": BRIDGE}, "old"),
    ({"merge_profile": True, "devices": {"eth0": {"name": ""}}}, {"a": "1", "b": "2"},
     {"eth0": {k: v for k, v in BRIDGE.items() if k != "name"}}, "old"),
    ({"description": "new"}, {"a": "1", "b": "2"}, {"eth0": BRIDGE}, "new"),
])
def test_desired(params: dict[str, Any], expected_config: dict, expected_devices: dict,
                 expected_description: str) -> None:
    base = stored(description="old", config={"a": "1", "b": "2"}, devices={"eth0": dict(BRIDGE)})
    after = desired(base, request(**params), "p1")
    assert after == {"name": "p1", "description": expected_description, "config": expected_config,
                     "devices": expected_devices}
    assert base["devices"]["eth0"] == BRIDGE, "desired() must not modify what LXD returned"


def test_plan_create() -> None:
    plan = plan_profile(request(description="d", config={"limits.cpu": 2}, devices={"eth0": BRIDGE}), None)
    assert plan.actions == ["create"]
    assert plan.changed
    assert plan.old_state == "absent"
    assert plan.before == {}
    assert plan.after == {"name": "p1", "description": "d", "config": {"limits.cpu": "2"}, "devices": {"eth0": BRIDGE}}
    assert plan.api_calls() == [("POST", "profiles", {"name": "p1", "description": "d",
                                                      "config": {"limits.cpu": "2"}, "devices": {"eth0": BRIDGE}})]
    assert plan.profile["used_by"] == []


def test_plan_create_with_merge_needs_device_type() -> None:
    with pytest.raises(ProfileError, match=r"'eth0' have no 'type'"):
        plan_profile(request(merge_profile=True, devices={"eth0": {"mtu": 1400}}), None)


def test_plan_merge_onto_device_without_type_is_idempotent() -> None:
    req = request(merge_profile=True, config={"limits.cpu": 2}, devices={"eth0": {"mtu": 1400}})
    first = plan_profile(req, stored(devices={"eth0": dict(BRIDGE)}))
    assert first.actions == ["update"]
    assert first.api_calls() == [("PUT", "profiles/p1", {"description": "", "config": {"limits.cpu": "2"},
                                                         "devices": {"eth0": {**BRIDGE, "mtu": "1400"}}})]
    # The profile as LXD would store it after the first run: nothing left to do.
    second = plan_profile(req, stored(config={"limits.cpu": "2"}, devices={"eth0": {**BRIDGE, "mtu": "1400"}}))
    assert second.actions == []
    assert not second.changed
    assert second.before == second.after


@pytest.mark.parametrize("params", [
    {"config": {"limits.cpu": 2, "security.nesting": True}},
    {"config": {"limits.cpu": "2"}, "merge_profile": True},
    {"devices": {"eth0": BRIDGE}},
    {"description": "web"},
    {},
])
def test_plan_no_change(params: dict[str, Any]) -> None:
    current = stored(description="web", config={"limits.cpu": "2", "security.nesting": "true"},
                     devices={"eth0": dict(BRIDGE)}, used_by=["/1.0/instances/w1"])
    if params.get("merge_profile"):
        current["config"] = {"limits.cpu": "2"}
    plan = plan_profile(request(**params), current)
    assert plan.actions == []
    assert plan.api_calls() == []
    assert plan.profile == current


def test_plan_replace_drops_unlisted_keys() -> None:
    current = stored(config={"limits.cpu": "2", "user.x": "1"}, devices={"eth0": dict(BRIDGE)})
    plan = plan_profile(request(config={"limits.cpu": 2}), current)
    assert plan.actions == ["update"]
    assert plan.before["config"] == {"limits.cpu": "2", "user.x": "1"}
    assert plan.after["config"] == {"limits.cpu": "2"}
    assert plan.after["devices"] == {"eth0": BRIDGE}


def test_plan_rename_then_update() -> None:
    plan = plan_profile(request(new_name="p2", description="moved"), stored(used_by=["/1.0/instances/w1"]), None)
    assert plan.actions == ["rename", "update"]
    assert plan.before["name"] == "p1"
    assert plan.after["name"] == "p2"
    assert plan.api_calls() == [
        ("POST", "profiles/p1", {"name": "p2"}),
        ("PUT", "profiles/p2", {"description": "moved", "config": {}, "devices": {}}),
    ]
    assert plan.profile["name"] == "p2"
    assert plan.profile["used_by"] == ["/1.0/instances/w1"]


def test_plan_rename_already_done() -> None:
    plan = plan_profile(request(new_name="p2"), None, stored(name="p2"))
    assert plan.actions == []
    assert plan.old_state == "present"
    assert plan.source == plan.target == "p2"


def test_plan_rename_already_done_but_settings_differ() -> None:
    plan = plan_profile(request(new_name="p2", config={"a": 1}), None, stored(name="p2"))
    assert plan.actions == ["update"]
    assert plan.api_calls() == [("PUT", "profiles/p2", {"description": "", "config": {"a": "1"}, "devices": {}})]


def test_plan_rename_onto_existing_profile_names_both() -> None:
    with pytest.raises(ProfileError, match=r"cannot rename profile 'p1' to 'p2': a profile named 'p2' exists"):
        plan_profile(request(new_name="p2"), stored(), stored(name="p2"))


def test_plan_rename_of_missing_profile() -> None:
    with pytest.raises(ProfileError, match=r"cannot rename profile 'p1' to 'p2': neither exists"):
        plan_profile(request(new_name="p2"), None, None)


def test_plan_new_name_equal_to_name_is_no_rename() -> None:
    plan = plan_profile(request(new_name="p1"), stored(), None)
    assert plan.actions == []


def test_plan_delete() -> None:
    plan = plan_profile(request(state="absent"), stored(description="d"))
    assert plan.actions == ["delete"]
    assert plan.old_state == "present"
    assert plan.after == {}
    assert plan.before["description"] == "d"
    assert plan.api_calls() == [("DELETE", "profiles/p1", None)]


def test_plan_delete_missing() -> None:
    plan = plan_profile(request(state="absent"), None)
    assert plan.actions == []
    assert plan.old_state == "absent"
    assert plan.profile == {}


def test_plan_delete_in_use_lists_users() -> None:
    current = stored(used_by=["/1.0/instances/w1", "/1.0/instances/w2?project=farm"])
    with pytest.raises(ProfileError, match=r"profile 'p1' is still used by w1, w2 \(project farm\); remove it"):
        plan_profile(request(state="absent"), current)
    with pytest.raises(ProfileError, match=r"\(incus profile remove INSTANCE p1\)"):
        plan_profile(request(state="absent"), current, cli="incus")


@pytest.mark.parametrize("urls, names", [
    (None, []),
    (["/1.0/instances/c1"], ["c1"]),
    (["/1.0/instances/c1?project=default"], ["c1"]),
    (["/1.0/instances/c1?project=p"], ["c1 (project p)"]),
])
def test_user_names(urls: list[str] | None, names: list[str]) -> None:
    assert user_names(urls) == names


@pytest.mark.parametrize("name, path", [
    ("web", "profiles/web"),
    ("a?b", "profiles/a%3Fb"),
])
def test_profile_path_quotes(name: str, path: str) -> None:
    assert profile_path(name) == path


def test_apply_check_mode_writes_nothing() -> None:
    client = FakeLxd(profiles={})
    plan, profile = apply_profile(client, request(config={"a": 1}), check_mode=True)  # type: ignore[arg-type]
    assert plan.actions == ["create"]
    assert client.writes == []
    assert profile["config"] == {"a": "1"}


def test_apply_rename_and_update_then_nothing() -> None:
    client = FakeLxd(profiles={"p1": stored()})
    req = request(new_name="p2", config={"a": 1})
    plan, profile = apply_profile(client, req)  # type: ignore[arg-type]
    assert plan.actions == ["rename", "update"]
    assert [w[:2] for w in client.writes] == [("POST", "profiles/p1"), ("PUT", "profiles/p2")]
    assert profile["name"] == "p2" and profile["config"] == {"a": "1"}
    plan, profile = apply_profile(client, req)  # type: ignore[arg-type]
    assert plan.actions == []
    assert profile["name"] == "p2"
    assert len(client.writes) == 2


def test_apply_delete() -> None:
    client = FakeLxd(profiles={"p1": stored()})
    plan, profile = apply_profile(client, request(state="absent"))  # type: ignore[arg-type]
    assert plan.actions == ["delete"]
    assert profile == {}
    assert client.profiles == {}
