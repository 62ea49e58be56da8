# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing AAAA (and PTR) records to a DNS server with a dynamic zone: RFC 2136 updates signed with TSIG.

The names the collection manages in a zone are listed in one TXT RRset, ``_palmfarm-managed.ZONE``, one string
per name, changed in the same update message as the records (so the list and the records never disagree) and
used as the update's prerequisite (so two runs at once cannot lose each other's names: the later one is
refused by the server, reads again and retries). Only names on that list are ever pruned. The current records
come from a zone transfer (AXFR, signed with the key) when the server allows one, else from one query per name.
The server bumps the SOA serial itself."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any, Iterable

from .._optional import import_dnspython
from .zone_parser import (
    ZoneError,
    check_collisions,
    plan,
    ptr_name,
    published_ptr_records,
    reverse_zone_name,
    wanted_names,
    zone_name,
)

OWNERSHIP_NAME = "_palmfarm-managed"
OWNERSHIP_TYPE = "TXT"
ALGORITHMS = ("hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512")
RETRIES = 5

# Imported with this module, which dns_aaaa loads only for its nsupdate method.
dns, DNSPYTHON_IMPORT_ERROR = import_dnspython()


class NsupdateError(ZoneError):
    """A server, key or zone that cannot take the update, with the fix in the message."""


class ConcurrentChange(NsupdateError):
    """The ownership record changed between reading and updating: read again."""


# An RRset as read or planned: (TTL, sorted values).
RRset = tuple[int, list[str]]


@dataclass
class Server:
    """Where the updates go, and the TSIG key that signs every message (queries, transfers and updates)."""

    address: str
    port: int = 53
    key_name: str | None = None
    key_secret: str | None = None
    algorithm: str = "hmac-sha256"
    timeout: float = 10.0

    @property
    def label(self) -> str:
        return f"[{self.address}]:{self.port}" if ":" in self.address else f"{self.address}:{self.port}"

    def key(self) -> Any:
        """The dnspython TSIG key, or None without one."""
        if not self.key_name and not self.key_secret:
            return None
        if not (self.key_name and self.key_secret):
            raise NsupdateError("tsig_key_name and tsig_key_secret go together; give both, or neither for a "
                                "server that allows updates by address")
        if self.algorithm not in ALGORITHMS:
            raise NsupdateError(f"tsig_algorithm {self.algorithm!r} is unknown; use one of {', '.join(ALGORITHMS)}")
        try:
            base64.b64decode(self.key_secret, validate=True)
            return dns.tsig.Key(self.key_name, self.key_secret, self.algorithm)
        except (binascii.Error, ValueError) as exc:
            raise NsupdateError(f"tsig_key_secret for key {self.key_name} is not valid base64 ({exc}); copy the "
                                "secret from the server's key statement (tsig-keygen prints it)") from None
        except dns.exception.DNSException as exc:
            raise NsupdateError(f"tsig_key_name {self.key_name!r} is not a valid key name: {exc}") from None


@dataclass
class NsRequest:
    zone: str
    records: list[Any]
    server: Server
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


@dataclass
class ZoneUpdate:
    """One zone's records before and after, as zone file lines, and the update that gets there."""

    zone: str
    before: str
    after: str
    message: Any = None
    serial_before: int | None = None
    serial_after: int | None = None

    @property
    def changed(self) -> bool:
        return self.message is not None

    def diff(self, server: Server) -> dict[str, str]:
        header = f"{self.zone} at {server.label}"
        return {"before_header": header, "after_header": header, "before": self.before, "after": self.after}


@dataclass
class NsOutcome:
    changed: bool
    updates: list[ZoneUpdate]
    added: list[str]
    removed: list[str]
    updated: list[str]
    records: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Pure parts: rendering, diffing, building the update messages
# ---------------------------------------------------------------------------------------------------------------

def _sort_key(owner: str) -> tuple[int, list[str]]:
    return (0 if owner == "@" else 1, list(reversed(owner.split("."))))


