# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one file writer: several files all or nothing, nothing left behind, on any failing step."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils import _files as writer
from ansible_collections.palmfarm.ipv6.plugins.module_utils._files import FilesError, Write, backup_copy, replace_all


def listing(root: Path) -> dict[str, tuple[str, int]]:
    return {str(p.relative_to(root)): (p.read_text(), stat.S_IMODE(p.stat().st_mode))
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/user.yaml").write_text("user\n")
    os.chmod(tmp_path / "etc/user.yaml", 0o600)
    (tmp_path / "etc/old.conf").write_text("old\n")
    os.chmod(tmp_path / "etc/old.conf", 0o644)
    return tmp_path


def test_all_written(tree: Path) -> None:
    backups = replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"),
                           Write(str(tree / "etc/sub/new.conf"), "new\n", 0o600, make_dirs=True),
                           Write(str(tree / "etc/old.conf"), None)], backup=backup_copy)
    after = listing(tree)
    assert after.pop("etc/user.yaml") == ("edited\n", 0o600)  # mode None keeps the file's own
    assert after.pop("etc/sub/new.conf") == ("new\n", 0o600)
    assert [Path(b).name.startswith(("user.yaml.", "old.conf.")) for b in backups] == [True, True]
    assert sorted(after) == sorted(os.path.relpath(b, tree) for b in backups)  # nothing else, no temporary file


def test_a_file_that_cannot_be_staged_changes_nothing(tree: Path) -> None:
    before = listing(tree)
    with pytest.raises(FilesError) as info:
        # The second file's directory would be under a regular file: it cannot be written.
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/old.conf/x"), "x\n")])
    assert str(info.value).startswith(f"cannot write {tree}/etc/old.conf/x: ")
    assert str(info.value).endswith("; no file was changed")
    assert info.value.undone is False and info.value.lost == [] and info.value.kept == {}
    assert listing(tree) == before


@pytest.mark.parametrize("failing_call", [1, 2, 3])
def test_a_file_that_cannot_be_put_in_place_undoes_the_others(tree: Path, failing_call: int,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = listing(tree)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise PermissionError(13, "Permission denied", dst)
        return real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    writes = [Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/new.conf"), "new\n"),
              Write(str(tree / "etc/old.conf"), "changed\n")]
    with pytest.raises(FilesError, match=r"cannot write .*: \[Errno 13\] Permission denied.*; no file was changed"):
        replace_all(writes)
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert listing(tree) == before  # the files back with their modes, the new one gone, no temporary file


def test_a_directory_in_the_way_is_refused_and_nothing_changes(tree: Path) -> None:
    (tree / "etc/dir.conf").mkdir()
    before = listing(tree)
    with pytest.raises(FilesError, match=r"cannot write .*/etc/dir.conf: .*is a directory; no file was changed"):
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/dir.conf"), "x\n")])
    assert listing(tree) == before
    assert sorted(p.name for p in (tree / "etc").iterdir()) == ["dir.conf", "old.conf", "user.yaml"]


def test_a_validator_that_refuses_changes_nothing(tree: Path) -> None:
    before = listing(tree)
    seen: dict[str, str] = {}

    def validate(staged: dict[str, str]) -> None:
        seen.update({path: Path(tmp).read_text() for path, tmp in staged.items()})
        raise ValueError("the tool refused it")

    with pytest.raises(ValueError, match="the tool refused it"):
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/old.conf"), None)],
                    backup=backup_copy, validate=validate)
    assert seen == {str(tree / "etc/user.yaml"): "edited\n"}  # the new text, read before it goes live
    assert listing(tree) == before  # no temporary file, no backup


def test_text_is_written_byte_for_byte_and_a_new_file_takes_its_model_mode(tree: Path) -> None:
    replace_all([Write(str(tree / "etc/zone.inc"), "a\r\nb\n", like=str(tree / "etc/user.yaml"))])
    assert (tree / "etc/zone.inc").read_bytes() == b"a\r\nb\n"  # CRLF kept
    assert stat.S_IMODE((tree / "etc/zone.inc").stat().st_mode) == 0o600  # user.yaml's, not NEW_FILE_MODE


