# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/bridge` section: per measurement, way and ping target, the median, min–max and number of samples,
and the machine, read from docs/bench/bridge.json (written by bench/bridge)."""

from __future__ import annotations

import statistics
from typing import Any

from .common import paragraph, seconds


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    m = data["machine"]
    lines = ["## `bench/bridge`: a live interface turned into a bridge", ""]
    lines += paragraph(
        f"`{data['command']}`: on the real kernel, in two network namespaces made afresh for every sample, a router "
        f"(radvd, IPv4, and two hosts beyond it) and a host whose eth0 is a veth to it. Pings every "
        f"{int(data['interval'] * 1000)} ms count the longest run of lost replies on four paths "
        f"({'; '.join(data['targets'])}) while eth0 becomes br0 in each way below; the ways alternate, their order "
        f"swapped from one repetition to the next ({data['repeat']} repetitions). The samples are in "
        f"`docs/bench/bridge.json`.") + [""]
    lines += paragraph(
        f"Machine: {m['nproc']} cores, Linux {m['kernel']}, Debian {m['debian']}, ansible-core {m['ansible_core']} "
        f"(Python {m['python']}), pyroute2 {m['pyroute2']}, radvd {m['radvd']}; run from {data['started']} to "
        f"{data['finished']}; load average (1 min) {data['load1'][0]:.1f} at the start, {data['load1'][1]:.1f} at "
        f"the end.") + [""]
    rows: dict[tuple[str, str, str], list[float]] = {}
    for sample in data["samples"]:
        rows.setdefault((sample["measurement"], sample["way"], sample["target"]), []).append(sample["seconds"])
    lines += ["| measurement | way | target | median s | min–max s | n |", "|---|---|---|---|---|---|"]
    for (what, way, target), values in rows.items():
        lines.append(f"| {what} | {way} | {target} | {seconds(statistics.median(values))} | "
                     f"{seconds(min(values))}–{seconds(max(values))} | {len(values)} |")
    return lines
