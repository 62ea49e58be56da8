# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The LXD connection options on the Ansible side: which server they name, and which API extensions they need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdConnection
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_connect import (
    connection_from_params,
    needed_extensions,
)


def touch(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return str(path)


# ---- connection_from_params (the Ansible side) --------------------------------------------------------------------

def params(**kwargs: Any) -> dict[str, Any]:
    base = dict(url=None, snap_url="unix:/var/snap/lxd/common/lxd/unix.socket", project=None, client_cert=None,
                client_key=None, server_cert=None, trust_token=None, timeout=30)
    base.update(kwargs)
    return base


def test_snap_url_is_used_when_its_socket_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LXD_DIR", raising=False)
    snap = touch(tmp_path / "snap.socket")
    assert connection_from_params(params(snap_url=f"unix:{snap}")).url == f"unix:{snap}"
    assert connection_from_params(params(snap_url=f"unix:{tmp_path}/missing")).url is None


def test_lxd_dir_comes_before_snap_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = touch(tmp_path / "snap.socket")
    monkeypatch.setenv("LXD_DIR", str(tmp_path / "lxd"))
    assert connection_from_params(params(snap_url=f"unix:{snap}")).url is None  # find_socket tries $LXD_DIR first


def test_url_wins_and_the_rest_is_passed_on(tmp_path: Path) -> None:
    snap = touch(tmp_path / "snap.socket")
    conn = connection_from_params(params(url="https://lxd.example.net:8443", snap_url=f"unix:{snap}",
                                         client_cert="c", client_key="k", server_cert="s", trust_token="t",
                                         project="farm", timeout=5))
    assert conn == LxdConnection(url="https://lxd.example.net:8443", project="farm", client_cert="c",
                                 client_key="k", server_cert="s", trust_token="t", timeout=5.0)


@pytest.mark.parametrize("params, needs", [
    ({}, {}),
    ({"project": None, "placement": None, "target": None, "addr_gen_mode": "eui64"}, {}),
    ({"project": "default"}, {}),
    ({"project": "farm"}, {"projects": "project=farm"}),
    ({"placement": "spread"}, {"clustering": "placement"}),
    ({"target": "m1"}, {"clustering": "target"}),
    ({"addr_gen_mode": "stable-privacy"}, {"linux_sysctl": "addr_gen_mode=stable-privacy"}),
])
def test_needed_extensions(params: dict[str, Any], needs: dict[str, str]) -> None:
    assert needed_extensions(params) == needs
