# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/bench_machine.py: a tool's version read from what it prints, and the JSON file as the benchmarks write it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .script_loader import load_script

bench_machine = load_script("bench_machine")


@pytest.mark.parametrize(("text", "version"), [
    ("knotd (Knot DNS), version 3.2.6\n", "3.2.6"),
    ("Version: 2.19\n", "2.19"),
    ("9.18.49-1~deb12u3-Debian\n", "9.18.49-1~deb12u3-Debian"),
    ("BIRD version 2.0.12\n", "2.0.12"),
    ("no number here", None),
])
def test_version_in_takes_the_first_version_number(text: str, version: str | None) -> None:
    assert bench_machine.version_in(text) == version


def test_version_of_a_missing_command_is_none_and_the_exit_status_does_not_count() -> None:
    assert bench_machine.version_of(["/nonexistent/tool", "--version"]) is None
    assert bench_machine.version_of([sys.executable, "-c", "print('Version: 1.2'); raise SystemExit(1)"]) == "1.2"
    assert bench_machine.version_of([sys.executable, "-c", "raise SystemExit('no such option')"]) is None
    assert bench_machine.version_of([sys.executable, "-c", "import sys; sys.stderr.write('v 4.5.6')"]) == "4.5.6"


def test_write_json_makes_the_directory_and_ends_the_file_with_a_newline(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "x.json"
    bench_machine.write_json(path, {"samples": [1.5]})
    assert json.loads(path.read_text()) == {"samples": [1.5]} and path.read_text().endswith("}\n")
