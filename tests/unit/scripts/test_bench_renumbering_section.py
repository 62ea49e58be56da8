# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_sections/renumbering.py: the table's figures come from the samples (median, min, max, n), a step
without samples says so, an incomplete run says where it stopped, and bench_docs --check catches a stale section."""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from .script_loader import load_script
from .section_checks import check_goes_stale, table_rows

bench_docs = load_script("bench_docs")  # also puts the scripts directory, where bench_sections is, on the path
from bench_sections.renumbering import render  # noqa: E402  # isort: skip

# Chosen so that median, min and max all differ.
SLAAC = [0.25, 0.125, 0.5]
RUN = [5.0, 4.5, 6.25]
DNS_TASK = [1.5, 1.0, 1.75]
TOTAL = [6.0, 5.25, 7.5]
NOOP = [3.5, 3.25, 4.0]


def task(action: str, seconds: float, handler: bool = False, changed: bool = True) -> dict[str, Any]:
    name = {"palmfarm.ipv6.lxd_farm": "The farm", "palmfarm.ipv6.dns_aaaa": "The records"}.get(action, "Reload")
    return {"task": name, "action": action, "handler": handler, "seconds": seconds, "changed": changed}


def renumber(number: int, slaac: float, run: float, dns: float, total: float) -> dict[str, Any]:
    return {"way": "renumber", "round": number, "position": 1 if number % 2 else 2,
            "prefix": f"2001:db8:ebbd:208{number}::/64", "slaac": slaac, "gap": 0.0625, "run": run,
            "after": total - run - slaac - 0.0625, "total": total, "load1": 0.5 + number,
            "tasks": [task("palmfarm.ipv6.lxd_farm", 1.25, changed=False), task("palmfarm.ipv6.dns_aaaa", dns),
                      task("ansible.builtin.command", 0.75, handler=True)],
            "serials": [[100 + number, 200 + number], [101 + number, 201 + number]]}


def noop(number: int, run: float) -> dict[str, Any]:
    return {"way": "no-op", "round": number, "position": 2 if number % 2 else 1,
            "prefix": f"2001:db8:ebbd:208{number}::/64", "run": run, "load1": 0.5,
            "tasks": [task("palmfarm.ipv6.lxd_farm", 1.0, changed=False),
                      task("palmfarm.ipv6.dns_aaaa", 0.5, changed=False)],
            "serials": [[100, 200], [100, 200]]}


def renumbering_json() -> dict[str, Any]:
    samples = []
    for number, figures in enumerate(zip(SLAAC, RUN, DNS_TASK, TOTAL, NOOP, strict=True), 1):
        slaac, run, dns, total, noop_run = figures
        samples += [renumber(number, slaac, run, dns, total), noop(number, noop_run)]
    return {
        "benchmark": "renumbering", "command": "bench/renumbering --rounds 3", "started": "2026-01-01T00:00:00Z",
        "finished": "2026-01-01T00:03:00Z", "complete": True, "error": None, "rounds": 3,
        "containers": ["pfr-w1", "pfr-w2", "pfr-w3"], "image": "palmfarm-base", "router": "pfr-home",
        "bridge": "pfr-br0", "old_prefix": "2001:db8:ebbd:2080::/64", "ula_prefix": "fd6a:c19d:b07:2080::/64",
        "valid_lifetime": 600, "clock": "THE-CLOCK-TEXT", "checks": "THE-CHECKS-TEXT", "load1": [0.5, 1.0],
        "machine": {"nproc": 2, "kernel": "6.1.0", "debian": "12.11", "memory_gb": 3.8, "python": "3.11.2",
                    "ansible_core": "2.19.4", "knot": "3.2.6", "radvd": "2.19", "named_checkzone": "9.18.49",
                    "dig": "9.18.49", "server": {"name": "lxd", "version": "5.0.2", "cli": "lxc"}},
        "samples": samples,
    }


def figures(values: list[float]) -> list[str]:
    return [f"{statistics.median(values):.2f}", f"{min(values):.2f}", f"{max(values):.2f}", str(len(values))]


def test_each_step_has_median_min_max_and_count_from_the_samples() -> None:
    rows = table_rows(render(renumbering_json()))
    assert rows["slaac: router advertisement to the new address in all 3 containers"] == figures(SLAAC)
    assert rows["one run of the site playbook (ansible-playbook wall time)"] == figures(RUN)
    assert rows["- task dns_aaaa (2 zones, 6 AAAA + 3 PTR, validated with named-checkzone)"] == figures(DNS_TASK)
    assert rows["- handler knotc zone-reload"] == ["0.75", "0.75", "0.75", "3"]
    total = figures(TOTAL)
    assert rows["**total: new router advertisement to every record right**"] == [
        f"**{cell}**" for cell in total[:3]] + [total[3]]
    assert rows["a re-run with nothing to change (ansible-playbook wall time)"] == figures(NOOP)
    assert rows["- no-op: task dns_aaaa"] == ["0.50", "0.50", "0.50", "3"]


def test_the_renumbering_tasks_come_before_the_steps_after_the_run_and_the_no_op_has_its_own() -> None:
    labels = list(table_rows(render(renumbering_json())))
    run = labels.index("one run of the site playbook (ansible-playbook wall time)")
    assert labels[run + 1:run + 4] == ["- task lxd_farm (reads the kernel, nothing to change)",
                                       "- task dns_aaaa (2 zones, 6 AAAA + 3 PTR, validated with named-checkzone)",
                                       "- handler knotc zone-reload"]
    assert labels[run + 4].startswith("after the run until dig answered right")
    assert labels[-3:] == ["a re-run with nothing to change (ansible-playbook wall time)",
                           "- no-op: task lxd_farm", "- no-op: task dns_aaaa"]


def test_the_text_names_the_machine_the_prefixes_and_what_is_timed_and_checked() -> None:
    text = "\n".join(render(renumbering_json()))
    assert text.startswith("## `bench/renumbering`: from a new prefix to the right DNS records\n")
    flat = " ".join(text.split())
    assert "`bench/renumbering --rounds 3`, from 2026-01-01T00:00:00Z to 2026-01-01T00:03:00Z" in flat
    assert "LXD 5.0.2, ansible-core 2.19.4 (Python 3.11.2), radvd 2.19 in the namespace pfr-home" in flat
    assert "Knot DNS 3.2.6" in flat and "load average (1 min) 0.5 to 3.5 during the samples" in flat
    assert "(2001:db8:ebbd:2081::/64 to 2001:db8:ebbd:2083::/64)" in flat
    assert "valid lifetime 600 s" in flat and "THE-CLOCK-TEXT THE-CHECKS-TEXT" in flat
    assert (f"SLAAC takes {statistics.median(SLAAC):.2f} s of the median total of {statistics.median(TOTAL):.2f} s"
            in flat)
    assert f"the {statistics.median(NOOP):.2f} s of a run with nothing to change" in flat
    assert "Incomplete" not in flat


def test_a_missing_step_and_a_run_without_no_op_say_not_measured() -> None:
    data = renumbering_json()
    data["samples"] = [s for s in data["samples"] if s["way"] == "renumber"]
    data["samples"][0]["after"] = None
    for sample in data["samples"][1:]:
        del sample["after"]
    data["complete"], data["error"] = False, "round 2: serials [101, 201] -> [101, 201], not one step each\nmore"
    lines = render(data)
    rows = table_rows(lines)
    assert rows["a re-run with nothing to change (ansible-playbook wall time)"] == ["not measured", "", "", "0"]
    assert rows["after the run until dig answered right (the probe's own start-up and 6 digs)"][0] == "not measured"
    assert rows["one run of the site playbook (ansible-playbook wall time)"] == figures(RUN)
    flat = " ".join(" ".join(lines).split())
    assert "Incomplete: the run stopped after 3 samples: round 2: serials" in flat and "more" not in flat
    assert "SLAAC takes" not in flat  # no no-op, no reading of the floor


def test_bench_docs_check_fails_on_a_stale_section_and_passes_once_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    changed = renumbering_json()
    changed["samples"][0]["slaac"] = 9.0
    rendered = check_goes_stale(bench_docs, tmp_path, monkeypatch, "renumbering", render, renumbering_json(), changed)
    assert "| **total: new router advertisement to every record right** | **6.00** |" in rendered
