# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A farm as an aligned text table: name, state, global IPv6 address and what its web server answered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

HEADERS = ("NAME", "STATE", "IPV6 GLOBAL", "HTTP ANSWER")
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


def farm_rows(instances: Any, answers: Any = None) -> list[tuple[str, str, str, str]]:
    """One row per instance: name, state, global IPv6 address, the answer (on one line) or MISSING."""
    if isinstance(instances, (str, bytes)) or not isinstance(instances, Sequence):
        raise FarmTableError(f"instances {instances!r} is not a list; give the instances list of lxd_farm")
    answers = {} if answers is None else answers
    if not isinstance(answers, Mapping):
        raise FarmTableError(f"answers {answers!r} is not a dict; give a dict of instance name to answer text")
    rows = []
    for instance in instances:
        if not isinstance(instance, Mapping) or not instance.get("name"):
            raise FarmTableError(f"instance {instance!r} is not a dict with a name; give the instances list of "
                                 f"lxd_farm")
        name = str(instance["name"])
        answer = answers.get(name)
        answer_text = _one_line(answer) if answer is not None else ""
        rows.append((name, str(instance.get("state") or MISSING), global_address(instance),
                     answer_text or MISSING))
    return rows


def render_table(rows: Sequence[Sequence[str]], headers: Sequence[str] = HEADERS) -> list[str]:
    """Lines of a table: the headers, a rule, the rows; columns left-aligned, no trailing spaces."""
    for row in rows:
        if len(row) != len(headers):
            raise FarmTableError(f"row {list(row)!r} has {len(row)} cells; the table has {len(headers)} columns")
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: Sequence[str]) -> str:
        return GAP.join(str(cell).ljust(width) for cell, width in zip(cells, widths)).rstrip()

    return [line(headers), line(["-" * width for width in widths])] + [line(row) for row in rows]


def farm_table(instances: Any, answers: Any = None) -> str:
    """The farm as table text, one line per instance under a header and a rule."""
    return "\n".join(render_table(farm_rows(instances, answers)))