def render(rrsets: dict[str, dict[str, RRset]], zone: str) -> str:
    """Zone file lines for ``rrsets`` (owner -> type -> (TTL, values)), in the layout of the include file of
    method=file: one aligned line per record, sorted by owner (hierarchically), type and value."""
    lines = [f"; Zone {zone_name(zone)}"]
    owners = sorted((o for o, types in rrsets.items() if any(v for _t, v in types.values())), key=_sort_key)
    width = max((len(o) for o in owners), default=1)
    for owner in owners:
        for rtype in sorted(rrsets[owner]):
            ttl, values = rrsets[owner][rtype]
            for value in values:
                lines.append(f"{owner:<{width}}  {ttl}  IN  {rtype}  {value}")
    return "\n".join(lines) + "\n"


def txt_value(owner: str) -> str:
    return f'"{owner}"'


def owned_names(values: Iterable[str]) -> set[str]:
    """The managed names from the strings of the ownership TXT RRset."""
    return {v.strip('"').lower() for v in values if v.strip('"')}


def _absolute(owner: str, origin: str) -> str:
    return origin if owner == "@" else f"{owner}.{origin}"


def _rdataset(rtype: str, ttl: int, values: Iterable[str]) -> Any:
    return dns.rdataset.from_text("IN", rtype, ttl, *values)


def new_update(zone: str, key: Any) -> Any:
    if key is None:
        return dns.update.UpdateMessage(zone)
    return dns.update.UpdateMessage(zone, keyring=key, keyname=key.name, keyalgorithm=key.algorithm)


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
    """Plan the forward zone. ``owned`` are the managed names, ``current`` the AAAA RRsets on the server of
    the managed and the wanted names. A wanted name that exists but is not managed yet is taken over (its AAAA
    RRset replaced). A managed name whose TTL differs from ``ttl`` is updated."""
    managed = {n: current[n][1] if n in current else [] for n in owned}
    step = plan(managed, wanted, prune, max_delete_percent, force, state)
    aaaa: dict[str, list[str] | None] = {n: None for n in step.remove if managed.get(n)}
    change = set(step.change)
    for name in wanted if state == "present" else ():
        now = current.get(name)
        if now is None or now[1] != sorted(wanted[name]) or now[0] != ttl:
            aaaa[name] = sorted(wanted[name])
            if name in managed and name not in step.add:
                change.add(name)
    return ForwardPlan(add=step.add, remove=step.remove, change=sorted(change), result=step.result, aaaa=aaaa,
                       owned_before=set(owned), owned_after=set(step.result))


def forward_update(zone: str, fwd: ForwardPlan, ttl: int, key: Any) -> Any:
    """The RFC 2136 update for ``fwd``, or None when nothing changes. Its prerequisite is the ownership RRset
    as it was read: if another run changed it meanwhile, the server answers NXRRSET and nothing happens."""
    if not fwd.changed:
        return None
    update = new_update(zone, key)
    if fwd.owned_before:
        update.present(OWNERSHIP_NAME, _rdataset(OWNERSHIP_TYPE, 0, map(txt_value, sorted(fwd.owned_before))))
    else:
        update.absent(OWNERSHIP_NAME, OWNERSHIP_TYPE)
    for name in sorted(fwd.aaaa, key=_sort_key):
        addresses = fwd.aaaa[name]
        if addresses is None:
            update.delete(name, "AAAA")
        else:
            update.replace(name, _rdataset("AAAA", ttl, addresses))
    gone = sorted(fwd.owned_before - fwd.owned_after)
    new = sorted(fwd.owned_after - fwd.owned_before)
    if gone:
        update.delete(OWNERSHIP_NAME, _rdataset(OWNERSHIP_TYPE, ttl, map(txt_value, gone)))
    if new:
        update.add(OWNERSHIP_NAME, _rdataset(OWNERSHIP_TYPE, ttl, map(txt_value, new)))
    return update


