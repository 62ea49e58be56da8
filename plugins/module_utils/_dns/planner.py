# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dns planner: one request, one plan of what to add, change and delete, decided from the records a store
has now and the records wanted, and one outcome, whatever the store (zone files, or a server's dynamic update).

The rules are the same for every store: only the module's own names are ever changed or removed (the names of
its include file, or of the ownership list of a dynamic zone); a name with records made by hand is refused (a
dynamic zone may take it over when asked); a name at or below a delegation or an alias is refused; a prune
removes at most max_delete_percent of the managed names unless forced. A store only reads the records it has
and applies a plan (check mode: shows it without applying it)."""

from __future__ import annotations

import contextlib
import functools
import gc
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from .zone_parser import (
    ZoneError,
    _sorted_owners,
    ptr_name,
    published_ptr_records,
    reverse_zone_name,
    wanted_names,
    zone_name,
)

# An RRset as read or planned: (TTL, sorted values).
RRset = tuple[int, list[str]]


@dataclass
class Server:
    """Where the updates of a dynamic zone go, and the TSIG key that signs every message (queries, transfers
    and updates)."""

    address: str
    port: int = 53
    key_name: str | None = None
    key_secret: str | None = None
    algorithm: str = "hmac-sha256"
    timeout: float = 10.0

    @property
    def label(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"


@dataclass
class Request:
    """What dns_aaaa is asked: the records wanted and the rules, then where they go: zone files (zone_file ...
    validate) or a server (server)."""

    zone: str
    records: list[Any]
    ttl: int = 3600
    name_prefix: str = ""
    ptr: bool = False
    reverse_zone: str | None = None
    prune: bool = False
    max_delete_percent: float = 50
    force: bool = False
    state: str = "present"
    scopes: list[str] | None = None
    take_over: bool = False
    zone_file: str | None = None
    include_file: str | None = None
    reverse_zone_file: str | None = None
    reverse_include_file: str | None = None
    serial_format: str = "date"
    validate: bool = True
    include_directories: list[str] | None = None
    server: Server | None = None
    # The digest of the inputs (input_stamp.inputs_digest), for the zone files' stamp; None: no stamp.
    inputs: str | None = None


@dataclass
class Plan:
    """What changes in the managed names: added, removed, changed, and the names with their addresses after."""

    add: list[str]
    remove: list[str]
    change: list[str]
    result: dict[str, list[str]]

    @property
    def changed(self) -> bool:
        return bool(self.add or self.remove or self.change)


def _sorted(values: list[str]) -> list[str]:
    """``values`` sorted; a list of one (nearly every name has one address) as it is, not copied: the plans
    share such lists and never change them."""
    return values if len(values) < 2 else sorted(values)


def plan(current: dict[str, list[str]], wanted: dict[str, list[str]], prune: bool = False,
         max_delete_percent: float = 100, force: bool = False, state: str = "present") -> Plan:
    """What to add, remove and change in the managed names. Only managed names are ever removed: with
    ``state=absent`` the wanted names, with ``prune`` the names no longer wanted."""
    if state == "absent":
        remove = sorted(n for n in current if n in wanted)
        result = {n: v for n, v in current.items() if n not in wanted}
        add: list[str] = []
        change: list[str] = []
    else:
        remove = sorted(n for n in current if n not in wanted) if prune else []
        add = sorted(n for n in wanted if n not in current)
        change = sorted(n for n in wanted if n in current and current[n] != wanted[n]
                        and sorted(current[n]) != sorted(wanted[n]))
        result = {} if prune else {n: list(v) for n, v in current.items()}
        result.update({n: _sorted(v) for n, v in wanted.items()})
    # The threshold guards against a records list that lost its names (prune); names asked for by name go.
    if current and remove and not force and state != "absent":
        share = 100.0 * len(remove) / len(current)
        if share > max_delete_percent:
            raise ZoneError(
                f"removing {len(remove)} of {len(current)} managed names ({share:.0f}%) exceeds "
                f"max_delete_percent={max_delete_percent:g}: {', '.join(remove[:5])}"
                f"{' ...' if len(remove) > 5 else ''}; raise max_delete_percent or set force=true"
            )
    return Plan(add=add, remove=remove, change=change, result=result)


def check_collisions(names: Iterable[str], existing: dict[str, dict[str, Any]] | dict[str, set[str]], where: str,
                     take_over: bool | None = None) -> None:
    """Refuse to publish a name (relative to the zone) that is not the module's to publish: one at or below a
    delegation (an NS record below the apex: the server answers for it with a referral, never with the
    records), an alias (CNAME, which can have no other record), or one with AAAA records made by hand
    (``existing``: owner -> its record types, the module's own names left out) unless ``take_over`` is true.
    ``take_over`` None: there is no taking over (method file; the module never edits hand-written lines)."""
    cuts = delegations(existing)
    for name in sorted(_suspects(names, existing, set(cuts))):
        cut = next((c for c in cuts if name == c or name.endswith("." + c)), None)
        if cut is not None:
            raise ZoneError(
                f"name {name} lies {'at' if cut == name else 'below'} the delegation {cut} (its NS records in "
                f"{where}): the server answers for it with a referral, never with these records; publish it in the "
                f"zone {cut} is delegated to, or choose a name outside the delegation")
        types = existing.get(name) or ()
        if "CNAME" in types:
            raise ZoneError(f"name {name} is an alias (CNAME) in {where}, and a name with a CNAME can have no other "
                            "records: remove the CNAME, or choose another name")
        if "AAAA" in types and not take_over:
            fix = ("remove them from the zone file to let the module publish the name (it never edits the lines "
                   "written by hand)" if take_over is None else
                   "set take_over=true to replace them and manage the name from now on")
            raise ZoneError(f"name {name} already has AAAA records in {where}, not published by this module: "
                            f"{fix}, or choose another name")


def delegations(existing: Mapping[str, Any]) -> list[str]:
    """The names ``existing`` (owner -> its record types) delegates: those with NS records below the apex,
    sorted."""
    return sorted(o for o, types in existing.items() if "NS" in types and o != "@")


def _suspects(names: Iterable[str], existing: Mapping[str, Any], cuts: set[str]) -> set[str]:
    """The names check_collisions has to look at: those written by hand too, and those at or below a cut; a
    hundred thousand names are checked against a handful of hand-written ones, not the other way round."""
    given: set[str] | frozenset[str] = names if isinstance(names, (set, frozenset)) else set(names)
    suspects: set[str] = set(given & existing.keys())
    if cuts:
        suspects |= {name for name in given if _at_or_below(name, cuts)}
    return suspects


def _at_or_below(name: str, cuts: set[str]) -> bool:
    labels = name.split(".")
    return any(".".join(labels[i:]) in cuts for i in range(len(labels)))


def absolute(owner: str, origin: str) -> str:
    """An owner relative to ``origin`` ('@' for the apex) as an absolute name."""
    return origin if owner == "@" else f"{owner}.{origin}"


@dataclass
class ForwardPlan:
    """What changes in the forward zone: the names added, removed and updated, and the owners' AAAA RRsets
    after the change (None: delete the RRset)."""

    add: list[str]
    remove: list[str]
    change: list[str]
    result: dict[str, list[str]]
    aaaa: dict[str, list[str] | None]
    owned_before: set[str]
    owned_after: set[str]

    @property
    def changed(self) -> bool:
        return bool(self.aaaa) or self.owned_before != self.owned_after


def plan_forward(owned: set[str], current: dict[str, RRset], wanted: dict[str, list[str]], ttl: int,
                 prune: bool = False, max_delete_percent: float = 100, force: bool = False,
                 state: str = "present") -> ForwardPlan:
    """Plan the forward zone. ``owned`` are the managed names, ``current`` the AAAA RRsets the store has of
    the managed and the wanted names. A wanted name that exists but is not managed yet is taken over (its AAAA
    RRset replaced). A managed name whose addresses or TTL differ from the wanted ones is updated."""
    managed = {n: current[n][1] if n in current else [] for n in owned}
    step = plan(managed, wanted, prune, max_delete_percent, force, state)
    aaaa: dict[str, list[str] | None] = {n: None for n in step.remove if managed.get(n)}
    change = set(step.change)
    for name in wanted if state == "present" else ():
        now, want = current.get(name), _sorted(wanted[name])
        if now is None or now[1] != want or now[0] != ttl:
            aaaa[name] = want
            if name in managed:  # a wanted name not managed yet is one added
                change.add(name)
    return ForwardPlan(add=step.add, remove=step.remove, change=sorted(change), result=step.result, aaaa=aaaa,
                       owned_before=set(owned), owned_after=set(step.result))


def ptr_owners(names: dict[str, list[str]], zone: str, reverse_zone: str) -> set[str]:
    """The PTR owners in ``reverse_zone`` of the addresses of ``names`` that lie in it (others are skipped)."""
    owners = set()
    for addresses in names.values():
        for address in addresses:
            try:
                owners.add(ptr_name(address, reverse_zone))
            except ZoneError:
                continue
    return owners


@dataclass
class ReversePlan:
    delete: dict[str, list[str]]
    add: dict[str, list[str]]
    after: dict[str, RRset]

    @property
    def changed(self) -> bool:
        return bool(self.delete or self.add)


def plan_reverse(current: dict[str, RRset], wanted: dict[str, list[str]], managed_targets: set[str],
                 ttl: int) -> ReversePlan:
    """Plan the reverse zone: add the wanted PTR records (again, when their TTL differs), delete the PTR
    records that point to a managed name and are no longer wanted. PTR records pointing elsewhere stay."""
    delete: dict[str, list[str]] = {}
    add: dict[str, list[str]] = {}
    after: dict[str, RRset] = {}
    for owner in _sorted_owners(current.keys() | wanted.keys()):
        now_ttl, now = current.get(owner, (ttl, []))
        want = wanted.get(owner, [])
        if not now:  # a new owner (every owner, for a store that writes the reverse zone whole)
            if want:
                add[owner] = want
            after[owner] = (ttl if want else now_ttl, want if len(want) < 2 else sorted(set(want)))
            continue
        gone = [t for t in now if t in managed_targets and t not in want]
        new = [t for t in want if t not in now or now_ttl != ttl]
        if gone:
            delete[owner] = gone
        if new:
            add[owner] = new
        remaining = sorted((set(now) - set(gone)) | set(want))
        after[owner] = (ttl if new else now_ttl, remaining)
    return ReversePlan(delete=delete, add=add, after=after)


@dataclass
class Records:
    """What a store has now in one zone: the RRsets it read (of the managed and the wanted names, or of the
    PTR owners asked for), the names the module manages there, and whether every record of the zone the store
    shows is the module's (a reverse include file) rather than only those pointing to a managed name (a
    dynamic zone)."""

    current: dict[str, RRset]
    owned: set[str] = field(default_factory=set)
    wholly_owned: bool = False


@dataclass
class DnsPlan:
    """The plan of a task: the forward zone, and the reverse zone with ptr=true."""

    zone: str
    forward: ForwardPlan
    # No warning: a run that warns is never stamped (input_stamp), so its warnings come again.
    quiet: bool
    reverse_zone: str | None = None
    reverse: ReversePlan | None = None


class Change(Protocol):
    """What a store changed (or would change) in one zone: whether it changed, the serials under their key (a
    zone file, or a zone), and the diff."""

    @property
    def changed(self) -> bool: ...

    @property
    def key(self) -> str: ...

    @property
    def serial_before(self) -> int | None: ...

    @property
    def serial_after(self) -> int | None: ...

    def diffs(self) -> list[dict[str, str]]: ...


class Store(Protocol):
    """Zone files or a dynamic zone: reads the records it has, applies a plan."""

    where: str
    take_over: bool

    def check(self) -> None: ...

    def session(self, attempt: Callable[[], Outcome]) -> Outcome: ...

    def read(self, zone: str, wanted: dict[str, list[str]]) -> Records: ...

    def foreign(self) -> dict[str, set[str]]: ...

    def read_reverse(self, reverse_zone: str, owners: Callable[[], set[str]]) -> Records: ...

    def apply(self, dns_plan: DnsPlan, check_mode: bool) -> tuple[Sequence[Change], list[str]]: ...


@dataclass
class Outcome:
    """What a task did (or, in check mode, would do): the names added, removed and updated, the names with
    their addresses after, and each zone's change; the warnings, and the backups a store made."""

    changed: bool
    changes: list[Change]
    added: list[str]
    removed: list[str]
    updated: list[str]
    records: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


