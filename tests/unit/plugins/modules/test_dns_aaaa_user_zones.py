# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_aaaa's main() (method file) on the zones users bring: what it keeps, what it refuses and how it says so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import zone_parser
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.modules.test_dns_aaaa_records_file import run, snapshot

FILES = Path(__file__).resolve().parents[3] / "integration" / "targets" / "dns_aaaa" / "files"


@pytest.fixture(name="zone")
def fixture_zone(tmp_path: Path) -> dict[str, Any]:
    shutil.copy(FILES / "lab.example.net.zone", tmp_path / "lab.zone")
    return {"zone": "lab.example.net", "zone_file": str(tmp_path / "lab.zone"),
            "include_file": str(tmp_path / "lab.farm"), "serial_format": "increment",
            "validate": bool(shutil.which("named-checkzone") or shutil.which("kzonecheck"))}


def test_an_idn_name_without_idna_names_the_library(
        zone: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(zone_parser, "import_idna", lambda: (None, "Traceback: No module named 'idna'"))
    before = snapshot(tmp_path)
    result = run({**zone, "records": [{"name": "faß", "addresses": ["2001:db8:ebbd:2080::5"]}]}, capsys, monkeypatch)
    assert result["failed"] is True
    assert "Failed to import the required Python library (idna)" in result["msg"]
    assert "to convert the name 'faß' (IDNA 2008)" in result["msg"]
    assert snapshot(tmp_path) == before
    ascii_only = run({**zone, "records": [{"name": "w5", "addresses": ["2001:db8:ebbd:2080::5"]}]}, capsys, monkeypatch)
    assert ascii_only["changed"] is True


def test_an_idn_name_is_published_as_idna_2008(
        zone: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    result = run({**zone, "records": [{"name": "straße", "addresses": ["2001:db8:ebbd:2080::5"]}]}, capsys,
                 monkeypatch)
    assert result["changed"] is True and result["added"] == ["xn--strae-oqa"]
    assert "xn--strae-oqa  3600  IN  AAAA  2001:db8:ebbd:2080::5" in (tmp_path / "lab.farm").read_text()


def test_a_link_local_address_is_refused_and_nothing_written(zone: dict[str, Any], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(tmp_path)
    result = run({**zone, "records": [{"name": "w5", "addresses": ["fe80::1%eth0"]}]}, capsys, monkeypatch)
    assert result["failed"] is True and "address fe80::1%eth0 is link-local (fe80::/10)" in result["msg"]
    assert snapshot(tmp_path) == before


def test_withdrawing_the_last_name_by_name(zone: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"name": "w5", "addresses": ["2001:db8:ebbd:2080::5"]}]
    assert run({**zone, "records": records}, capsys, monkeypatch)["changed"] is True
    gone = run({**zone, "records": [{"name": "w5"}], "state": "absent"}, capsys, monkeypatch)
    assert gone["changed"] is True and gone["removed"] == ["w5"] and gone["records"] == {}
    assert "w5" not in (tmp_path / "lab.farm").read_text()
