# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A farm on an LXD cluster: which member each replica runs on, and keeping them spread.

`run_cluster_farm` reads the members (``GET /1.0/cluster/members``) and where each instance is, lets
`placement.place` decide, then does what only a cluster needs, in parallel: creating new instances on their
member (``POST /1.0/instances?target=MEMBER``), moving misplaced ones (stopped first: LXD 5.0 cannot move a
running container between members; ``POST /1.0/instances/NAME?target=MEMBER`` with ``migration: true``) or
recreating them there. Everything else (settings, start, stop, the wait for global addresses) is `run_farm`'s,
run on the instances that can be reached. Instances on a member that is offline are reported with
state ``unreachable`` and their member, never dropped and never recreated elsewhere: LXD keeps their name
(and, on local storage, their disk) on that member until it comes back or is removed from the cluster.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from .._lxd.client import LxdClient
from .._lxd.connection import LxdError
from .pipeline import (
    STOP_TIMEOUT,
    FarmError,
    FarmSpec,
    FarmWorker,
    check_profiles,
    create_body,
    instance_facts,
    list_instances,
    natural_key,
    prune_candidates,
    resolve_image,
    run_farm,
    wanted_secret,
)
from .placement import Member, Placement, PlacementError, PlacementSpec, place, placement_spec

UNREACHABLE = "unreachable"


def cluster_placement(params: dict[str, Any]) -> PlacementSpec | None:
    """The placement the module options ask for, None when they ask for none (LXD places new instances, and
    existing ones are left where they are); FarmError for a bad value, before any API call."""
    placement, target = params.get("placement"), params.get("target")
    rebalance = params.get("rebalance") or "none"
    if placement is None and not target:
        if rebalance != "none":
            raise FarmError(f"rebalance {rebalance!r} needs placement (spread, single or a list of members), "
                            f"which says where the instances belong; set placement, or leave rebalance out")
        return None
    try:
        return placement_spec(placement, target, rebalance)
    except PlacementError as exc:
        raise FarmError(str(exc)) from exc


def cluster_members(client: LxdClient) -> list[Member]:
    """The members in LXD's order, online when LXD says Online; [] when LXD is not clustered."""
    cluster = client.get_or_none("cluster") or {}
    if not cluster.get("enabled"):
        return []
    members = client.get("cluster/members", params={"recursion": "1"}) or []
    return [Member(str(m.get("server_name")), str(m.get("status") or "").lower() == "online") for m in members]


def reachable_members(members: list[Member], instances: dict[str, dict[str, Any]]) -> list[Member]:
    """Members LXD still calls online for a while after they went away (until their heartbeat times out) are
    counted offline when every instance on them is in status Error, which is how LXD lists the instances of a
    member it cannot reach."""
    statuses: dict[str, list[str]] = {}
    for instance in instances.values():
        statuses.setdefault(str(instance.get("location")), []).append(str(instance.get("status")))
    result = []
    for member in members:
        seen = statuses.get(member.name, [])
        gone = bool(seen) and all(s == "Error" for s in seen)
        result.append(Member(member.name, member.online and not gone))
    return result


def _stop(client: LxdClient, name: str, instance: dict[str, Any]) -> None:
    status = instance.get("status")
    if status in ("Running", "Frozen"):
        try:
            client.request("PUT", f"instances/{name}/state", {"action": "stop", "timeout": STOP_TIMEOUT})
        except LxdError:
            client.request("PUT", f"instances/{name}/state", {"action": "stop", "force": True})


