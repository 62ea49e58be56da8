# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The babel_router role reads `birdc show babel neighbors` / `show rip neighbors`: its expression, on real output.

roles/babel_router/tasks/neighbours.yml keeps the interface column of the lines that start with a link-local
address. The samples under samples/birdc were taken from a ring r1-r2-r3 of network namespaces (links ring12,
ring23, ring31) running BIRD 2.17.6 (bird217-*) and BIRD 3.1.8 (bird31-*), Debian 13's (see
scripts/fetch_bird_trixie.sh): Babel with the profile stable, and RIPng with BFD.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = Path(__file__).parent / "samples" / "birdc"
RING = {"r1": ["ring12", "ring31"], "r2": ["ring12", "ring23"], "r3": ["ring23", "ring31"]}


def seen_expression() -> str:
    tasks = yaml.safe_load((ROOT / "roles" / "babel_router" / "tasks" / "neighbours.yml").read_text())
    ask = next(task for task in tasks[0]["block"] if task["name"].startswith("Ask BIRD"))
    return ask["vars"]["__seen"]


def interfaces_seen(text: str) -> list[str]:
    registered = {"stdout_lines": text.splitlines()}
    templar = Templar(loader=DataLoader(), variables={"__babel_router_neighbours": registered})
    return templar.template(trust_as_template(seen_expression()))


@pytest.mark.parametrize("kind", ["bird217", "bird31"])
@pytest.mark.parametrize("router", ["r1", "r2", "r3"])
def test_babel_neighbours_name_their_interfaces(kind: str, router: str) -> None:
    text = (SAMPLES / f"{kind}-babel-neighbors-{router}.txt").read_text()
    assert text.startswith(f"BIRD {'2.17.6' if kind == 'bird217' else '3.1.8'} ready.")
    assert sorted(interfaces_seen(text)) == RING[router]


@pytest.mark.parametrize("kind", ["bird217", "bird31"])
def test_rip_neighbours_name_their_interfaces(kind: str) -> None:
    assert sorted(interfaces_seen((SAMPLES / f"{kind}-rip-neighbors-r1.txt").read_text())) == RING["r1"]


def test_no_neighbours_yet() -> None:
    assert interfaces_seen("BIRD 3.1.8 ready.\nbabel1:\nIP address                Interface  Metric Routes Hellos "
                           "Expires Auth  RTT (ms)\n") == []
