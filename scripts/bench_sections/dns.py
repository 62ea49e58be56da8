# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/dns` section: the issue's targets with their measured figures, then per number of records a table of
the ways and depths with their median, min–max and number of samples and the module process's peak memory, and
the machine, the command and what the clock covers, all read from docs/bench/dns.json (written by bench/dns); and
the plot of cost against the number of records (docs/bench/dns.svg), rendered from the same file."""

from __future__ import annotations

import statistics
from typing import Any

from .common import load_during, paragraph, seconds
from .svg_plot import Panel, Point, Series, chart

FIGURE = "dns.svg"  # beside dns.json
STEPS = ("first publish", "no-op", "one change")
# One colour per depth; the playbook depths, what a user runs, in the stronger colours.
COLORS = {"core": "#999999", "module": "#a6761d", "module-file": "#7570b3", "playbook": "#e6ab02",
          "playbook-file": "#d95f02", "playbook-file-lean": "#1b9e77", "role": "#e7298a"}

DEPTHS = {
    "core": "the module's own run of the zone files called in-process, `publish_given()` of "
            "`plugins/module_utils/_dns/zone_file.py` (the inputs digest, the re-run told by the include file's "
            "stamp, else the records made from what was given and published): the module's own work",
    "module": "the module process as Ansible runs it on the target (`python -m ...dns_aaaa ARGS.json`), the "
              "records in its arguments",
    "module-file": "the same process, the records read from a JSON file on the target (`records_file`)",
    "playbook": "`ansible-playbook` on localhost with one `dns_aaaa` task, the records in its arguments",
    "playbook-file": "the same with `records_file`, the records file already on the target: the issue's headline "
                     "way",
    "playbook-file-lean": "the same task with `return_records: false`: the result leaves out the records of every "
                          "managed name, as a zone of many thousands of records is advised to",
    "role": "the role `dns_zone`'s way: an `ansible.builtin.copy` task writes the records from a variable to the "
            "records file (rewritten only when they change), then the `dns_aaaa` task reads it; the figure is the "
            "`dns_aaaa` task's, the copy task's is in the notes",
}


def size_text(size: int) -> str:
    return f"{size:,}"


def values(data: dict[str, Any], size: int, depth: str, step: str | None, key: str = "seconds",
           way: str = "dns_aaaa", validate: bool = True) -> list[float]:
    """``key`` of the samples of one way, depth, size and step (every step when ``step`` is None)."""
    return [s[key] for s in data["samples"]
            if s["way"] == way and s["depth"] == depth and s["size"] == size and s["validate"] == validate
            and (step is None or s["step"] == step) and s.get(key) is not None]


def measured(data: dict[str, Any], target: dict[str, Any]) -> tuple[float | None, str]:
    """A target's figure (None when the run has no samples for it) and how it reads."""
    size, depth, step = target["size"], target["depth"], target.get("step")
    if target.get("memory"):
        peaks = values(data, size, depth, None, "rss_mb")
        return (max(peaks), f"{max(peaks):.0f} MB (largest peak of {len(peaks)} samples)") if peaks else (None, "")
    here = values(data, size, depth, step)
    if not here:
        return None, ""
    med = statistics.median(here)
    if "ratio_to_size" in target:
        there = values(data, target["ratio_to_size"], depth, step)
        if not there:
            return None, ""
        base = statistics.median(there)
        return med / base, (f"{med / base:.2f}x ({seconds(med)} s against {seconds(base)} s at "
                            f"{size_text(target['ratio_to_size'])} records)")
    return med, f"{seconds(med)} s (median of {len(here)})"


def targets_table(data: dict[str, Any]) -> list[str]:
    rows = ["| target | records | way | measured | met |", "|---|---|---|---|---|"]
    for target in data["targets"]:
        figure, text = measured(data, target)
        if figure is None:
            verdict, text = "not measured", "no samples in this run"
        elif figure < target["limit"] or (figure == target["limit"] and not target.get("strict")):
            verdict = "met"
        else:
            verdict = "**not met**"
        rows.append(f"| {target['what']} | {size_text(target['size'])} | {target['depth']} | {text} | {verdict} |")
    return rows


def row_label(sample: dict[str, Any]) -> str:
    if sample["way"] == "dns_aaaa":
        name = sample["depth"] if sample["validate"] else f"{sample['depth']} (validate off)"
    else:
        name = f"{sample['way']} {sample['depth']}" if sample["way"] in ("sink", "template") else sample["way"]
    return f"{name}, {sample['step']}"


def notes(samples: list[dict[str, Any]]) -> str:
    found = []
    playbooks = ("playbook", "playbook-file", "playbook-file-lean", "role")
    walls = [s["wall"] for s in samples if s["depth"] in playbooks and "wall" in s]
    if walls:
        found.append(f"ansible-playbook wall {seconds(statistics.median(walls))}")
    copied = [s for s in samples if s.get("copy_seconds") is not None]
    if copied:
        found.append(f"copy task {seconds(statistics.median(s['copy_seconds'] for s in copied))}, copy + dns_aaaa "
                     f"{seconds(statistics.median(s['copy_seconds'] + s['seconds'] for s in copied))}")
    return "; ".join(found)


