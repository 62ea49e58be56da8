# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_sections/convergence.py: every figure of the section comes from the samples of the JSON."""

from __future__ import annotations

import copy
import statistics
from typing import Any

from .script_loader import load_script

load_script("bench_docs")  # puts scripts/ on the path, where the sections live
from bench_sections import convergence  # noqa: E402

# Chosen so that median, min and max differ, and one silent break exceeds 0.5 s.
FAST_CARRIER = [0.05, 0.0, 0.1]
FAST_SILENT = [0.3, 0.95, 0.6, 0.55, 0.2]
FAST3_SILENT = [0.4, 0.45, 0.35]
SEED_SILENT = [313.0, None, 316.0]
TARGETS = [
    {"profile": "fast", "text": "silently dead link", "mode": "silent", "stat": "median", "max": 0.5},
    {"profile": "fast", "text": "lost carrier", "mode": "carrier", "stat": "median", "max": 0.05},
    {"profile": "fast", "text": "route changes in 600 s at 10 % loss", "mode": "lossy", "loss": 10,
     "stat": "route_changes", "max": 0},
    {"profile": "stable", "text": "route changes in 600 s at 20 % loss", "mode": "lossy", "loss": 20,
     "stat": "route_changes", "max": 0},
]


def case(version: str, protocol: str, role: str, profile: str | None, settings: str) -> dict[str, Any]:
    release = {"1.6": "1.6.8", "2": "2.0.12", "3": "3.1.8"}[version]
    return {"version": version, "release": release, "protocol": protocol, "role": role, "about": f"ABOUT-{settings}",
            "profile": profile, "settings": settings, "seed_figure": 317.0 if version == "1.6" else None}


def breaks(name: str, mode: str, values: list[float | None], routing: int = 250, bfd: int = 0) -> list[dict]:
    # In the JSON, samples are sorted by case and mode, not by break: give them out of order.
    return [{"case": name, "mode": mode, "break": n, "ring": 1, "lost": v, "load1": 0.4 + n / 10,
             "routing_packets": routing, "bfd_packets": bfd, "window": 5.0}
            for n, v in sorted(enumerate(values, 1), key=lambda item: -item[0])]


def lossy(name: str, loss: int, changes: int, switches: int, ring: int | None = None,
          duration: float = 600.0) -> dict[str, Any]:
    sample = {"case": name, "mode": "lossy", "loss": loss, "duration": duration, "route_changes": changes,
              "path_switches": switches, "load1": 1.0}
    return sample if ring is None else {**sample, "ring": ring}


def convergence_json() -> dict[str, Any]:
    samples = breaks("fast", "carrier", FAST_CARRIER) + breaks("fast", "silent", FAST_SILENT)
    samples += breaks("fast-3", "silent", FAST3_SILENT, routing=240, bfd=10)
    samples += breaks("seed-wired5", "silent", SEED_SILENT, routing=2)
    samples += [lossy("fast", 10, 0, 0), lossy("fast", 20, 3, 1), lossy("stable", 20, 4, 2)]
    return {
        "benchmark": "convergence", "command": "bench/convergence --repeat 3", "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:30:00Z", "load1": [2.5, 0.75], "interval": 0.05, "settle": 5.0, "repeat": 3,
        "silent_repeat": 5, "max_outage": 400.0, "losses": [10, 20], "duration": 600.0,
        "machine": {"nproc": 2, "kernel": "6.1.0", "debian": "12.11", "python": "3.11.7", "ansible_core": "2.19.14",
                    "bird": {"1.6": "BIRD version 1.6.8", "2": "BIRD version 2.0.12", "3": "BIRD version 3.1.8"},
                    "babel_bfd": {"1.6": "refused", "2": "refused", "3": "accepted"}},
        "targets": TARGETS,
        "cases": {"seed-wired5": case("1.6", "babel", "seed", None, "SEED"),
                  "stable": case("2", "babel", "profile", "stable", "STABLE"),
                  "fast": case("2", "babel", "profile", "fast", "FAST"),
                  "fast-3": case("3", "babel", "profile", "fast", "FAST3")},
        "failover_start": {"at": "2026-01-01T00:10:00Z", "load1": 1.25, "waited": 600, "quiet": True,
                           "quiet_load": 1.5, "quiet_absent": "bench/dns", "busy": []},
        "skipped": [], "samples": samples,
    }


