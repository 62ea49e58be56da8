# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lxd_image's main(): its options become the core's request (checked before LXD is contacted), and the plan
becomes the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.image import tarball_fingerprint
from ansible_collections.palmfarm.ipv6.plugins.modules import lxd_image
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.fake_lxd import FakeLxd, run_main


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        client: FakeLxd | None = None) -> dict[str, Any]:
    return run_main(lxd_image.main, args, capsys, monkeypatch, client)


@pytest.mark.parametrize("args, message", [
    ({"aliases": ["a/b"], "instance": "c1"}, "aliases: alias 'a/b' contains '/'"),
    ({"aliases": ["web"], "instance": "c1", "snapshot": "c1/s"}, "snapshot 'c1/s' is not a snapshot name"),
    ({"aliases": ["web"], "remote": "nosuch:x"}, "remote 'nosuch' (in 'nosuch:x') is not a known image server"),
    ({"aliases": ["web"], "server": "images.example.net", "remote_alias": "x"}, "is not an http(s) URL"),
    ({"aliases": ["web"], "metadata_tarball": "/nonexistent/m.tar.gz"}, "metadata_tarball /nonexistent/m.tar.gz"),
    ({"aliases": ["web"], "instance": "c1", "properties": {"palmfarm.source": "x"}}, "set by this module"),
])
def test_bad_input_fails_before_contacting_lxd(args: dict[str, Any], message: str, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(args, capsys, monkeypatch)
    assert result["failed"] is True
    assert message in result["msg"]


def test_tarball_import_in_check_mode_then_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    meta = tmp_path / "meta.tar.xz"
    meta.write_bytes(b"metadata")
    fingerprint = tarball_fingerprint(str(meta))
    args = {"aliases": ["web", "web"], "metadata_tarball": str(meta), "description": "tiny",
            "_ansible_check_mode": True, "_ansible_diff": True}
    client = FakeLxd(answers={"images": []})
    result = run(args, capsys, monkeypatch, client)
    assert result["changed"] is True
    assert result["actions"] == [f"import meta.tar.xz as {fingerprint[:12]}", f"add alias web to {fingerprint[:12]}"]
    assert result["diff"]["after"]["properties"] == {"description": "tiny"}
    assert result["image"]["aliases"] == ["web"]
    assert client.writes == []
    there = {"fingerprint": fingerprint, "aliases": [{"name": "web"}], "properties": {"description": "tiny"},
             "public": False, "auto_update": False}
    result = run({**args, "_ansible_check_mode": False}, capsys, monkeypatch, FakeLxd(answers={"images": [there]}))
    assert result["changed"] is False
    assert result["actions"] == []
