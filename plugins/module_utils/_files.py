# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one writer of every file the collection manages: zone files, BIRD configurations, nftables files and the
bridge's netplan, networkd, ifupdown and NetworkManager files.

`replace_all` makes a change to several files all or nothing, and leaves nothing behind:

1. every new text goes to a temporary file beside its target (a failure there changes nothing);
2. `validate`, when given, reads those temporary files with the real tool (an exception from it changes
   nothing);
3. the backups asked for are made;
4. the files go in place one by one by rename, each old file kept under a hidden name (a hard link) until all
   are done.

When a step fails, the files already replaced get their old files back (the same inode: mode, owner and
text as they were), new ones are removed, and every temporary and backup file is deleted; `FilesError` says
which file failed, why, and whether the undo was whole. Should a file not go back, its old file stays under
its hidden name, which the error gives, and the backups stay too. Nothing here writes unless asked to:
check mode never calls it. Standard library only: the bridge's detached revert process (_bridge/rollback.py) uses
it too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

TEMP_PREFIX = ".palmfarm."
NEW_FILE_MODE = 0o644

# A backup maker (Ansible's module.backup_local, or backup_copy): the copy's path, or None when none was made.
Backup = Callable[[str], Optional[str]]
# Reads the staged files ({target path: temporary path}) before any goes live; raises to stop the change.
Validate = Callable[["dict[str, str]"], None]


@dataclass(frozen=True)
class Write:
    """One file to write (`text`) or remove (`text` None).

    The new file's mode is `mode`; without it, that of the file now at `path`, else that of `like` (e.g. the
    zone file for its new include file), else NEW_FILE_MODE. The owner is kept the same way where the writer
    may set it. A missing directory is created only with `make_dirs`; otherwise the write fails, naming it.
    """

    path: str
    text: str | None
    mode: int | None = None
    like: str | None = None
    make_dirs: bool = False


@dataclass
class FilesError(Exception):
    """A write that failed, after the undo: `path` failed with `cause`; `undone` is True when files had gone in
    place before it (and were put back), `lost` lists those that could not be put back, with the reason, and
    `kept` where their old files are now (a hidden file beside each)."""

    path: str
    cause: OSError
    undone: bool
    lost: list[tuple[str, OSError]] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        if self.lost:
            return (f"cannot write {self.path}: {self.cause}; putting the files already changed back failed too: "
                    + "; ".join(f"{path}: {exc}{self.kept_text(path)}" for path, exc in self.lost))
        return f"cannot write {self.path}: {self.cause}; no file was changed"

    def kept_text(self, path: str) -> str:
        """Where the old file of `path`, which could not go back, is now (for messages)."""
        return f" (its old file is {self.kept[path]})" if path in self.kept else ""


def unlink_if_present(path: str) -> None:
    """Remove the file at path; nothing when there is none."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def backup_copy(path: str) -> str | None:
    """A copy of the file beside it, named as Ansible names its backups' times (``file.2026-12-05@10:00:00~``)."""
    if not os.path.isfile(path):
        return None
    backup = f"{path}.{time.strftime('%Y-%m-%d@%H:%M:%S')}~"
    shutil.copy2(path, backup)
    return backup


def _fsync_dir(directory: str) -> None:
    fd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _refuse_directory(path: str) -> None:
    """A directory (not a link to one) at `path` is never replaced or removed."""
    if os.path.isdir(path) and not os.path.islink(path):
        raise IsADirectoryError(f"{path} is a directory")


def _stage(write: Write) -> str | None:
    """The temporary file holding write.text beside write.path, with its mode and owner (None for a removal)."""
    if write.text is None:
        return None
    directory = os.path.dirname(write.path) or "."
    if write.make_dirs:
        os.makedirs(directory, exist_ok=True)
    _refuse_directory(write.path)
    model = next((p for p in (write.path, write.like) if p and os.path.isfile(p)), None)
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(write.text)
            handle.flush()
            os.fsync(handle.fileno())
        st = os.stat(model) if model else None
        mode = write.mode if write.mode is not None else (st.st_mode & 0o7777 if st else NEW_FILE_MODE)
        os.chmod(tmp, mode)
        if st is not None:
            with contextlib.suppress(PermissionError):
                os.chown(tmp, st.st_uid, st.st_gid)
    except BaseException:
        unlink_if_present(tmp)
        raise
    return tmp


