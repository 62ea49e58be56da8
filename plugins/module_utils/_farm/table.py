# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A farm as an aligned text table: name, state, global IPv6 address, DNS name and what its web server answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADERS = ("NAME", "STATE", "IPV6 GLOBAL", "HTTP ANSWER")
ANSWER_HEADER = "HTTP ANSWER"
DNS_HEADER = "DNS NAME"
MISSING = "-"
GAP = "  "


class FarmTableError(ValueError):
    """Input the table cannot be made from, with the fix in the message."""


def _one_line(text: Any) -> str:
    """The text with every run of white space (line breaks included) made one space."""
    return " ".join(str(text).split())


def global_address(instance: Mapping[str, Any]) -> str:
    """The instance's best global IPv6 address, else its first global one, else MISSING."""
    address = instance.get("address")
    if address:
        return str(address)
    ipv6 = instance.get("ipv6") or {}
    if not isinstance(ipv6, Mapping):
        raise FarmTableError(f"instance {instance.get('name')!r} has ipv6 {ipv6!r}; expected a dict of scope to "
                             f"addresses, as lxd_farm returns it")
    addresses = ipv6.get("global") or []
    return str(addresses[0]) if addresses else MISSING


def instance_addresses(instance: Mapping[str, Any]) -> set[str]:
    """Every IPv6 address the instance is known by (best, global, ULA), lower case."""
    found = {str(instance["address"]).lower()} if instance.get("address") else set()
    ipv6 = instance.get("ipv6") or {}
    if isinstance(ipv6, Mapping):
        for scope in ("global", "ula"):
            found.update(str(address).lower() for address in ipv6.get(scope) or [])
    return found


def _check_records(records: Any) -> Mapping[str, Any]:
    if not isinstance(records, Mapping):
        raise FarmTableError(f"records {records!r} is not a dict; give a dict of DNS name to its addresses, as "
                             f"dns_aaaa returns it in records")
    for name, addresses in records.items():
        if isinstance(addresses, (str, bytes)) or not isinstance(addresses, Sequence):
            raise FarmTableError(f"records entry {name!r} has {addresses!r}; give a list of addresses per name, "
                                 f"e.g. {{'lxcw2': ['2001:db8:ebbd:2080:216:3eff:fe7f:b6a5']}}")
    return records


def dns_names(instance: Mapping[str, Any], records: Mapping[str, Any], zone: str = "") -> str:
    """The DNS names whose addresses include one of the instance's, fully qualified in zone when given, or MISSING."""
    mine = instance_addresses(instance)
    suffix = "." + zone.strip(".") if zone.strip(".") else ""
    names = sorted(str(name) for name, addresses in records.items()
                   if mine & {str(address).lower() for address in addresses})
    qualified = [name if name.endswith(".") or not suffix else name + suffix for name in names]
    return ",".join(qualified) or MISSING


def farm_rows(instances: Any, answers: Any = None, records: Any = None,
              zone: str = "") -> list[tuple[str, ...]]:
    """One row per instance: name, state, global IPv6 address, (with records: its DNS name,) the answer or MISSING."""
    if isinstance(instances, (str, bytes)) or not isinstance(instances, Sequence):
        raise FarmTableError(f"instances {instances!r} is not a list; give the instances list of lxd_farm")
    answers = {} if answers is None else answers
    if not isinstance(answers, Mapping):
        raise FarmTableError(f"answers {answers!r} is not a dict; give a dict of instance name to answer text")
    if records is not None:
        records = _check_records(records)
    if not isinstance(zone, str):
        raise FarmTableError(f"zone {zone!r} is not a string; give the zone's name, e.g. lab.example.net")
    rows: list[tuple[str, ...]] = []
    for instance in instances:
        if not isinstance(instance, Mapping) or not instance.get("name"):
            raise FarmTableError(f"instance {instance!r} is not a dict with a name; give the instances list of "
                                 f"lxd_farm")
        name = str(instance["name"])
        answer = answers.get(name)
        answer_text = _one_line(answer) if answer is not None else ""
        dns = (dns_names(instance, records, zone),) if records is not None else ()
        rows.append((name, str(instance.get("state") or MISSING), global_address(instance), *dns,
                     answer_text or MISSING))
    return rows


def table_headers(with_dns: bool, answer_header: str = ANSWER_HEADER) -> tuple[str, ...]:
    """The column headers: name, state, address, (DNS name,) and the answer column's."""
    if not isinstance(answer_header, str) or not answer_header.strip():
        raise FarmTableError(f"answer_header {answer_header!r} is not a non-empty string; give the answer "
                             f"column's title, e.g. 'BY NAME FROM laptop'")
    return HEADERS[:3] + ((DNS_HEADER,) if with_dns else ()) + (_one_line(answer_header),)


def render_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> list[str]:
    """Lines of a table: the headers, a rule, the rows; columns left-aligned, no trailing spaces."""
    for row in rows:
        if len(row) != len(headers):
            raise FarmTableError(f"row {list(row)!r} has {len(row)} cells; the table has {len(headers)} columns")
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        return GAP.join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(headers), line(["-" * width for width in widths])] + [line(row) for row in rows]


def farm_table(instances: Any, answers: Any = None, records: Any = None, zone: str = "",
               answer_header: str = ANSWER_HEADER) -> str:
    """The farm as table text, one line per instance under a header and a rule.

    With records (DNS name to addresses), a DNS NAME column shows the names that point at each instance.
    """
    headers = table_headers(records is not None, answer_header)
    return "\n".join(render_table(farm_rows(instances, answers, records, zone), headers))
