# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/mutation.py: every mutant it makes changes what the code does, and only at the point it names."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from .script_loader import load_script

mutation = load_script("mutation")

SOURCE = '''
def f(a, b):
    if a < b and not a == 0:
        return a + 1
    return a in (b, True)
'''


def run(tree: ast.AST, *args: Any) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(tree, "<mutant>", "exec"), namespace)  # noqa: S102  # pylint: disable=exec-used
    return namespace["f"](*args)


def test_the_points_are_the_ones_a_reader_sees() -> None:
    changes = sorted((line, change) for _i, line, change in mutation.mutation_points(ast.parse(SOURCE)))
    assert changes == sorted([(3, "Eq -> NotEq"), (3, "Lt -> LtE"), (3, "and -> or"), (3, "not dropped"),
                              (3, "0 -> 1"), (4, "1 -> 2"), (4, "Add -> Sub"), (4, "return value -> return None"),
                              (5, "In -> NotIn"), (5, "True -> False"), (5, "return value -> return None")])


@pytest.mark.parametrize("args", [(1, 2), (2, 2), (0, 1), (3, 1), (0, 0)])
def test_the_original_is_kept(args: tuple[int, int]) -> None:
    tree = ast.parse(SOURCE)
    for index, _line, _change in mutation.mutation_points(tree):
        mutation.mutate(tree, index)  # works on a copy
    assert run(tree, *args) == run(ast.parse(SOURCE), *args)


def test_each_mutant_behaves_differently_somewhere() -> None:
    tree = ast.parse(SOURCE)
    inputs = [(1, 2), (2, 2), (0, 1), (3, 1), (0, 0), (1, 1), (-1, 0), (1, True)]
    original = [run(tree, *a) for a in inputs]
    for index, line, change in mutation.mutation_points(tree):
        mutant = mutation.mutate(tree, index)
        assert [run(mutant, *a) for a in inputs] != original, (line, change)


def test_spread_samples_evenly() -> None:
    assert mutation.spread(list(range(10)), 3) == [0, 3, 6]
    assert mutation.spread([1, 2], 5) == [1, 2]
    assert mutation.spread([1, 2], None) == [1, 2]
