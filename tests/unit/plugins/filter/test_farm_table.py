# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.filter.farm_table import FilterModule

W2 = "2001:db8:ebbd:2080:216:3eff:fe7f:b6a5"
FARM = [{"name": "w2", "state": "Running", "address": W2}]


def test_filter_without_records_keeps_the_four_columns() -> None:
    lines = FilterModule().filters()["farm_table"](FARM, {"w2": "page"}).split("\n")
    assert lines[0].split() == ["NAME", "STATE", "IPV6", "GLOBAL", "HTTP", "ANSWER"]
    assert lines[2].split() == ["w2", "Running", W2, "page"]


def test_filter_with_records_zone_and_title() -> None:
    text = FilterModule().filters()["farm_table"](FARM, {"w2": "page"}, records={"lxcw2": [W2]},
                                                  zone="lab.example.net", answer_header="BY NAME FROM laptop")
    lines = text.split("\n")
    assert lines[0].split() == ["NAME", "STATE", "IPV6", "GLOBAL", "DNS", "NAME", "BY", "NAME", "FROM", "laptop"]
    assert lines[2].split() == ["w2", "Running", W2, "lxcw2.lab.example.net", "page"]


@pytest.mark.parametrize("kwargs, message", [
    ({"records": ["lxcw2"]}, "farm_table: records \\['lxcw2'\\] is not a dict"),
    ({"answer_header": ""}, "farm_table: answer_header '' is not a non-empty string"),
    ({"zone": None, "records": {}}, "farm_table: zone None is not a string"),
])
def test_filter_reports_bad_input_as_a_filter_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        FilterModule().filters()["farm_table"](FARM, None, **kwargs)