def forward_views(current: dict[str, RRset], owned_values: RRset | None, fwd: ForwardPlan,
                  ttl: int) -> tuple[dict[str, dict[str, RRset]], dict[str, dict[str, RRset]]]:
    """The forward zone's records (the names read and the ownership RRset) before and after ``fwd``."""
    before: dict[str, dict[str, RRset]] = {n: {"AAAA": rr} for n, rr in current.items()}
    after: dict[str, dict[str, RRset]] = {n: {"AAAA": rr} for n, rr in current.items()}
    for name, addresses in fwd.aaaa.items():
        after[name] = {"AAAA": (ttl, addresses or [])}
    if owned_values:
        before[OWNERSHIP_NAME] = {OWNERSHIP_TYPE: owned_values}
    owned_ttl = owned_values[0] if owned_values else ttl
    after[OWNERSHIP_NAME] = {OWNERSHIP_TYPE: (owned_ttl, [txt_value(n) for n in sorted(fwd.owned_after)])}
    return before, after


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
    for owner in sorted(set(current) | set(wanted), key=_sort_key):
        now_ttl, now = current.get(owner, (ttl, []))
        want = wanted.get(owner, [])
        gone = [t for t in now if t in managed_targets and t not in want]
        new = [t for t in want if t not in now or now_ttl != ttl]
        if gone:
            delete[owner] = gone
        if new:
            add[owner] = new
        remaining = sorted((set(now) - set(gone)) | set(want))
        after[owner] = (ttl if new else now_ttl, remaining)
    return ReversePlan(delete=delete, add=add, after=after)


def reverse_update(reverse_zone: str, rev: ReversePlan, ttl: int, key: Any) -> Any:
    if not rev.changed:
        return None
    update = new_update(reverse_zone, key)
    for owner, targets in sorted(rev.delete.items()):
        update.delete(owner, _rdataset("PTR", ttl, targets))
    for owner, targets in sorted(rev.add.items()):
        update.add(owner, _rdataset("PTR", ttl, targets))
    return update


# ---------------------------------------------------------------------------------------------------------------
# Talking to the server
# ---------------------------------------------------------------------------------------------------------------

