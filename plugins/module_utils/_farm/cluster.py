# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A farm on an LXD cluster: its members, and where the instances of the farm belong on them.

The farm's pipeline (`pipeline.run_farm`) consults this part when it is given a placement: `cluster_members`
reads the members (``GET /1.0/cluster/members``), `reachable_members` tells which can be reached, and `decide`
lets `placement.place` say which member each instance belongs on. Instances on a member that is offline are
reported with state ``unreachable`` and their member, never dropped and never recreated elsewhere.
"""

from __future__ import annotations

from typing import Any

from .._lxd.client import LxdClient, Server
from .placement import Member, Placement, PlacementError, PlacementSpec, place

UNREACHABLE = "unreachable"


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


def decide(names: list[str], state: str, members: list[Member], locations: dict[str, str], wanted: PlacementSpec,
           server: Server) -> Placement:
    """Where each of ``names`` belongs (see `placement.place`); with state absent, only which are on an offline
    member (they are left alone). PlacementError when the placement cannot be carried out."""
    if state != "absent":
        return place(names, members, locations, wanted, server)
    if not members:
        raise PlacementError(f"this {server.label} is not a cluster (GET /1.0/cluster/members lists no member); "
                             f"leave placement, target and rebalance out")
    up = {m.name for m in members if m.online}
    return Placement(offline={n: locations[n] for n in names if n in locations and locations[n] not in up})


def check_prunable(candidates: list[str], members: list[Member], locations: dict[str, str], server: Server) -> None:
    """PlacementError when prune would delete an instance on a member that is offline, which LXD cannot do."""
    online = {m.name for m in members if m.online}
    stuck = [n for n in candidates if locations.get(n) not in online]
    if stuck:
        raise PlacementError(f"prune would delete {', '.join(stuck)} on offline member(s) "
                             f"{', '.join(sorted({locations[n] for n in stuck}))}, which {server.label} cannot do "
                             f"now; bring the member back ({server.cli} cluster list), or run without prune")
