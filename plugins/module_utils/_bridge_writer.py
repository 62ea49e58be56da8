# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one writer of bridge_iface's files: a change to several files is all or nothing, and leaves nothing
behind.

`replace_all` first writes every new text to a temporary file beside its target (a failure there changes
nothing), makes the backups asked for, then puts the files in place one by one, each old file kept under a
hidden name (a hard link) until all are done. When one step fails, the files already replaced get their old
files back, new ones are removed, and every temporary file is deleted; the error names the file that failed.
The module uses it for the change, the revert (_bridge_rollback) for putting the previous files back.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass

from ._bridge_spec import BridgeError

TEMP_PREFIX = ".bridge_iface."
NEW_FILE_MODE = 0o644


@dataclass(frozen=True)
class Write:
    """One file to write (text) or remove (text None); mode None keeps the file's own (NEW_FILE_MODE if new)."""

    path: str
    text: str | None
    mode: int | None = None


def unlink_if_present(path: str) -> None:
    """Remove the file at path; nothing when there is none."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _stage(write: Write) -> str | None:
    """The temporary file holding write.text, beside write.path (None for a removal)."""
    if write.text is None:
        return None
    directory = os.path.dirname(write.path) or "."
    os.makedirs(directory, exist_ok=True)
    mode = write.mode
    if mode is None:
        mode = os.stat(write.path).st_mode & 0o7777 if os.path.isfile(write.path) else NEW_FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(write.text)
        os.chmod(tmp, mode)
    except BaseException:
        unlink_if_present(tmp)
        raise
    return tmp


def _keep_old(path: str) -> str | None:
    """A hidden hard link (or copy) to the file now at `path`, to put back on undo; None when there is none."""
    if not os.path.lexists(path):
        return None
    if os.path.isdir(path) and not os.path.islink(path):
        raise IsADirectoryError(f"{path} is a directory")
    fd, kept = tempfile.mkstemp(prefix=TEMP_PREFIX + "old.", dir=os.path.dirname(path) or ".")
    os.close(fd)
    os.unlink(kept)
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)
    return kept


def _backup(path: str) -> str | None:
    if not os.path.isfile(path):
        return None
    backup = f"{path}.{time.strftime('%Y-%m-%d@%H:%M:%S')}~"
    shutil.copy2(path, backup)
    return backup


def replace_all(writes: list[Write], backup: bool = False) -> list[str]:
    """Write and remove all of `writes`, or none of them; the backup files made (backup=True)."""
    staged: list[str | None] = []
    backups: list[str] = []
    done: list[tuple[Write, str | None]] = []  # (write, hidden old file) in the order they went in place
    current = None
    try:
        for write in writes:
            current = write
            staged.append(_stage(write))
        for write in writes if backup else []:
            current = write
            made = _backup(write.path)
            if made:
                backups.append(made)
        for write, tmp in zip(writes, staged):
            current = write
            kept = _keep_old(write.path)
            done.append((write, kept))
            if tmp is None:
                unlink_if_present(write.path)
            else:
                os.replace(tmp, write.path)
    except OSError as exc:
        problems = _undo(done)
        for path in [t for t in staged if t] + backups:
            unlink_if_present(path)
        where = current.path if current is not None else "?"
        if problems:
            raise BridgeError(f"cannot write {where}: {exc}; putting the files already changed back failed too: "
                              + "; ".join(problems)) from exc
        raise BridgeError(f"cannot write {where}: {exc}; no file was changed") from exc
    for kept in [kept for _write, kept in done if kept]:
        unlink_if_present(kept)
    return backups


def _undo(done: list[tuple[Write, str | None]]) -> list[str]:
    problems = []
    for write, kept in reversed(done):
        try:
            if kept is None:
                unlink_if_present(write.path)
            elif os.path.lexists(write.path) and os.path.samefile(kept, write.path):
                unlink_if_present(kept)  # never replaced (rename() of a hard link onto itself does nothing)
            else:
                os.replace(kept, write.path)
        except OSError as exc:
            problems.append(f"{write.path}: {exc}")
    return problems
