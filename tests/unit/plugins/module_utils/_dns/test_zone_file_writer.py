# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The zone files on disk as users keep them: CRLF line endings, symbolic links, a reverse zone file that
holds another zone; check mode and failures that leave nothing behind; every file of a change all or nothing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils import _files
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import zone_file
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_file import publish
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ZoneError, newline_of, soa_owner
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

FILES = Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
ZONE_TEXT = (FILES / "lab.example.net.zone").read_text()
REVERSE_TEXT = (FILES / "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.zone").read_text()
A5 = "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"
VALIDATE = bool(shutil.which("named-checkzone") or shutil.which("kzonecheck"))


def listing(directory: Path) -> dict[str, bytes]:
    """Every entry below ``directory``: files by their bytes, links by their target."""
    result = {}
    for path in sorted(directory.rglob("*")):
        key = str(path.relative_to(directory))
        result[key] = os.readlink(path).encode() if path.is_symlink() else path.read_bytes() if path.is_file() else b"/"
    return result


def request(tmp_path: Path, ptr: bool = False, **kwargs: object) -> Request:
    zone_file = tmp_path / "lab.zone"
    if not zone_file.exists() and not zone_file.is_symlink():
        zone_file.write_text(ZONE_TEXT)
    if ptr and not (tmp_path / "reverse.zone").exists():
        (tmp_path / "reverse.zone").write_text(REVERSE_TEXT)
    options = {"zone": "lab.example.net", "zone_file": str(zone_file), "include_file": str(tmp_path / "lab.farm"),
               "records": [{"name": "lxcw5", "addresses": [A5]}], "serial_format": "increment",
               "validate": VALIDATE}
    if ptr:
        options.update(ptr=True, reverse_zone="2001:db8:ebbd:2080::/64",
                       reverse_zone_file=str(tmp_path / "reverse.zone"))
    options.update(kwargs)
    return Request(**options)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------------
# CRLF
# ---------------------------------------------------------------------------------------------------------------

def test_newline_of() -> None:
    assert newline_of("a\r\nb\r\n") == "\r\n"
    assert newline_of("a\nb\n") == "\n"
    assert newline_of("") == "\n"
    assert newline_of("a\r\nb\nc\n") == "\n"


@pytest.mark.parametrize("ptr", [False, True])
def test_a_crlf_zone_keeps_its_line_endings(tmp_path: Path, ptr: bool) -> None:
    crlf = ZONE_TEXT.replace("\n", "\r\n")
    (tmp_path / "lab.zone").write_bytes(crlf.encode())
    if ptr:
        (tmp_path / "reverse.zone").write_bytes(REVERSE_TEXT.replace("\n", "\r\n").encode())
    outcome = publish(request(tmp_path, ptr), check_mode=False, run_command=run_command)
    assert outcome.changed
    after = (tmp_path / "lab.zone").read_bytes().decode()
    assert after == crlf.replace("2024010501", "2024010502") + f'$INCLUDE "{tmp_path}/lab.farm" lab.example.net.\r\n'
    if ptr:
        reverse = (tmp_path / "reverse.zone").read_bytes().decode()
        assert reverse.count("\r\n") == reverse.count("\n") and "$INCLUDE" in reverse
    assert not publish(request(tmp_path, ptr), check_mode=False, run_command=run_command).changed


def test_a_crlf_zone_without_a_final_newline_gets_crlf(tmp_path: Path) -> None:
    text = ZONE_TEXT.replace("\n", "\r\n").rstrip("\r\n")
    (tmp_path / "lab.zone").write_bytes(text.encode())
    publish(request(tmp_path, validate=False), check_mode=False, run_command=run_command)
    after = (tmp_path / "lab.zone").read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"") and after.endswith(b"lab.example.net.\r\n")


# ---------------------------------------------------------------------------------------------------------------
# Symbolic links
# ---------------------------------------------------------------------------------------------------------------

