# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm_table import (
    FarmTableError,
    farm_rows,
    farm_table,
    global_address,
    render_table,
)

W2 = "2001:db8:ebbd:2080:216:3eff:fe7f:b6a5"
W10 = "2001:db8:ebbd:2080:216:3eff:feb2:f03d"


def instance(name: str, state: str = "Running", address: str | None = None, **ipv6: list[str]) -> dict[str, Any]:
    return {"name": name, "state": state, "address": address,
            "ipv6": {"global": [], "ula": [], "link_local": [], **ipv6}}


@pytest.mark.parametrize("item, expected", [
    (instance("w2", address=W2), W2),
    # No best address: the first global one.
    (instance("w2", **{"global": [W10, W2]}), W10),
    (instance("w2", ula=["fd6a:c19d:b07:2080:216:3eff:fe7f:b6a5"]), "-"),
    ({"name": "w2"}, "-"),
    ({"name": "w2", "ipv6": None}, "-"),
])
def test_global_address(item: dict[str, Any], expected: str) -> None:
    assert global_address(item) == expected


@pytest.mark.parametrize("answers, expected", [
    ({"w2": f"w2 {W2}\n"}, f"w2 {W2}"),
    # Line breaks and runs of blanks become one space; the cell stays on its line.
    ({"w2": "  one\n two\t\tthree \n"}, "one two three"),
    ({"w2": ""}, "-"),
    ({"w2": "   \n"}, "-"),
    ({"w3": "not for w2"}, "-"),
    ({}, "-"),
    (None, "-"),
    ({"w2": 200}, "200"),
])
def test_farm_rows_answer(answers: Any, expected: str) -> None:
    assert farm_rows([instance("w2", address=W2)], answers) == [("w2", "Running", W2, expected)]


def test_farm_rows_keeps_order_and_state() -> None:
    rows = farm_rows([instance("w10", address=W10), instance("w2", state="absent")], {"w10": "hi"})
    assert rows == [("w10", "Running", W10, "hi"), ("w2", "absent", "-", "-")]


@pytest.mark.parametrize("instances, answers, message", [
    ("w2", None, "instances 'w2' is not a list"),
    ({"name": "w2"}, None, "is not a list"),
    (None, None, "instances None is not a list"),
    ([{"state": "Running"}], None, "is not a dict with a name"),
    (["w2"], None, "instance 'w2' is not a dict with a name"),
    ([instance("w2")], ["w2"], "answers \\['w2'\\] is not a dict"),
    ([{"name": "w2", "ipv6": ["x"]}], None, "instance 'w2' has ipv6 \\['x'\\]"),
])
def test_farm_rows_rejects_bad_input(instances: Any, answers: Any, message: str) -> None:
    with pytest.raises(FarmTableError, match=message):
        farm_rows(instances, answers)


def test_render_table_aligns_columns_without_trailing_spaces() -> None:
    lines = render_table([("w2", "Running", "a", "x"), ("w10", "Stopped", "bbbbbb", "")], headers=("N", "S", "A", "H"))
    assert lines == [
        "N    S        A       H",
        "---  -------  ------  -",
        "w2   Running  a       x",
        "w10  Stopped  bbbbbb",
    ]


def test_render_table_rejects_a_short_row() -> None:
    with pytest.raises(FarmTableError, match="has 2 cells; the table has 4 columns"):
        render_table([("w2", "Running")])


def test_farm_table_of_the_seed() -> None:
    text = farm_table([instance("w2", address=W2), instance("w10", address=W10)],
                      {"w2": f"w2 {W2}\n", "w10": f"w10 {W10}\n"})
    assert text.split("\n") == [
        f"NAME  STATE    IPV6 GLOBAL{' ' * 28}HTTP ANSWER",
        f"----  -------  {'-' * 37}  {'-' * 41}",
        f"w2    Running  {W2}  w2 {W2}",
        f"w10   Running  {W10}  w10 {W10}",
    ]


def test_farm_table_of_an_empty_farm() -> None:
    assert farm_table([]) == "NAME  STATE  IPV6 GLOBAL  HTTP ANSWER\n----  -----  -----------  -----------"
