# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_rss.py and its probe (scripts/bench_rss_hook): a process's peak resident set, recorded when it
exits, and the peak of one module's processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .script_loader import load_script

bench_rss = load_script("bench_rss")

ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": {"_ansible_module_name": "palmfarm.ipv6.dns_aaaa"}})


def run_with_probe(tmp_path: Path, code: str) -> list[dict]:
    out = tmp_path / "rss.jsonl"
    env = {**os.environ, "PYTHONPATH": str(bench_rss.HOOK_DIR), "BENCH_RSS_OUT": str(out)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return [json.loads(line) for line in out.read_text().splitlines()]


def test_the_probe_records_the_module_ansible_names(tmp_path: Path) -> None:
    """The name Ansible passes in the module's arguments, as ansible.module_utils.basic keeps them, and a peak
    that grows with what the process held."""
    code = ("import sys, types; basic = types.ModuleType('ansible.module_utils.basic'); "
            f"basic._ANSIBLE_ARGS = {ARGS!r}; sys.modules['ansible.module_utils.basic'] = basic; "
            "held = bytearray(64 * 1024 * 1024); held[::4096] = b'x' * len(held[::4096])")
    (record,) = run_with_probe(tmp_path, code)
    assert record["module"] == "palmfarm.ipv6.dns_aaaa" and record["argv0"] == "-c"
    assert record["vmhwm_kb"] > 64 * 1024
    (tmp_path / "small").mkdir()
    (small,) = run_with_probe(tmp_path / "small", "pass")
    assert small["module"] is None and small["vmhwm_kb"] < record["vmhwm_kb"]


def test_nothing_recorded_without_the_output_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BENCH_RSS_OUT"}
    env["PYTHONPATH"] = str(bench_rss.HOOK_DIR)
    subprocess.run([sys.executable, "-c", "pass"], env=env, check=True, cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("record", "module", "expected"), [
    ({"module": "palmfarm.ipv6.dns_aaaa", "argv0": ""}, "palmfarm.ipv6.dns_aaaa", True),
    ({"module": "palmfarm.ipv6.dns_aaaa", "argv0": ""}, "dns_aaaa", True),
    ({"module": "palmfarm.ipv6.lxd_farm", "argv0": ""}, "dns_aaaa", False),
    ({"module": "ansible.builtin.ping", "argv0": "/tmp/x/AnsiballZ_dns_aaaa.py"}, "dns_aaaa", False),
    # Run directly: no name from Ansible, the script's.
    ({"module": None, "argv0": "/work/library/bench_sink.py"}, "bench_sink", True),
    ({"module": None, "argv0": "/usr/lib/python3/dist-packages/x/dns_aaaa.py"}, "palmfarm.ipv6.dns_aaaa", True),
    ({"module": None, "argv0": "-m"}, "dns_aaaa", False),
])
def test_is_of(record: dict, module: str, expected: bool) -> None:
    assert bench_rss.is_of(record, module) is expected


def test_peak_mb(tmp_path: Path) -> None:
    path = tmp_path / "rss.jsonl"
    assert bench_rss.peak_mb(path, "dns_aaaa") is None
    path.write_text("".join(json.dumps(r) + "\n" for r in [
        {"module": "palmfarm.ipv6.dns_aaaa", "argv0": "", "vmhwm_kb": 30720},
        {"module": "palmfarm.ipv6.dns_aaaa", "argv0": "", "vmhwm_kb": 41011},
        {"module": "ansible.builtin.ping", "argv0": "", "vmhwm_kb": 99999}]))
    assert bench_rss.peak_mb(path, "dns_aaaa") == 40.0
    assert bench_rss.peak_mb(path, "lxd_farm") is None
