# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network_dot filter: registered under its name, DOT text out, bad input as AnsibleFilterError."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.filter.network_dot import FilterModule

SAMPLES = Path(__file__).parent.parent / "module_utils" / "_net" / "samples"


def test_filter_draws_the_ring() -> None:
    network_dot = FilterModule().filters()["network_dot"]
    routes = {router: (SAMPLES / f"bird2-{router}.txt").read_text() for router in ("r1", "r2", "r3")}
    dot = network_dot(routes, rooms=[{"prefix": "2001:db8:ebbd:2080::/64", "name": "Pi"}], title="house")
    assert dot.startswith("graph palmfarm {")
    assert 'id="link-ring12"' in dot and "<b>Pi</b>" in dot


def test_filter_bad_input_is_a_filter_error() -> None:
    network_dot = FilterModule().filters()["network_dot"]
    with pytest.raises(AnsibleFilterError, match=r"network_dot: routes 'r1' are not a dict of router name"):
        network_dot("r1")
