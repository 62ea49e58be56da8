# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_sections/farm.py, farm_targets.py and svg_plot.py: the targets' verdicts and the plot of cost
against N come from the samples, a way skipped at a size says why, and a stale plot fails the docs check."""

from __future__ import annotations

import json
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from .script_loader import load_script
from .test_bench_cluster_section import cluster_json
from .test_bench_convergence_section import convergence_json
from .test_bench_dns_section import dns_json
from .test_bench_docs import bridge_json, rows_under
from .test_bench_renumbering_section import renumbering_json

bench_docs = load_script("bench_docs")  # puts the scripts directory, where bench_sections is, on the path
from bench_sections import dns, farm, farm_targets, svg_plot  # noqa: E402  # isort: skip

SVG = "{http://www.w3.org/2000/svg}"
# Chosen so that medians, minima and maxima differ. At N = 500 on LXD lxd_farm beats the launch and the no-op is
# within 0.2 s of the ping; on Incus neither (and its memory is over 100 MB).
LAUNCH = {("lxd", 10): [3.0, 1.0, 2.0], ("lxd", 500): [100.0, 90.0, 120.0], ("incus", 500): [80.0, 70.0, 75.0]}
FARM = {("lxd", 10): [5.0, 2.5, 4.0], ("lxd", 500): [95.0, 85.0, 99.0], ("incus", 500): [81.0, 90.0, 85.0]}
NOOP = {("lxd", 500): [4.0, 4.25, 3.75], ("incus", 500): [5.0, 5.5, 4.5]}
PING = {("lxd", 500): [3.875, 3.5, 4.0], ("incus", 500): [4.0, 4.5, 3.5]}
RSS = {"lxd": [60.0, 75.5, 70.0], "incus": [90.0, 101.25, 99.0]}


def sample(server: str, size: int, way: str, step: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"server": server, "size": size, "repeat": 1, "position": 1, "way": way, "step": step,
            "seconds": seconds, "last_poll": 0.5, "load1": 0.5, **extra}


def farm_json() -> dict[str, Any]:
    samples = []
    for (server, size), values in LAUNCH.items():
        samples += [sample(server, size, "lxc-parallel", "create", v) for v in values]
        samples += [sample(server, size, "lxc-parallel", "prune", v / 2) for v in values]
    for (server, size), values in FARM.items():
        peaks = RSS[server] if size == 500 else [40.0] * len(values)
        samples += [sample(server, size, "lxd_farm", "create", v, peak_rss_mb=r)
                    for v, r in zip(values, peaks, strict=True)]
    for (server, size), values in NOOP.items():
        samples += [sample(server, size, "lxd_farm", "no-op", v, peak_rss_mb=50.0) for v in values]
    for (server, size), values in PING.items():
        samples += [sample(server, size, "ping", "no-op", v, peak_rss_mb=25.0) for v in values]
    samples += [sample("lxd", 10, "cg-loop", "create", 12.0)]
    return {
        "complete": True, "command": "bench/farm --sizes 10,500", "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T01:00:00Z", "image": "palmfarm-tiny", "profiles": ["default", "extbridge"],
        "name_prefix": "bench-farm-", "sizes": [10, 500], "repeat": 3, "repeats": {"10": 3, "500": 1},
        "clock": "THE-CLOCK-TEXT", "checks": "THE-CHECKS-TEXT", "memory": "THE-MEMORY-TEXT",
        "ways": [
            {"id": "lxc-parallel", "label": "`{cli} launch` ×{n} in parallel", "steps": ["create", "prune"]},
            {"id": "cg-loop", "label": "CG-LOOP", "steps": ["create", "no-op", "prune"]},
            {"id": "lxd_farm", "label": "FARM", "steps": ["create", "no-op", "prune"]},
            {"id": "ping", "label": "PING", "steps": ["no-op"]},
        ],
        "unavailable": [], "skipped": [{"size": 500, "way": "cg-loop", "reason": "THE-SKIP-REASON"}],
        "target_definitions": farm_targets.TARGETS,
        "machine": {"nproc": 2, "kernel": "6.1.0", "ansible_core": "2.19.0", "python": "3.11.7",
                    "community_general": "11.4.2", "bird": "2.0.12", "memory_gb": 23.4,
                    "servers": {"lxd": {"name": "LXD", "version": "5.0.2", "cli": "lxc"},
                                "incus": {"name": "Incus", "version": "6.0.4", "cli": "incus"}}},
        "samples": samples,
    }


def verdicts() -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["target"], r["server"], r["size"]): r for r in farm_targets.evaluate(farm_json())}


def test_create_target_is_the_ratio_of_medians_at_every_size() -> None:
    rows = verdicts()
    lxd = rows[("create", "lxd", 500)]
    assert lxd["measured"] == pytest.approx(statistics.median(FARM[("lxd", 500)])
                                            / statistics.median(LAUNCH[("lxd", 500)]), abs=1e-4)
    assert lxd["met"] is True
    assert rows[("create", "incus", 500)]["met"] is False
    assert rows[("create", "lxd", 10)]["met"] is False  # 4.0 s against 2.0 s
    assert rows[("create", "incus", 10)]["met"] is None  # no samples of Incus at N = 10


def test_noop_target_is_the_difference_to_the_ping_at_500() -> None:
    rows = verdicts()
    lxd = rows[("no-op", "lxd", 500)]
    assert lxd["measured"] == pytest.approx(4.0 - 3.875)
    assert lxd["met"] is True
    incus = rows[("no-op", "incus", 500)]
    assert incus["measured"] == pytest.approx(1.0) and incus["met"] is False
    assert ("no-op", "lxd", 10) not in rows


def test_noop_target_leaves_out_the_confirming_poll_of_each_sample() -> None:
    data = farm_json()
    for s in data["samples"]:
        if s["server"] == "lxd" and s["size"] == 500 and s["step"] == "no-op":
            s["last_poll"] = 2.0 if s["way"] == "ping" else 0.25  # the ping's poll was the slow one
    row = next(r for r in farm_targets.evaluate(data) if (r["target"], r["server"]) == ("no-op", "lxd"))
    assert row["measured"] == pytest.approx((4.0 - 0.25) - (3.875 - 2.0))
    assert row["met"] is False
    assert "without the confirming poll; with it 4.00 s against 3.88 s" in row["figure"]


def test_memory_target_is_the_largest_peak_of_the_module() -> None:
    rows = verdicts()
    assert rows[("memory", "lxd", 500)]["measured"] == max(RSS["lxd"])
    assert rows[("memory", "lxd", 500)]["met"] is True
    assert rows[("memory", "incus", 500)]["measured"] == max(RSS["incus"])
    assert rows[("memory", "incus", 500)]["met"] is False


def test_sizes_run_largest_first_read_smallest_first() -> None:
    data = farm_json()
    data["sizes"], data["repeats"] = [500, 10], {"500": 1, "10": 3}
    text = "\n".join(farm.render(data))
    assert text.index("### LXD 5.0.2, N = 10") < text.index("### LXD 5.0.2, N = 500")
    assert "3 at N = 10, 1 at N = 500" in " ".join(text.split())
    assert [r["size"] for r in farm_targets.evaluate(data) if r["target"] == "create"][:2] == [10, 500]


def test_a_target_at_a_size_the_run_lacks_is_not_measured() -> None:
    data = farm_json()
    data["sizes"] = [10]
    data["samples"] = [s for s in data["samples"] if s["size"] == 10]
    rows = {(r["target"], r["server"], r["size"]): r for r in farm_targets.evaluate(data)}
    assert rows[("memory", "lxd", 500)]["met"] is None
    assert "no N = 500" in rows[("memory", "lxd", 500)]["figure"]


def test_section_shows_targets_skips_repeats_and_the_plot() -> None:
    text = "\n".join(farm.render(farm_json()))
    assert "| create ≤ 1.0× raw parallel launch at every N | Incus | 500 |" in text
    assert "| **not met** |" in text and "| met |" in text
    assert "| CG-LOOP, create | skipped: THE-SKIP-REASON | | | |" in text
    assert "3 at N = 10, 1 at N = 500" in " ".join(text.split())
    assert "](bench/farm.svg)" in text
    assert "THE-MEMORY-TEXT" in text and "BIRD 2.0.12" in " ".join(text.split())
    assert "judged without each sample's confirming poll" in text
    assert "`lxd_farm` 75.5 MB" in text


def circles(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [c.find(f"{SVG}title").text or "" for c in root.iter(f"{SVG}circle")]  # type: ignore[union-attr]


def test_plot_has_a_panel_per_step_and_a_line_per_way_and_server() -> None:
    svg = farm.figures(farm_json())["farm.svg"]
    root = ET.fromstring(svg)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"create", "no-op", "prune"} <= set(texts)
    titles = circles(svg)
    med = statistics.median(FARM[("lxd", 500)])
    assert f"lxd_farm, LXD, N = 500: median {med:.2f}, 85.00–99.00" in titles
    assert "cg-loop, LXD, N = 10: median 12.00, 12.00–12.00" in titles
    # A line joins the points of a series with more than one: on LXD, the launch's create and prune and
    # lxd_farm's create have N = 10 and 500.
    assert len(list(root.iter(f"{SVG}polyline"))) == 3
    assert "lxd_farm, Incus" in texts and "ping, LXD" in texts  # the legend
    assert farm.figures(farm_json())["farm.svg"] == svg  # the same data, the same bytes


def test_chart_places_points_on_their_scale() -> None:
    panel = svg_plot.Panel("p", (svg_plot.Series("s", "#000", points=(
        svg_plot.Point(0, 0.0, 0.0, 0.0), svg_plot.Point(100, 10.0, 5.0, 10.0))),))
    root = ET.fromstring(svg_plot.chart("t", [panel], "seconds", "N (things)"))
    cx = sorted((float(c.get("cx", "")), float(c.get("cy", ""))) for c in root.iter(f"{SVG}circle"))
    assert "N (things)" in [t.text for t in root.iter(f"{SVG}text")]
    left, top = svg_plot.LEFT, svg_plot.TOP
    assert cx == [(left, top + svg_plot.PANEL_H), (left + svg_plot.PANEL_W, top)]


@pytest.mark.parametrize(("top", "step"), [(0.0, 1.0), (9.0, 2.0), (10.0, 2.0), (0.3, 0.1), (240.0, 50.0)])
def test_nice_step(top: float, step: float) -> None:
    assert svg_plot.nice_step(top) == pytest.approx(step)


def test_check_fails_on_a_stale_or_missing_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "farm.json").write_text(json.dumps(farm_json()))
    (tmp_path / "bridge.json").write_text(json.dumps(bridge_json()))
    (tmp_path / "dns.json").write_text(json.dumps(dns_json()))
    (tmp_path / "convergence.json").write_text(json.dumps(convergence_json()))
    (tmp_path / "renumbering.json").write_text(json.dumps(renumbering_json()))
    (tmp_path / "cluster.json").write_text(json.dumps(cluster_json()))
    doc = tmp_path / "benchmarks.md"
    doc.write_text("".join(f"{bench_docs.begin(n)}\nold\n{bench_docs.end(n)}\n" for n in bench_docs.SECTIONS))
    args = ["--bench-dir", str(tmp_path), "--doc", str(doc)]
    assert bench_docs.main(args) == 0
    plot = tmp_path / "farm.svg"
    assert plot.read_text() == farm.figures(farm_json())["farm.svg"]
    assert (tmp_path / "dns.svg").read_text() == dns.figures(dns_json())["dns.svg"]
    assert bench_docs.main(["--check", *args]) == 0

    plot.write_text(plot.read_text().replace("median", "mean"))
    assert bench_docs.main(["--check", *args]) == 1
    assert str(plot) in capsys.readouterr().err
    plot.unlink()
    assert bench_docs.main(["--check", *args]) == 1
    assert bench_docs.main(args) == 0 and bench_docs.main(["--check", *args]) == 0


def lxd_run(started: str, create: list[float], complete: bool = True) -> dict[str, Any]:
    """A run of LXD alone at N = 500, lxd_farm's creation taking ``create``."""
    data = farm_json()
    data["machine"]["servers"] = {"lxd": data["machine"]["servers"]["lxd"]}
    data["samples"] = [s for s in data["samples"] if s["server"] == "lxd"
                       and (s["way"], s["step"]) != ("lxd_farm", "create")]
    data["samples"] += [sample("lxd", 500, "lxd_farm", "create", v, peak_rss_mb=60.0) for v in create]
    data.update(command="bench/farm --servers lxd", started=started, complete=complete)
    return data