class _ClusterWorker(FarmWorker):
    """The cluster-only writes, on the farm's bounded pool of threads with a client each."""

    def create(self, client: LxdClient, name: str, member: str | None) -> None:
        body = create_body(name, self.spec, self.source or {}, wanted_secret(name, self.spec, None))
        client.request("POST", "instances", body, params={"target": member} if member else None)

    def move(self, client: LxdClient, name: str, member: str) -> None:
        _stop(client, name, self.instances[name])
        client.request("POST", f"instances/{name}", {"name": name, "migration": True}, params={"target": member})

    def recreate(self, client: LxdClient, name: str, member: str) -> None:
        _stop(client, name, self.instances[name])
        client.request("DELETE", f"instances/{name}")
        self.create(client, name, member)

    def one(self, job: tuple[str, str, str | None]) -> tuple[str, str | None]:
        action, name, member = job
        try:
            getattr(self, action)(self.client(), name, member)
        except LxdError as exc:
            return name, f"{action} on {member or 'the member LXD picks'} failed: {exc}"
        return name, None

    def run_jobs(self, jobs: list[tuple[str, str, str | None]]) -> dict[str, str | None]:
        return dict(self.map(self.one, jobs)) if jobs else {}


def cluster_jobs(placement: Placement) -> list[tuple[str, str, str | None]]:
    """(action, name, member) for every cluster write the placement asks for: moves, recreates, creates."""
    jobs: list[tuple[str, str, str | None]] = []
    jobs += [("move", n, pair[1]) for n, pair in placement.moves.items()]
    jobs += [("recreate", n, pair[1]) for n, pair in placement.recreates.items()]
    jobs += [("create", n, m) for n, m in placement.new.items()]
    return jobs


def offline_facts(name: str, member: str) -> dict[str, Any]:
    facts = instance_facts(name, None)
    facts.update(state=UNREACHABLE, status=None, location=member)
    return facts


def run_cluster_farm(spec: FarmSpec, placement_spec: PlacementSpec, client: LxdClient,  # noqa: C901
                     factory: Callable[[], LxdClient], check_mode: bool = False,
                     farm_runner: Callable[..., dict[str, Any]] = run_farm) -> dict[str, Any]:
    """Make the farm look like ``spec`` with its replicas placed as ``placement_spec`` says; the task result.

    Adds to `run_farm`'s result: ``moved``, ``recreated``, ``misplaced`` ({name: {location, belongs_on}}, for
    those left where they are), ``offline`` ({name: member}), ``placement`` ({member: [names]}), ``location``
    of each instance (the planned one in check mode), and ``<name>.location`` diff entries.
    """
    members = cluster_members(client)
    instances = list_instances(client)
    locations = {n: str(i.get("location")) for n, i in instances.items()}
    statuses = {n: str(i.get("status") or "Stopped") for n, i in instances.items()}
    members = reachable_members(members, instances)
    try:
        if spec.state == "absent":
            if not members:
                raise PlacementError(f"this {client.server.label} is not a cluster (GET /1.0/cluster/members lists "
                                     f"no member); leave placement, target and rebalance out")
            up = {m.name for m in members if m.online}
            placement = Placement(offline={n: locations[n] for n in spec.names
                                           if n in locations and locations[n] not in up})
        else:
            placement = place(spec.names, members, locations, placement_spec, client.server)
    except PlacementError as exc:
        raise FarmError(str(exc)) from exc
    online = {m.name for m in members if m.online}
    if spec.prune:
        stuck = [n for n in prune_candidates(spec, instances) if locations.get(n) not in online]
        if stuck:
            server = client.server
            raise FarmError(f"prune would delete {', '.join(stuck)} on offline member(s) "
                            f"{', '.join(sorted({locations[n] for n in stuck}))}, which {server.label} cannot do "
                            f"now; bring the member back ({server.cli} cluster list), or run without prune")

    jobs = cluster_jobs(placement)
    needs_image = any(job[0] in ("create", "recreate") for job in jobs)
    source: dict[str, str] = {}
    if needs_image:  # checked before anything is written
        source = resolve_image(client, spec.image)
        check_profiles(client, spec.profiles)

    errors: dict[str, str | None] = {}
    done: dict[str, str] = {}
    if not check_mode and jobs:
        worker = _ClusterWorker(factory, spec, source, instances)
        with worker:
            if placement.follow_first:
                first = [j for j in jobs if j[0] == "create"][0]
                errors.update(worker.run_jobs([first]))
                if errors.get(first[1]) is None:
                    anchor = (client.get(f"instances/{first[1]}") or {}).get("location")
                    jobs = [(a, n, anchor if a == "create" else m) for a, n, m in jobs if n != first[1]]
                    done[first[1]] = "create"
                else:
                    jobs = [j for j in jobs if j[0] != "create"]
            errors.update(worker.run_jobs(jobs))
        for action, name, _member in jobs:
            if errors.get(name) is None:
                done[name] = action
    elif check_mode:
        done = {job[1]: job[0] for job in jobs}
    failures = {n: e for n, e in errors.items() if e}

    reachable = [n for n in spec.names if n not in placement.offline]
    result: dict[str, Any]
    if failures:
        result = {"changed": bool(done), "failed_instances": sorted(failures, key=natural_key)}
    else:
        try:
            result = farm_runner(dataclasses.replace(spec, names=reachable), client, factory, check_mode=check_mode)
        except FarmError as exc:
            exc.result = _merge(exc.result, spec, placement, done, locations, check_mode, statuses)
            raise
    result = _merge(result, spec, placement, done, locations, check_mode, statuses)
    if failures:
        raise FarmError(f"{len(failures)} cluster change(s) failed; " + "; ".join(
            f"{n}: {failures[n]}" for n in sorted(failures, key=natural_key)), result)
    return result


