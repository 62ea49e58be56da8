# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inputs stamp of an include file: a digest of what a run was given (its options, its records as given,
the code that planned it) and of the include files it wrote, kept in a comment line of the forward include
file. A re-run given the same inputs, on include files that still hold what that run wrote, would plan nothing
(the planner is idempotent), so the store can say so without reading the records (zone_file.unchanged).

The stamp is only a shortcut: a run whose inputs or include files differ takes the whole path, and the whole
path is what a stamp records. The zone file, written by hand, is not in the digest: the shortcut checks it as
it is now (its SOA, its $INCLUDE line, its names beside the module's)."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
from typing import Any

# The comment line that holds the stamp: the third line of the forward include file, after the header.
PREFIX = "; Inputs digest: "
# The modules whose code decides what a run writes: a new version of any of them makes every stamp stale.
PLANNING_MODULES = ("zone_parser", "planner", "zone_file", "records_input", "input_stamp")
# Request fields that do not decide what a run plans (how it checks, writes and numbers what it planned).
NOT_PLANNING = ("records", "inputs", "validate", "serial_format", "server")


def code_digest() -> str | None:
    """A digest of the source of the planning modules, None when a module's source cannot be read (then there
    is no shortcut)."""
    digest = hashlib.sha256()
    package = __name__.rsplit(".", 1)[0]
    for name in PLANNING_MODULES:
        try:
            module = importlib.import_module(f"{package}.{name}")
            digest.update(module.__loader__.get_data(module.__file__))  # type: ignore[union-attr]
        except (AttributeError, ImportError, OSError, TypeError):
            return None
    return digest.hexdigest()


def inputs_digest(request: Any, records_source: bytes) -> str | None:
    """The digest of a run's inputs: the request's options (a planner Request; its records are given as
    ``records_source``, the bytes of the records file or the records list as canonical JSON) and the code.
    None when the code cannot be read."""
    code = code_digest()
    if code is None:
        return None
    options = {f.name: getattr(request, f.name) for f in dataclasses.fields(request) if f.name not in NOT_PLANNING}
    digest = hashlib.sha256(code.encode())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    digest.update(hashlib.sha256(records_source).digest())
    return digest.hexdigest()


def records_source(records: list[Any]) -> bytes:
    """A records list given in the task as bytes for inputs_digest (canonical JSON)."""
    return json.dumps(records, sort_keys=True, separators=(",", ":"), default=str).encode()


def _stamp_of(inputs: str, forward_body: str, reverse_text: str) -> str:
    digest = hashlib.sha256(inputs.encode())
    for text in (forward_body, reverse_text):
        digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()


def split(text: str) -> tuple[str | None, str]:
    """The stamp of a forward include text (None without one) and the text without its stamp line."""
    first = text.find("\n")  # the header's two lines come first
    second = text.find("\n", first + 1) if first >= 0 else -1
    if second < 0:
        return None, text
    head = second + 1
    if not text.startswith(PREFIX, head):
        return None, text
    end = text.find("\n", head)
    if end < 0:
        return None, text
    words = text[head + len(PREFIX):end].split()
    return (words[0] if words else ""), text[:head] + text[end + 1:]


def stamped(forward_text: str, inputs: str, reverse_text: str) -> str:
    """``forward_text`` (as render_include writes it) with the stamp of ``inputs`` and the two texts."""
    _old, body = split(forward_text)
    first = body.find("\n")
    second = body.find("\n", first + 1)
    if first < 0 or second < 0:
        return forward_text
    line = f"{PREFIX}{_stamp_of(inputs, body, reverse_text)} (a re-run with the same inputs changes nothing)\n"
    return body[:second + 1] + line + body[second + 1:]


def holds(forward_text: str, inputs: str, reverse_text: str) -> bool:
    """Whether ``forward_text`` carries the stamp of ``inputs`` and of these very include texts."""
    found, body = split(forward_text)
    return found is not None and found == _stamp_of(inputs, body, reverse_text)