def test_each_server_takes_its_figures_from_its_newest_complete_run(tmp_path: Path) -> None:
    both = farm_json()  # LXD and Incus, started 2026-01-01
    (tmp_path / "farm.json").write_text(json.dumps(both))
    (tmp_path / "farm-lxd.json").write_text(json.dumps(lxd_run("2026-02-01T00:00:00Z", [50.0, 40.0, 60.0])))
    # Newer still, but stopped before its end: a complete run is preferred.
    (tmp_path / "farm-lxd-incus.json").write_text(
        json.dumps(lxd_run("2026-03-01T00:00:00Z", [1.0, 1.0, 1.0], complete=False)))
    data = farm.load(tmp_path)
    assert [run["file"] for run in data["runs"]] == ["farm.json", "farm-lxd.json", "farm-lxd-incus.json"]
    chosen = [(key, run["file"]) for key, run in farm.chosen(data)]
    assert chosen == [("lxd", "farm-lxd.json"), ("incus", "farm.json")]
    text = "\n".join(farm.render(data))
    flat = " ".join(text.split())
    assert "- LXD: `bench/farm --servers lxd` (`docs/bench/farm-lxd.json`)" in flat
    assert "- Incus: `bench/farm --sizes 10,500` (`docs/bench/farm.json`)" in flat
    # LXD's rows and targets from the LXD run (median 50 against the launch's 100), Incus's from the older one.
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in text.splitlines()
             if line.startswith("| create")]
    rows = {(r[0], r[1], r[2]): r[3] for r in cells}
    assert rows[("create ≤ 1.0× raw parallel launch at every N", "LXD", "500")].startswith("0.50×")
    assert rows[("create ≤ 1.0× raw parallel launch at every N", "Incus", "500")].startswith(
        f"{statistics.median(FARM[('incus', 500)]) / statistics.median(LAUNCH[('incus', 500)]):.2f}×")
    lxd_rows = rows_under(text, "### LXD 5.0.2, N = 500")
    assert lxd_rows["FARM, create"][:3] == ["50.00", "40.00–60.00", "3"]
    assert "1.00" not in lxd_rows["FARM, create"]
    titles = circles(farm.figures(data)["farm.svg"])
    assert "lxd_farm, LXD, N = 500: median 50.00, 40.00–60.00" in titles
    assert f"lxd_farm, Incus, N = 500: median {statistics.median(FARM[('incus', 500)]):.2f}, 81.00–90.00" in titles
    # Only the stopped run: it is used, and says so.
    only = {"runs": [lxd_run("2026-03-01T00:00:00Z", [1.0, 1.0, 1.0], complete=False)]}
    assert "this run stopped before its end" in " ".join("\n".join(farm.render(only)).split())
    assert "(a run stopped before its end)" in farm.figures(only)["farm.svg"]


def test_load_without_any_run_names_what_it_looked_for(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="farm"):
        farm.load(tmp_path)
