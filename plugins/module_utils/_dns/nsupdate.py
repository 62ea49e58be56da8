# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A DNS server's dynamic zone as a store of the dns planner (planner.py): its records read by queries or a zone
transfer, and a plan applied by RFC 2136 updates signed with TSIG.

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
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .._optional import import_dnspython
from .planner import (
    DnsPlan,
    ForwardPlan,
    Outcome,
    Records,
    Request,
    ReversePlan,
    RRset,
    Server,
    absolute,
)
from .planner import publish as plan_and_apply
from .zone_parser import ZoneError, _sort_key, zone_name

OWNERSHIP_NAME = "_palmfarm-managed"
OWNERSHIP_TYPE = "TXT"
ALGORITHMS = ("hmac-md5", "hmac-sha1", "hmac-sha224", "hmac-sha256", "hmac-sha384", "hmac-sha512")
RETRIES = 5

# Imported with this module, which dns_aaaa loads only for its nsupdate method.
dns, DNSPYTHON_IMPORT_ERROR = import_dnspython()


def _failure_messages() -> tuple[tuple[tuple[type[BaseException], ...], str], ...]:
    """What went wrong in an exchange with the server, and the fix: the first entry whose exceptions match.
    Built on call, since dnspython is imported only when it is there."""
    return (
        ((dns.tsig.PeerBadKey,),
         "server {server} does not know {key} (BADKEY) for {what} in zone {zone}: give tsig_key_name and "
         "tsig_algorithm as in the server's key statement"),
        ((dns.tsig.PeerBadSignature,),
         "server {server} rejected the signature of {key} (BADSIG) for {what} in zone {zone}: tsig_key_secret "
         "differs from the secret of the server's key statement"),
        ((dns.tsig.PeerBadTime,),
         "server {server} rejected the signature of {key} (BADTIME) for {what} in zone {zone}: the clocks of this "
         "host and of the server differ by more than 5 minutes"),
        ((dns.tsig.PeerError, dns.message.UnknownTSIGKey, dns.tsig.BadSignature),
         "the TSIG exchange with server {server} failed for {what} in zone {zone} ({kind}: {exc}): check "
         "tsig_key_name, tsig_key_secret and tsig_algorithm"),
        ((dns.exception.Timeout,),
         "server {server} did not answer within {timeout:g} s ({what}, zone {zone}): is the DNS server running "
         "and listening on that address and port (TCP)? raise timeout for a slow server"),
        ((ConnectionRefusedError,),
         "server {server} refused the TCP connection ({what}, zone {zone}): no DNS server listens there; check "
         "server and port"),
    )


class NsupdateError(ZoneError):
    """A server, key or zone that cannot take the update, with the fix in the message."""


class ConcurrentChange(NsupdateError):
    """The ownership record changed between reading and updating: read again."""


def tsig_key(server: Server) -> Any:
    """The dnspython TSIG key of ``server``, or None without one."""
    if not server.key_name and not server.key_secret:
        return None
    if not (server.key_name and server.key_secret):
        raise NsupdateError("tsig_key_name and tsig_key_secret go together; give both, or neither for a "
                            "server that allows updates by address")
    if server.algorithm not in ALGORITHMS:
        raise NsupdateError(f"tsig_algorithm {server.algorithm!r} is unknown; use one of {', '.join(ALGORITHMS)}")
    try:
        base64.b64decode(server.key_secret, validate=True)
        return dns.tsig.Key(server.key_name, server.key_secret, server.algorithm)
    except (binascii.Error, ValueError) as exc:
        raise NsupdateError(f"tsig_key_secret for key {server.key_name} is not valid base64 ({exc}); copy the "
                            "secret from the server's key statement (tsig-keygen prints it)") from None
    except dns.exception.DNSException as exc:
        raise NsupdateError(f"tsig_key_name {server.key_name!r} is not a valid key name: {exc}") from None


@dataclass
class ZoneUpdate:
    """One zone's records before and after, as zone file lines, and the update that gets there."""

    zone: str
    before: str
    after: str
    message: Any = None
    serial_before: int | None = None
    serial_after: int | None = None
    label: str = ""

    @property
    def changed(self) -> bool:
        return self.message is not None

    @property
    def key(self) -> str:
        """What the serials are reported under: the zone."""
        return self.zone

    def diffs(self) -> list[dict[str, str]]:
        header = f"{self.zone} at {self.label}"
        return [{"before_header": header, "after_header": header, "before": self.before, "after": self.after}]


# ---------------------------------------------------------------------------------------------------------------
# Pure parts: rendering, diffing, building the update messages
# ---------------------------------------------------------------------------------------------------------------

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


def _rdataset(rtype: str, ttl: int, values: Iterable[str]) -> Any:
    return dns.rdataset.from_text("IN", rtype, ttl, *values)


def new_update(zone: str, key: Any) -> Any:
    if key is None:
        return dns.update.UpdateMessage(zone)
    return dns.update.UpdateMessage(zone, keyring=key, keyname=key.name, keyalgorithm=key.algorithm)


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
        self.key = tsig_key(server)
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
        fields = {"server": self.server.label, "key": self._key_hint(), "what": what, "zone": zone,
                  "timeout": self.server.timeout, "kind": type(exc).__name__, "exc": exc}
        for kinds, message in _failure_messages():
            if isinstance(exc, kinds):
                return NsupdateError(message.format(**fields))
        return NsupdateError("{what} in zone {zone} at server {server} failed: {kind}: {exc}".format(**fields))

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
                found = self.query(absolute(owner, zone), rtype, zone)
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
# The dynamic zone as a store of the planner
# ---------------------------------------------------------------------------------------------------------------

