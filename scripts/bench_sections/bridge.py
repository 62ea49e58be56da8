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
    backends = sorted({str(s["backend"]) for s in data["samples"] if "backend" in s})
    if backends:
        lines += paragraph(
            f"The persistent backends whose network tool runs here ({', '.join(backends)}), in the same run: each "
            "in a host of its own (the `bridge_iface_persistent` target's hosts, in their bench mode), booted afresh "
            "from the user's own files for every sample, then changed either by `bridge_iface` with that backend or "
            "by hand as the backend's documentation has it (the ways below name the steps). The pings go from the "
            "host to the router's LAN addresses and to the hosts beyond it; the clock runs from the start of the "
            "change until br0 has everything eth0 had (both addresses, both default routes and the static "
            "address).") + [""]
    tools = "".join(f", {name} {m[name]}" for name in ("networkd", "ifupdown") if m.get(name))
    lines += paragraph(
        f"Machine: {m['nproc']} cores, Linux {m['kernel']}, Debian {m['debian']}, ansible-core {m['ansible_core']} "
        f"(Python {m['python']}), pyroute2 {m['pyroute2']}, radvd {m['radvd']}{tools}; run from {data['started']} "
        f"to {data['finished']}; load average (1 min) {data['load1'][0]:.1f} at the start, {data['load1'][1]:.1f} "
        "at the end.") + [""]
    rows: dict[tuple[str, str, str], list[float]] = {}
    for sample in sorted(data["samples"], key=lambda s: "backend" in s):  # the kernel backend's rows first
        rows.setdefault((sample["measurement"], sample["way"], sample["target"]), []).append(sample["seconds"])
    lines += ["| measurement | way | target | median s | min–max s | n |", "|---|---|---|---|---|---|"]
    for (what, way, target), values in rows.items():
        lines.append(f"| {what} | {way} | {target} | {seconds(statistics.median(values))} | "
                     f"{seconds(min(values))}–{seconds(max(values))} | {len(values)} |")
    return lines
