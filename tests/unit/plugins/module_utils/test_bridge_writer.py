# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface's one writer: several files all or nothing, nothing left behind, on any failing step."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils import _bridge_writer as writer
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge_spec import BridgeError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge_writer import Write, replace_all


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
                           Write(str(tree / "etc/sub/new.conf"), "new\n", 0o600),
                           Write(str(tree / "etc/old.conf"), None)], backup=True)
    after = listing(tree)
    assert after.pop("etc/user.yaml") == ("edited\n", 0o600)  # mode None keeps the file's own
    assert after.pop("etc/sub/new.conf") == ("new\n", 0o600)
    assert [Path(b).name.startswith(("user.yaml.", "old.conf.")) for b in backups] == [True, True]
    assert sorted(after) == sorted(os.path.relpath(b, tree) for b in backups)  # nothing else, no temporary file


def test_a_file_that_cannot_be_staged_changes_nothing(tree: Path) -> None:
    before = listing(tree)
    with pytest.raises(BridgeError) as info:
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
    with pytest.raises(BridgeError, match=r"cannot write .*: \[Errno 13\] Permission denied.*; no file was changed"):
        replace_all(writes)
    monkeypatch.setattr(writer.os, "replace", real_replace)
    assert listing(tree) == before  # the files back with their modes, the new one gone, no temporary file


def test_a_directory_in_the_way_is_refused_and_nothing_changes(tree: Path) -> None:
    (tree / "etc/dir.conf").mkdir()
    before = listing(tree)
    with pytest.raises(BridgeError, match=r"cannot write .*/etc/dir.conf: .*is a directory; no file was changed"):
        replace_all([Write(str(tree / "etc/user.yaml"), "edited\n"), Write(str(tree / "etc/dir.conf"), "x\n")])
    assert listing(tree) == before
    assert sorted(p.name for p in (tree / "etc").iterdir()) == ["dir.conf", "old.conf", "user.yaml"]
