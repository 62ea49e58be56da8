# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Editing a hand-written BIND zone file without touching it: the SOA serial, one $INCLUDE line, and the
include file the collection owns (AAAA and PTR records), rendered and parsed back; the names and addresses of
the records wanted, checked. What changes is planned in planner.py."""

from __future__ import annotations

import datetime
import functools
import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .._net.addresses import PUBLISHABLE_SCOPES, AddressError, eui64, normalize_mac, packed_address
from .._optional import import_idna

SERIAL_FORMATS = ("date", "increment", "unixtime")
SERIAL_MODULO = 2 ** 32
HEADER = "; Managed by palmfarm.ipv6.dns_aaaa: this file is rewritten on every change, do not edit it."
_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# A relative name of valid lower-case ASCII labels: the common case, checked with one match instead of per label.
_PLAIN_NAME_RE = re.compile(r"(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)*(?!-)[a-z0-9-]{1,63}(?<!-)")
_SPECIAL = frozenset('();"\\')


class ZoneError(ValueError):
    """A zone file, name, address or plan that cannot be used, with the fix in the message."""


class MissingIdna(ZoneError):
    """A name that is not ASCII, and no idna library to convert it (IDNA 2008) on this host."""

    def __init__(self, name: str) -> None:
        super().__init__(f"name {name!r} is not ASCII: converting it to punycode as IDNA 2008 (UTS #46) says needs "
                         "the Python library idna on the host that runs the task (Debian: python3-idna; pip install "
                         "idna), or give the name in punycode (xn--...)")
        self.name = name


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


# ---------------------------------------------------------------------------------------------------------------
# Reading the zone file text
# ---------------------------------------------------------------------------------------------------------------

def _entries(text: str) -> Iterable[list[Token]]:  # noqa: C901
    """Yield the tokens of each entry of a zone file: a logical line, parentheses joined, comments and
    quotes understood. Token offsets index into ``text``."""
    i, n = 0, len(text)
    tokens: list[Token] = []
    depth = 0
    while i < n:
        c = text[i]
        if c == ";":
            while i < n and text[i] != "\n":
                i += 1
        elif c == "\n":
            if depth == 0 and tokens:
                yield tokens
                tokens = []
            i += 1
        elif c in " \t\r":
            i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            if depth == 0:
                raise ZoneError(f"unbalanced ')' at offset {i} of the zone file")
            depth -= 1
            i += 1
        else:
            start = i
            if c == '"':
                i += 1
                while i < n and text[i] not in '"\n':
                    i += 2 if text[i] == "\\" else 1
                if i >= n or text[i] != '"':
                    line = text[:start].count("\n") + 1
                    raise ZoneError(f"line {line} of the zone file has unbalanced quotes: a quoted string ends on the "
                                    "line it starts on (BIND and Knot refuse the file); close it there")
                i += 1
            while i < n and text[i] not in " \t\r\n;()\"":
                i += 2 if text[i] == "\\" else 1
            tokens.append(Token(text[start:i], start, i))
    if depth:
        raise ZoneError("the zone file ends inside parentheses: an unclosed '('")
    if tokens:
        yield tokens


def _is_ttl(word: str) -> bool:
    return bool(re.fullmatch(r"\d+[smhdwSMHDW]?(\d+[smhdwSMHDW])*", word))


def find_serial(text: str) -> Token:
    """The SOA serial of a zone file text, as the token (value and offsets) to replace."""
    for tokens in _entries(text):
        if tokens[0].text.startswith("$"):
            continue
        words = [t.text.upper() for t in tokens]
        for idx in range(min(4, len(words))):
            if words[idx] == "SOA":
                before = words[:idx]
                if not all(w in _CLASSES or _is_ttl(w) for w in before[1:]):
                    continue
                if len(tokens) < idx + 4:
                    raise ZoneError("the SOA record has no serial (it needs MNAME RNAME SERIAL ...)")
                serial = tokens[idx + 3]
                if not serial.text.isdigit() or int(serial.text) >= SERIAL_MODULO:
                    raise ZoneError(f"the SOA serial {serial.text!r} is not a number from 0 to 4294967295")
                return serial
    raise ZoneError("the zone file has no SOA record; a zone file starts with one (@ IN SOA ...)")


def serial_gt(a: int, b: int) -> bool:
    """RFC 1982 serial number arithmetic: whether ``a`` is greater than ``b``."""
    diff = (a - b) % SERIAL_MODULO
    return 0 < diff < 2 ** 31


def next_serial(current: int, serial_format: str, now: datetime.datetime | None = None) -> int:
    """The serial after ``current``: always greater in RFC 1982 terms, so secondaries take the change."""
    if serial_format not in SERIAL_FORMATS:
        raise ZoneError(f"serial_format {serial_format!r} is unknown; use one of {', '.join(SERIAL_FORMATS)}")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    plus_one = (current + 1) % SERIAL_MODULO
    if serial_format == "increment":
        return plus_one
    if serial_format == "date":
        candidate = int(now.strftime("%Y%m%d")) * 100
    else:
        candidate = int(now.timestamp())
    candidate %= SERIAL_MODULO
    return candidate if serial_gt(candidate, current) else plus_one


def replace_serial(text: str, serial: int) -> str:
    token = find_serial(text)
    return text[:token.start] + str(serial) + text[token.end:]


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


def _same_path(a: str, b: str) -> bool:
    if os.path.normpath(a) == os.path.normpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def find_include(text: str, include_path: str, base_dirs: Iterable[str] = ()) -> Token | None:
    """The path token of the $INCLUDE line that pulls in ``include_path``, if there is one. A relative
    $INCLUDE path counts when it names the file from one of ``base_dirs`` (the zone file's directory, where
    Knot looks, or named's ``directory``, where BIND looks)."""
    bases = list(base_dirs)
    for token in include_tokens(text):
        path = _unquote(token.text)
        if path == include_path:
            return token
        if os.path.isabs(path):
            if _same_path(path, include_path):
                return token
        elif any(_same_path(os.path.join(base, path), include_path) for base in bases):
            return token
    return None


def include_tokens(text: str) -> list[Token]:
    """The path token of every $INCLUDE line of a zone file text."""
    return [tokens[1] for tokens in _entries(text) if tokens[0].text.upper() == "$INCLUDE" and len(tokens) > 1]


def newline_of(text: str) -> str:
    """The line ending a zone file uses: CRLF when most of its lines end so (a file from Windows), else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def include_line(include_path: str, zone: str, newline: str = "\n") -> str:
    return f'$INCLUDE "{include_path}" {fqdn(zone)}{newline}'


def ensure_include(text: str, include_path: str, zone: str, base_dirs: Iterable[str] = ()) -> str:
    """The zone text with one $INCLUDE line for ``include_path`` at its end, added only when missing (a
    relative $INCLUDE from one of ``base_dirs`` counts, see find_include), ending as the file's lines end."""
    if find_include(text, include_path, base_dirs) is not None:
        return text
    newline = newline_of(text)
    if text and not text.endswith("\n"):
        text += newline
    return text + include_line(include_path, zone, newline)


def _absolute_name(word: str, origin: str | None) -> str | None:
    """An owner name of a zone file as an absolute name, lower case; None when it is relative to an origin
    the file does not set."""
    if word == "@":
        return origin
    if word.endswith("."):
        return word.lower()
    return f"{word.lower()}.{origin}" if origin else None


def soa_owner(text: str) -> str | None:
    """The absolute owner of the zone file's SOA record (the zone it holds), when the file says it: an
    absolute owner, or '@' or a relative one under a $ORIGIN line. None when it is relative to the origin the
    server gives."""
    origin: str | None = None
    for tokens in _entries(text):
        words = [t.text for t in tokens]
        if words[0].upper() == "$ORIGIN" and len(words) > 1:
            origin = _absolute_name(words[1], origin)
            continue
        if words[0].startswith("$"):
            continue
        # The type follows the owner, then at most a TTL and a class: the first other word.
        for word in words[1:4]:
            if word.upper() == "SOA":
                return _absolute_name(words[0], origin)
            if word.upper() not in _CLASSES and not _is_ttl(word):
                break
    return None


_CLASSES = frozenset(("IN", "CH", "HS", "CS"))


def zone_owners(text: str, zone: str, read: Callable[[str], str | None] | None = None) -> dict[str, set[str]]:
    """The record types of each owner of a zone file text, owners relative to ``zone`` ('@' for the apex), as a
    server reads them: $ORIGIN, a line without an owner continuing the previous owner, the TTL and class in
    either order. The files it $INCLUDEs are read with ``read`` (path as written -> text, None to skip one),
    with the origin the $INCLUDE line gives."""
    result: dict[str, set[str]] = {}
    _owners(text, zone_name(zone), zone_name(zone), read, result, 0)
    return result


def _owners(text: str, origin: str, current: str | None, read: Callable[[str], str | None] | None,  # noqa: C901
            result: dict[str, set[str]], depth: int) -> None:
    owner: str | None = None
    for tokens in _entries(text):
        first = tokens[0]
        directive = first.text.upper()
        if directive == "$ORIGIN" and len(tokens) > 1:
            current = _absolute_name(tokens[1].text, current)
            continue
        if directive == "$INCLUDE" and len(tokens) > 1 and read is not None and depth < 8:
            included = read(_unquote(tokens[1].text))
            if included is not None:
                start = _absolute_name(tokens[2].text, current) if len(tokens) > 2 else current
                _owners(included, origin, start, read, result, depth + 1)
            continue
        if directive.startswith("$"):
            continue
        rest = tokens
        if first.start == 0 or text[first.start - 1] == "\n":
            owner, rest = _absolute_name(first.text, current), tokens[1:]
        words = [t.text.upper() for t in rest]
        while words and (words[0] in _CLASSES or _is_ttl(words[0])):
            words.pop(0)
        if not words or owner is None:
            continue
        if owner == origin:
            result.setdefault("@", set()).add(words[0])
        elif owner.endswith("." + origin):
            result.setdefault(owner[: -len(origin) - 1], set()).add(words[0])


def reverse_zone_prefix(origin: str) -> str | None:
    """The IPv6 prefix a nibble ip6.arpa zone covers (2001:db8:ebbd:2080::/64), None for another name."""
    labels = origin.rstrip(".").split(".")
    if labels[-2:] != ["ip6", "arpa"] or not 1 <= len(labels) - 2 <= 32 \
            or not all(re.fullmatch(r"[0-9a-f]", x) for x in labels[:-2]):
        return None
    nibbles = "".join(reversed(labels[:-2]))
    return str(ipaddress.IPv6Network((int(nibbles.ljust(32, "0"), 16), len(nibbles) * 4)))


# ---------------------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------------------

def fqdn(name: str) -> str:
    return name.rstrip(".").lower() + "."


# The full stops that UTS #46 maps to '.': ideographic, full-width and half-width.
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _labels(text: str) -> list[str]:
    """The labels of a name as written (without the final dot); any Unicode full stop separates them."""
    if not text.isascii():
        text = text.translate(_DOTS)
    return text.rstrip(".").split(".")


def to_ascii_label(label: str, name: str) -> str:
    """One label in lower-case ASCII: a label that is not ASCII is converted as registries do, IDNA 2008
    with the UTS #46 mapping, non-transitional (faß.de stays faß.de, xn--fa-hia.de; IDNA 2003 made it
    fass.de)."""
    if label == "":
        raise ZoneError(f"name {name!r} has an empty label (two dots in a row, or a leading dot)")
    if label.isascii():
        ascii_label = label
    else:
        idna = import_idna()[0]
        if idna is None:
            raise MissingIdna(name)
        try:
            ascii_label = idna.encode(label, uts46=True, transitional=False).decode()
        except idna.IDNAError as exc:
            raise ZoneError(f"name {name!r}: label {label!r} is not a valid IDNA 2008 label ({exc}); give a name "
                            "a registry would accept, or its punycode (xn--...)") from None
    ascii_label = ascii_label.lower()
    if not _LABEL_RE.match(ascii_label):
        raise ZoneError(
            f"name {name!r}: label {ascii_label!r} is not a valid host name label; use letters, digits and "
            "hyphens (not at either end), at most 63 characters"
        )
    return ascii_label


@functools.lru_cache(maxsize=64)
def zone_name(zone: str) -> str:
    """A zone origin in canonical form: lower case, punycode, with the final dot."""
    text = str(zone).strip()
    if text in ("", "."):
        raise ZoneError(f"zone {zone!r} is not a zone name; write it as e.g. lab.example.net")
    return ".".join(to_ascii_label(label, text) for label in _labels(text)) + "."


def owner_name(name: str, zone: str) -> str:
    """The owner of ``name`` relative to ``zone`` ('@' for the apex). A name ending in a dot is absolute and
    must lie inside the zone; any other name is relative to the zone, as in a zone file."""
    origin = zone_name(zone)
    text = str(name).strip()
    if len(text) <= 253 - len(origin) and _LABEL_RE.fullmatch(text):  # one label (a farm's name): itself
        return text
    if text == "@":
        return "@"
    if text in ("", "."):
        raise ZoneError(f"name {name!r} is empty; give a host name such as lxcw5")
    bare = text.rstrip(".")
    if _PLAIN_NAME_RE.fullmatch(bare):
        labels = bare.split(".")
    else:
        labels = [to_ascii_label(label, text) for label in _labels(text)]
    absolute = ".".join(labels) + "."
    if text.endswith(".") or text.translate(_DOTS).endswith("."):
        if absolute == origin:
            return "@"
        if not absolute.endswith("." + origin):
            raise ZoneError(f"name {name!r} is outside the zone {origin}; give a name inside it or a relative name")
        absolute_relative = absolute[: -len(origin) - 1]
    else:
        absolute_relative = ".".join(labels)
        absolute = absolute_relative + "." + origin
    if len(absolute) > 254:
        raise ZoneError(f"name {absolute} is longer than 253 characters")
    return absolute_relative


@functools.lru_cache(maxsize=64)
def reverse_zone_name(reverse_zone: str) -> str:
    """An ip6.arpa zone, given as such or as an IPv6 prefix whose length is a multiple of 4."""
    text = str(reverse_zone).strip()
    if ":" in text:
        try:
            net = ipaddress.IPv6Network(text, strict=False)
        except ValueError as exc:
            raise ZoneError(f"reverse_zone {reverse_zone!r} is not an IPv6 prefix: {exc}") from exc
        if net.prefixlen % 4 or net.prefixlen in (0, 128):
            raise ZoneError(
                f"reverse_zone {reverse_zone}: prefix length /{net.prefixlen} is not a multiple of 4 from 4 to 124; "
                "nibble reverse zones need /4, /8, ... /124 (e.g. a /64), whose PTR records lie below the zone's "
                "name"
            )
        nibbles = net.network_address.exploded.replace(":", "")[: net.prefixlen // 4]
        return ".".join(reversed(nibbles)) + ".ip6.arpa."
    origin = zone_name(text)
    labels = origin.rstrip(".").split(".")
    if labels[-2:] != ["ip6", "arpa"] or not all(re.fullmatch(r"[0-9a-f]", x) for x in labels[:-2]) \
            or len(labels) < 3:
        raise ZoneError(
            f"reverse_zone {reverse_zone!r} is not a nibble ip6.arpa zone; give e.g. "
            "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa or the prefix 2001:db8:ebbd:2080::/64"
        )
    if len(labels) > 33:
        raise ZoneError(
            f"reverse_zone {reverse_zone!r} has {len(labels) - 2} nibbles; a nibble reverse zone has 1 to 31 (a /4 "
            "to a /124), whose PTR records lie below the zone's name, e.g. 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa"
        )
    return origin


def ptr_name(address: str, reverse_zone: str | None = None) -> str:
    """The nibble PTR owner of an IPv6 address: absolute, or relative to ``reverse_zone`` when given."""
    packed = ipv6_address(address).packed
    return _ptr_owner(packed, None if reverse_zone is None else reverse_zone_name(reverse_zone))


def _ptr_owner(packed: bytes, origin: str | None) -> str:
    """The nibble PTR owner of a packed address: absolute, or relative to the ip6.arpa zone ``origin``
    (canonical)."""
    absolute = ".".join(packed.hex()[::-1]) + ".ip6.arpa."
    if origin is None:
        return absolute
    if not absolute.endswith("." + origin):
        raise ZoneError(f"address {_text(packed)} is outside the reverse zone {origin}")
    return absolute[: -len(origin) - 1]


def ipv6_address(address: Any) -> ipaddress.IPv6Address:
    try:
        return ipaddress.IPv6Address(str(address).strip().split("%", maxsplit=1)[0])
    except ValueError as exc:
        raise ZoneError(f"address {address!r} is not an IPv6 address; AAAA records need one") from exc


def _packed(address: Any) -> bytes:
    """The 16 bytes of an IPv6 address (`packed_address`), with ipv6_address's checks and message for anything
    it does not read."""
    try:
        return packed_address(str(address).strip())
    except ValueError:
        return ipv6_address(address).packed


_V4_MAPPED = bytes(10) + b"\xff\xff"
_DISCARD = b"\x01\x00" + bytes(6)
_LOOPBACK = bytes(15) + b"\x01"


def _not_publishable(packed: bytes) -> str | None:
    """Why an address has no place in the DNS (reachable from nowhere else), None for a global unicast or
    ULA (fc00::/7) address."""
    first = packed[0]
    if 0x20 <= first <= 0x3F or first in (0xFC, 0xFD):  # 2000::/3 and ULA: nearly every address, decided here
        return None
    if first == 0xFF:
        return "a multicast address (ff00::/8)"
    if first == 0xFE and packed[1] & 0xC0 == 0x80:
        return "link-local (fe80::/10), reachable only on its own link"
    if first == 0xFE and packed[1] & 0xC0 == 0xC0:
        return "site-local (fec0::/10, deprecated by RFC 3879)"
    if packed[:12] == _V4_MAPPED:
        return "an IPv4-mapped address (::ffff:0:0/96; an IPv4 address goes into an A record)"
    if packed == bytes(16):
        return "the unspecified address (::)"
    if packed == _LOOPBACK:
        return "the loopback address (::1), which means this host to every host"
    if packed[:12] == bytes(12):
        return "an IPv4-compatible address (::/96, deprecated by RFC 4291)"
    if packed[:8] == _DISCARD:
        return "in the discard-only prefix 100::/64 (RFC 6666)"
    return None


def publishable(address: Any, name: Any) -> bytes:
    """The packed address, when it may be published for ``name``: a global unicast or a ULA address, without
    a zone index. Anything else is refused, naming the address and why."""
    packed = _packed(address)
    why = _not_publishable(packed)
    text = str(address).strip()
    if why:
        raise ZoneError(f"record {name!r}: address {text} is {why}; a name in the DNS needs an address other "
                        "hosts can reach: give its global address (or its ULA address, fc00::/7)")
    if "%" in text:
        raise ZoneError(f"record {name!r}: address {text} has a zone index (%{text.partition('%')[2]}), which means "
                        f"something on one host only; give the address without it ({_text(packed)})")
    return packed


def _text(packed: bytes) -> str:
    """The RFC 5952 text of a packed IPv6 address, as str(ipaddress.IPv6Address) writes it."""
    text = socket.inet_ntop(socket.AF_INET6, packed)
    return str(ipaddress.IPv6Address(packed)) if "." in text else text


# ---------------------------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class RecordSet:
    """The wanted AAAA records, owner (relative to the zone) -> sorted addresses, and the warnings found."""

    names: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def record_set(records: Iterable[Any], zone: str, name_prefix: str = "",
               scopes: Iterable[str] | None = None) -> RecordSet:
    """Check and normalise the module's ``records``: {name, addresses} or {name, mac, prefix} (EUI-64), or
    an instance returned by lxd_farm ({name, address, mac, ipv6}). With both addresses and mac and prefix,
    the addresses win and a differing EUI-64 prediction is a warning. ``name_prefix`` goes before every
    name (V(lxc) makes C(w5) C(lxcw5)). ``scopes`` chooses the addresses of an instance (see
    given_addresses)."""
    result = RecordSet()
    wanted: dict[str, Any] = {}  # owner -> its packed address, or a set of them (see _add)
    zone_name(zone)  # a bad zone fails here, with its own message, before any record
    chosen = check_scopes(scopes)
    for item in records:
        if not isinstance(item, dict) or not item.get("name"):
            raise ZoneError(f"record {item!r} has no name; give {{name, addresses}} or {{name, mac, prefix}}")
        owner = owner_name(f"{name_prefix}{item['name']}", zone)
        addresses = {publishable(a, item["name"]) for a in given_addresses(item, chosen)}
        mac, prefix = item.get("mac"), item.get("prefix")
        if prefix and not mac:
            raise ZoneError(f"record {item['name']!r}: a prefix needs a mac to compute the EUI-64 address")
        if mac and prefix:
            try:
                predicted = ipaddress.IPv6Address(eui64(normalize_mac(mac), prefix)).packed
            except AddressError as exc:
                raise ZoneError(f"record {item['name']!r}: {exc}") from exc
            predicted = publishable(_text(predicted), item["name"])
            if not addresses:
                addresses = {predicted}
            elif predicted not in addresses:
                result.warnings.append(
                    f"{item['name']}: the EUI-64 address {_text(predicted)} of MAC {mac} differs from "
                    f"{', '.join(sorted(_text(a) for a in addresses))} (stable-privacy addresses?); "
                    "the addresses given win"
                )
        if not addresses:
            raise ZoneError(_no_address(item, chosen))
        _add(wanted, owner, addresses)
    result.names = {owner: [_text(a)] if isinstance(a, bytes) else [_text(x) for x in sorted(a)]
                    for owner, a in wanted.items()}
    return result


def _add(wanted: dict[str, Any], key: str, values: set[Any]) -> None:
    """Add ``values`` to the values of ``key``: kept as the value itself while there is one (a set per key
    would cost 200 bytes more for each of a hundred thousand keys, nearly all with one value), else as a set."""
    have = wanted.get(key)
    if have is None and len(values) == 1:
        wanted[key] = next(iter(values))
        return
    merged = set() if have is None else have if isinstance(have, set) else {have}
    merged.update(values)
    wanted[key] = merged


def _no_address(item: dict[str, Any], scopes: tuple[str, ...] | None) -> str:
    ipv6 = item.get("ipv6")
    if not isinstance(ipv6, dict) or item.get("addresses") is not None:
        return f"record {item['name']!r} has no address; give addresses, or mac and prefix"
    chosen = ", ".join(scopes) if scopes else "its address, else ipv6.global"
    deprecated = ipv6.get("deprecated") or []
    hint = f"; its deprecated addresses ({', '.join(map(str, deprecated))}) are never published" if deprecated else ""
    return (f"record {item['name']!r} has no address to publish (scopes: {chosen}){hint}; wait until the instance "
            "has one (lxd_farm wait_for_ipv6=true), or publish another scope (scopes: [global, ula])")


def wanted_names(records: Iterable[Any], zone: str, name_prefix: str, state: str,
                 scopes: Iterable[str] | None = None) -> tuple[dict[str, list[str]], list[str]]:
    """{owner name: addresses} the records ask for, and warnings; with state=absent every named record maps to []."""
    if state == "absent":
        names: dict[str, list[str]] = {}
        for item in records:
            if not isinstance(item, dict) or not item.get("name"):
                raise ZoneError(f"record {item!r} has no name; state=absent removes the records of the names given: "
                                "give {name} (its addresses are not needed)")
            names[owner_name(f"{name_prefix}{item['name']}", zone)] = []
        return names, []
    wanted = record_set(records, zone, name_prefix, scopes)
    return wanted.names, wanted.warnings


def check_scopes(scopes: Iterable[str] | None) -> tuple[str, ...] | None:
    """``scopes`` as a tuple without repeats (None: the default choice), each one of PUBLISHABLE_SCOPES."""
    if scopes is None:
        return None
    chosen = tuple(dict.fromkeys(str(s) for s in scopes))
    for scope in chosen:
        if scope not in PUBLISHABLE_SCOPES:
            raise ZoneError(f"scope {scope!r} is unknown; give scopes from {', '.join(PUBLISHABLE_SCOPES)}")
    if not chosen:
        raise ZoneError("scopes is empty; give global, ula or both, or leave it out to publish each instance's "
                        "address")
    return chosen


def given_addresses(item: dict[str, Any], scopes: tuple[str, ...] | None = None) -> list[Any]:
    """The addresses an item publishes: its ``addresses`` (a list or one address); else, for an instance
    returned by lxd_farm, with ``scopes`` None its best ``address`` or else its ``ipv6.global`` addresses,
    with ``scopes`` its addresses of those scopes (``ipv6.global``, ``ipv6.ula``) in that order. Addresses
    lxd_farm lists in ``ipv6.deprecated`` (their preferred lifetime ended, after a prefix change) are never
    published."""
    raw = item.get("addresses")
    if isinstance(raw, list) and "ipv6" not in item:  # addresses as given, nothing to choose from (the common case)
        return raw
    ipv6 = item.get("ipv6")
    if not isinstance(ipv6, dict):
        ipv6 = {}
    deprecated = ipv6.get("deprecated") or []
    if isinstance(deprecated, str):
        deprecated = [deprecated]
    if raw is None and scopes is not None and ipv6:
        raw = [a for scope in scopes for a in (ipv6.get(scope) or [])]
    if raw is None and item.get("address"):
        raw = item["address"]
        if deprecated and _is_in(raw, deprecated):
            raw = None
    if raw is None and ipv6:
        raw = ipv6.get("global")
    if isinstance(raw, str):
        raw = [raw]
    addresses = list(raw or [])
    if deprecated and addresses:
        addresses = [a for a in addresses if not _is_in(a, deprecated)]
    return addresses


def _is_in(address: Any, addresses: Iterable[Any]) -> bool:
    """Whether ``address`` is one of ``addresses``, compared as addresses (their texts may differ)."""
    try:
        packed = _packed(address)
    except ZoneError:
        return False
    for other in addresses:
        try:
            if _packed(other) == packed:
                return True
        except ZoneError:
            continue
    return False


def ptr_records(names: dict[str, list[str]], zone: str, reverse_zone: str) -> dict[str, list[str]]:
    """PTR owner (relative to ``reverse_zone``) -> [target FQDN] for the AAAA records ``names``; an address
    outside ``reverse_zone`` is an error (split_ptr_records leaves it out instead)."""
    records, outside = split_ptr_records(names, zone, reverse_zone)
    if outside:
        raise ZoneError(f"address {outside[0][0]} is outside the reverse zone {reverse_zone_name(reverse_zone)}")
    return records


def split_ptr_records(names: dict[str, list[str]], zone: str, reverse_zone: str
                      ) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """PTR owner (relative to ``reverse_zone``) -> [target FQDN] for the addresses of the AAAA records
    ``names`` that lie in ``reverse_zone``, and the (address, owner) pairs of those that do not."""
    origin = zone_name(zone)
    # The reverse zone's nibbles in address order: an address lies in the zone when its hex digits start with
    # them, and its owner is the rest of its digits, reversed (what _ptr_owner makes, without the whole name).
    nibbles = reverse_zone_name(reverse_zone)[: -len("ip6.arpa.")].split(".")[::-1][1:]
    prefix, length = "".join(nibbles), len(nibbles)
    result: dict[str, Any] = {}  # PTR owner -> its target, or a set of them (see _add)
    outside: list[tuple[str, str]] = []
    for owner, addresses in names.items():
        target = origin if owner == "@" else f"{owner}.{origin}"
        for address in addresses:
            digits = _packed(address).hex()
            if digits.startswith(prefix):
                _add(result, ".".join(digits[length:][::-1]), {target})
            else:
                outside.append((address, owner))
    return {owner: [t] if isinstance(t, str) else sorted(t) for owner, t in result.items()}, outside


def published_ptr_records(names: dict[str, list[str]], zone: str, reverse_zone: str
                          ) -> tuple[dict[str, list[str]], str | None]:
    """The PTR records of ``names`` that lie in ``reverse_zone`` (as split_ptr_records), and one warning
    listing the addresses left out because they lie outside it (ULA addresses beside a global reverse zone,
    say). When every address lies outside, the reverse zone is the wrong one: that is an error."""
    records, outside = split_ptr_records(names, zone, reverse_zone)
    if not outside:
        return records, None
    origin = reverse_zone_name(reverse_zone)
    if not records:
        address, owner = outside[0]
        raise ZoneError(
            f"ptr=true: none of the {len(outside)} published addresses lies in the reverse zone {origin} (address "
            f"{address} of {owner} is outside the reverse zone); give the reverse zone of the published prefix, "
            "e.g. reverse_zone: 2001:db8:ebbd:2080::/64, or set ptr=false")
    shown = 10
    listed = ", ".join(f"{address} ({owner})" for address, owner in outside[:shown])
    more = f" and {len(outside) - shown} more" if len(outside) > shown else ""
    plural = "es" if len(outside) != 1 else ""
    return records, (
        f"ptr=true: {len(outside)} address{plural} outside the reverse zone {origin} got no PTR record: "
        f"{listed}{more}. Their AAAA records are published; publish their PTR records with a task whose "
        "reverse_zone covers them, or leave their scope out (scopes)")


def _sort_key(owner: str) -> tuple[int, list[str]]:
    return (0 if owner == "@" else 1, owner.split(".")[::-1])


def _sorted_owners(owners: Iterable[str]) -> list[str]:
    """Owner names in hierarchical order (the apex first, then by their labels from the right). Nibble PTR
    owners of one reverse zone all have single-character labels and the same length: their reversed text
    sorts the same way, and far faster; so do names of one label each (a farm's), by their text."""
    names = list(owners)
    if names and "@" not in names and all(len(n) == len(names[0]) and n.count(".") * 2 + 1 == len(n) for n in names):
        return sorted(names, key=lambda n: n[::-1])
    if not any("." in n for n in names):  # one label each (a farm's names): by their text, the apex first
        return sorted(names, key=lambda n: (n != "@", n))
    return sorted(names, key=_sort_key)


def render_include(names: dict[str, list[str]], rtype: str, ttl: int, zone: str, in_order: bool = False) -> str:
    """The include file for ``names`` (owner -> values): a header, then one aligned line per record,
    sorted by owner (hierarchically) and value. ``in_order``: the owners of ``names`` are in that order
    already (a plan made by _sorted_owners), and are written as they come."""
    lines = [HEADER, f"; Zone {zone_name(zone)} {rtype} records, {sum(len(v) for v in names.values())} in all."]
    owners = list(names) if in_order else _sorted_owners(names)
    width = max((len(o) for o in owners), default=1)
    middle = f"  {ttl}  IN  {rtype}  "
    lines.extend(f"{owner.ljust(width)}{middle}{value}" for owner in owners for value in names[owner])
    return "\n".join(lines) + "\n"


def parse_include(text: str) -> tuple[dict[str, list[str]], int | None]:
    """Read back an include file written by render_include: owner -> sorted values, and the TTL.

    The lines render_include writes are split on white space; a file with parentheses or quotes (edited by
    hand) goes through the zone file tokenizer instead, with the same result."""
    lines = [line for line in text.split("\n") if line.strip() and not line.lstrip().startswith(";")]
    if all(_SPECIAL.isdisjoint(line) for line in lines):
        entries: Iterable[list[str]] = (line.split() for line in lines)
    else:
        entries = ([t.text for t in tokens] for tokens in _entries(text))
    names: dict[str, list[str]] = {}
    ttl: int | None = None
    for words in entries:
        if len(words) != 5 or words[2].upper() != "IN" or not words[1].isdigit():
            raise ZoneError(
                f"include file line {' '.join(words)!r} is not one this module writes; the include file belongs "
                "to the module, move hand-written records to the zone file"
            )
        ttl = int(words[1])
        names.setdefault(words[0].lower(), []).append(words[4])
    return {owner: values if len(values) < 2 else sorted(set(values)) for owner, values in names.items()}, ttl
