# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `bench/convergence` section: the run and the machine, the targets with their measured figures, per case the
traffic lost when a ring link breaks (median, min–max, n) and the routing protocol's packets per second on that
link, every silent break of the Babel cases, the route changes on a lossy link and the demo's ring, all read from
docs/bench/convergence.json (written by bench/convergence)."""

from __future__ import annotations

import statistics
from typing import Any

from .common import paragraph, seconds

MODES = ("carrier", "silent")
LAB = "lab"  # the role of the demo's ring (bench/convergence --lab-repeat)


def ring_cases(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The cases of the namespace rings (all but the demo's ring)."""
    return {case: info for case, info in data["cases"].items() if info["role"] != LAB}


def failover_values(data: dict[str, Any], case: str, mode: str) -> list[float | None]:
    """The lost seconds of a case's breaks in one mode, in the order of the breaks (None: no recovery)."""
    samples = [s for s in data["samples"] if s["case"] == case and s["mode"] == mode]
    return [s["lost"] for s in sorted(samples, key=lambda s: s["break"])]


def median_of(values: list[float | None]) -> float | None:
    """The median, or None when there is none to give (no break, or one that never recovered)."""
    if not values or any(v is None for v in values):
        return None
    return statistics.median(v for v in values if v is not None)


def lost_cell(data: dict[str, Any], values: list[float | None]) -> str:
    if not values:
        return "not measured"
    done = [v for v in values if v is not None]
    if len(done) < len(values):
        return (f"> {data['max_outage']:.0f} s in {len(values) - len(done)} of {len(values)} "
                f"(no traffic that long)")
    return f"**{seconds(statistics.median(done))}** ({seconds(min(done))}–{seconds(max(done))}, n = {len(done)})"


def pps_of(data: dict[str, Any], case: str) -> float | None:
    """The protocol's packets per second on the r1-r2 link, both ways, BFD included: all of a case's counting
    windows pooled."""
    samples = [s for s in data["samples"] if s["case"] == case and s["mode"] in MODES and s.get("window")]
    window = sum(s["window"] for s in samples)
    if not window:
        return None
    return sum(s["routing_packets"] + s["bfd_packets"] for s in samples) / window


def pps_cell(data: dict[str, Any], case: str) -> str:
    pps = pps_of(data, case)
    if pps is None:
        return "–"
    samples = [s for s in data["samples"] if s["case"] == case and s["mode"] in MODES and s.get("window")]
    bfd = sum(s["bfd_packets"] for s in samples) / sum(s["window"] for s in samples)
    return f"{pps:.1f}" + (f" (BFD {bfd:.1f})" if bfd else "")


def lossy_samples(data: dict[str, Any], case: str, loss: int) -> list[dict[str, Any]]:
    """The lossy rings of a case at one loss, in the order of their numbers (a run before rings were numbered had
    one)."""
    samples = [s for s in data["samples"] if s["case"] == case and s["mode"] == "lossy" and s["loss"] == loss]
    return sorted(samples, key=lambda s: s.get("ring", 1))


def each_ring(samples: list[dict[str, Any]], key: str) -> str:
    return ", ".join(str(s[key]) for s in samples)


def switches(count: int) -> str:
    return f"{count} path switch" + ("" if count == 1 else "es")


def lossy_plan(data: dict[str, Any]) -> str:
    """How the lossy rings ran: how many per case and loss, and all at once beside the breaks (a run before the
    batches) or after them in batches, with the load at the start of each."""
    rings = data.get("lossy_rings", 1)
    text = f"{'one ring' if rings == 1 else f'{rings} rings'} per case and loss"
    batches = data.get("lossy_batches")
    if not batches:
        return text + ", all side by side"
    loads = ", ".join(f"{b['load1']:.2f}" for b in batches)
    size = data["lossy_batch"]
    return (text + f", run after the failover breaks in {len(batches)} batch{'' if len(batches) == 1 else 'es'} of "
            f"at most {size} ring{'' if size == 1 else 's'} at once (load average at the start of each: {loads})")


def run_lines(data: dict[str, Any]) -> list[str]:
    m = data["machine"]
    releases = [v.replace("BIRD version ", "") for v in m["bird"].values()]
    releases += [f"{info['release']} in the lab" for info in data["cases"].values() if info["role"] == LAB]
    birds = "BIRD " + ", ".join(releases)
    text = (f"`{data['command']}`, from {data['started']} to {data['finished']}. Machine: {m['nproc']} cores, Linux "
            f"{m['kernel']}, Debian {m['debian']}, Python {m['python']}, ansible-core {m['ansible_core']}; {birds}. "
            f"Load average (1 min) {data['load1'][0]:.2f} at the start, {data['load1'][-1]:.2f} at the end.")
    start = data.get("failover_start")
    if start:
        why = ("the machine was quiet" if start["quiet"] else
               f"not quiet (load at least {start['quiet_load']} or another benchmark running): started at the "
               f"time set for it")
        loads = [s["load1"] for s in data["samples"] if s["mode"] in MODES]
        during = f", {min(loads):.2f} to {max(loads):.2f} at the breaks" if loads else ""
        text += (f" The failover breaks started at {start['at']} after waiting {start['waited']} s: {why}; load "
                 f"{start['load1']:.2f} then{during}.")
    lines = paragraph(text) + [""]
    if data.get("skipped"):
        lines += paragraph(f"Not measured: {len(data['skipped'])} of the planned breaks or lossy runs (stopped "
                           f"before they started, or failed; listed under `skipped` in the JSON).") + [""]
    verdicts: dict[str, list[str]] = {}
    for version, answer in m["babel_bfd"].items():
        verdicts.setdefault(answer, []).append(m["bird"][version].replace("BIRD version ", ""))
    lines += paragraph("BFD for Babel, asked of each BIRD with `bird -p` on a file whose Babel interface says "
                       "`bfd yes;`: " + "; ".join(f"{answer} by {', '.join(v)}" for answer, v in verdicts.items())
                       + ".") + [""]
    return lines