def check_request(req: Request) -> None:
    """The checks of every store: the TTL, the share a prune may remove."""
    if req.ttl < 0 or req.ttl > 2 ** 31 - 1:
        raise ZoneError(f"ttl {req.ttl} is out of range; give seconds from 0 to 2147483647")
    if not 0 <= req.max_delete_percent <= 100:
        raise ZoneError(f"max_delete_percent {req.max_delete_percent:g} is not a share from 0 to 100")


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: planning builds a few small containers per record and no cycles, and
    with 100,000 records the collector's repeated passes over them cost nearly as much as the planning."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def publish(req: Request, store: Store, check_mode: bool, consume_records: bool = False) -> Outcome:
    """Read the records ``store`` has, plan, and (unless ``check_mode``) apply the plan of ``req``. With
    ``consume_records`` the request's records are emptied once read, so that they are let go before the zones
    are read and planned: for a request made for this one run (at 100,000 records they hold some 40 MB, which
    would otherwise stay under everything the planning adds)."""
    with _collector_paused():
        return _publish(req, store, check_mode, consume_records)


def _publish(req: Request, store: Store, check_mode: bool, consume_records: bool) -> Outcome:
    zone = zone_name(req.zone)
    check_request(req)
    store.check()
    reverse = reverse_zone_name(req.reverse_zone) if req.ptr and req.reverse_zone else None
    wanted, warnings = wanted_names(req.records, zone, req.name_prefix, req.state, req.scopes)
    if consume_records:
        req.records = []
    outcome = store.session(lambda: _publish_once(req, store, zone, reverse, wanted, check_mode, not warnings))
    outcome.warnings = warnings + outcome.warnings
    return outcome


