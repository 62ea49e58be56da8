# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the instances of a farm go on an LXD cluster: pure placement logic, no API calls.

Input: the desired instance names (in order), the cluster members (in LXD's order, each online or not), the
member each existing instance is on, and a placement (`PlacementSpec`). Output (`Placement`): the member each
new instance is created on, the existing instances that are where they should be (never touched), the
misplaced ones with the member they belong on, what to do with those (nothing, move, recreate) and the
instances on members that are offline, which are reported and left alone.

Placements:

- ``single``: every instance on one member, ``target`` or, without it, the member most of the farm is on
  already (the server's choice for a farm not created yet).
- ``spread``: evenly over the online members. Each member gets ``n // k`` instances, and the ``n % k`` members
  holding the most already (ties by member order) one more. Instances within their member's share stay (sticky);
  new and misplaced ones go to the least-loaded member below its share, ties by member order.
- a list of members: like ``spread``, over exactly those members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .._lxd.client import UNKNOWN_LXD, Server

SINGLE = "single"
SPREAD = "spread"
MEMBERS = "members"
REBALANCES = ("none", "move", "recreate")


class PlacementError(ValueError):
    """A placement that cannot be carried out, with the fix in the message."""


@dataclass(frozen=True)
class Member:
    name: str
    online: bool = True


@dataclass(frozen=True)
class PlacementSpec:
    """A checked placement: mode is single, spread or members (a list of members, in ``members``)."""

    mode: str = SPREAD
    members: tuple[str, ...] = ()
    target: str | None = None
    rebalance: str = "none"


@dataclass
class Placement:
    """What `place` decides.

    new: name -> member to create it on (None with single and no target on a farm not created yet: the server
      picks the member of the first one, and the others follow it, see ``follow_first``).
    kept: existing instances on the right member, untouched.
    misplaced: name -> (member it is on, member it belongs on).
    moves / recreates: the misplaced instances that ``rebalance`` moves or recreates (name -> (from, to)).
    offline: name -> member, for instances on an offline member (or on a member the cluster no longer lists);
      never planned, never dropped.
    """

    new: dict[str, str | None] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    misplaced: dict[str, tuple[str, str]] = field(default_factory=dict)
    moves: dict[str, tuple[str, str]] = field(default_factory=dict)
    recreates: dict[str, tuple[str, str]] = field(default_factory=dict)
    offline: dict[str, str] = field(default_factory=dict)
    follow_first: bool = False

    def layout(self, locations: dict[str, str]) -> dict[str, list[str]]:
        """member -> instance names after the plan is carried out (misplaced ones not moved stay where they are)."""
        where: dict[str, str] = {}
        for name, member in locations.items():
            where[name] = member
        for name, pair in list(self.moves.items()) + list(self.recreates.items()):
            where[name] = pair[1]
        for name, new_member in self.new.items():
            if new_member is not None:
                where[name] = new_member
        result: dict[str, list[str]] = {}
        for name, member in where.items():
            result.setdefault(member, []).append(name)
        return result


def placement_spec(placement: Any, target: str | None = None, rebalance: str | None = None) -> PlacementSpec:  # noqa: C901
    """Check the placement options (before any API call); PlacementError names the value and the fix."""
    rebalance = rebalance or "none"
    if rebalance not in REBALANCES:
        raise PlacementError(f"rebalance {rebalance!r} is not one of {', '.join(REBALANCES)}")
    if placement is None:
        placement = SINGLE if target else SPREAD
    if isinstance(placement, str):
        if placement == SINGLE:
            return PlacementSpec(mode=SINGLE, target=target or None, rebalance=rebalance)
        if placement == SPREAD:
            if target:
                raise PlacementError(f"target {target!r} goes with placement: single; with placement: spread the "
                                     f"instances go to every member: leave target out, or give placement a list of "
                                     f"members")
            return PlacementSpec(mode=SPREAD, rebalance=rebalance)
        raise PlacementError(f"placement {placement!r} is neither single, spread nor a list of members; write e.g. "
                             f"placement: spread, or placement: [pi1, pi2]")
    if isinstance(placement, (list, tuple)):
        members = [str(m) for m in placement]
        if not members:
            raise PlacementError("placement is an empty list; name at least one member ('lxc cluster list' or "
                                 "'incus cluster list' shows them), or use placement: spread")
        dups = sorted({m for m in members if members.count(m) > 1})
        if dups:
            raise PlacementError(f"placement lists {', '.join(dups)} more than once; list each member once")
        if target:
            raise PlacementError(f"target {target!r} goes with placement: single; with a list of members leave "
                                 f"target out")
        return PlacementSpec(mode=MEMBERS, members=tuple(members), rebalance=rebalance)
    raise PlacementError(f"placement is {placement!r}; write single, spread, or a list of members")


def _check_members(spec: PlacementSpec, members: Sequence[Member], label: str) -> None:
    if not members:
        raise PlacementError(f"this {label} is not a cluster (GET /1.0/cluster/members lists no member), so there "
                             f"is nothing to place on; leave placement, target and rebalance out, or point url at a "
                             f"cluster member")
    known = [m.name for m in members]
    wanted = list(spec.members) + ([spec.target] if spec.target else [])
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise PlacementError(f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a member of the "
                             f"cluster; its members are {', '.join(known)} (fix placement or target)")


def _shares(n: int, members: list[str], held: dict[str, int]) -> dict[str, int]:
    """n split evenly over members; the remainder goes to those holding the most, ties by member order."""
    if not members:
        return {}
    base, extra = divmod(n, len(members))
    order = sorted(range(len(members)), key=lambda i: (-held.get(members[i], 0), i))
    shares = dict.fromkeys(members, base)
    for i in order[:extra]:
        shares[members[i]] += 1
    return shares


def _least_loaded(allowed: list[str], load: dict[str, int], shares: dict[str, int]) -> str:
    below = [m for m in allowed if load[m] < shares[m]] or allowed
    return min(below, key=lambda m: (load[m], allowed.index(m)))


def _place_single(result: Placement, spec: PlacementSpec, order: list[str], status: dict[str, bool],
                  locations: dict[str, str], existing: list[str], reachable: list[str], absent: list[str],
                  server: Server) -> None:
    """placement: single: every instance on the target, else on the member holding most of the farm."""
    anchor = spec.target
    if anchor is None:
        counts = dict.fromkeys(order, 0)
        for name in existing:
            counts[locations[name]] = counts.get(locations[name], 0) + 1
        if existing:
            anchor = max(counts, key=lambda m: (counts[m], -order.index(m) if m in order else -len(order)))
    if anchor is not None and not status.get(anchor, False):
        if absent or any(locations[n] != anchor for n in reachable):
            raise PlacementError(f"member {anchor} is offline, and placement: single puts every instance on it; "
                                 f"bring {anchor} back ({server.cli} cluster list), or choose another target")
    for name in reachable:
        if locations[name] == anchor:
            result.kept.append(name)
        else:
            result.misplaced[name] = (locations[name], str(anchor))
    for name in absent:
        result.new[name] = anchor
    result.follow_first = anchor is None and bool(absent)


def _place_spread(result: Placement, spec: PlacementSpec, names: Sequence[str], order: list[str],
                  status: dict[str, bool], locations: dict[str, str], reachable: list[str], absent: list[str],
                  server: Server) -> None:
    """placement: spread or a list of members: even shares over the online members allowed."""
    allowed = [m for m in (spec.members if spec.mode == MEMBERS else order) if status.get(m, False)]
    if not allowed:
        listed = ", ".join(spec.members if spec.mode == MEMBERS else order)
        raise PlacementError(f"no member to place on is online ({listed} all offline); bring one back "
                             f"({server.cli} cluster list shows their state)")
    on: dict[str, list[str]] = {m: [] for m in allowed}
    outside = []
    for name in reachable:
        if locations[name] in on:
            on[locations[name]].append(name)
        else:
            outside.append(name)
    shares = _shares(len(reachable) + len(absent), allowed, {m: len(v) for m, v in on.items()})
    load = {}
    for member in allowed:
        keep = on[member][:shares[member]]
        result.kept.extend(keep)
        load[member] = len(keep)
        outside.extend(on[member][shares[member]:])
    outside.sort(key=list(names).index)
    # Where the misplaced ones belong: each, in the desired order, to the least-loaded member below its
    # share, ties by member order (what rebalance: move or recreate does with them).
    moved_load = dict(load)
    for name in outside:
        member = _least_loaded(allowed, moved_load, shares)
        result.misplaced[name] = (locations[name], member)
        moved_load[member] += 1
    if spec.rebalance == "none":
        # They stay where they are: new instances balance around them.
        for name in outside:
            if locations[name] in load:
                load[locations[name]] += 1
    else:
        load = moved_load
    for name in absent:
        member = _least_loaded(allowed, load, shares)
        result.new[name] = member
        load[member] += 1


def place(names: Sequence[str], members: Sequence[Member], locations: dict[str, str],
          spec: PlacementSpec, server: Server = UNKNOWN_LXD) -> Placement:
    """Decide where each instance of the farm goes; see the module docstring for the rules.

    ``locations`` maps each existing instance (of the farm or not) to its member; only ``names`` are placed.
    ``server`` (LXD or Incus) names the command in messages.
    """
    _check_members(spec, members, server.label)
    result = Placement()
    status = {m.name: m.online for m in members}
    order = [m.name for m in members]
    existing = [n for n in names if n in locations]
    absent = [n for n in names if n not in locations]
    reachable = []
    for name in existing:
        if status.get(locations[name], False):
            reachable.append(name)
        else:
            result.offline[name] = locations[name]
    if spec.mode == SINGLE:
        _place_single(result, spec, order, status, locations, existing, reachable, absent, server)
    else:
        _place_spread(result, spec, names, order, status, locations, reachable, absent, server)
    result.kept.sort(key=list(names).index)
    if spec.rebalance == "move":
        result.moves = dict(result.misplaced)
    elif spec.rebalance == "recreate":
        result.recreates = dict(result.misplaced)
    return result
