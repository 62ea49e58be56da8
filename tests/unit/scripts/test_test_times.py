# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/test_times.py: the README's table of make test times comes from a kept run that passed within its
budget, and --check notices a table typed by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .script_loader import load_script

test_times = load_script("test_times")


def run(total: int = 1500, result: str = "passed") -> dict[str, Any]:
    return {"date": "2026-12-06", "machine": {"cpus": 2, "debian": "12.11", "kernel": "6.1.0"},
            "total": total, "budget": 3600,
            "steps": [{"step": "sanity", "seconds": 150, "result": "passed (beside newest)"},
                      {"step": "integration", "seconds": 1230, "result": result}]}


def readme(tmp_path: Path, table: str = "old") -> Path:
    path = tmp_path / "README.md"
    path.write_text(f"# title\n\n{test_times.BEGIN}\n{table}\n{test_times.END}\n\nafter\n")
    return path


def test_render_names_the_machine_every_step_and_the_total() -> None:
    text = test_times.render(run())
    assert "on 2 cores, Debian 12.11, kernel 6.1.0" in text
    assert "| sanity | 2.5 min | passed (beside newest) |" in text
    assert "| integration | 20.5 min | passed |" in text
    assert "| **all** | **25.0 min** | budget 60.0 min |" in text


@pytest.mark.parametrize("data, says", [(run(result="FAILED"), "failed at integration"),
                                        (run(total=3700), "over its budget of 3600 s")])
def test_a_failed_or_slow_run_is_no_claim(data: dict[str, Any], says: str) -> None:
    with pytest.raises(test_times.TimesError, match=says):
        test_times.check_run(data)


def test_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    times = tmp_path / "times.json"
    times.write_text(json.dumps(run()))
    doc = readme(tmp_path)
    args = ["--json", str(times), "--readme", str(doc)]
    assert test_times.main([*args, "--check"]) == 1
    assert "differs from docs/test-times.json" in capsys.readouterr().err
    assert test_times.main(args) == 0
    assert test_times.main([*args, "--check"]) == 0
    text = doc.read_text()
    assert text.startswith("# title\n\n") and text.endswith("\n\nafter\n") and "| integration |" in text


def test_record_keeps_only_a_passed_run(tmp_path: Path) -> None:
    times, doc, source = tmp_path / "times.json", readme(tmp_path), tmp_path / "run.json"
    source.write_text(json.dumps(run(result="FAILED")))
    assert test_times.main(["--json", str(times), "--readme", str(doc), "--record", str(source)]) == 1
    assert not times.exists()
    source.write_text(json.dumps(run()))
    assert test_times.main(["--json", str(times), "--readme", str(doc), "--record", str(source)]) == 0
    assert json.loads(times.read_text()) == run()


def test_without_a_kept_run_the_section_says_so(tmp_path: Path) -> None:
    doc = readme(tmp_path)
    args = ["--json", str(tmp_path / "absent.json"), "--readme", str(doc)]
    assert test_times.main([*args, "--check"]) == 1
    assert test_times.main(args) == 0
    assert test_times.NO_RUN in doc.read_text()
    assert test_times.main([*args, "--check"]) == 0