def _resolve(address: str, port: int) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(address, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise NsupdateError(f"server {address!r} is neither an IP address nor a name that resolves: {exc}") from None
    return str(infos[0][4][0])


class Client:
    """Queries, transfers and updates, all over TCP and signed with the key."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.key = server.key()
        self.where = _resolve(server.address, server.port)

    def _key_hint(self) -> str:
        if self.key is None:
            return "no TSIG key was given"
        return f"key {self.server.key_name} ({self.server.algorithm})"

    def _exchange(self, message: Any, zone: str, what: str) -> Any:
        try:
            return dns.query.tcp(message, self.where, timeout=self.server.timeout, port=self.server.port)
        except (OSError, EOFError, dns.exception.DNSException) as exc:
            raise self._failure(exc, zone, what) from None

    def _failure(self, exc: BaseException, zone: str, what: str) -> NsupdateError:
        """The message for a failed exchange with the server: what went wrong, and the fix."""
        server = self.server.label
        if isinstance(exc, dns.tsig.PeerBadKey):
            return NsupdateError(
                f"server {server} does not know {self._key_hint()} (BADKEY) for {what} in zone {zone}: give "
                "tsig_key_name and tsig_algorithm as in the server's key statement")
        if isinstance(exc, dns.tsig.PeerBadSignature):
            return NsupdateError(
                f"server {server} rejected the signature of {self._key_hint()} (BADSIG) for {what} in zone "
                f"{zone}: tsig_key_secret differs from the secret of the server's key statement")
        if isinstance(exc, dns.tsig.PeerBadTime):
            return NsupdateError(
                f"server {server} rejected the signature of {self._key_hint()} (BADTIME) for {what} in zone "
                f"{zone}: the clocks of this host and of the server differ by more than 5 minutes")
        if isinstance(exc, (dns.tsig.PeerError, dns.message.UnknownTSIGKey, dns.tsig.BadSignature)):
            return NsupdateError(
                f"the TSIG exchange with server {server} failed for {what} in zone {zone} ({type(exc).__name__}: "
                f"{exc}): check tsig_key_name, tsig_key_secret and tsig_algorithm")
        if isinstance(exc, dns.exception.Timeout):
            return NsupdateError(
                f"server {server} did not answer within {self.server.timeout:g} s ({what}, zone {zone}): is the "
                "DNS server running and listening on that address and port (TCP)? raise timeout for a slow server")
        if isinstance(exc, ConnectionRefusedError):
            return NsupdateError(
                f"server {server} refused the TCP connection ({what}, zone {zone}): no DNS server listens there; "
                "check server and port")
        return NsupdateError(f"{what} in zone {zone} at server {server} failed: {type(exc).__name__}: {exc}")

    def _check_rcode(self, response: Any, zone: str, what: str) -> None:
        rcode = response.rcode()
        if rcode in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
            return
        text = dns.rcode.to_text(rcode)
        if rcode == dns.rcode.REFUSED:
            raise NsupdateError(
                f"server {self.server.label} refused {what} in zone {zone} (REFUSED): does it serve zone {zone} "
                f"as its primary, and does it allow queries from this host signed with {self._key_hint()}?")
        if rcode == dns.rcode.NOTAUTH:
            raise NsupdateError(
                f"server {self.server.label} is not authoritative for zone {zone} (NOTAUTH, {what}): send the "
                "update to the zone's primary server, or check the zone name")
        raise NsupdateError(f"server {self.server.label} answered {text} to {what} in zone {zone}")

    def query(self, name: str, rtype: str, zone: str) -> RRset | None:
        """The RRset of ``name`` (absolute), None when there is none."""
        message = dns.message.make_query(name, rtype)
        message.flags &= ~dns.flags.RD
        if self.key is not None:
            message.use_tsig(self.key, keyname=self.key.name, algorithm=self.key.algorithm)
        what = f"the {rtype} query for {name}"
        response = self._exchange(message, zone, what)
        self._check_rcode(response, zone, what)
        if not response.flags & dns.flags.AA:
            cut = next((r.name.to_text().lower() for r in response.authority if r.rdtype == dns.rdatatype.NS), None)
            if cut and cut != zone:
                raise NsupdateError(
                    f"name {name} lies below the delegation {cut} in zone {zone} at server {self.server.label}: the "
                    "server answers for it with a referral, never with these records; publish it in the zone "
                    f"{cut} is delegated to, or choose a name outside the delegation")
            raise NsupdateError(
                f"server {self.server.label} is not authoritative for zone {zone} (its answer to {what} lacks "
                "the AA flag): send the update to the zone's primary server, or check the zone name")
        wanted = dns.name.from_text(name)
        for rrset in response.answer:
            if rrset.name == wanted and rrset.rdtype == dns.rdatatype.from_text(rtype):
                return rrset.ttl, sorted(_value(rdata, rtype) for rdata in rrset)
            if rrset.name == wanted and rrset.rdtype == dns.rdatatype.CNAME:
                raise NsupdateError(
                    f"name {name} is an alias (CNAME) in zone {zone} at server {self.server.label}, and a name with a "
                    "CNAME can have no other records: remove the CNAME, or choose another name")
        return None

    def serial(self, zone: str) -> int:
        soa = self.query(zone, "SOA", zone)
        if soa is None:
            raise NsupdateError(
                f"server {self.server.label} has no SOA record for {zone}: it does not serve that zone; check "
                "zone and server")
        return int(soa[1][0].split()[2])

    def transfer(self, zone: str) -> dict[str, dict[str, RRset]] | None:
        """The whole zone by AXFR (owner relative to the zone -> type -> RRset), None when refused."""
        kwargs: dict[str, Any] = {"port": self.server.port, "timeout": self.server.timeout,
                                  "lifetime": self.server.timeout * 3}
        if self.key is not None:
            kwargs.update(keyring=self.key, keyname=self.key.name, keyalgorithm=self.key.algorithm)
        try:
            transferred = dns.zone.from_xfr(dns.query.xfr(self.where, zone, **kwargs))
        except dns.xfr.TransferError:
            return None  # REFUSED or NOTAUTH: no transfers for this client; query name by name instead
        except (OSError, EOFError, dns.exception.DNSException) as exc:
            raise self._failure(exc, zone, "the zone transfer (AXFR)") from None
        result: dict[str, dict[str, RRset]] = {}
        for name, node in transferred.nodes.items():
            owner = name.to_text().lower()
            for rdataset in node.rdatasets:
                rtype = dns.rdatatype.to_text(rdataset.rdtype)
                result.setdefault(owner, {})[rtype] = (rdataset.ttl, sorted(
                    _value(rdata, rtype, transferred.origin) for rdata in rdataset))
        return result

    def rrsets(self, zone: str, owners: Iterable[str], rtype: str,
               transferred: dict[str, dict[str, RRset]] | None) -> dict[str, RRset]:
        """The ``rtype`` RRsets of ``owners`` (relative to ``zone``), from the transfer when there is one."""
        result: dict[str, RRset] = {}
        for owner in sorted(set(owners)):
            if transferred is not None:
                found = transferred.get(owner, {}).get(rtype)
            else:
                found = self.query(_absolute(owner, zone), rtype, zone)
            if found and found[1]:
                result[owner] = found
        return result

    def send(self, update: Any, zone: str) -> None:
        response = self._exchange(update, zone, "the update")
        rcode = response.rcode()
        if rcode == dns.rcode.NOERROR:
            return
        text = dns.rcode.to_text(rcode)
        if rcode in (dns.rcode.NXRRSET, dns.rcode.YXRRSET, dns.rcode.NXDOMAIN, dns.rcode.YXDOMAIN):
            raise ConcurrentChange(f"{OWNERSHIP_NAME}.{zone} changed while the task ran ({text})")
        if rcode == dns.rcode.REFUSED:
            if self.key is None:
                raise NsupdateError(
                    f"server {self.server.label} refused the update of zone {zone} (REFUSED): the task signs it "
                    "with no TSIG key; give tsig_key_name and tsig_key_secret of the key in the zone's "
                    "allow-update (or update-policy), or allow updates from this host's address")
            raise NsupdateError(
                f"server {self.server.label} refused the update of zone {zone} (REFUSED): is `allow-update {{ key "
                f"{self.server.key_name}; }};` (or an update-policy granting key {self.server.key_name}) set for "
                f"zone {zone}, and is the zone a primary zone there? (Knot: an acl with action update)")
        if rcode == dns.rcode.NOTAUTH:
            raise NsupdateError(
                f"server {self.server.label} is not authoritative for zone {zone} (NOTAUTH): send the update to "
                "the zone's primary server")
        if rcode == dns.rcode.NOTZONE:
            raise NsupdateError(f"server {self.server.label}: a record lies outside zone {zone} (NOTZONE)")
        if rcode == dns.rcode.SERVFAIL:
            raise NsupdateError(
                f"server {self.server.label} failed to apply the update of zone {zone} (SERVFAIL): see its log; "
                "the zone's journal or directory may not be writable by the server")
        raise NsupdateError(f"server {self.server.label} answered {text} to the update of zone {zone}")


def _value(rdata: Any, rtype: str, origin: Any = None) -> str:
    if rtype == "AAAA":
        return str(ipaddress.IPv6Address(rdata.address))
    if rtype == "PTR":
        target = rdata.target.derelativize(origin) if origin is not None else rdata.target
        return str(target.to_text()).lower()
    return str(rdata.to_text())


# ---------------------------------------------------------------------------------------------------------------
# The whole task
# ---------------------------------------------------------------------------------------------------------------

def _check(req: NsRequest) -> None:
    if req.ttl < 0 or req.ttl > 2 ** 31 - 1:
        raise NsupdateError(f"ttl {req.ttl} is out of range; give seconds from 0 to 2147483647")
    if not 0 <= req.max_delete_percent <= 100:
        raise NsupdateError(f"max_delete_percent {req.max_delete_percent:g} is not a share from 0 to 100")
    if not 0 < req.server.port < 65536:
        raise NsupdateError(f"port {req.server.port} is not a TCP port; give 1 to 65535 (53 for DNS)")
    if req.server.timeout <= 0:
        raise NsupdateError(f"timeout {req.server.timeout:g} is not a positive number of seconds")
    if req.ptr and not req.reverse_zone:
        raise NsupdateError("ptr=true needs reverse_zone")
    req.server.key()  # a bad key fails before anything is sent


def nsupdate_publish(req: NsRequest, check_mode: bool, client: Client | None = None) -> NsOutcome:
    """Read, plan and (unless ``check_mode``) send the updates for ``req``; retried when another run changed
    the managed names at the same time."""
    _check(req)
    zone = zone_name(req.zone)
    reverse = reverse_zone_name(req.reverse_zone) if req.ptr and req.reverse_zone else None
    wanted, warnings = wanted_names(req.records, zone, req.name_prefix, req.state, req.scopes)
    client = client or Client(req.server)
    for attempt in range(RETRIES):
        try:
            outcome = _publish_once(req, client, zone, reverse, wanted, check_mode)
        except ConcurrentChange:
            if attempt == RETRIES - 1:
                raise NsupdateError(
                    f"the managed names of zone {zone} ({OWNERSHIP_NAME} TXT) kept changing during {RETRIES} "
                    "attempts: other runs update the zone at the same time; run the task again") from None
            continue
        outcome.warnings = warnings + outcome.warnings
        return outcome
    raise AssertionError("unreachable")


def _publish_once(req: NsRequest, client: Client, zone: str, reverse: str | None, wanted: dict[str, list[str]],  # noqa: C901
                  check_mode: bool) -> NsOutcome:
    serial_before = client.serial(zone)
    transferred = client.transfer(zone)
    owned_rrset = (client.rrsets(zone, [OWNERSHIP_NAME], OWNERSHIP_TYPE, transferred) or {}).get(OWNERSHIP_NAME)
    owned = owned_names(owned_rrset[1]) if owned_rrset else set()
    current = client.rrsets(zone, owned | set(wanted), "AAAA", transferred)
    if req.state == "present":
        # What is on the server and not the module's: the whole zone when it was transferred, else the AAAA
        # records of the wanted names (a name below a delegation fails in the query, with its referral).
        existing = {n: set(types) for n, types in transferred.items()} if transferred is not None else \
            {n: {"AAAA"} for n in current}
        for name in owned:
            existing.get(name, set()).discard("AAAA")
        check_collisions(set(wanted) - owned, existing, f"zone {zone} at server {req.server.label}",
                         req.take_over)
    fwd = plan_forward(owned, current, wanted, req.ttl, req.prune, req.max_delete_percent, req.force, req.state)
    before, after = forward_views(current, owned_rrset, fwd, req.ttl)
    warnings: list[str] = []
    updates = [ZoneUpdate(zone, render(before, zone), render(after, zone),
                          forward_update(zone, fwd, req.ttl, client.key), serial_before, serial_before)]
    if reverse:
        reverse_serial = client.serial(reverse)
        old = {n: rr[1] for n, rr in current.items()}
        wanted_ptr, warning = published_ptr_records({n: v for n, v in fwd.result.items() if v}, zone, reverse)
        if warning:
            warnings.append(warning)
        owners = ptr_owners(old, zone, reverse) | set(wanted_ptr)
        rev_transferred = client.transfer(reverse) if owners else None
        current_ptr = client.rrsets(reverse, owners, "PTR", rev_transferred)
        targets = {_absolute(n, zone) for n in fwd.owned_before | fwd.owned_after}
        rev = plan_reverse(current_ptr, wanted_ptr, targets, req.ttl)
        updates.append(ZoneUpdate(
            reverse, render({o: {"PTR": rr} for o, rr in current_ptr.items()}, reverse),
            render({o: {"PTR": rr} for o, rr in rev.after.items()}, reverse),
            reverse_update(reverse, rev, req.ttl, client.key), reverse_serial, reverse_serial))
    if not check_mode:
        sent: list[str] = []
        for update in updates:
            if update.message is None:
                continue
            try:
                client.send(update.message, update.zone)
            except ConcurrentChange:
                raise
            except NsupdateError as exc:
                if not sent:
                    raise
                raise NsupdateError(f"{exc} (the update of zone {', '.join(sent)} was applied; run the task "
                                    "again once this is fixed)") from None
            sent.append(update.zone)
            update.serial_after = client.serial(update.zone)
    return NsOutcome(changed=any(u.changed for u in updates), updates=updates, added=fwd.add, removed=fwd.remove,
                     updated=fwd.change, records=dict(fwd.result), warnings=warnings)
