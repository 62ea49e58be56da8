# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One word for one idea: the README's table of shared words holds for the modules' argument specs, and each
alias reaches the option it names, as Ansible validates a task's arguments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module import (
    babel_bird6,
    bridge_iface,
    dns_aaaa,
    routing_firewall,
)

SPECS: dict[str, dict[str, Any]] = {
    "babel_bird6": babel_bird6.ARGUMENT_SPEC,
    "bridge_iface": bridge_iface.ARGUMENT_SPEC,
    "dns_aaaa": dns_aaaa.ARGUMENT_SPEC,
    "routing_firewall": routing_firewall.ARGUMENT_SPEC,
}
README = Path(__file__).resolve().parents[4] / "README.md"


def readme_table() -> list[tuple[str, str, str]]:
    """(module, option, alias) from the README's table of shared words."""
    section = README.read_text().split("### One word for one idea", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    rows = []
    for line in section.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        options = re.findall(r"`(\w+): (\w+)`", cells[1])
        aliases = re.findall(r"`(\w+)`", cells[2])
        assert len(options) == len(aliases), line
        rows += [(module, option, alias) for (module, option), alias in zip(options, aliases, strict=True)]
    return rows


ROWS = readme_table()


def test_the_table_names_every_shared_word() -> None:
    assert {(m, o) for m, o, _a in ROWS} == {
        ("babel_bird6", "reload"), ("routing_firewall", "apply"), ("bridge_iface", "backend"),
        ("routing_firewall", "backend"), ("dns_aaaa", "method"), ("babel_bird6", "path"),
        ("routing_firewall", "path"), ("bridge_iface", "config_file")}


@pytest.mark.parametrize("module, option, alias", ROWS)
def test_an_alias_reaches_its_option(module: str, option: str, alias: str) -> None:
    spec = SPECS[module]
    assert alias in spec[option].get("aliases", [])
    assert alias not in spec  # never an option of its own in the same module
    value = {"bool": False, "path": "/etc/palmfarm/x.conf", "str": spec[option].get("choices", ["x"])[-1]}[
        spec[option]["type"]]
    validated = ArgumentSpecValidator(spec).validate({alias: value, **required(module)})
    assert not validated.error_messages
    assert validated.validated_parameters[option] == value


def required(module: str) -> dict[str, Any]:
    """The fewest other arguments each module needs to validate."""
    return {"babel_bird6": {}, "bridge_iface": {"ports": ["eth0"]}, "dns_aaaa": {"zone": "example.net"},
            "routing_firewall": {"protocols": ["babel"]}}[module]
