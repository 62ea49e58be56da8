# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The babel_router role picks BIRD's packages by OpenWrt release: its expressions, on /etc/openwrt_release files.

roles/babel_router/vars/main.yml reads DISTRIB_RELEASE from the file tasks/install.yml registers and chooses the
packages of the BIRD generation wanted: bird6/birdc6 up to 18.06, bird1-ipv6/bird1c-ipv6 from 19.07 to 23.05,
no BIRD 1.6 on 24.10 (bird2 and bird3 only). The samples under samples/openwrt_release have the shape of the
file each release writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = Path(__file__).parent / "samples" / "openwrt_release"


def role_vars() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "roles" / "babel_router" / "vars" / "main.yml").read_text())
    return {key: trust_as_template(value) if isinstance(value, str) else value for key, value in loaded.items()}


def choice(pkg_mgr: str, version: str, release_file: str | None = None) -> tuple[list[str], str, str]:
    """(packages, generation, release) as the role's install tasks see them."""
    variables = role_vars()
    variables.update(ansible_pkg_mgr=pkg_mgr, babel_router_bird_version=version)
    if release_file is not None:
        variables["__babel_router_openwrt_release_file"] = {"stdout": (SAMPLES / release_file).read_text()}
    templar = Templar(loader=DataLoader(), variables=variables)
    return (templar.template(trust_as_template("{{ __babel_router_packages }}")),
            templar.template(trust_as_template("{{ __babel_router_generation }}")),
            templar.template(trust_as_template("{{ __babel_router_openwrt_release }}")))


@pytest.mark.parametrize("release_file, release", [
    ("18.06.9", "18.06.9"), ("19.07.10", "19.07.10"), ("21.02.7", "21.02.7"), ("22.03.7", "22.03.7"),
    ("23.05.5", "23.05.5"), ("24.10.0", "24.10.0"), ("snapshot", "SNAPSHOT"),
])
def test_release_is_read_from_the_file(release_file, release):
    assert choice("opkg", "2", release_file)[2] == release


@pytest.mark.parametrize("release_file, version, packages", [
    ("18.06.9", "1.6", ["bird6", "birdc6"]),
    ("19.07.10", "1.6", ["bird1-ipv6", "bird1c-ipv6"]),
    ("21.02.7", "1.6", ["bird1-ipv6", "bird1c-ipv6"]),
    ("22.03.7", "1.6", ["bird1-ipv6", "bird1c-ipv6"]),
    ("23.05.5", "1.6", ["bird1-ipv6", "bird1c-ipv6"]),
    ("24.10.0", "1.6", []),
    ("snapshot", "1.6", []),
    ("18.06.9", "2", []),
    ("19.07.10", "2", ["bird2", "bird2c"]),
    ("23.05.5", "2", ["bird2", "bird2c"]),
    ("24.10.0", "2", ["bird2", "bird2c"]),
    ("23.05.5", "3", []),
    ("24.10.0", "3", ["bird3", "bird3c"]),
    ("snapshot", "3", ["bird3", "bird3c"]),
])
def test_openwrt_packages_by_release(release_file, version, packages):
    assert choice("opkg", version, release_file)[0] == packages


@pytest.mark.parametrize("release_file, generation, packages", [
    ("18.06.9", "1.6", ["bird6", "birdc6"]),
    ("23.05.5", "2", ["bird2", "bird2c"]),
    ("24.10.0", "2", ["bird2", "bird2c"]),
])
def test_auto_takes_bird_2_where_the_release_has_it(release_file, generation, packages):
    assert choice("opkg", "auto", release_file)[:2] == (packages, generation)


@pytest.mark.parametrize("version, packages", [
    ("auto", ["bird2"]), ("2", ["bird2"]), ("3", ["bird2"]), ("1.6", ["bird"])])
def test_debian_packages(version, packages):
    assert choice("apt", version)[0] == packages


def test_no_package_manager_no_packages():
    assert choice("pacman", "2")[0] == []


def test_the_refusal_names_the_release_and_the_way_out():
    tasks = yaml.safe_load((ROOT / "roles" / "babel_router" / "tasks" / "install.yml").read_text())
    block = next(task for task in tasks if "block" in task)["block"]
    check = next(task for task in block if "packages the BIRD wanted" in task["name"])
    variables = role_vars()
    variables.update(ansible_pkg_mgr="opkg", babel_router_bird_version="1.6", inventory_hostname="r1",
                     __babel_router_openwrt_release_file={"stdout": (SAMPLES / "24.10.0").read_text()})
    templar = Templar(loader=DataLoader(), variables=variables)
    message = templar.template(trust_as_template(check["ansible.builtin.assert"]["fail_msg"]))
    assert message.startswith("OpenWrt 24.10.0 on r1 has no package of BIRD 1.6.")
    assert "24.10 has bird2 and bird3 only" in message and "Set babel_router_bird_version" in message
    assert not templar.template(trust_as_template("{{ " + check["ansible.builtin.assert"]["that"] + " }}"))
