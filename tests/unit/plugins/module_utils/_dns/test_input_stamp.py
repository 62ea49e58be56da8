# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inputs stamp of the include file, and the re-run it lets the zone files tell without reading the
records: what it covers, what makes the whole path run again, and that the shortcut writes nothing."""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import input_stamp, zone_file
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    ZoneError,
    parse_include,
    render_include,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

FILES = Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
REVERSE_FILE = "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.zone"
A5 = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"
A6 = "2001:db8:ebbd:2080:216:3eff:fe97:4eca"
RECORDS = [{"name": "w5", "addresses": [A5]}, {"name": "w6", "addresses": [A6]}]


@pytest.fixture(name="zones")
def fixture_zones(tmp_path: Path) -> dict[str, Any]:
    shutil.copy(FILES / "lab.example.net.zone", tmp_path / "lab.zone")
    shutil.copy(FILES / REVERSE_FILE, tmp_path / "reverse.zone")
    return {"zone": "lab.example.net", "zone_file": str(tmp_path / "lab.zone"),
            "include_file": str(tmp_path / "lab.farm"), "name_prefix": "lxc", "ptr": True,
            "reverse_zone": "2001:db8:ebbd:2080::/64", "reverse_zone_file": str(tmp_path / "reverse.zone"),
            "serial_format": "increment", "validate": False}


def request(zones: dict[str, Any], records: list[dict[str, Any]] | None = None, **options: Any) -> Request:
    """The request of a task given ``records`` (RECORDS), stamped with its inputs as the module does."""
    req = Request(records=[], **{**zones, **options})
    records = RECORDS if records is None else records
    req.inputs = input_stamp.inputs_digest(req, input_stamp.records_source(records))
    req.records = records
    return req


def snapshot(directory: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every entry of ``directory``: inode, mtime and bytes."""
    return {p.name: (os.stat(p).st_ino, os.stat(p).st_mtime_ns, p.read_bytes()) for p in sorted(directory.iterdir())}


def include(zones: dict[str, Any]) -> str:
    return Path(zones["include_file"]).read_text()


# ---------------------------------------------------------------------------------------------------------------
# The stamp line
# ---------------------------------------------------------------------------------------------------------------

FORWARD = ("; Managed by palmfarm.ipv6.dns_aaaa: this file is rewritten on every change, do not edit it.\n"
           "; Zone lab.example.net. AAAA records, 1 in all.\n"
           f"lxcw5  3600  IN  AAAA  {A5}\n")


def test_the_stamp_is_the_third_line_and_a_comment() -> None:
    text = input_stamp.stamped(FORWARD, "inputs", "reverse")
    lines = text.split("\n")
    assert lines[:2] + lines[3:] == FORWARD.split("\n")
    assert lines[2].startswith(input_stamp.PREFIX)
    assert parse_include(text) == parse_include(FORWARD) == ({"lxcw5": [A5]}, 3600)
    assert input_stamp.split(text) == (lines[2].split()[3], FORWARD)
    # Stamping again replaces the stamp; the text keeps one.
    again = input_stamp.stamped(text, "other inputs", "reverse")
    assert again.count(input_stamp.PREFIX) == 1 and input_stamp.split(again)[1] == FORWARD


@pytest.mark.parametrize("text", ["", "; one line\n", FORWARD, FORWARD.replace("\n", "", 2),
                                  "; a\n; b\n" + input_stamp.PREFIX + "abc"])
def test_a_text_without_a_whole_stamp_line_has_none(text: str) -> None:
    assert input_stamp.split(text) == (None, text)
    assert not input_stamp.holds(text, "inputs", "")


def test_the_stamp_holds_for_its_inputs_and_texts_only() -> None:
    text = input_stamp.stamped(FORWARD, "inputs", "reverse")
    assert input_stamp.holds(text, "inputs", "reverse")
    assert not input_stamp.holds(text, "other inputs", "reverse")
    assert not input_stamp.holds(text, "inputs", "reverse edited")
    assert not input_stamp.holds(text.replace("3600", "300"), "inputs", "reverse")
    assert not input_stamp.holds(text + "lxcw6  3600  IN  AAAA  2001:db8::6\n", "inputs", "reverse")


def test_a_text_too_short_for_a_header_is_not_stamped() -> None:
    assert input_stamp.stamped("; one line\n", "inputs", "") == "; one line\n"


