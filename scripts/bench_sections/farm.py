# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/farm` section: per server and size, a table of the ways with their median, min–max and number of
samples, and the ratio of each median to the median of the raw parallel launch, then the machine, the command and
what the clock covers, all read from docs/bench/farm.json (written by bench/farm)."""

from __future__ import annotations

import statistics
from typing import Any

from .common import load_during, paragraph, seconds

BASELINE = ("lxc-parallel", "create")


def way_label(way: dict[str, Any], step: str, server: dict[str, Any], size: int) -> str:
    return f"{way['label'].format(cli=server['cli'], n=size)}, {step}"


def table(data: dict[str, Any], key: str, size: int) -> list[str]:
    """The rows of one server and size: every way and step in the run's order, with its figures."""
    server = data["machine"]["servers"][key]
    runs: dict[tuple[str, str], list[float]] = {}
    for sample in data["samples"]:
        if sample["server"] == key and sample["size"] == size:
            runs.setdefault((sample["way"], sample["step"]), []).append(sample["seconds"])
    base = statistics.median(runs[BASELINE]) if runs.get(BASELINE) else None
    baseline = next((w for w in data["ways"] if w["id"] == BASELINE[0]), None)
    ratio_head = f"ratio to {baseline['label'].format(cli=server['cli'], n=size)}" if baseline else "ratio"
    rows = [f"| way | median s | min–max s | n | {ratio_head} |", "|---|---|---|---|---|"]
    unavailable = {u["way"]: u["reason"] for u in data.get("unavailable", []) if u["server"] == key}
    for way in data["ways"]:
        for step in way["steps"]:
            label = way_label(way, step, server, size)
            values = runs.get((way["id"], step))
            if way["id"] in unavailable:
                rows.append(f"| {label} | n/a on {server['name']}: {unavailable[way['id']]} | | | |")
            elif not values:
                rows.append(f"| {label} | not run | | | |")
            else:
                med = statistics.median(values)
                ratio = f"{med / base:.2f}x" if base else ""
                rows.append(f"| {label} | {seconds(med)} | {seconds(min(values))}–{seconds(max(values))} "
                            f"| {len(values)} | {ratio} |")
    return rows


def machine_line(data: dict[str, Any]) -> str:
    m = data["machine"]
    servers = " and ".join(f"{s['name']} {s['version']}" for s in m["servers"].values())
    return (f"Machine: {m['nproc']} cores, Linux {m['kernel']}, {servers}, ansible-core {m['ansible_core']} "
            f"(Python {m['python']}), community.general {m['community_general']}; run from {data['started']} to "
            f"{data['finished'] or '(not finished)'}{load_during(data['samples'])}.")


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    lines = ["## `bench/farm`: scaling a farm out", ""]
    lines += paragraph(
        f"`{data['command']}` creates N containers (`{data['name_prefix']}1` ...) from the image `{data['image']}` "
        f"with the profiles {' + '.join(f'`{p}`' for p in data['profiles'])} on each server, in every way below, "
        f"then runs the same request again with nothing to do. The ways run interleaved, their order rotated from "
        f"one repeat to the next; repeats per server and size: {data['repeat']}. The samples are in "
        f"`docs/bench/farm.json`.") + [""]
    if not data.get("complete"):
        lines += ["**This run stopped before its end**: the tables hold the repeats it finished.", ""]
    lines += paragraph(machine_line(data)) + [""]
    lines += paragraph(f"What the clock covers: {data['clock']}") + [""]
    if data.get("checks"):
        lines += paragraph(f"Checked on every sample: {data['checks']}") + [""]
    for way in data["ways"]:
        label = way["label"].format(cli="lxc` or `incus", n="N")
        lines += paragraph(f"- `{way['id']}`: {label}." + (f" {way['description']}" if way.get("description") else ""),
                           indent="  ")
    for key, server in data["machine"]["servers"].items():
        for size in data["sizes"]:
            lines += ["", f"### {server['name']} {server['version']}, N = {size}", ""]
            lines += table(data, key, size)
            polls = [s["last_poll"] for s in data["samples"]
                     if s["server"] == key and s["size"] == size and s.get("last_poll") is not None]
            if polls:
                lines += ["", f"The confirming poll inside each figure: median {seconds(statistics.median(polls))} s, "
                              f"at most {seconds(max(polls))} s."]
    return lines