def _reverse_owners(current: dict[str, RRset], wanted_ptr: dict[str, list[str]], zone: str, reverse: str) -> set[str]:
    """The PTR owners a store that reads its reverse zone by owner reads: those of the addresses it has and those
    wanted."""
    return ptr_owners({n: rr[1] for n, rr in current.items()}, zone, reverse) | set(wanted_ptr)


def _publish_once(req: Request, store: Store, zone: str, reverse: str | None, wanted: dict[str, list[str]],
                  check_mode: bool, quiet: bool) -> Outcome:
    now = store.read(zone, wanted)
    if req.state == "present":
        check_collisions(wanted, store.foreign(), store.where, req.take_over if store.take_over else None)
    fwd = plan_forward(now.owned, now.current, wanted, req.ttl, req.prune, req.max_delete_percent, req.force,
                       req.state)
    dns_plan, warnings = DnsPlan(zone, fwd, quiet=quiet), []
    if reverse:
        wanted_ptr, warning = published_ptr_records({n: v for n, v in fwd.result.items() if v}, zone, reverse)
        if warning:
            warnings.append(warning)
            dns_plan.quiet = False
        owners = functools.partial(_reverse_owners, now.current, wanted_ptr, zone, reverse)
        rev_now = store.read_reverse(reverse, owners)
        if rev_now.wholly_owned:
            targets = {t for _ttl, values in rev_now.current.values() for t in values}
        else:
            targets = {absolute(n, zone) for n in fwd.owned_before | fwd.owned_after}
        dns_plan.reverse_zone, dns_plan.reverse = reverse, plan_reverse(rev_now.current, wanted_ptr, targets, req.ttl)
        del wanted_ptr, rev_now, targets, owners
    # What was read and wanted is in the plans now: let it go before the store renders them (at 100,000 records,
    # some 40 MB less under the texts it makes).
    del now
    changes, backups = store.apply(dns_plan, check_mode)
    return Outcome(changed=any(c.changed for c in changes), changes=list(changes), added=fwd.add, removed=fwd.remove,
                   updated=fwd.change, records=dict(fwd.result), warnings=warnings, backups=backups)
