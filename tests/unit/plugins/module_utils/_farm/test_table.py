# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._farm.table import (
    FarmTableError,
    dns_names,
    farm_rows,
    farm_table,
    global_address,
    instance_addresses,
    render_table,
    table_headers,
)

W2 = "2001:db8:ebbd:2080:216:3eff:fe7f:b6a5"
W10 = "2001:db8:ebbd:2080:216:3eff:feb2:f03d"
W2_ULA = "fd6a:c19d:b07:2080:216:3eff:fe7f:b6a5"


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


@pytest.mark.parametrize("item, expected", [
    (instance("w2", address=W2, **{"global": [W2]}, ula=[W2_ULA]), {W2, W2_ULA}),
    # Compared in lower case: LXD and a zone file may spell the same address differently.
    (instance("w2", address=W2.upper()), {W2}),
    ({"name": "w2"}, set()),
    ({"name": "w2", "ipv6": None}, set()),
])
def test_instance_addresses(item: dict[str, Any], expected: set[str]) -> None:
    assert instance_addresses(item) == expected


@pytest.mark.parametrize("records, zone, expected", [
    ({"lxcw2": [W2], "lxcw10": [W10]}, "lab.example.net", "lxcw2.lab.example.net"),
    # The trailing dot of the zone is not doubled; a name ending in a dot is already absolute.
    ({"lxcw2": [W2]}, "lab.example.net.", "lxcw2.lab.example.net"),
    ({"w2.other.example.": [W2]}, "lab.example.net", "w2.other.example."),
    ({"lxcw2": [W2]}, "", "lxcw2"),
    ({"lxcw2": [W2]}, ".", "lxcw2"),
    # Found by its ULA address too; several names are sorted and joined.
    ({"web2": [W2_ULA], "lxcw2": [W2.upper()]}, "", "lxcw2,web2"),
    ({"lxcw10": [W10]}, "lab.example.net", "-"),
    ({}, "lab.example.net", "-"),
])
def test_dns_names(records: dict[str, list[str]], zone: str, expected: str) -> None:
    assert dns_names(instance("w2", address=W2, ula=[W2_ULA]), records, zone) == expected


def test_farm_rows_with_records_adds_the_dns_name() -> None:
    rows = farm_rows([instance("w2", address=W2), instance("w10", address=W10)], {"w2": "page"},
                     {"lxcw2": [W2]}, "lab.example.net")
    assert rows == [("w2", "Running", W2, "lxcw2.lab.example.net", "page"), ("w10", "Running", W10, "-", "-")]


@pytest.mark.parametrize("records, zone, message", [
    (["lxcw2"], "", "records \\['lxcw2'\\] is not a dict"),
    ({"lxcw2": W2}, "", "records entry 'lxcw2' has '2001:db8"),
    ({"lxcw2": None}, "", "records entry 'lxcw2' has None"),
    ({"lxcw2": [W2]}, 5, "zone 5 is not a string"),
])
def test_farm_rows_rejects_bad_records(records: Any, zone: Any, message: str) -> None:
    with pytest.raises(FarmTableError, match=message):
        farm_rows([instance("w2", address=W2)], None, records, zone)


@pytest.mark.parametrize("with_dns, header, expected", [
    (False, "HTTP ANSWER", ("NAME", "STATE", "IPV6 GLOBAL", "HTTP ANSWER")),
    (True, "BY NAME FROM laptop", ("NAME", "STATE", "IPV6 GLOBAL", "DNS NAME", "BY NAME FROM laptop")),
    (True, " BY NAME\n FROM  laptop ", ("NAME", "STATE", "IPV6 GLOBAL", "DNS NAME", "BY NAME FROM laptop")),
])
def test_table_headers(with_dns: bool, header: str, expected: tuple[str, ...]) -> None:
    assert table_headers(with_dns, header) == expected


@pytest.mark.parametrize("header", ["", "  ", None, 3])
def test_table_headers_rejects_an_empty_title(header: Any) -> None:
    with pytest.raises(FarmTableError, match="answer_header .* is not a non-empty string"):
        table_headers(True, header)


def test_farm_table_with_dns_names_and_answers_by_name() -> None:
    text = farm_table([instance("w2", address=W2), instance("w10", address=W10)],
                      {"w2": f"palmfarm web server w2 at {W2}\n"}, {"lxcw2": [W2], "lxcw10": [W10]},
                      "lab.example.net", "BY NAME FROM laptop")
    assert text.split("\n") == [
        f"NAME  STATE    IPV6 GLOBAL{' ' * 28}DNS NAME{' ' * 16}BY NAME FROM laptop",
        f"----  -------  {'-' * 37}  {'-' * 22}  {'-' * 63}",
        f"w2    Running  {W2}  lxcw2.lab.example.net   palmfarm web server w2 at {W2}",
        f"w10   Running  {W10}  lxcw10.lab.example.net  -",
    ]
