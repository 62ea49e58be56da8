# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_docs.py and its sections: the tables come from the samples, and --check catches a stale document."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path
from typing import Any

import pytest

from .script_loader import load_script
from .test_bench_cluster_section import cluster_json
from .test_bench_convergence_section import convergence_json
from .test_bench_dns_section import dns_json
from .test_bench_renumbering_section import renumbering_json

bench_docs = load_script("bench_docs")

# Chosen so that median, min and max all differ, and the ratio is not a round number.
LAUNCH = [3.0, 1.0, 2.0]
FARM_CREATE = [5.0, 2.5, 4.0]
FARM_NOOP = [1.5, 1.25, 1.75, 1.0]


def sample(way: str, step: str, seconds: float, server: str = "lxd") -> dict[str, Any]:
    return {"server": server, "size": 2, "repeat": 1, "position": 1, "way": way, "step": step,
            "seconds": seconds, "load1": 0.5}


def farm_json() -> dict[str, Any]:
    samples = [sample("lxc-parallel", "create", s) for s in LAUNCH]
    samples += [sample("lxd_farm", "create", s) for s in FARM_CREATE]
    samples += [sample("lxd_farm", "no-op", s) for s in FARM_NOOP]
    samples += [sample("lxc-parallel", "create", 9.0, server="incus")]
    return {
        "complete": True, "command": "bench/farm --sizes 2", "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:01:00Z", "image": "palmfarm-tiny", "profiles": ["default", "extbridge"],
        "name_prefix": "bench-farm-", "sizes": [2], "repeat": 3, "clock": "THE-CLOCK-TEXT",
        "checks": "THE-CHECKS-TEXT",
        "ways": [
            {"id": "lxc-parallel", "label": "`{cli} launch` ×{n} in parallel", "steps": ["create"]},
            {"id": "cg-loop", "label": "CG-LOOP", "steps": ["create", "no-op"]},
            {"id": "lxd_farm", "label": "FARM", "steps": ["create", "no-op"]},
        ],
        "unavailable": [{"server": "incus", "way": "cg-loop", "reason": "THE-REASON"}],
        "machine": {"nproc": 2, "kernel": "6.1.0", "ansible_core": "2.19.0", "python": "3.11.7",
                    "community_general": "11.4.2",
                    "servers": {"lxd": {"name": "LXD", "version": "5.0.2", "cli": "lxc"},
                                "incus": {"name": "Incus", "version": "6.0.4", "cli": "incus"}}},
        "samples": samples,
    }


def rows_under(text: str, heading: str) -> dict[str, list[str]]:
    """The table following `heading`, as its first cell -> the other cells."""
    lines = text.splitlines()
    start = lines.index(heading)
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith(("#", "<!--")):
            break
        if line.startswith("| ") and not line.startswith("| way "):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_table_figures_come_from_the_samples() -> None:
    text = "\n".join(bench_docs.farm.render(farm_json()))
    rows = rows_under(text, "### LXD 5.0.2, N = 2")
    base = statistics.median(LAUNCH)
    assert rows["`lxc launch` ×2 in parallel, create"] == [
        f"{base:.2f}", f"{min(LAUNCH):.2f}–{max(LAUNCH):.2f}", str(len(LAUNCH)), "1.00x"]
    med = statistics.median(FARM_CREATE)
    assert rows["FARM, create"] == [
        f"{med:.2f}", f"{min(FARM_CREATE):.2f}–{max(FARM_CREATE):.2f}", str(len(FARM_CREATE)), f"{med / base:.2f}x"]
    med = statistics.median(FARM_NOOP)
    assert rows["FARM, no-op"][0] == f"{med:.2f}"
    assert rows["FARM, no-op"][2:] == [str(len(FARM_NOOP)), f"{med / base:.2f}x"]
    assert rows["CG-LOOP, create"][0] == "not run"


def test_unavailable_way_says_why_and_each_server_has_its_cli() -> None:
    text = "\n".join(bench_docs.farm.render(farm_json()))
    rows = rows_under(text, "### Incus 6.0.4, N = 2")
    assert rows["CG-LOOP, create"][0] == "n/a on Incus: THE-REASON"
    assert rows["`incus launch` ×2 in parallel, create"][0] == "9.00"
    assert "THE-CLOCK-TEXT" in text and "THE-CHECKS-TEXT" in text
    assert "LXD 5.0.2 and Incus 6.0.4" in text