def _keep_old(path: str) -> str | None:
    """A hidden hard link (or copy) to the file now at `path`, to put back on undo; None when there is none."""
    if not os.path.lexists(path):
        return None
    _refuse_directory(path)
    fd, kept = tempfile.mkstemp(prefix=TEMP_PREFIX + "old.", dir=os.path.dirname(path) or ".")
    os.close(fd)
    os.unlink(kept)
    try:
        os.link(path, kept)
    except OSError:
        shutil.copy2(path, kept)
    return kept


def replace_all(writes: list[Write], backup: Backup | None = None, validate: Validate | None = None) -> list[str]:
    """Write and remove all of `writes`, or none of them; the backup files made. FilesError when a write fails
    (the files as they were); an exception from `validate` passes through, with nothing changed."""
    change = _Change(writes)
    try:
        change.stage()
        if validate is not None:
            change.current = None
            validate({w.path: t for w, t in zip(writes, change.staged) if t is not None})
        if backup is not None:
            change.back_up(backup)
        change.put_in_place()
    except BaseException as exc:
        lost = change.undo()
        if isinstance(exc, OSError) and change.current is not None:
            kept = {w.path: k for w, k in change.done if k and w.path in dict(lost)}
            raise FilesError(change.current.path, exc, undone=bool(change.done), lost=lost, kept=kept) from exc
        raise
    change.forget_old()
    return change.backups


class _Change:
    """The state of one replace_all: what is staged, backed up and in place, so that any step can be undone."""

    def __init__(self, writes: list[Write]) -> None:
        self.writes = writes
        self.staged: list[str | None] = []
        self.backups: list[str] = []
        self.done: list[tuple[Write, str | None]] = []  # (write, hidden old file), in the order they went in place
        self.current: Write | None = None  # the write a failure belongs to

    def stage(self) -> None:
        for write in self.writes:
            self.current = write
            self.staged.append(_stage(write))

    def back_up(self, backup: Backup) -> None:
        for write in self.writes:
            self.current = write
            made = backup(write.path) if os.path.isfile(write.path) else None
            if made:
                self.backups.append(made)

    def put_in_place(self) -> None:
        for write, tmp in zip(self.writes, self.staged):
            self.current = write
            kept = _keep_old(write.path)
            self.done.append((write, kept))
            if tmp is None:
                unlink_if_present(write.path)
            else:
                os.replace(tmp, write.path)
            _fsync_dir(os.path.dirname(write.path))

    def undo(self) -> list[tuple[str, OSError]]:
        """Put the old files back and remove every temporary file, and the backups unless a file could not go
        back; what could not be put back."""
        lost = _undo(self.done)
        for path in [t for t in self.staged if t] + ([] if lost else self.backups):
            unlink_if_present(path)
        return lost

    def forget_old(self) -> None:
        for kept in [kept for _write, kept in self.done if kept]:
            unlink_if_present(kept)


def _undo(done: list[tuple[Write, str | None]]) -> list[tuple[str, OSError]]:
    problems: list[tuple[str, OSError]] = []
    for write, kept in reversed(done):
        try:
            if kept is None:
                unlink_if_present(write.path)
            elif os.path.lexists(write.path) and os.path.samefile(kept, write.path):
                unlink_if_present(kept)  # never replaced (rename() of a hard link onto itself does nothing)
            else:
                os.replace(kept, write.path)
        except OSError as exc:
            problems.append((write.path, exc))  # its old file stays at `kept`, for the user
    return problems