# ---------------------------------------------------------------------------------------------------------------
# The inputs digest
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("option, value", [
    ("zone", "other.example.net"), ("ttl", 300), ("name_prefix", "web"), ("ptr", False),
    ("reverse_zone", "2001:db8:ebbd::/48"), ("prune", True), ("max_delete_percent", 20), ("force", True),
    ("state", "absent"), ("scopes", ["ula"]), ("take_over", True), ("zone_file", "/etc/bind/other.zone"),
    ("include_file", "/etc/bind/other.farm"), ("reverse_zone_file", "/etc/bind/other.rev"),
    ("reverse_include_file", "/etc/bind/other.ptr"), ("include_directories", ["/srv"]),
])
def test_every_option_that_plans_is_in_the_digest(zones: dict[str, Any], option: str, value: Any) -> None:
    base = Request(records=[], **zones)
    other = dataclasses.replace(base, **{option: value})
    assert input_stamp.inputs_digest(other, b"[]") != input_stamp.inputs_digest(base, b"[]")


@pytest.mark.parametrize("option, value", [("validate", True), ("serial_format", "unixtime")])
def test_how_a_plan_is_checked_and_numbered_is_not(zones: dict[str, Any], option: str, value: Any) -> None:
    base = Request(records=[], **zones)
    other = dataclasses.replace(base, **{option: value})
    assert input_stamp.inputs_digest(other, b"[]") == input_stamp.inputs_digest(base, b"[]")


def test_the_records_as_given_are_in_the_digest(zones: dict[str, Any]) -> None:
    base = Request(records=[], **zones)
    assert input_stamp.inputs_digest(base, b"[1]") != input_stamp.inputs_digest(base, b"[2]")
    # A list given in the task: the same records, whatever the order of their keys.
    same = [{"addresses": [A5], "name": "w5"}, {"addresses": [A6], "name": "w6"}]
    assert input_stamp.records_source(same) == input_stamp.records_source(RECORDS)
    assert input_stamp.records_source(RECORDS[:1]) != input_stamp.records_source(RECORDS)


