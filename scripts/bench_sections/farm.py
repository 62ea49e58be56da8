# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/farm` section: the plot of cost against N (docs/bench/farm.svg, rendered here too), the issue's
targets with their measured figures, then per server and size a table of the ways and steps with their median,
min–max and number of samples, and the ratio of each median to the median of the raw parallel launch; the
machine, the command and what the clock covers.

Read from the runs bench/farm wrote (docs/bench/farm-SERVERS.json, one file per run, see `load`). A run measures
one server or several; each server's figures, its targets and its lines in the plot come from one run, the newest
complete run that measured it, and the section names that run beside them. Nothing of two runs is ever merged
into one figure."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from .common import load_during, paragraph, seconds
from .farm_targets import NET_OF_POLL, evaluate
from .svg_plot import Panel, Point, Series, chart

BASELINE = ("lxc-parallel", "create")
FIGURE = "farm.svg"  # beside the runs' JSON files
SOURCE = "farm*.json"  # the runs' files, in the benchmarks' directory
STEPS = ("create", "no-op", "prune")
COLORS = {"lxc-parallel": "#555555", "cg-loop": "#d95f02", "lxd_farm": "#1b9e77", "ping": "#7570b3"}
OTHER_COLOR = "#e7298a"


def load(bench_dir: Path) -> dict[str, Any]:
    """Every run in ``bench_dir`` (farm.json, farm-*.json), each with its file name, oldest first."""
    runs = [{**json.loads(path.read_text()), "file": path.name} for path in sorted(bench_dir.glob(SOURCE))]
    if not runs:
        raise KeyError(f"no run of bench/farm in {bench_dir} ({SOURCE})")
    return {"runs": sorted(runs, key=lambda run: run["started"])}