def measured(data: dict[str, Any], target: dict[str, Any], case: str) -> tuple[str, bool | None]:
    """A target's measured figure for one case, and whether it was met (None: not measured)."""
    if target["mode"] == "lossy":
        samples = lossy_samples(data, case, target["loss"])
        if not samples:
            return "not measured", None
        total = switches(sum(s["path_switches"] for s in samples))
        rings = f"{len(samples)} rings, " if len(samples) > 1 else ""
        return (f"{each_ring(samples, 'route_changes')} ({rings}{total})",
                all(s["route_changes"] <= target["max"] for s in samples))
    values = failover_values(data, case, target["mode"])
    med = median_of(values)
    if med is None:
        return lost_cell(data, values), (False if values else None)
    return lost_cell(data, values).replace("**", ""), med <= target["max"]


def targets_table(data: dict[str, Any]) -> list[str]:
    rows = ["| profile | BIRD | target | measured | met |", "|---|---|---|---|---|"]
    for target in data["targets"]:
        unit = " s" if target["mode"] in MODES else ""
        for case, info in data["cases"].items():
            if info["role"] != "profile" or info["profile"] != target["profile"] or info["protocol"] != "babel":
                continue
            figure, met = measured(data, target, case)
            verdict = "not measured" if met is None else ("met" if met else "**not met**")
            rows.append(f"| `{target['profile']}` (`{case}`) | {info['release']} | {target['text']} ≤ "
                        f"{target['max']:g}{unit} | {figure} | {verdict} |")
    for case, info in data["cases"].items():
        if info["role"] == "profile" and info["profile"] == "fast" and info["protocol"] == "babel":
            rows.append(f"| `fast` (`{case}`) | {info['release']} | the protocol's own traffic on a link, stated | "
                        f"{pps_cell(data, case)} packets/s | stated |")
    return rows


def failover_table(data: dict[str, Any]) -> list[str]:
    rows = ["| case | BIRD | what | settings on the ring links | carrier lost, s | silently dead link, s | "
            "protocol packets/s on the link | seed's published outage |", "|---|---|---|---|---|---|---|---|"]
    for case, info in ring_cases(data).items():
        values = {mode: failover_values(data, case, mode) for mode in MODES}
        if not any(values.values()):
            continue
        seed = f"{info['seed_figure']:g} s" if info.get("seed_figure") else ""
        rows.append(f"| `{case}` | {info['release']} | {info['about']} | `{info['settings']}` | "
                    f"{lost_cell(data, values['carrier'])} | {lost_cell(data, values['silent'])} | "
                    f"{pps_cell(data, case)} | {seed} |")
    return rows


def silent_table(data: dict[str, Any]) -> list[str]:
    rows = ["| case | BIRD | lost s, each silent break in the order of the run | at most 0.5 s |", "|---|---|---|---|"]
    for case, info in ring_cases(data).items():
        values = failover_values(data, case, "silent")
        if info["protocol"] != "babel" or info["version"] == "1.6" or not values:
            continue
        done = [v for v in values if v is not None]
        shown = ", ".join("none" if v is None else seconds(v) for v in values)
        rows.append(f"| `{case}` | {info['release']} | {shown} | {sum(v <= 0.5 for v in done)} of {len(values)} |")
    return rows


def candidates_table(data: dict[str, Any]) -> list[str]:
    """Every Babel setting of BIRD 2 and 3 against the targets of `fast` and of `stable`, with its cost."""
    fast = [t for t in data["targets"] if t["profile"] == "fast"]
    stable = [t for t in data["targets"] if t["profile"] == "stable"]
    rows = ["| case | BIRD | settings on the ring links | packets/s | " + " | ".join(
        f"{t['text']} ≤ {t['max']:g}" for t in fast) + f" | `fast`'s targets met | `stable`'s target "
        f"({', '.join(t['text'] for t in stable)} ≤ 0) |", "|---|---|---|---|" + "---|" * (len(fast) + 2)]
    for case, info in ring_cases(data).items():
        if info["protocol"] != "babel" or info["version"] == "1.6":
            continue
        results = [measured(data, t, case) for t in fast]
        met = sum(1 for _figure, ok in results if ok)
        known = sum(1 for _figure, ok in results if ok is not None)
        stable_met = [measured(data, t, case)[1] for t in stable]
        verdict = "not measured" if None in stable_met else ("met" if all(stable_met) else "not met")
        rows.append(f"| `{case}` | {info['release']} | `{info['settings']}` | {pps_cell(data, case)} | "
                    + " | ".join(figure.split(" (")[0] for figure, _ok in results)
                    + f" | {f'{met} of {known} measured' if known else 'not measured'} | {verdict} |")
    return rows


