# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_sections/cluster.py: the table's figures come from the samples (median, min, max, n, the runs in
order, the ratio of the medians), a way without samples says so, the reading follows the figures, and
bench_docs --check catches a stale section."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .script_loader import load_script
from .section_checks import check_goes_stale, table_rows

bench_docs = load_script("bench_docs")  # also puts the scripts directory, where bench_sections is, on the path
from bench_sections.cluster import render  # noqa: E402  # isort: skip

# In the order of the run; chosen so that median, min and max all differ.
SPREAD = (39.25, 32.5, 41.0)
SINGLE = (34.0, 41.5, 63.0)
SPLIT = {"bench-m1": 20, "bench-m2": 20}


def cluster_json(spread: Sequence[float] = SPREAD, single: Sequence[float] = SINGLE) -> dict[str, Any]:
    samples = []
    for rep in range(1, max(len(spread), len(single)) + 1):
        ways = [("spread", spread, SPLIT), ("single", single, {"bench-m1": 40})]
        for position, (way, values, layout) in enumerate(ways if rep % 2 else ways[::-1], 1):
            if rep <= len(values):
                samples.append({"way": way, "repeat": rep, "position": position, "seconds": values[rep - 1],
                                "remove_seconds": 9.5, "placement": layout, "load1": 0.5 + rep,
                                "server": {"name": "lxd", "version": "5.0.2", "cli": "lxc"}})
    return {
        "benchmark": "cluster", "command": "bench/cluster --repeat 3", "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:08:39Z", "complete": True, "error": None, "count": 40, "repeat": 3,
        "members": [{"name": "bench-m1", "address": "127.0.0.1:9643"},
                    {"name": "bench-m2", "address": "127.0.0.2:9643"}],
        "image": "palmfarm-tiny", "global_prefix": "2001:db8:ebbd:2080::/64", "clock": "THE-CLOCK-TEXT",
        "checks": "THE-CHECKS-TEXT", "load1": [0.5, 1.0],
        "machine": {"nproc": 2, "kernel": "6.1.0", "debian": "12.11", "memory_gb": 3.8, "python": "3.11.2",
                    "ansible_core": "2.19.4", "server": {"name": "lxd", "version": "5.0.2", "cli": "lxc"}},
        "samples": samples,
    }


def test_each_way_has_median_min_max_count_and_its_runs_in_order_and_the_ratio_of_the_medians() -> None:
    rows = table_rows(render(cluster_json()))
    assert rows["placement: spread (2 members)"] == ["39.2", "32.5", "41.0", "3", "39.2, 32.5, 41.0"]
    assert rows["placement: single (1 member)"] == ["41.5", "34.0", "63.0", "3", "34.0, 41.5, 63.0"]
    ratio = statistics.median(SPREAD) / statistics.median(SINGLE)
    assert rows["ratio spread / single (medians)"][0] == f"{ratio:.2f}"


def test_the_text_names_the_cluster_the_run_and_the_machine() -> None:
    lines = render(cluster_json())
    assert lines[0] == "## `bench/cluster`: 40 replicas spread over two LXD cluster members against one"
    flat = " ".join(" ".join(lines).split())
    assert ("two extra LXD 5.0.2 daemons on this host, members bench-m1 and bench-m2, each with its own `LXD_DIR`"
            in flat)
    assert "HTTPS on 127.0.0.1:9643 and 127.0.0.2:9643" in flat and "THE-CLOCK-TEXT THE-CHECKS-TEXT" in flat
    assert "`bench/cluster --repeat 3`, from 2026-01-01T00:00:00Z to 2026-01-01T00:08:39Z" in flat
    assert "(the whole bench took 8 min 39 s)" in flat
    assert "load average (1 min) 1.5 to 3.5 during the samples" in flat
    assert "runs overlap (32.5–41.0 s spread, 34.0–63.0 s single)" in flat and "Incomplete" not in flat


def test_the_reading_says_which_way_won_when_the_runs_do_not_overlap() -> None:
    flat = " ".join(" ".join(render(cluster_json(spread=[20.0, 21.0], single=[30.0, 31.0]))).split())
    assert "every spread run was quicker than every run of the other way" in flat and "overlap" not in flat


def test_a_way_without_samples_says_not_measured_and_the_run_incomplete() -> None:
    data = cluster_json(single=[])
    data["complete"], data["error"] = False, "single: replicas by member {'bench-m1': 39}, expected {...}\nmore"
    lines = render(data)
    rows = table_rows(lines)
    assert rows["placement: single (1 member)"] == ["not measured", "", "", "0", ""]
    assert rows["ratio spread / single (medians)"][0] == "–"
    assert rows["placement: spread (2 members)"][3] == "3"
    flat = " ".join(" ".join(lines).split())
    assert "Incomplete: the run stopped after 3 samples: single: replicas by member" in flat and "more" not in flat
    assert "Reading" not in flat


def test_incus_is_named_with_its_state_directory_variable() -> None:
    data = cluster_json()
    data["machine"]["server"] = {"name": "incus", "version": "6.0.4", "cli": "incus"}
    flat = " ".join(" ".join(render(data)).split())
    assert "over two Incus cluster members" in flat and "Incus 6.0.4 daemons" in flat and "`INCUS_DIR`" in flat


def test_bench_docs_check_fails_on_a_stale_section_and_passes_once_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rendered = check_goes_stale(bench_docs, tmp_path, monkeypatch, "cluster", render, cluster_json(),
                                cluster_json(spread=[*SPREAD, 50.0]))
    assert "| placement: spread (2 members) | 39.2 |" in rendered
