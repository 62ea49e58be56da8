#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""No function of plugins/ over 50 lines (`make lint`).

Usage: .venv/bin/python scripts/function_length.py

A function's length is its lines from `def` to its last line, docstring and comments included. A function over
LIMIT fails, unless LONGER lists it with the length it may have: such a function may shrink, not grow, and one
that is split leaves the list (the script says so). LONGER is empty: every function of plugins/ is within LIMIT.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 50
# path:function -> the length it may have, for a function over LIMIT that waits to be split (none does).
LONGER: dict[str, int] = {}


def lengths(root: Path = ROOT) -> dict[str, int]:
    """path:function -> length, for every function and method under plugins/ (nested ones by their own name)."""
    found: dict[str, int] = {}
    for path in sorted((root / "plugins").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                key = f"{path.relative_to(root).as_posix()}:{node.name}"
                found[key] = max(found.get(key, 0), (node.end_lineno or node.lineno) - node.lineno + 1)
    return found


def problems(found: dict[str, int], known: dict[str, int]) -> list[str]:
    out = []
    for key, length in sorted(found.items()):
        allowed = known.get(key, LIMIT)
        if length > allowed:
            out.append(f"{key} has {length} lines; the limit is {LIMIT}" +
                       (f" (it had {allowed} when the limit came: it may shrink, not grow)" if key in known else
                        ": split it along its steps"))
    for key in sorted(known):
        if found.get(key, 0) <= LIMIT:
            out.append(f"{key} is within {LIMIT} lines now (or gone): remove it from LONGER in {Path(__file__).name}")
    return out


def main() -> int:
    found = problems(lengths(), LONGER)
    for line in found:
        print(f"function_length: {line}", file=sys.stderr)
    if not found:
        waiting = f" ({len(LONGER)} older ones to split)" if LONGER else ""
        print(f"function_length: no function of plugins/ over {LIMIT} lines{waiting}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
