# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the tests of the benchmark sections share: a rendered table's rows, and bench_docs --check run on one section
rendered from a JSON file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def table_rows(lines: list[str]) -> dict[str, list[str]]:
    """The rows of the tables in `lines` (headers left out): first cell -> the other cells."""
    rows = {}
    for line, after in zip(lines, [*lines[1:], ""], strict=True):
        if line.startswith("| ") and not after.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def check_goes_stale(bench_docs: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str,
                     render: Callable[[dict[str, Any]], list[str]], data: dict[str, Any],
                     changed: dict[str, Any]) -> str:
    """Runs bench_docs on a document whose only section is `name`, rendered by `render`: --check fails on the
    hand-typed section, passes once rendered from `data`, and fails again once the JSON is `changed`. Returns the
    document as rendered from `data`."""
    monkeypatch.setattr(bench_docs, "SECTIONS", {name: render})
    source = tmp_path / f"{name}.json"
    source.write_text(json.dumps(data))
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"# Benchmarks\n\n{bench_docs.begin(name)}\nhand-typed\n{bench_docs.end(name)}\n\nkept below\n")
    args = ["--bench-dir", str(tmp_path), "--doc", str(doc)]
    assert bench_docs.main(["--check", *args]) == 1
    assert "hand-typed" in doc.read_text()  # --check writes nothing
    assert bench_docs.main(args) == 0
    rendered = doc.read_text()
    assert "hand-typed" not in rendered and rendered.endswith("\n\nkept below\n")
    assert bench_docs.main(["--check", *args]) == 0
    source.write_text(json.dumps(changed))
    assert bench_docs.main(["--check", *args]) == 1
    return rendered