class DynamicZone:
    """The records of a dynamic zone at a server, for the planner (planner.py): the names the module manages
    are those of the ownership list; a name with AAAA records not on it is taken over only with take_over. A
    plan is applied by one update per zone, the forward one conditional on the ownership list as it was read;
    when another run changed it meanwhile, the task reads and plans again."""

    take_over = True

    def __init__(self, req: Request, client: Client | None = None) -> None:
        if req.server is None:
            raise NsupdateError("method=nsupdate needs server")
        self.req = req
        self.server: Server = req.server
        self.client = client
        self.where = ""
        self.zone = ""
        self.serial_before = 0
        self.transferred: dict[str, dict[str, RRset]] | None = None
        self.owned_rrset: RRset | None = None
        self.owned: set[str] = set()
        self.current: dict[str, RRset] = {}
        self.reverse_serial = 0
        self.current_ptr: dict[str, RRset] = {}

    def check(self) -> None:
        req, server = self.req, self.server
        if not 0 < server.port < 65536:
            raise NsupdateError(f"port {server.port} is not a TCP port; give 1 to 65535 (53 for DNS)")
        if server.timeout <= 0:
            raise NsupdateError(f"timeout {server.timeout:g} is not a positive number of seconds")
        if req.ptr and not req.reverse_zone:
            raise NsupdateError("ptr=true needs reverse_zone")
        tsig_key(server)  # a bad key fails before anything is sent

    def session(self, attempt: Callable[[], Outcome]) -> Outcome:
        """``attempt``, again when another run changed the managed names at the same time."""
        self.client = self.client or Client(self.server)
        for tries in range(1, RETRIES + 1):
            try:
                return attempt()
            except ConcurrentChange:
                if tries == RETRIES:
                    raise NsupdateError(
                        f"the managed names of zone {self.zone} ({OWNERSHIP_NAME} TXT) kept changing during "
                        f"{RETRIES} attempts: other runs update the zone at the same time; run the task again"
                    ) from None
        raise AssertionError("unreachable")

    @property
    def _client(self) -> Client:
        if self.client is None:
            raise AssertionError("read outside session()")
        return self.client

    def read(self, zone: str, wanted: dict[str, list[str]]) -> Records:
        """The ownership list, and the AAAA RRsets of the managed and the wanted names: from a zone transfer
        when the server allows one, else name by name (a name below a delegation fails there, with its
        referral)."""
        client = self._client
        self.zone, self.where = zone, f"zone {zone} at server {self.server.label}"
        self.serial_before = client.serial(zone)
        self.transferred = client.transfer(zone)
        self.owned_rrset = (client.rrsets(zone, [OWNERSHIP_NAME], OWNERSHIP_TYPE, self.transferred) or {}).get(
            OWNERSHIP_NAME)
        self.owned = owned_names(self.owned_rrset[1]) if self.owned_rrset else set()
        self.current = client.rrsets(zone, self.owned | set(wanted), "AAAA", self.transferred)
        return Records(self.current, set(self.owned))

    def foreign(self) -> dict[str, set[str]]:
        """What is on the server and not the module's: the whole zone when it was transferred, else the AAAA
        records of the wanted names; the managed names' AAAA records left out."""
        if self.transferred is not None:
            existing = {n: set(types) for n, types in self.transferred.items()}
        else:
            existing = {n: {"AAAA"} for n in self.current}
        for name in self.owned:
            existing.get(name, set()).discard("AAAA")
        return existing

    def read_reverse(self, reverse_zone: str, owners: Callable[[], set[str]]) -> Records:
        """The PTR RRsets of ``owners()``: the owners of the addresses read and of the wanted PTR records."""
        client = self._client
        self.reverse_serial = client.serial(reverse_zone)
        wanted = owners()
        transferred = client.transfer(reverse_zone) if wanted else None
        self.current_ptr = client.rrsets(reverse_zone, wanted, "PTR", transferred)
        return Records(self.current_ptr)

    def apply(self, dns_plan: DnsPlan, check_mode: bool) -> tuple[list[ZoneUpdate], list[str]]:
        """The updates of ``dns_plan``, sent unless ``check_mode``; no backups."""
        client, ttl, zone, label = self._client, self.req.ttl, dns_plan.zone, self.server.label
        before, after = forward_views(self.current, self.owned_rrset, dns_plan.forward, ttl)
        updates = [ZoneUpdate(zone, render(before, zone), render(after, zone),
                              forward_update(zone, dns_plan.forward, ttl, client.key), self.serial_before,
                              self.serial_before, label)]
        reverse, rev = dns_plan.reverse_zone, dns_plan.reverse
        if reverse and rev is not None:
            updates.append(ZoneUpdate(
                reverse, render({o: {"PTR": rr} for o, rr in self.current_ptr.items()}, reverse),
                render({o: {"PTR": rr} for o, rr in rev.after.items()}, reverse),
                reverse_update(reverse, rev, ttl, client.key), self.reverse_serial, self.reverse_serial, label))
        if not check_mode:
            _send(client, updates)
        return updates, []


def _send(client: Client, updates: list[ZoneUpdate]) -> None:
    """Send the updates that change something, one zone after the other; a failure after the first says which
    zones were updated."""
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


def nsupdate_publish(req: Request, check_mode: bool, client: Client | None = None) -> Outcome:
    """Read, plan and (unless ``check_mode``) send the updates for ``req``; retried when another run changed
    the managed names at the same time."""
    return plan_and_apply(req, DynamicZone(req, client), check_mode)
