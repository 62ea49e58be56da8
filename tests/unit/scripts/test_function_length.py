# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/function_length.py: new long functions fail, listed ones may shrink but not grow, and a split one
must leave the list."""

from __future__ import annotations

from pathlib import Path

from .script_loader import load_script

function_length = load_script("function_length")


def test_lengths_count_from_def_to_the_last_line(tmp_path: Path) -> None:
    (tmp_path / "plugins").mkdir()
    body = "".join(f"    x{i} = {i}\n" for i in range(60))
    (tmp_path / "plugins" / "m.py").write_text(f"def long():\n{body}\n\ndef short():\n    return 1\n")
    assert function_length.lengths(tmp_path) == {"plugins/m.py:long": 61, "plugins/m.py:short": 2}


def test_the_ratchet() -> None:
    limit = function_length.LIMIT
    assert function_length.problems({"a.py:f": limit, "a.py:g": 3}, {}) == []
    assert "a.py:f has 51 lines; the limit is 50: split it" in function_length.problems({"a.py:f": limit + 1}, {})[0]
    assert function_length.problems({"a.py:f": 70}, {"a.py:f": 80}) == []
    assert "may shrink, not grow" in function_length.problems({"a.py:f": 81}, {"a.py:f": 80})[0]
    assert "remove it from LONGER" in function_length.problems({"a.py:f": limit}, {"a.py:f": 80})[0]
    assert "remove it from LONGER" in function_length.problems({}, {"a.py:f": 80})[0]


def test_the_collection_keeps_the_rule() -> None:
    assert function_length.problems(function_length.lengths(), function_length.LONGER) == []