def test_a_zone_file_behind_a_link_is_written_where_the_link_points(tmp_path: Path) -> None:
    real = tmp_path / "zones" / "db.lab"
    real.parent.mkdir()
    real.write_text(ZONE_TEXT)
    (tmp_path / "lab.zone").symlink_to("zones/db.lab")
    outcome = publish(request(tmp_path), check_mode=False, run_command=run_command)
    assert outcome.changed and outcome.changes[0].zone_file == str(tmp_path / "lab.zone")
    assert outcome.changes[0].key == str(tmp_path / "lab.zone")  # the serials go under the path given
    assert (tmp_path / "lab.zone").is_symlink() and os.readlink(tmp_path / "lab.zone") == "zones/db.lab"
    assert "$INCLUDE" in real.read_text() and "2024010502" in real.read_text()
    assert sorted(p.name for p in real.parent.iterdir()) == ["db.lab"]
    assert not publish(request(tmp_path), check_mode=False, run_command=run_command).changed


def test_an_include_file_behind_a_link_is_written_where_the_link_points(tmp_path: Path) -> None:
    (tmp_path / "farm").mkdir()
    (tmp_path / "farm" / "lab.records").write_text("")
    (tmp_path / "lab.farm").symlink_to(tmp_path / "farm" / "lab.records")
    publish(request(tmp_path), check_mode=False, run_command=run_command)
    assert (tmp_path / "lab.farm").is_symlink()
    assert A5 in (tmp_path / "farm" / "lab.records").read_text()


# ---------------------------------------------------------------------------------------------------------------
# Check mode and failures leave nothing behind; the messages name the user's files
# ---------------------------------------------------------------------------------------------------------------

def test_check_mode_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request(tmp_path, ptr=True)
    before = listing(tmp_path)

    def no_write(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("check mode wrote a file")

    monkeypatch.setattr(zone_file, "replace_all", no_write)
    outcome = publish(request(tmp_path, ptr=True), check_mode=True, run_command=run_command)
    assert outcome.changed and listing(tmp_path) == before


def test_check_mode_in_a_directory_it_may_not_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request(tmp_path)
    real_mkstemp = zone_file.tempfile.mkstemp

    def mkstemp(*args: object, **kwargs: object) -> tuple[int, str]:
        if str(kwargs.get("dir", "")).startswith(str(tmp_path)):
            raise PermissionError(13, "Permission denied")
        return real_mkstemp(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zone_file.tempfile, "mkstemp", mkstemp)
    assert publish(request(tmp_path), check_mode=True, run_command=run_command).changed
    with pytest.raises(ZoneError) as caught:
        publish(request(tmp_path), check_mode=False, run_command=run_command)
    message = str(caught.value)
    assert message.startswith(f"cannot write {tmp_path}/lab.farm: permission denied in directory {tmp_path}; no file "
                              "was changed")
    assert "(become: true)" in message and _files.TEMP_PREFIX not in message and ".lock" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]


def test_a_missing_zone_file_is_named_and_leaves_nothing(tmp_path: Path) -> None:
    req = request(tmp_path, zone_file=str(tmp_path / "db.example.com"))
    for check_mode in (True, False):
        with pytest.raises(ZoneError) as caught:
            publish(req, check_mode=check_mode, run_command=run_command)
        assert str(caught.value).startswith(f"zone file {tmp_path}/db.example.com does not exist;")
        assert "Errno" not in str(caught.value) and ".lock" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]


def test_a_zone_that_does_not_load_leaves_no_lock(tmp_path: Path) -> None:
    (tmp_path / "lab.zone").write_text(ZONE_TEXT.replace("2024010501", "x"))
    with pytest.raises(ZoneError, match="SOA serial 'x' is not a number"):
        publish(request(tmp_path), check_mode=False, run_command=run_command)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]


# ---------------------------------------------------------------------------------------------------------------
# All or nothing
# ---------------------------------------------------------------------------------------------------------------

def test_an_include_that_cannot_be_written_changes_no_file(tmp_path: Path) -> None:
    req = request(tmp_path, ptr=True, reverse_include_file=str(tmp_path / "missing" / "lab.farm.ptr"))
    before = listing(tmp_path)
    with pytest.raises(ZoneError) as caught:
        publish(req, check_mode=False, run_command=run_command)
    assert str(caught.value).startswith(f"cannot write {tmp_path}/missing/lab.farm.ptr: no such file or directory in "
                                        f"directory {tmp_path}/missing; no file was changed")
    assert listing(tmp_path) == before