def runs_in(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of ``data``: what `load` gives, or one run as bench/farm writes it."""
    return list(data["runs"]) if "runs" in data else [data]


def chosen(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(server key, run) for each server measured: the newest complete run that measured it, else the newest
    run that did; LXD first."""
    runs = runs_in(data)
    keys = sorted({key for run in runs for key in run["machine"]["servers"]}, key=lambda k: (k != "lxd", k))
    pairs = []
    for key in keys:
        measured = [run for run in runs if key in run["machine"]["servers"]]
        complete = [run for run in measured if run.get("complete")]
        pairs.append((key, (complete or measured)[-1]))
    return pairs


def way_label(way: dict[str, Any], step: str, server: dict[str, Any], size: int) -> str:
    return f"{way['label'].format(cli=server['cli'], n=size)}, {step}"


def runs_of(data: dict[str, Any], key: str, size: int) -> dict[tuple[str, str], list[float]]:
    runs: dict[tuple[str, str], list[float]] = {}
    for sample in data["samples"]:
        if sample["server"] == key and sample["size"] == size:
            runs.setdefault((sample["way"], sample["step"]), []).append(sample["seconds"])
    return runs


def skipped_reason(data: dict[str, Any], way: str, size: int) -> str | None:
    return next((s["reason"] for s in data.get("skipped", []) if s["way"] == way and s["size"] == size), None)


def table(data: dict[str, Any], key: str, size: int) -> list[str]:
    """The rows of one server and size: every way and step in the run's order, with its figures."""
    server = data["machine"]["servers"][key]
    runs = runs_of(data, key, size)
    base = statistics.median(runs[BASELINE]) if runs.get(BASELINE) else None
    baseline = next((w for w in data["ways"] if w["id"] == BASELINE[0]), None)
    ratio_head = f"ratio to {baseline['label'].format(cli=server['cli'], n=size)}" if baseline else "ratio"
    rows = [f"| way | median s | min–max s | n | {ratio_head} |", "|---|---|---|---|---|"]
    unavailable = {u["way"]: u["reason"] for u in data.get("unavailable", []) if u["server"] == key}
    for way in data["ways"]:
        skipped = skipped_reason(data, way["id"], size)
        for step in way["steps"]:
            label = way_label(way, step, server, size)
            values = runs.get((way["id"], step))
            if way["id"] in unavailable:
                rows.append(f"| {label} | n/a on {server['name']}: {unavailable[way['id']]} | | | |")
            elif skipped:
                rows.append(f"| {label} | skipped: {skipped} | | | |")
            elif not values:
                rows.append(f"| {label} | not run | | | |")
            else:
                med = statistics.median(values)
                ratio = f"{med / base:.2f}x" if base else ""
                rows.append(f"| {label} | {seconds(med)} | {seconds(min(values))}–{seconds(max(values))} "
                            f"| {len(values)} | {ratio} |")
    return rows


def targets_table(data: dict[str, Any]) -> list[str]:
    """The issue's targets, one row per server and size each applies to, each server's from its run."""
    rows = ["| target | server | N | measured | met |", "|---|---|---|---|---|"]
    for key, run in chosen(data):
        name = run["machine"]["servers"][key]["name"]
        for row in evaluate(run):
            if row["server"] == key:
                verdict = {True: "met", False: "**not met**", None: "not measured"}[row["met"]]
                rows.append(f"| {row['what']} | {name} | {row['size']} | {row['figure']} | {verdict} |")
    return rows


def memory_line(data: dict[str, Any], key: str, size: int) -> list[str]:
    peaks: dict[str, list[float]] = {s["way"]: [] for s in data["samples"]}
    for s in data["samples"]:
        if s["server"] == key and s["size"] == size and s.get("peak_rss_mb") is not None:
            peaks[s["way"]].append(s["peak_rss_mb"])
    parts = [f"`{way}` {max(values):.1f} MB" for way, values in peaks.items() if values]
    return [f"Peak resident set of the module process, the largest of the samples: {', '.join(parts)}."] \
        if parts else []


def machine_line(data: dict[str, Any]) -> str:
    m = data["machine"]
    servers = " and ".join(f"{s['name']} {s['version']}" for s in m["servers"].values())
    memory = f", {m['memory_gb']:g} GB of memory" if m.get("memory_gb") else ""
    bird = f", BIRD {m['bird']}" if m.get("bird") else ""
    return (f"Machine of `{data['command']}`: {m['nproc']} cores{memory}, Linux {m['kernel']}, {servers}{bird}, "
            f"ansible-core {m['ansible_core']} (Python {m['python']}), community.general {m['community_general']}; "
            f"run from {data['started']} to {data['finished'] or '(not finished)'}{load_during(data['samples'])}.")


def repeats_text(data: dict[str, Any]) -> str:
    repeats = data.get("repeats") or {str(size): data["repeat"] for size in data["sizes"]}
    counts = sorted(set(repeats.values()))
    if len(counts) == 1:
        return f"repeats per server and size: {counts[0]}."
    per_size = ", ".join(f"{repeats[str(size)]} at N = {size}" for size in sorted(data["sizes"]))
    return (f"repeats per server and size: {per_size} (fewer at the largest sizes, to fit the run in the time "
            f"it had: their medians rest on fewer samples).")


def series_of(data: dict[str, Any], step: str) -> tuple[Series, ...]:
    """One line per way and server that has samples of ``step`` in the server's run: the median and min–max at
    each N."""
    pairs = chosen(data)
    out = []
    for way in runs_in(data)[-1]["ways"]:
        for key, run in pairs:
            points = []
            for size in sorted(run["sizes"]):
                values = runs_of(run, key, size).get((way["id"], step))
                if values:
                    points.append(Point(size, statistics.median(values), min(values), max(values)))
            if points:
                name = run["machine"]["servers"][key]["name"]
                out.append(Series(f"{way['id']}, {name}", COLORS.get(way["id"], OTHER_COLOR),
                                  dashed=key != "lxd", points=tuple(points)))
    return tuple(out)


def figures(data: dict[str, Any]) -> dict[str, str]:
    """The section's generated files beside the JSON: the plot of cost against N, one panel per step."""
    panels = [Panel(step, series_of(data, step)) for step in STEPS]
    stopped = any(not run.get("complete") for dummy, run in chosen(data))
    title = ("bench/farm: seconds against N, medians with min–max bars"
             + (" (a run stopped before its end)" if stopped else ""))
    return {FIGURE: chart(title, panels, "seconds", "N (instances)")}


def source_line(keys: list[str], run: dict[str, Any]) -> str:
    """Which run the figures of the servers ``keys`` come from: its command, file, repeats and when it ran."""
    names = " and ".join(run["machine"]["servers"][key]["name"] for key in keys)
    stopped = "" if run.get("complete") else ("; **this run stopped before its end**: its tables hold the "
                                              "repeats it finished")
    return (f"- {names}: `{run['command']}` (`docs/bench/{run.get('file', 'farm.json')}`), {repeats_text(run)[:-1]}; "
            f"run from {run['started']} to {run['finished'] or '(not finished)'}{stopped}.")


def by_run(data: dict[str, Any]) -> list[tuple[list[str], dict[str, Any]]]:
    """The chosen runs, each once, with the servers whose figures it gives."""
    grouped: dict[int, tuple[list[str], dict[str, Any]]] = {}
    for key, run in chosen(data):
        grouped.setdefault(id(run), ([], run))[0].append(key)
    return list(grouped.values())


def intro(data: dict[str, Any]) -> list[str]:
    newest = runs_in(data)[-1]
    removes = ", then removes them" if any("prune" in way["steps"] for way in newest["ways"]) else ""
    lines = paragraph(
        f"`bench/farm` creates N containers (`{newest['name_prefix']}1` ...) from the image `{newest['image']}` with "
        f"the profiles {' + '.join(f'`{p}`' for p in newest['profiles'])} on each server, in every way below, then "
        f"runs the same request again with nothing to do{removes}. The ways run interleaved, their order rotated "
        "from one repeat to the next. Each server's figures come from one run, all its ways side by side in it "
        "(a run of both servers at every size with 5 repeats takes close to three hours on this machine, so each "
        "server may have a run of its own):") + [""]
    for keys, run in by_run(data):
        lines += paragraph(source_line(keys, run), indent="  ")
    lines += ["", f"![bench/farm: seconds against N for create, no-op and prune, one line per way and server, "
                  f"medians with min–max bars](bench/{FIGURE})", ""]
    return lines


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    pairs = chosen(data)
    newest = runs_in(data)[-1]
    lines = ["## `bench/farm`: a farm of hundreds, and how the cost grows", ""] + intro(data)
    lines += ["### The targets", ""] + targets_table(data) + [""]
    if any(t.get("net_of_poll") for dummy, run in pairs for t in run.get("target_definitions") or []):
        lines += paragraph(NET_OF_POLL) + [""]
    for group in by_run(data):
        lines += paragraph(machine_line(group[1])) + [""]
    lines += paragraph(f"What the clock covers: {newest['clock']}") + [""]
    if newest.get("checks"):
        lines += paragraph(f"Checked on every sample: {newest['checks']}") + [""]
    if newest.get("memory"):
        lines += paragraph(f"Memory: {newest['memory']}") + [""]
    for way in newest["ways"]:
        label = way["label"].format(cli="lxc` or `incus", n="N")
        lines += paragraph(f"- `{way['id']}`: {label}." + (f" {way['description']}" if way.get("description") else ""),
                           indent="  ")
    for key, run in pairs:
        server = run["machine"]["servers"][key]
        for size in sorted(run["sizes"]):
            lines += ["", f"### {server['name']} {server['version']}, N = {size}", ""]
            lines += table(run, key, size)
            polls = [s["last_poll"] for s in run["samples"]
                     if s["server"] == key and s["size"] == size and s.get("last_poll") is not None]
            if polls:
                lines += ["", f"The confirming poll inside each figure: median {seconds(statistics.median(polls))} s, "
                              f"at most {seconds(max(polls))} s."]
            memory = memory_line(run, key, size)
            if memory:
                lines += [""] + paragraph(memory[0])
    return lines
