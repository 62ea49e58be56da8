# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managing one LXD profile: check the request, plan the change, then carry it out.

The request is checked and normalised first (LXD keeps every config value as a
string, so ``limits.cpu: 2`` and ``security.nesting: true`` become ``"2"`` and
``"true"`` before any comparison). The plan compares what LXD stores with what
the request asks for and lists the API calls needed; only `apply_profile` talks
to LXD, and it writes nothing when the plan is empty or in check mode.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import parse_qs, quote, urlsplit

from .client import LxdClient
from .connection import LxdError
from .names import profile_name_problem
from .stored_values import missing_type_problem, normalize_config, normalize_devices

PROTECTED_PROFILE = "default"


class ProfileError(LxdError):
    """The request cannot be carried out; raised before anything is changed."""


@dataclass(frozen=True)
class ProfileRequest:
    """What the task asks for, checked and normalised."""

    name: str
    state: str = "present"
    description: str | None = None
    config: dict[str, str] | None = None
    devices: dict[str, dict[str, str]] | None = None
    merge: bool = False
    new_name: str | None = None

    @property
    def renames(self) -> bool:
        return self.state == "present" and bool(self.new_name) and self.new_name != self.name


def _check_names(name: str | None, new_name: str | None) -> None:
    problem = profile_name_problem(name if name is not None else "")
    if problem:
        raise ProfileError(f"name: {problem}; choose a name without slashes or white space, e.g. web-bridge")
    if new_name is not None:
        problem = profile_name_problem(new_name)
        if problem:
            raise ProfileError(f"new_name: {problem}; choose a name without slashes or white space, "
                               f"e.g. {name}-old")


def _check_request(request: ProfileRequest) -> None:
    """What LXD would refuse of a request whose values are each fine: the default profile deleted or renamed, a
    device without a type."""
    if request.state == "absent" and request.name == PROTECTED_PROFILE:
        raise ProfileError(f"the {PROTECTED_PROFILE!r} profile cannot be deleted: LXD keeps it for every "
                           f"project; remove its devices or config with state=present instead")
    if request.renames and request.name == PROTECTED_PROFILE:
        raise ProfileError(f"the {PROTECTED_PROFILE!r} profile cannot be renamed (new_name {request.new_name!r}); "
                           f"create a new profile named {request.new_name!r} instead")
    if request.state == "present" and request.devices is not None and not request.merge:
        problem = missing_type_problem(request.devices)
        if problem:
            raise ProfileError(problem)


def build_request(*, name: str | None, state: str | None = "present", description: str | None = None,
                  config: Mapping[str, Any] | None = None, devices: Mapping[str, Any] | None = None,
                  merge: bool | None = False, new_name: str | None = None) -> ProfileRequest:
    """The request for these options (the module's, ``merge`` being merge_profile), checked and normalised, or
    ProfileError naming the value."""
    _check_names(name, new_name)
    request = ProfileRequest(
        name=str(name),
        state=state or "present",
        description=description,
        config=normalize_config(config, error=ProfileError),
        devices=normalize_devices(devices, error=ProfileError),
        merge=bool(merge),
        new_name=new_name,
    )
    _check_request(request)
    return request


def comparable(profile: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parts of a profile this module manages, as plain data; {} for a missing profile."""
    if not profile:
        return {}
    return {
        "name": profile.get("name"),
        "description": profile.get("description") or "",
        "config": dict(profile.get("config") or {}),
        "devices": {name: dict(settings) for name, settings in (profile.get("devices") or {}).items()},
    }


def desired(base: Mapping[str, Any] | None, request: ProfileRequest, name: str) -> dict[str, Any]:
    """The profile after the task: options not given keep what ``base`` has; given ones replace or merge."""
    current = comparable(base) or {"name": name, "description": "", "config": {}, "devices": {}}
    config: dict[str, str] = dict(current["config"])
    if request.config is not None:
        config = {**config, **request.config} if request.merge else dict(request.config)
    devices: dict[str, dict[str, str]] = copy.deepcopy(current["devices"])
    if request.devices is not None:
        if request.merge:
            for device, settings in request.devices.items():
                devices[device] = {**devices.get(device, {}), **settings}
        else:
            devices = copy.deepcopy(request.devices)
    description = current["description"] if request.description is None else request.description
    # LXD drops keys whose value is empty; so does the plan, which makes "" the way to remove a key.
    config = {key: value for key, value in config.items() if value != ""}
    devices = {device: {key: value for key, value in settings.items() if value != ""}
               for device, settings in devices.items()}
    return {"name": name, "description": description, "config": config, "devices": devices}


def user_names(used_by: list[str] | None) -> list[str]:
    """LXD's used_by URLs as readable names: '/1.0/instances/c1?project=p' -> 'c1 (project p)'."""
    names = []
    for url in used_by or []:
        parts = urlsplit(url)
        name = parts.path.rstrip("/").split("/")[-1]
        project = parse_qs(parts.query).get("project", [""])[0]
        names.append(f"{name} (project {project})" if project and project != "default" else name)
    return names


@dataclass
class ProfilePlan:
    """What has to happen, in order, and how the profile looks before and after."""

    actions: list[str]
    old_state: str
    source: str
    target: str
    before: dict[str, Any]
    after: dict[str, Any]
    profile: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.actions)

    def api_calls(self) -> list[tuple[str, str, dict[str, Any] | None]]:
        """(method, path, body) for every action, paths relative to /1.0."""
        calls: list[tuple[str, str, dict[str, Any] | None]] = []
        body = {key: self.after.get(key) for key in ("description", "config", "devices")}
        for action in self.actions:
            if action == "create":
                calls.append(("POST", "profiles", {"name": self.target, **body}))
            elif action == "rename":
                calls.append(("POST", profile_path(self.source), {"name": self.target}))
            elif action == "update":
                calls.append(("PUT", profile_path(self.target), body))
            elif action == "delete":
                calls.append(("DELETE", profile_path(self.source), None))
        return calls