def failed_renames(req: Request, monkeypatch: pytest.MonkeyPatch, fails: Callable[[str, str], bool],
                   error: OSError) -> str:
    """The message of ``publish(req)`` when renaming a temporary file onto a path fails with ``error``
    wherever ``fails(temp, path)`` says so (the temporary file then gone, as after a crash)."""
    real_replace = os.replace

    def replace(temp: str, path: str) -> None:
        if fails(temp, path):
            raise error
        real_replace(temp, path)

    monkeypatch.setattr(_files.os, "replace", replace)
    with pytest.raises(ZoneError) as caught:
        publish(req, check_mode=False, run_command=run_command)
    monkeypatch.setattr(_files.os, "replace", real_replace)
    return str(caught.value)


def test_a_failed_rename_puts_the_renamed_files_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    req = request(tmp_path, ptr=True)
    before = listing(tmp_path)
    message = failed_renames(req, monkeypatch, lambda _temp, path: path == str(tmp_path / "reverse.zone"),
                             OSError(28, "No space left on device"))
    assert message.startswith(f"cannot write {tmp_path}/reverse.zone: no space left on device")
    assert "got their old text back" in message
    assert listing(tmp_path) == before
    assert publish(req, check_mode=False, run_command=run_command).changed


# ---------------------------------------------------------------------------------------------------------------
# A zone file that holds another zone
# ---------------------------------------------------------------------------------------------------------------

def test_soa_owner() -> None:
    assert soa_owner(ZONE_TEXT) == "lab.example.net."
    assert soa_owner("$TTL 1h\n@ IN SOA a. b. 1 2 3 4 5\n") is None
    assert soa_owner("example.org. 3600 IN SOA a. b. 1 2 3 4 5\n") == "example.org."
    assert soa_owner("$ORIGIN example.org.\nsub IN SOA a. b. 1 2 3 4 5\n") == "sub.example.org."
    # The word SOA in a TXT record's text is no SOA record, nor is a fifth word after two classes.
    soa = "@ IN SOA a. b. 1 2 3 4 5\n"
    assert soa_owner(f"$ORIGIN example.org.\nnote IN TXT SOA\n{soa}") == "example.org."
    assert soa_owner(f"$ORIGIN example.org.\nnote 1h IN TXT SOA\n{soa}") == "example.org."
    assert soa_owner(f"$ORIGIN example.org.\nodd IN 1h IN SOA a. b. 1 2 3 4 5\n{soa}") == "example.org."
    assert soa_owner("$ORIGIN example.org.\nsub 1h in soa a. b. 1 2 3 4 5\n") == "sub.example.org."


@pytest.mark.parametrize("head", ["$ORIGIN 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.\n@",
                                  "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."])
def test_a_reverse_zone_that_does_not_match_its_file_says_what_mismatches(tmp_path: Path, head: str) -> None:
    # The /48 holds the published address, but the file (its $ORIGIN, or its SOA's absolute owner) is the /64's.
    (tmp_path / "reverse.zone").write_text(REVERSE_TEXT.replace("\n@ IN SOA", f"\n{head} IN SOA"))
    req = request(tmp_path, ptr=True, reverse_zone="2001:db8:ebbd::/48")
    before = listing(tmp_path)
    with pytest.raises(ZoneError) as caught:
        publish(req, check_mode=False, run_command=run_command)
    assert str(caught.value) == (
        "reverse_zone is d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa., but reverse zone file "
        f"{tmp_path}/reverse.zone holds the zone 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa. (the owner of its SOA "
        "record); give reverse_zone: 0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa. (or the prefix "
        "2001:db8:ebbd:2080::/64), or the file of the zone d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa.")
    assert listing(tmp_path) == before


def test_a_zone_that_does_not_match_its_file(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match=r"^zone is lab.example.org., but zone file .* holds the zone lab.example.net."):
        publish(request(tmp_path, zone="lab.example.org"), check_mode=False, run_command=run_command)