def test_the_digest_covers_the_code(zones: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    base = Request(records=[], **zones)
    before = input_stamp.inputs_digest(base, b"[]")
    planner = importlib.import_module(Request.__module__)
    real = planner.__loader__.get_data  # type: ignore[attr-defined]
    monkeypatch.setattr(planner.__loader__, "get_data", lambda path: real(path) + b"\n# changed\n")
    assert input_stamp.code_digest() is not None
    assert input_stamp.inputs_digest(base, b"[]") != before


def test_without_the_code_there_is_no_digest(zones: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    planner = importlib.import_module(Request.__module__)

    def unreadable(path: str) -> bytes:
        raise OSError(2, "no such file", path)

    monkeypatch.setattr(planner.__loader__, "get_data", unreadable)
    assert input_stamp.code_digest() is None
    assert input_stamp.inputs_digest(Request(records=[], **zones), b"[]") is None


# ---------------------------------------------------------------------------------------------------------------
# The re-run told by the stamp
# ---------------------------------------------------------------------------------------------------------------

def test_a_rerun_is_told_by_the_stamp_and_writes_nothing(zones: dict[str, Any], tmp_path: Path) -> None:
    first = zone_file.publish(request(zones), False, run_command)
    assert first.changed and input_stamp.split(include(zones))[0]
    after = snapshot(tmp_path)
    again = zone_file.unchanged(request(zones), run_command)
    assert again is not None and not again.changed and not again.added and not again.updated
    assert again.records == first.records == {"lxcw5": [A5], "lxcw6": [A6]}
    assert [(c.key, c.serial_before, c.serial_after) for c in again.changes] == [
        (c.key, c.serial_after, c.serial_after) for c in first.changes]
    assert zone_file.unchanged(request(zones), run_command, with_records=False).records == {}  # type: ignore[union-attr]
    assert snapshot(tmp_path) == after


def test_the_whole_path_agrees_with_the_shortcut(zones: dict[str, Any], tmp_path: Path) -> None:
    zone_file.publish(request(zones), False, run_command)
    after = snapshot(tmp_path)
    whole = zone_file.publish(request(zones), False, run_command)
    assert not whole.changed and whole.records == {"lxcw5": [A5], "lxcw6": [A6]}
    assert snapshot(tmp_path) == after


@pytest.mark.parametrize("other", [
    {"records": RECORDS[:1]}, {"ttl": 300}, {"prune": True}, {"name_prefix": "web"}, {"state": "absent"},
])
def test_other_inputs_take_the_whole_path(zones: dict[str, Any], other: dict[str, Any]) -> None:
    zone_file.publish(request(zones), False, run_command)
    records = other.pop("records", None)
    assert zone_file.unchanged(request(zones, records, **other), run_command) is None


def test_without_inputs_or_a_stamp_the_whole_path_runs(zones: dict[str, Any]) -> None:
    req = request(zones)
    assert zone_file.unchanged(dataclasses.replace(req, inputs=None), run_command) is None
    zone_file.publish(dataclasses.replace(req, inputs=None), False, run_command)
    assert input_stamp.split(include(zones))[0] is None
    assert zone_file.unchanged(req, run_command) is None


@pytest.mark.parametrize("edit", ["include", "reverse include", "no $INCLUDE", "hand AAAA", "hand CNAME",
                                  "delegation", "hand AAAA in capitals", "hand AAAA, absolute"])
def test_what_changed_since_takes_the_whole_path(zones: dict[str, Any], edit: str) -> None:
    zone_file.publish(request(zones), False, run_command)
    zone = Path(zones["zone_file"])
    if edit == "include":
        Path(zones["include_file"]).write_text(include(zones).replace(A6, A5.replace("4ec9", "4ecb")))
    elif edit == "reverse include":
        ptr = Path(zones["include_file"] + ".ptr")
        ptr.write_text(ptr.read_text() + "; a note\n")
    elif edit == "no $INCLUDE":
        zone.write_text("".join(line for line in zone.read_text().splitlines(True) if "$INCLUDE" not in line))
    else:
        line = {"hand AAAA": f"lxcw6 IN AAAA {A6}", "hand CNAME": "lxcw6 IN CNAME router",
                "delegation": "lxcw6 IN NS ns1.lxcw6.lab.example.net.",
                "hand AAAA in capitals": f"LXCW6 IN AAAA {A6}",
                "hand AAAA, absolute": f"lxcw6.lab.example.net. IN AAAA {A6}"}[edit]
        zone.write_text(zone.read_text().replace("; printers", f"{line}\n; printers"))
    assert zone_file.unchanged(request(zones), run_command) is None
    if edit.startswith("hand") or edit == "delegation":
        with pytest.raises(ZoneError, match="lxcw6"):
            zone_file.publish(request(zones), False, run_command)


@pytest.mark.parametrize("name", ["lxcw", "lxcw5x", "xlxcw5", "lxcw5.sub"])
def test_a_hand_written_name_beside_the_managed_ones_keeps_the_rerun(zones: dict[str, Any], name: str) -> None:
    # Hand-written names that the managed names start or end with, or lie above: no collision, the stamp holds.
    zone_file.publish(request(zones), False, run_command)
    zone = Path(zones["zone_file"])
    zone.write_text(zone.read_text().replace("; printers", f"{name} IN AAAA {A6}\n; printers"))
    assert zone_file.unchanged(request(zones), run_command) is not None
    assert not zone_file.publish(request(zones), False, run_command).changed


def test_a_name_delegated_above_the_managed_ones_takes_the_whole_path(zones: dict[str, Any]) -> None:
    records = [{"name": "w5.lab2", "addresses": [A5]}]
    zone_file.publish(request(zones, records), False, run_command)
    assert zone_file.unchanged(request(zones, records), run_command) is not None
    zone = Path(zones["zone_file"])
    zone.write_text(zone.read_text().replace("; printers", "lab2 IN NS ns1.example.org.\n; printers"))
    assert zone_file.unchanged(request(zones, records), run_command) is None


def test_records_unchanged_under_other_inputs_leave_the_file_and_its_stamp(zones: dict[str, Any],
                                                                           tmp_path: Path) -> None:
    zone_file.publish(request(zones), False, run_command)
    after = snapshot(tmp_path)
    # The same records in another order: other inputs, the same names. Nothing is written, not even the stamp.
    outcome = zone_file.publish(request(zones, RECORDS[::-1]), False, run_command)
    assert not outcome.changed and snapshot(tmp_path) == after
    assert zone_file.unchanged(request(zones, RECORDS[::-1]), run_command) is None
    assert zone_file.unchanged(request(zones), run_command) is not None


def test_a_run_that_warns_is_not_stamped(zones: dict[str, Any]) -> None:
    ula = "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"
    records = [{"name": "w5", "addresses": [A5, ula]}]
    outcome = zone_file.publish(request(zones, records), False, run_command)
    assert outcome.changed and outcome.warnings  # the ULA address has no PTR record in the global reverse zone
    assert input_stamp.split(include(zones))[0] is None
    assert zone_file.unchanged(request(zones, records), run_command) is None


def test_check_mode_stamps_nothing(zones: dict[str, Any], tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    assert zone_file.publish(request(zones), True, run_command).changed
    assert snapshot(tmp_path) == before
    assert zone_file.unchanged(request(zones), run_command) is None


# ---------------------------------------------------------------------------------------------------------------
# The whole run as dns_aaaa makes it (publish_given)
# ---------------------------------------------------------------------------------------------------------------

def given(records: list[dict[str, Any]], warnings: list[str] | None = None) -> Any:
    """The records() of publish_given: the records as given and the warnings about them, counting its calls."""
    def made() -> tuple[list[Any], list[str]]:
        made.calls += 1  # type: ignore[attr-defined]
        return records, list(warnings or [])
    made.calls = 0  # type: ignore[attr-defined]
    return made


def bare(zones: dict[str, Any], **options: Any) -> Request:
    """A task's request before publish_given digests its inputs and reads its records."""
    return Request(records=[], **{**zones, **options})


def test_publish_given_publishes_then_tells_the_rerun_without_reading_the_records(zones: dict[str, Any],
                                                                                  tmp_path: Path) -> None:
    source = input_stamp.records_source(RECORDS)
    records = given(RECORDS)
    request = bare(zones)
    first, warnings = zone_file.publish_given(request, source, records, run_command, check_mode=False)
    assert first.changed and warnings == [] and records.calls == 1
    assert request.records == []  # the records made are let go once read (a one-run request)
    assert first.records == {"lxcw5": [A5], "lxcw6": [A6]} and input_stamp.split(include(zones))[0]
    after = snapshot(tmp_path)
    again, warnings = zone_file.publish_given(bare(zones), source, records, run_command, check_mode=False)
    assert not again.changed and warnings == [] and records.calls == 1  # told by the stamp: records() not called
    assert again.records == {"lxcw5": [A5], "lxcw6": [A6]}
    lean, dummy = zone_file.publish_given(bare(zones), source, records, run_command, check_mode=False,
                                          with_records=False)
    assert not lean.changed and lean.records == {} and records.calls == 1
    assert snapshot(tmp_path) == after


def test_publish_given_hands_on_the_warnings_and_stamps_nothing_then(zones: dict[str, Any]) -> None:
    source = input_stamp.records_source(RECORDS)
    records = given(RECORDS, ["w5: the EUI-64 address differs"])
    outcome, warnings = zone_file.publish_given(bare(zones), source, records, run_command, check_mode=False)
    assert outcome.changed and warnings == ["w5: the EUI-64 address differs"]
    assert input_stamp.split(include(zones))[0] is None
    again, warnings = zone_file.publish_given(bare(zones), source, records, run_command, check_mode=False)
    assert not again.changed and warnings == ["w5: the EUI-64 address differs"] and records.calls == 2


def test_without_ptr_the_reverse_zone_given_is_never_read(zones: dict[str, Any], tmp_path: Path) -> None:
    forward_only = {**zones, "ptr": False, "reverse_zone_file": str(tmp_path / "missing.zone")}
    source = input_stamp.records_source(RECORDS)
    records = given(RECORDS)
    first, dummy = zone_file.publish_given(bare(forward_only), source, records, run_command, check_mode=False)
    assert first.changed and not (tmp_path / "lab.farm.ptr").exists()
    again, dummy = zone_file.publish_given(bare(forward_only), source, records, run_command, check_mode=False)
    assert not again.changed and records.calls == 1


def test_the_owners_to_check_are_the_hand_written_ones_unless_a_name_is_delegated() -> None:
    text = render_include({"lxcw5": [A5], "lxcw6": [A6]}, "AAAA", 3600, "lab.example.net")
    assert zone_file._owners_to_check(text, {"printer": {"AAAA"}, "lxcw6": {"CNAME"}, "@": {"NS", "SOA"}}) == {"lxcw6"}
    assert zone_file._owners_to_check(text, {"lab2": {"NS"}}) == {"lxcw5", "lxcw6"}