def lossy_table(data: dict[str, Any]) -> list[str]:
    rows = ["| case | BIRD | settings on the ring links | loss each way | kernel route changes at r1, each ring | "
            "of which path switches of r2's LAN |", "|---|---|---|---|---|---|"]
    for case, info in data["cases"].items():
        for loss in data["losses"]:
            samples = lossy_samples(data, case, loss)
            if samples:
                short = [f"{s['duration']:.0f} s" for s in samples if s["duration"] < data["duration"] - 1]
                note = f" (stopped early: {', '.join(short)})" if short else ""
                rows.append(f"| `{case}` | {info['release']} | `{info['settings']}` | {loss} %{note} | "
                            f"{each_ring(samples, 'route_changes')} | {each_ring(samples, 'path_switches')} |")
    return rows


def lab_lines(data: dict[str, Any]) -> list[str]:
    """The demo's ring: what breaks, its settings, and the lost time of each break."""
    lines: list[str] = []
    for case, info in data["cases"].items():
        if info["role"] != LAB:
            continue
        values = failover_values(data, case, "silent")
        each = ", ".join("none" if v is None else seconds(v) for v in values) or "none measured"
        lines += ["### The demo's ring", ""]
        lines += paragraph(
            f"`make demo`'s failure test is this benchmark's code: playbooks/demo.yml runs `bench/convergence "
            f"--cases '' --lossy-cases '' --lab-repeat 1` and prints its figure. Here the same, {len(values)} times "
            f"in this run: {info['about']}; the link breaks silently (every frame from the routers' ports dropped "
            f"on its host bridge, the carriers up), and the echo requests every {int(data['interval'] * 1000)} ms "
            f"are counted as above. BIRD {info['release']}, `{info['settings']}` on the ring links; "
            f"{pps_cell(data, case)} protocol packets/s on the link.") + [""]
        lines += ["| lost, s | each break in the order of the run |", "|---|---|",
                  f"| {lost_cell(data, values)} | {each} |", ""]
    return lines


def phase_text(data: dict[str, Any]) -> str:
    """How the breaks were placed against BIRD's own timer, when the samples say."""
    waits = [s["phase_wait"] for s in data["samples"] if s["mode"] in MODES and "phase_wait" in s]
    if not waits:
        return ""
    return (f", each after a random wait of {seconds(min(waits))} to {seconds(max(waits))} s so that it lands at a "
            f"random phase of BIRD's once-a-second neighbour timer")


def render(data: dict[str, Any]) -> list[str]:
    """The section's lines, between its markers."""
    lines = ["### The run", ""] + run_lines(data)
    lines += ["### Targets", ""]
    lines += paragraph("The issue's targets for the default profile `fast` (Babel) and for `stable`, on BIRD 2 and "
                       "3, with the figures of this run; the failover figures are the median (min–max, n) of the "
                       f"breaks, the route changes those of each lossy ring of {data['duration']:.0f} s, and a target "
                       "on them is met when every ring meets it.") + [""]
    lines += targets_table(data) + [""]
    lines += ["### Failover: traffic lost when the r1-r2 link breaks", ""]
    lines += paragraph(f"Echo requests every {int(data['interval'] * 1000)} ms; each figure is the median, min–max "
                       f"and number of breaks ({data['repeat']} by carrier, {data['silent_repeat']} silent per case, "
                       f"alternating, a fresh ring for every break{phase_text(data)}). Packets/s: the routing "
                       f"protocol's packets (and BFD's) on the r1-r2 link, both ways, counted in r1 for "
                       f"{data['settle']:g} s before each break and pooled.") + [""]
    lines += failover_table(data) + [""]
    lines += ["### Silently dead link, break by break (Babel on BIRD 2 and 3)", ""]
    lines += silent_table(data) + [""]
    lines += ["### Lossy link: route changes at r1", ""]
    lines += paragraph(f"Random loss each way on the r1-r2 link for {data['duration']:.0f} s, "
                       f"{lossy_plan(data)}.") + [""]
    lines += lossy_table(data) + [""]
    lines += ["### Babel settings side by side (BIRD 2 and 3)", ""]
    lines += paragraph("Each Babel setting of the run against the targets: the profiles, the settings they had "
                       "before (the tuning story) and candidates tried beside them. Silent and carrier: median "
                       "lost seconds; route changes: kernel route changes at r1 in each lossy ring.") + [""]
    lines += candidates_table(data)
    lab = lab_lines(data)
    return lines + ([""] + lab[:-1] if lab else [])