def test_an_undo_that_fails_too_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(temp: str, path: str) -> bool:
        # The reverse zone cannot be written, nor can the zone file get its old text (serial) back.
        return path == str(tmp_path / "reverse.zone") or "2024010501" in Path(temp).read_text()

    message = failed_renames(request(tmp_path, ptr=True), monkeypatch, fails, OSError(5, "Input/output error"))
    assert (f"could not all get their old text back ({tmp_path}/lab.zone: input/output error (its old file is "
            in message)
    assert "restore them from their backups" in message
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(_files.TEMP_PREFIX)]
    assert [p.name.startswith(_files.TEMP_PREFIX + "old.") for p in kept] == [True]  # only the old zone file
    assert "2024010501" in kept[0].read_text() and f"its old file is {kept[0]}" in message


# ---------------------------------------------------------------------------------------------------------------
# What the mutation run asked for
# ---------------------------------------------------------------------------------------------------------------


def test_the_requests_defaults_are_the_modules() -> None:
    """A caller of the core (bench/dns, the tests) gets what a task without those options gets."""
    import dataclasses

    from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.dns_aaaa import ARGUMENT_SPEC
    fields = {f.name: f.default for f in dataclasses.fields(Request) if f.default is not dataclasses.MISSING}
    for name in ("ttl", "name_prefix", "ptr", "prune", "max_delete_percent", "force", "serial_format", "validate",
                 "state"):
        assert fields[name] == ARGUMENT_SPEC[name]["default"], name


@pytest.mark.parametrize("ttl", [-1, 2 ** 31])
def test_a_ttl_out_of_range_is_refused_before_anything(tmp_path: Path, ttl: int) -> None:
    req = request(tmp_path, ttl=ttl)
    before = listing(tmp_path)
    with pytest.raises(ZoneError, match=f"ttl {ttl} is out of range; give seconds from 0 to 2147483647"):
        publish(req, False, run_command)
    assert listing(tmp_path) == before


def test_a_reverse_zone_file_without_ptr_is_left_alone(tmp_path: Path) -> None:
    """Without ptr the reverse zone file is neither read nor locked: it may even be in no directory at all."""
    outcome = publish(request(tmp_path, reverse_zone_file="/nonexistent-dir/reverse.zone"), False, run_command)
    assert outcome.changed and not os.path.exists("/nonexistent-dir")


def test_the_diff_shows_both_files_under_their_names(tmp_path: Path) -> None:
    outcome = publish(request(tmp_path), True, run_command)
    diffs = outcome.changes[0].diffs()
    assert [d["before_header"] for d in diffs] == [str(tmp_path / "lab.farm"), str(tmp_path / "lab.zone")]
    assert "lxcw5" in diffs[0]["after"] and "$INCLUDE" in diffs[1]["after"] and "$INCLUDE" not in diffs[1]["before"]


def test_a_missing_file_is_named_as_the_user_gave_it(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match=f"{tmp_path}/nothing.zone"):
        zone_file._read(str(tmp_path / "nothing.zone"), "zone file")
    assert zone_file._read(str(tmp_path / "nothing.zone"), "include file", True) == ""


def test_the_checker_is_found_off_the_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cron and some service managers run with a short PATH: the checker is looked for in /usr/sbin and /usr/bin."""
    found = zone_file.checker()
    monkeypatch.setenv("PATH", "/nonexistent")
    assert zone_file.checker() == found


def test_a_checker_that_says_nothing_is_named_with_its_status(tmp_path: Path) -> None:
    def silent(argv: list[str], cwd: str | None = None) -> tuple[int, str, str]:
        return 1, "", ""

    message = zone_file.check_zone("lab.example.net", str(tmp_path / "x.zone"), silent)
    assert message is not None and message.endswith("exited with 1")


@pytest.mark.parametrize("options", [{"ttl": 0}, {"ttl": 2 ** 31 - 1}, {"max_delete_percent": 0},
                                     {"max_delete_percent": 100}])
def test_the_bounds_themselves_are_accepted(tmp_path: Path, options: dict[str, int]) -> None:
    assert publish(request(tmp_path, **options), True, run_command).changed


def test_an_empty_farm_still_gets_its_include_file(tmp_path: Path) -> None:
    """No records yet: the zone's new $INCLUDE must find a file, so an empty one is written."""
    outcome = publish(request(tmp_path, records=[]), False, run_command)
    assert outcome.changed and (tmp_path / "lab.farm").exists()
    assert "$INCLUDE" in (tmp_path / "lab.zone").read_text()


