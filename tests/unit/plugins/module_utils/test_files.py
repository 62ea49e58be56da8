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