def test_check_fails_on_a_stale_document_and_passes_once_rendered(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "farm.json"
    data.write_text(json.dumps(farm_json()))
    bridge = tmp_path / "bridge.json"
    bridge.write_text(json.dumps(bridge_json()))
    (tmp_path / "dns.json").write_text(json.dumps(dns_json()))
    (tmp_path / "convergence.json").write_text(json.dumps(convergence_json()))
    (tmp_path / "renumbering.json").write_text(json.dumps(renumbering_json()))
    (tmp_path / "cluster.json").write_text(json.dumps(cluster_json()))
    doc = tmp_path / "benchmarks.md"
    before, after = "# Benchmarks\n\nkept above\n\n", "\n## other\n\nkept below\n"
    doc.write_text(f"{before}{bench_docs.begin('farm')}\nold figures\n{bench_docs.end('farm')}\n\nbetween\n\n"
                   f"{bench_docs.begin('bridge')}\nold bridge figures\n{bench_docs.end('bridge')}\n"
                   f"{bench_docs.begin('dns')}\nold dns figures\n{bench_docs.end('dns')}\n"
                   f"{bench_docs.begin('convergence')}\nold convergence figures\n{bench_docs.end('convergence')}\n"
                   f"{bench_docs.begin('renumbering')}\nold renumbering figures\n{bench_docs.end('renumbering')}\n"
                   f"{bench_docs.begin('cluster')}\nold cluster figures\n{bench_docs.end('cluster')}\n"
                   f"{after}")
    args = ["--bench-dir", str(tmp_path), "--doc", str(doc)]

    assert bench_docs.main(["--check", *args]) == 1
    assert str(doc) in capsys.readouterr().err
    assert "old figures" in doc.read_text()  # --check writes nothing

    assert bench_docs.main(args) == 0
    text = doc.read_text()
    assert text.startswith(before) and text.endswith(after)
    assert "old figures" not in text and "### LXD 5.0.2, N = 2" in text
    assert "old bridge figures" not in text and "\n\nbetween\n\n" in text
    assert bench_docs.main(["--check", *args]) == 0

    # So do new bridge samples.
    changed_bridge = bridge_json()
    changed_bridge["samples"][0]["seconds"] = 9.0
    bridge.write_text(json.dumps(changed_bridge))
    assert bench_docs.main(["--check", *args]) == 1
    bridge.write_text(json.dumps(bridge_json()))

    # New samples make the rendered document stale again.
    changed = farm_json()
    changed["samples"].append(sample("lxd_farm", "create", 100.0))
    data.write_text(json.dumps(changed))
    assert bench_docs.main(["--check", *args]) == 1


def test_check_fails_without_markers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "farm.json"
    data.write_text(json.dumps(farm_json()))
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n")
    assert bench_docs.main(["--check", "--bench-dir", str(tmp_path), "--doc", str(doc)]) == 1
    assert str(doc) in capsys.readouterr().err


def bridge_json() -> dict[str, Any]:
    samples = [{"measurement": "outage", "way": "bridge_iface", "target": "LAN, IPv4", "repeat": r, "position": 1,
                "seconds": v} for r, v in enumerate([0.04, 0.0, 0.02], 1)]
    samples += [{"measurement": "outage", "way": "plain ip commands", "target": "LAN, IPv4", "repeat": r,
                 "position": 2, "seconds": v} for r, v in enumerate([3.1, 2.5, 2.9], 1)]
    return {"benchmark": "bridge", "command": "bench/bridge --repeat 3", "started": "2026-01-01T00:00:00Z",
            "finished": "2026-01-01T00:02:00Z", "repeat": 3, "interval": 0.02, "targets": ["LAN, IPv4"],
            "load1": [0.5, 1.25],
            "machine": {"nproc": 2, "kernel": "6.1.0", "debian": "12.11", "python": "3.11.7",
                        "ansible_core": "2.19.14", "pyroute2": "0.9.7", "radvd": "2.19"},
            "samples": samples}


def test_bridge_section_has_a_row_per_way_and_target_from_the_samples() -> None:
    text = "\n".join(bench_docs.bridge.render(bridge_json()))
    assert text.startswith("## `bench/bridge`")
    assert "| outage | bridge_iface | LAN, IPv4 | 0.02 | 0.00–0.04 | 3 |" in text
    assert "| outage | plain ip commands | LAN, IPv4 | 2.90 | 2.50–3.10 | 3 |" in text
    assert "pyroute2 0.9.7, radvd 2.19" in text and "Debian 12.11" in text
    assert "load average (1 min) 0.5 at the start, 1.2 at the end" in text
    assert "Pings every 20 ms" in text and "(3 repetitions)" in text


def test_the_readme_shows_every_plot_in_its_benchmarks_section() -> None:
    readme = (bench_docs.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Benchmarks\n", 1)[1].split("\n## ", 1)[0]
    plots = [sys.modules[f"bench_sections.{name}"].FIGURE for name in bench_docs.FIGURES]
    assert plots == ["farm.svg", "dns.svg"]
    for plot in plots:
        assert f"](docs/bench/{plot})" in section, plot
        assert (bench_docs.BENCH_DIR / plot).is_file(), plot