def _merge(result: dict[str, Any], spec: FarmSpec, placement: Placement, done: dict[str, str],  # noqa: C901
           locations: dict[str, str], check_mode: bool, statuses: dict[str, str]) -> dict[str, Any]:
    """run_farm's result with the cluster's part added (see `run_cluster_farm`)."""
    result = dict(result)
    actions = dict(result.get("actions") or {})
    labels = {"create": "create", "move": "move", "recreate": "recreate"}
    for name, action in done.items():
        rest = [a for a in actions.get(name, []) if a != "create"]
        actions[name] = [labels[action]] + rest
    order = {n: i for i, n in enumerate(spec.names)}
    result["actions"] = dict(sorted(actions.items(), key=lambda kv: order.get(kv[0], len(order))))
    created = [n for n, a in done.items() if a == "create"] + list(result.get("created") or [])
    result["created"] = sorted(set(created), key=lambda n: order.get(n, len(order)))
    result["moved"] = [n for n in spec.names if done.get(n) == "move"]
    result["recreated"] = [n for n in spec.names if done.get(n) == "recreate"]
    result["changed"] = bool(result.get("changed")) or bool(done)
    planned: dict[str, str | None] = dict(placement.new)
    planned.update({n: pair[1] for n, pair in list(placement.moves.items()) + list(placement.recreates.items())})

    facts = []
    by_name = {item["name"]: item for item in result.get("instances") or []}
    for name in spec.names:
        if name in placement.offline:
            facts.append(offline_facts(name, placement.offline[name]))
            continue
        item = dict(by_name.get(name) or instance_facts(name, None))
        if name in done:
            item["changed"] = True
            item["created"] = item.get("created") or done[name] in ("create", "recreate")
        if check_mode and name in planned:
            item["location"] = planned[name]
        facts.append(item)
    facts += [item for name, item in by_name.items() if name not in order]
    result["instances"] = facts

    diff = result.get("diff") or {"before": {}, "after": {}}
    before, after = dict(diff.get("before") or {}), dict(diff.get("after") or {})
    for name in spec.names:
        if name in placement.offline:
            before[name] = after[name] = UNREACHABLE
        if name in done and not check_mode:  # run_farm saw it after the cluster change
            before[name] = statuses.get(name, "absent") if done[name] != "create" else "absent"
        if name in planned:
            before[f"{name}.location"] = locations.get(name)
            after[f"{name}.location"] = planned[name]
    result["diff"] = {"before": before, "after": after}
    result["misplaced"] = {n: {"location": frm, "belongs_on": to} for n, (frm, to) in placement.misplaced.items()
                           if n not in placement.moves and n not in placement.recreates}
    result["offline"] = dict(placement.offline)
    layout: dict[str, list[str]] = {}
    for item in facts:
        if item.get("location") and item["name"] in order:
            layout.setdefault(str(item["location"]), []).append(item["name"])
    result["placement"] = layout
    return result
