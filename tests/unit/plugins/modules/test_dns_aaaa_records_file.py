# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""dns_aaaa's main() with records_file and scopes (method file): check, apply, check, apply, and bad files."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.palmfarm.ipv6.plugins.modules import dns_aaaa

FILES = Path(__file__).resolve().parents[3] / "integration" / "targets" / "dns_aaaa" / "files"
GLOBAL = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"
ULA = "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"
FARM = [{"name": "w5", "state": "Running", "mac": "00:16:3e:97:4e:c9", "address": GLOBAL,
         "ipv6": {"global": [GLOBAL], "ula": [ULA], "link_local": [], "deprecated": []}},
        {"name": "w6", "state": "absent", "mac": None, "address": None, "ipv6": {}}]


@pytest.fixture(name="zones")
def fixture_zones(tmp_path: Path) -> dict[str, Any]:
    shutil.copy(FILES / "lab.example.net.zone", tmp_path / "lab.zone")
    shutil.copy(FILES / "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.zone", tmp_path / "reverse.zone")
    (tmp_path / "farm.json").write_text(json.dumps(FARM))
    return {"zone": "lab.example.net", "zone_file": str(tmp_path / "lab.zone"),
            "include_file": str(tmp_path / "lab.farm"), "records_file": str(tmp_path / "farm.json"),
            "name_prefix": "lxc", "ptr": True, "reverse_zone": "2001:db8:ebbd:2080::/64",
            "reverse_zone_file": str(tmp_path / "reverse.zone"), "serial_format": "increment",
            "validate": bool(shutil.which("named-checkzone") or shutil.which("kzonecheck"))}


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setattr(module_utils_internal, "is_controller", False)
    # AnsibleModule keeps warnings in a process-wide list: start each run without the earlier runs' ones.
    monkeypatch.setattr(module_warnings, "_global_warnings", {})
    with patch_module_args(args), pytest.raises(SystemExit):
        dns_aaaa.main()
    return json.loads(capsys.readouterr().out)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime, and every other entry by its name (the lock leaves none)."""
    return {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) if p.is_file() else (b"", 0)
            for p in sorted(directory.iterdir())}


def test_check_apply_check_apply(zones: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(tmp_path)
    check = run({**zones, "_ansible_check_mode": True, "_ansible_diff": True}, capsys, monkeypatch)
    assert check["changed"] is True and check["added"] == ["lxcw5"]
    assert check["records"] == {"lxcw5": [GLOBAL]}
    assert f"lxcw5  3600  IN  AAAA  {GLOBAL}" in check["diff"][0]["after"]
    assert check["diff"][0]["before_header"] == zones["include_file"]
    assert snapshot(tmp_path) == before
    first = run(zones, capsys, monkeypatch)
    assert first["changed"] is True and first["records"] == {"lxcw5": [GLOBAL]}
    assert "warnings" not in first
    after = snapshot(tmp_path)
    assert run({**zones, "_ansible_check_mode": True}, capsys, monkeypatch)["changed"] is False
    assert run(zones, capsys, monkeypatch)["changed"] is False
    assert snapshot(tmp_path) == after


def test_scopes_publish_the_ula_address_and_warn_about_its_ptr(zones: dict[str, Any], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    result = run({**zones, "scopes": ["global", "ula"]}, capsys, monkeypatch)
    assert result["changed"] is True and result["records"] == {"lxcw5": [GLOBAL, ULA]}
    assert [w["event"]["msg"] for w in result["warnings"]] == [
        f"ptr=true: 1 address outside the reverse zone 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa. got no PTR record: "
        f"{ULA} (lxcw5). Their AAAA records are published; publish their PTR records with a task whose reverse_zone "
        "covers them, or leave their scope out (scopes)"]
    assert ULA in (tmp_path / "lab.farm").read_text()
    assert "fd6a" not in (tmp_path / "lab.farm.ptr").read_text()


@pytest.mark.parametrize("content, message", [
    (None, "does not exist on the host that runs the task"),
    ('{"instances": []}', "holds a mapping with instances, not a list"),
    ('[{"name": "w5", "addresses": ["192.0.2.1"]}]', "'192.0.2.1' is not an IPv6 address"),
    ('[{"address": "2001:db8::1"}]', "item 0 ({'address': '2001:db8::1'}) has no name"),
])
def test_a_bad_file_fails_and_nothing_is_written(content: str | None, message: str, zones: dict[str, Any],
                                                 tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    if content is None:
        os.unlink(zones["records_file"])
    else:
        Path(zones["records_file"]).write_text(content)
    before = snapshot(tmp_path)
    result = run(zones, capsys, monkeypatch)
    assert result["failed"] is True and message in result["msg"]
    assert snapshot(tmp_path) == before


def test_records_and_records_file_exclude_each_other(zones: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result = run({**zones, "records": [{"name": "w5", "addresses": [GLOBAL]}]}, capsys, monkeypatch)
    assert result["failed"] is True
    assert "parameters are mutually exclusive: records|records_file" in result["msg"]


def test_an_unknown_scope_is_refused(zones: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    result = run({**zones, "scopes": ["site"]}, capsys, monkeypatch)
    assert result["failed"] is True and "value of scopes must be one or more of: global, ula" in result["msg"]


def test_a_rerun_repeats_the_warnings_and_return_records_false_leaves_them_out(
        zones: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An instance whose address is not the EUI-64 address of its MAC (RFC 7217): warned about on every run, the
    # re-runs too (a run that warns is never told by the include file's stamp).
    (tmp_path / "farm.json").write_text(json.dumps([{**FARM[0], "mac": "00:16:3e:00:00:01"}]))
    runs = [run(zones, capsys, monkeypatch) for _round in range(2)]
    assert [r["changed"] for r in runs] == [True, False]
    assert [len(r.get("warnings", [])) for r in runs] == [1, 1]
    # Without warnings, the re-run is told by the stamp: the same result, the records left out on request.
    (tmp_path / "farm.json").write_text(json.dumps([{"name": "w7", "addresses": [GLOBAL]}]))
    first = run({**zones, "return_records": False}, capsys, monkeypatch)
    assert first["changed"] is True and "records" not in first and first["added"] == ["lxcw7"]
    after = snapshot(tmp_path)
    again = run({**zones, "return_records": False}, capsys, monkeypatch)
    assert again["changed"] is False and "records" not in again and "warnings" not in again
    assert again["serial"] == {k: {"before": v["after"], "after": v["after"]} for k, v in first["serial"].items()}
    assert run(zones, capsys, monkeypatch)["records"] == {"lxcw5": [GLOBAL], "lxcw7": [GLOBAL]}
    assert snapshot(tmp_path) == after
