# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a farm run tells about itself: one event per instance as each step ends (and as each gets its global
address), timed from the start of the run, and the final count.

A module cannot print to the controller while it runs, so the events travel in the result (``progress``), and
the lxd_farm action plugin prints them, one line each, with ``-v`` once the task is over; ``msg`` carries the
count (`summary`).
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

# The counts that the message always names, then those it names when they are not 0.
ALWAYS = ("created", "unchanged", "deleted")
WHEN_ANY = ("updated", "started", "restarted", "stopped", "moved", "recreated")


class Progress:
    """The events of one run, safe to add to from the worker threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.start = clock()
        self.lock = threading.Lock()
        self.events: list[dict[str, Any]] = []

    def note(self, name: str, event: str) -> None:
        """``name`` has just reached ``event`` (such as "create, start", or "address 2001:db8::1")."""
        seconds = round(self.clock() - self.start, 3)
        with self.lock:
            self.events.append({"seconds": seconds, "name": name, "event": event})

    def step_done(self, name: str, done: list[str], error: str | None, phase: str | None) -> None:
        """The end of one instance's step: what it did, or where it failed."""
        if error:
            self.note(name, f"{phase or 'step'} failed" + (f" after {', '.join(done)}" if done else ""))
        elif done:
            self.note(name, ", ".join(done))


def counts(result: dict[str, Any], names: list[str]) -> dict[str, int]:
    """How many instances each kind of change concerned; ``unchanged`` are the desired instances nothing was done
    to (those on an offline cluster member not included), ``started`` those started without being created."""
    created = set(result.get("created") or [])
    out = {
        "created": len(created),
        "unchanged": sum(1 for n in names if not (result.get("actions") or {}).get(n)
                         and n not in (result.get("offline") or {})),
        "deleted": len(result.get("deleted") or []),
        "started": sum(1 for n in result.get("started") or [] if n not in created),
    }
    for key in ("updated", "restarted", "stopped", "moved", "recreated"):
        out[key] = len(result.get(key) or [])
    return out


def summary(tally: dict[str, int], check_mode: bool = False) -> str:
    """"created 500, unchanged 0, deleted 0", with the other counts that are not 0 after them."""
    parts = [f"{key} {tally.get(key, 0)}" for key in ALWAYS]
    parts += [f"{key} {tally[key]}" for key in WHEN_ANY if tally.get(key)]
    return ("check mode, would be: " if check_mode else "") + ", ".join(parts)


def progress_lines(events: list[dict[str, Any]]) -> list[str]:
    """One line per event, in the order of their times: "[  12.34 s] w7: create, start"."""
    ordered = sorted(events, key=lambda e: e.get("seconds") or 0.0)
    return [f"[{e.get('seconds') or 0.0:8.2f} s] {e.get('name')}: {e.get('event')}" for e in ordered]