def profile_path(name: str) -> str:
    return "profiles/" + quote(name, safe="")


def _settings(profile: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in profile.items() if key != "name"}


def _plan_deletion(request: ProfileRequest, current: Mapping[str, Any] | None, cli: str) -> ProfilePlan:
    """state=absent: delete the profile, unless instances still use it."""
    name = request.name
    if current is None:
        return ProfilePlan([], "absent", name, name, {}, {}, {})
    users = user_names(current.get("used_by"))
    if users:
        raise ProfileError(
            f"profile {name!r} is still used by {', '.join(users)}; remove it from them first "
            f"({cli} profile remove INSTANCE {name}) or delete them, then delete the profile"
        )
    return ProfilePlan(["delete"], "present", name, name, comparable(current), {}, {})


def _plan_rename(request: ProfileRequest, current: Mapping[str, Any] | None,
                 renamed: Mapping[str, Any] | None) -> tuple[list[str], Mapping[str, Any] | None]:
    """(the actions, the profile whose settings the task starts from) of a request that renames."""
    name, new_name = request.name, str(request.new_name)
    if current is not None and renamed is not None:
        raise ProfileError(
            f"cannot rename profile {name!r} to {new_name!r}: a profile named {new_name!r} exists already; "
            f"delete or rename that one first, or choose another new_name"
        )
    if current is not None:
        return ["rename"], current
    if renamed is not None:
        return [], renamed  # renamed by an earlier run: only the settings are left to check
    raise ProfileError(
        f"cannot rename profile {name!r} to {new_name!r}: neither exists; check the name, or create "
        f"the profile with name: {new_name} and no new_name"
    )


def plan_profile(request: ProfileRequest, current: Mapping[str, Any] | None,
                 renamed: Mapping[str, Any] | None = None, cli: str = "lxc") -> ProfilePlan:
    """Decide what to do.

    ``current`` is the profile named ``request.name`` as LXD returns it (None when missing), ``renamed``
    the one named ``request.new_name`` (only looked at when the request renames). Raises ProfileError
    when the request cannot be carried out; nothing has been changed at that point.
    """
    if request.state == "absent":
        return _plan_deletion(request, current, cli)
    name = request.name
    if request.renames:
        target = str(request.new_name)
        actions, base = _plan_rename(request, current, renamed)
    else:
        target, base = name, current
        actions = ["create"] if current is None else []

    after = desired(base, request, target)
    problem = missing_type_problem(after["devices"])
    if problem:
        raise ProfileError(problem)
    before = comparable(base)
    if before and _settings(before) != _settings(after):
        actions.append("update")

    profile = {key: copy.deepcopy(value) for key, value in (base or {}).items()}
    profile.update(copy.deepcopy(after))
    profile.setdefault("used_by", [])
    source = name if current is not None else target
    return ProfilePlan(actions, "present" if base is not None else "absent", source, target, before, after, profile)


def apply_profile(client: LxdClient, request: ProfileRequest,
                  check_mode: bool = False) -> tuple[ProfilePlan, dict[str, Any]]:
    """Read, plan and (unless check_mode) carry out the plan; return it with the profile as LXD stores it after."""
    current = client.get_or_none(profile_path(request.name))
    renamed = client.get_or_none(profile_path(str(request.new_name))) if request.renames else None
    plan = plan_profile(request, current, renamed, client.server.cli)
    if check_mode or not plan.changed:
        return plan, plan.profile
    for method, path, body in plan.api_calls():
        client.request(method, path, body)
    if request.state == "absent":
        return plan, {}
    return plan, client.get(profile_path(plan.target))