def test_a_failure_after_a_file_went_in_place_says_so_and_removes_the_backups(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = listing(tree)
    real_replace, calls = os.replace, []

    def replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied", dst)
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    with pytest.raises(FilesError) as info:
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/old.conf"), "x\n")],
                    backup=backup_copy)
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert info.value.path == str(tree / "etc/old.conf")
    assert info.value.undone and not info.value.lost
    assert listing(tree) == before


def test_an_undo_that_fails_names_the_file_it_could_not_put_back(
        tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace, calls = os.replace, []

    def replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) >= 2:  # the second file, then the undo of the first
            raise PermissionError(13, "Permission denied", dst)
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    with pytest.raises(FilesError) as info:
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/old.conf"), "x\n")])
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert [(path, exc.errno) for path, exc in info.value.lost] == [(f"{tree}/etc/user.yaml", 13)]
    kept = Path(info.value.kept[f"{tree}/etc/user.yaml"])
    assert kept.parent == tree / "etc" and kept.read_text() == "user\n"  # the old file, for the user to put back
    assert f"putting the files already changed back failed too: {tree}/etc/user.yaml: " in str(info.value)
    assert str(info.value).endswith(f"(its old file is {kept})")


def test_a_new_file_without_a_mode_or_a_model_is_0644(tree: Path) -> None:
    replace_all([Write(str(tree / "etc/fresh.conf"), "x\n")])
    assert stat.S_IMODE((tree / "etc/fresh.conf").stat().st_mode) == writer.NEW_FILE_MODE == 0o644


def test_a_write_is_a_value_that_cannot_change() -> None:
    write = Write("/etc/x", "y")
    with pytest.raises(AttributeError):
        write.text = "z"  # type: ignore[misc]


def test_a_missing_directory_is_made_only_when_asked(tree: Path) -> None:
    before = listing(tree)
    with pytest.raises(FilesError, match=r"^cannot write .*/etc/missing/a.conf: .*No such file or directory"):
        replace_all([Write(str(tree / "etc/missing/a.conf"), "a\n")])
    assert listing(tree) == before and not (tree / "etc/missing").exists()
    replace_all([Write(str(tree / "etc/missing/a.conf"), "a\n", make_dirs=True),
                 Write(str(tree / "etc/user.yaml"), "again\n", make_dirs=True)])  # an existing directory too
    assert (tree / "etc/missing/a.conf").read_text() == "a\n" and (tree / "etc/user.yaml").read_text() == "again\n"


def test_a_relative_path_is_written_in_the_working_directory(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "etc")
    replace_all([Write("relative.conf", "r\n"), Write("old.conf", None)])
    assert (tree / "etc/relative.conf").read_text() == "r\n" and not (tree / "etc/old.conf").exists()


def test_a_link_to_a_directory_is_replaced_by_the_file(tree: Path) -> None:
    (tree / "elsewhere").mkdir()
    (tree / "etc/link.conf").symlink_to(tree / "elsewhere")
    replace_all([Write(str(tree / "etc/link.conf"), "file\n")])
    assert not (tree / "etc/link.conf").is_symlink() and (tree / "etc/link.conf").read_text() == "file\n"
    assert (tree / "elsewhere").is_dir()


def test_an_error_that_is_no_write_error_passes_through_and_changes_nothing(tree: Path) -> None:
    before = listing(tree)

    def backup(path: str) -> str:
        raise RuntimeError(f"no backup of {path}")

    with pytest.raises(RuntimeError, match="no backup of"):
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n")], backup=backup)
    assert listing(tree) == before


def test_only_the_files_that_did_not_go_back_keep_their_old_file(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_replace, calls = os.replace, []
    first, second, third = (str(tree / "etc" / n) for n in ("user.yaml", "old.conf", "third.conf"))

    def replace(src: str, dst: str) -> None:
        calls.append(dst)
        # In place: first, second; the third fails; the undo puts the second back, not the first.
        if dst == third or (dst == first and len(calls) > 3):
            raise PermissionError(13, "Permission denied", dst)
        real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    with pytest.raises(FilesError) as info:
        replace_all([Write(first, "1\n"), Write(second, "2\n"), Write(third, "3\n")])
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert [path for path, _exc in info.value.lost] == [first]
    assert list(info.value.kept) == [first]
    assert (tree / "etc/old.conf").read_text() == "old\n"