def rows(lines: list[str], heading: str) -> dict[str, list[str]]:
    """The table under `heading`: its first cell (for a second row of the same case, joined by a space to its
    fourth) -> the other cells."""
    start = lines.index(heading)
    table: dict[str, list[str]] = {}
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith(("| case ", "| profile ")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            table[cells[0] if cells[0] not in table else f"{cells[0]} {cells[3]}"] = cells[1:]
    return table


def render(data: dict[str, Any] | None = None) -> list[str]:
    return convergence.render(data or convergence_json())


def test_failover_rows_are_median_min_max_and_n_of_the_samples() -> None:
    table = rows(render(), "### Failover: traffic lost when the r1-r2 link breaks")
    med = statistics.median(FAST_SILENT)
    assert table["`fast`"][0] == "2.0.12"
    assert table["`fast`"][3] == f"**{statistics.median(FAST_CARRIER):.2f}** (0.00–0.10, n = 3)"
    assert table["`fast`"][4] == f"**{med:.2f}** ({min(FAST_SILENT):.2f}–{max(FAST_SILENT):.2f}, n = 5)"
    assert table["`fast`"][2] == "`FAST`"
    # A break that never recovered is no number: the cell says how many, and no median is made up.
    assert table["`seed-wired5`"][4] == "> 400 s in 1 of 3 (no traffic that long)"
    assert table["`seed-wired5`"][3] == "not measured"
    assert table["`seed-wired5`"][6] == "317 s"
    # stable has lossy samples only: no failover row.
    assert "`stable`" not in table


def test_packets_per_second_pool_the_windows_and_name_bfd() -> None:
    table = rows(render(), "### Failover: traffic lost when the r1-r2 link breaks")
    assert table["`fast`"][5] == f"{250 * 8 / (5.0 * 8):.1f}"
    assert table["`fast-3`"][5] == f"{250 / 5.0:.1f} (BFD {10 / 5.0:.1f})"
    assert table["`seed-wired5`"][5] == "0.4"


def test_targets_are_judged_on_the_measured_figures() -> None:
    table = rows(render(), "### Targets")
    lines = [line for line in render() if line.startswith("| `fast` (`fast`) | 2.0.12 | silently")]
    assert lines == [f"| `fast` (`fast`) | 2.0.12 | silently dead link ≤ 0.5 s | "
                     f"{statistics.median(FAST_SILENT):.2f} (0.20–0.95, n = 5) | **not met** |"]
    text = "\n".join(render())
    assert "| `fast` (`fast-3`) | 3.1.8 | silently dead link ≤ 0.5 s | 0.40 (0.35–0.45, n = 3) | met |" in text
    assert "| `fast` (`fast`) | 2.0.12 | lost carrier ≤ 0.05 s | 0.05 (0.00–0.10, n = 3) | met |" in text
    assert "| `fast` (`fast-3`) | 3.1.8 | lost carrier ≤ 0.05 s | not measured | not measured |" in text
    assert "| route changes in 600 s at 10 % loss ≤ 0 | 0 (0 path switches) | met |" in text
    assert ("| `stable` (`stable`) | 2.0.12 | route changes in 600 s at 20 % loss ≤ 0 | 4 (2 path switches) | "
            "**not met** |") in text
    assert table  # the table is there, under its heading


def test_silent_breaks_are_listed_in_order_with_the_count_within_half_a_second() -> None:
    table = rows(render(), "### Silently dead link, break by break (Babel on BIRD 2 and 3)")
    assert table["`fast`"] == ["2.0.12", ", ".join(f"{v:.2f}" for v in FAST_SILENT),
                               f"{sum(v <= 0.5 for v in FAST_SILENT)} of {len(FAST_SILENT)}"]
    assert "`seed-wired5`" not in table  # BIRD 1.6: minutes, not the half second


def test_lossy_rows_and_the_side_by_side_verdicts() -> None:
    lines = render()
    table = rows(lines, "### Lossy link: route changes at r1")
    assert table["`fast`"] == ["2.0.12", "`FAST`", "10 %", "0", "0"]
    assert table["`fast` 20 %"] == ["2.0.12", "`FAST`", "20 %", "3", "1"]
    assert table["`stable`"] == ["2.0.12", "`STABLE`", "20 %", "4", "2"]
    side = rows(lines, "### Babel settings side by side (BIRD 2 and 3)")
    assert side["`fast`"][-2:] == ["2 of 3 measured", "not met"]  # silent 0.55 s; 3 changes at 20 %
    assert side["`stable`"][-2:] == ["not measured", "not met"]
    assert side["`fast-3`"][-2:] == ["1 of 1 measured", "not measured"]


def test_the_run_says_how_the_failover_part_started_and_what_bird_said_of_bfd() -> None:
    data = convergence_json()
    text = " ".join(render(data))
    assert "2 cores, Linux 6.1.0" in text and "BIRD 1.6.8, 2.0.12, 3.1.8" in text
    assert "waiting 600 s: the machine was quiet; load 1.25 then, 0.50 to 0.90 at the breaks" in text
    assert "refused by 1.6.8, 2.0.12; accepted by 3.1.8" in text
    noisy = copy.deepcopy(data)
    noisy["failover_start"]["quiet"] = False
    noisy["skipped"] = [{"case": "fast", "mode": "silent", "break": 9}]
    text = " ".join(render(noisy))
    assert "not quiet (load at least 1.5 or another benchmark running)" in text
    assert "Not measured: 1 of the planned breaks" in text


LAB_SILENT = [0.9, 0.35, 1.4]


def lab_json() -> dict[str, Any]:
    data = convergence_json()
    data["cases"]["lab"] = {**case("2", "babel", "lab", None, "LABSET"), "release": "2.0.12",
                            "about": "the demo's ring: laptop pings ns"}
    data["samples"] += breaks("lab", "silent", LAB_SILENT, routing=300)
    return data


def test_the_demos_ring_has_its_own_table_and_stays_out_of_the_rings_tables() -> None:
    lines = render(lab_json())
    table = rows(lines, "### The demo's ring")
    cell = f"**{statistics.median(LAB_SILENT):.2f}** (0.35–1.40, n = 3)"
    # In the order of the breaks, not of the JSON.
    assert table == {"lost, s": ["each break in the order of the run"], cell: ["0.90, 0.35, 1.40"]}
    text = " ".join(" ".join(lines).split())  # the paragraph's words, whatever its line breaks
    assert "the demo's ring: laptop pings ns" in text and "`LABSET`" in text
    assert f"{300 / 5.0:.1f} protocol packets/s" in text
    assert "2.0.12 in the lab" in text
    for heading in ("### Failover: traffic lost when the r1-r2 link breaks", "### Targets",
                    "### Silently dead link, break by break (Babel on BIRD 2 and 3)",
                    "### Babel settings side by side (BIRD 2 and 3)"):
        assert "`lab`" not in rows(lines, heading) and not any("`lab`" in k for k in rows(lines, heading))
    # Without the lab's samples there is no such section.
    assert "### The demo's ring" not in render()


def test_the_random_phase_of_the_breaks_is_stated_from_the_samples() -> None:
    data = convergence_json()
    assert "random phase" not in " ".join(render(data))
    for number, sample in enumerate(s for s in data["samples"] if s["mode"] in convergence.MODES):
        sample["phase_wait"] = 0.1 + number / 100
    text = " ".join(" ".join(render(data)).split())
    waits = [s["phase_wait"] for s in data["samples"] if "phase_wait" in s]
    assert f"random wait of {min(waits):.2f} to {max(waits):.2f} s so that it lands at a random phase" in text


def test_several_lossy_rings_each_shown_and_a_target_met_only_when_every_ring_meets_it() -> None:
    data = convergence_json()
    data["lossy_rings"] = 3
    data["samples"] = [x for x in data["samples"] if x["mode"] != "lossy"]
    # Out of ring order, as a run may finish them; the middle ring of stable at 20 % moves the route.
    data["samples"] += [lossy("stable", 20, 4, 2, ring=2), lossy("stable", 20, 0, 0, ring=3),
                        lossy("stable", 20, 0, 0, ring=1), lossy("fast", 10, 0, 0, ring=3),
                        lossy("fast", 10, 0, 0, ring=1), lossy("fast", 10, 0, 0, ring=2, duration=300.0)]
    lines = render(data)
    table = rows(lines, "### Lossy link: route changes at r1")
    assert table["`stable`"] == ["2.0.12", "`STABLE`", "20 %", "0, 4, 0", "0, 2, 0"]
    assert table["`fast`"] == ["2.0.12", "`FAST`", "10 % (stopped early: 300 s)", "0, 0, 0", "0, 0, 0"]
    assert ("| `stable` (`stable`) | 2.0.12 | route changes in 600 s at 20 % loss ≤ 0 | 0, 4, 0 (3 rings, 2 path "
            "switches) | **not met** |") in lines
    assert ("| `fast` (`fast`) | 2.0.12 | route changes in 600 s at 10 % loss ≤ 0 | 0, 0, 0 (3 rings, 0 path "
            "switches) | met |") in lines
    side = rows(lines, "### Babel settings side by side (BIRD 2 and 3)")
    assert side["`stable`"][-1] == "not met"
    assert side["`fast`"][5] == "0, 0, 0"
    assert "3 rings per case and loss" in " ".join(lines)
    data["samples"] = [x for x in data["samples"] if not (x["mode"] == "lossy" and x.get("ring") == 2)]
    assert ("| `stable` (`stable`) | 2.0.12 | route changes in 600 s at 20 % loss ≤ 0 | 0, 0 (2 rings, 0 path "
            "switches) | met |") in render(data)


def test_lossy_rings_after_the_breaks_say_their_batches_and_loads() -> None:
    data = convergence_json()
    assert "one ring per case and loss, all side by side." in " ".join(render(data))
    data["lossy_batch"] = 24
    data["lossy_batches"] = [{"at": "2026-01-01T00:20:00Z", "rings": 24, "load1": 0.42},
                             {"at": "2026-01-01T00:31:00Z", "rings": 3, "load1": 3.5}]
    text = " ".join(render(data))
    assert ("one ring per case and loss, run after the failover breaks in 2 batches of at most 24 rings at once "
            "(load average at the start of each: 0.42, 3.50).") in text
    data["lossy_batches"] = data["lossy_batches"][:1]
    assert "in 1 batch of at most 24 rings" in " ".join(render(data))