def size_table(data: dict[str, Any], size: int) -> list[str]:
    """The rows of one size, in the order the run first measured them."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for sample in data["samples"]:
        if sample["size"] == size:
            rows.setdefault(row_label(sample), []).append(sample)
    lines = ["| way, step | median s | min–max s | n | peak RSS MB | notes |", "|---|---|---|---|---|---|"]
    for label, samples in sorted(rows.items(), key=lambda item: order(item[1][0])):
        secs = [s["seconds"] for s in samples]
        peaks = [s["rss_mb"] for s in samples if s.get("rss_mb") is not None]
        lines.append(f"| {label} | {seconds(statistics.median(secs))} | {seconds(min(secs))}–{seconds(max(secs))} | "
                     f"{len(secs)} | {f'{max(peaks):.0f}' if peaks else ''} | {notes(samples)} |")
    return lines


def order(sample: dict[str, Any]) -> tuple[int, int, bool, int]:
    """dns_aaaa's depths in DEPTHS order, validate on before off, steps in order; then the others."""
    depth = list(DEPTHS).index(sample["depth"]) if sample["way"] == "dns_aaaa" else len(DEPTHS)
    step = STEPS.index(sample["step"]) if sample["way"] == "dns_aaaa" else 0
    others = ["dns_aaaa", "sink", "template", "named-checkzone", "kzonecheck"]
    way = others.index(sample["way"]) if sample["way"] in others else len(others)
    return way, depth, not sample["validate"], step


def machine_line(data: dict[str, Any]) -> str:
    m = data["machine"]
    checkers = ", ".join(f"{name} {m[key]}" for name, key in (("named-checkzone", "named_checkzone"),
                                                              ("kzonecheck", "kzonecheck")) if m.get(key))
    return (f"Machine: {m['nproc']} cores, Linux {m['kernel']}, Debian {m['debian']}, ansible-core "
            f"{m['ansible_core']} (Python {m['python']}){', ' + checkers if checkers else ''}; run from "
            f"{data['started']} to {data['finished']}{load_during(data['samples'])}.")


def series_of(data: dict[str, Any], step: str) -> tuple[Series, ...]:
    """One line per depth of dns_aaaa (validate on) measured at more than one size: the median and min–max at
    each number of records."""
    out = []
    for depth in data["depths"]:
        points = []
        for size in sorted(data["sizes"]):
            here = values(data, size, depth, step)
            if here:
                points.append(Point(size, statistics.median(here), min(here), max(here)))
        if len(points) > 1:
            out.append(Series(depth, COLORS.get(depth, "#000000"), dashed=not depth.startswith("playbook"),
                              points=tuple(points)))
    return tuple(out)


def figures(data: dict[str, Any]) -> dict[str, str]:
    """The section's generated file beside the JSON: the plot of cost against the number of records, one panel
    per step."""
    panels = [Panel(step, series_of(data, step)) for step in STEPS]
    title = "bench/dns: seconds against the number of AAAA records (and as many PTR), medians with min–max bars"
    return {FIGURE: chart(title, panels, "seconds", "N (AAAA records)")}


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    sizes = ", ".join(size_text(s) for s in data["sizes"])
    lines = [f"## `bench/dns`: {sizes} AAAA + PTR records into a hand-written zone", ""]
    lines += paragraph(
        f"`{data['command']}` publishes N AAAA records (N = {sizes}, side by side in one run) into a hand-written "
        f"zone (comments, `$TTL`, `$ORIGIN`, a multi-line SOA) and the matching PTR records into its /64 reverse "
        f"zone with `palmfarm.ipv6.dns_aaaa` (method file, `ptr: true`), in three steps: the first publish, a "
        f"re-run with nothing to change (no-op), one record's address changed. Every size and depth runs once per "
        f"repetition, interleaved, in an order rotated from one repetition to the next; repetitions: "
        f"{data['repeat']}. The samples are in `docs/bench/dns.json`.") + [""]
    lines += paragraph(machine_line(data)) + [""]
    for depth in data["depths"]:
        lines += paragraph(f"- `{depth}`: {DEPTHS[depth]}.", indent="  ")
    lines += paragraph("- for scale: `sink`, a module that takes the same records and does nothing, as a process and "
                       "in a playbook (what Ansible costs to carry N records in and out); `template`, both zones "
                       "rendered whole by `ansible.builtin.template` (the template roles' way, which loses the "
                       "user's file); `named-checkzone` and `kzonecheck` alone on the zones `core` published.",
                       indent="  ")
    large = [s for s in data["sizes"] if s > data["full_depths_up_to"]]
    if large:
        lines += [""] + paragraph(
            f"At {', '.join(size_text(s) for s in large)} records only {', '.join(data['large_depths'])} run, "
            f"validate on, without `sink` and `template`: to keep the run within about 15 minutes on 2 cores. "
            f"`core`, `module` and `module-file` run validate on and off at the other sizes.")
    lines += [""] + paragraph(f"What the clock covers: {data['clock']}")
    lines += [""] + paragraph(f"Checked on every sample (the run fails otherwise): {data['checks']}")
    lines += [""] + paragraph(f"Peak RSS: {data['memory']}")
    lines += ["", "### The targets", ""] + targets_table(data)
    lines += ["", f"![bench/dns: seconds against the number of records for the first publish, the no-op and one "
                  f"change, one line per depth, medians with min–max bars](bench/{FIGURE})"]
    for size in data["sizes"]:
        lines += ["", f"### N = {size_text(size)}", ""] + size_table(data, size)
    return lines