def test_past_the_bounds_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ZoneError, match="max_delete_percent 101 is not a share from 0 to 100"):
        publish(request(tmp_path, max_delete_percent=101), True, run_command)


@pytest.mark.parametrize("missing", ["reverse_zone", "reverse_zone_file"])
def test_ptr_needs_both_the_reverse_zone_and_its_file(tmp_path: Path, missing: str) -> None:
    with pytest.raises(ZoneError, match="ptr=true needs reverse_zone and reverse_zone_file"):
        publish(request(tmp_path, ptr=True, **{missing: None}), True, run_command)


def test_a_zone_file_removed_while_the_task_waits_for_its_lock_is_named(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program removes the zone file while the task waits for its lock: the task does not go on under a
    lock of the removed file (a zone file written anew there would be unlocked); it says the file is missing."""
    request(tmp_path)
    real_flock = zone_file.fcntl.flock

    def flock(handle: int, operation: int) -> None:
        if (tmp_path / "lab.zone").exists():
            (tmp_path / "lab.zone").unlink()
        real_flock(handle, operation)

    monkeypatch.setattr(zone_file.fcntl, "flock", flock)
    with pytest.raises(ZoneError) as caught:
        with zone_file.locked({str(tmp_path / "lab.zone"): "/etc/bind/db.lab"}):
            pass
    assert str(caught.value).startswith("zone file /etc/bind/db.lab does not exist; the module edits an existing")


def test_an_include_file_that_holds_the_records_already_is_left_alone(tmp_path: Path) -> None:
    """The zone file was put back from a copy made before the module was used: it lacks the $INCLUDE line, while
    the include file holds the records. The run adds the line and moves the serial; the include file is neither
    rewritten nor backed up."""
    req = request(tmp_path, validate=False)
    publish(req, False, run_command)
    include = (tmp_path / "lab.farm").stat()
    (tmp_path / "lab.zone").write_text(ZONE_TEXT)

    def backup(path: str) -> str:
        shutil.copy2(path, path + ".bak")
        return path + ".bak"

    outcome = publish(req, False, run_command, backup)
    assert outcome.changed and (outcome.added, outcome.updated) == ([], [])
    assert outcome.backups == [f"{tmp_path}/lab.zone.bak"]
    assert (tmp_path / "lab.zone").read_text() == (ZONE_TEXT.replace("2024010501", "2024010502")
                                                   + f'$INCLUDE "{tmp_path}/lab.farm" lab.example.net.\n')
    assert (tmp_path / "lab.farm").stat().st_ino == include.st_ino


@pytest.mark.parametrize("option, value", [("zone_file", "db.lab.example.net"), ("include_file", "~/zones/lab.farm"),
                                           ("include_file", "")])
def test_a_path_that_is_not_absolute_is_refused(tmp_path: Path, option: str, value: str) -> None:
    req = request(tmp_path, **{option: value})
    before = listing(tmp_path)
    with pytest.raises(ZoneError) as caught:
        publish(req, False, run_command)
    assert str(caught.value) == f"{option} {value!r} is not an absolute path; give the full path"
    assert listing(tmp_path) == before


def test_a_second_run_updates_no_name_and_a_new_ttl_updates_each(tmp_path: Path) -> None:
    records = [{"name": "lxcw5", "addresses": [A5]}, {"name": "lxcw6", "addresses": ["2001:db8:ebbd:2080::6"]}]
    req = request(tmp_path, records=records, validate=False)
    assert publish(req, False, run_command).added == ["lxcw5", "lxcw6"]
    again = publish(req, False, run_command)
    assert (again.changed, again.added, again.updated, again.removed) == (False, [], [], [])
    req.ttl = 300
    shorter = publish(req, False, run_command)
    assert shorter.changed and (shorter.added, shorter.updated) == ([], ["lxcw5", "lxcw6"])
    assert f"lxcw5  300  IN  AAAA  {A5}\n" in (tmp_path / "lab.farm").read_text()
