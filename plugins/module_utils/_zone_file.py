# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing records into zone files on disk: a lock, validation of the would-be result, atomic writes,
and no write at all when nothing changes. The text work is in _zone."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ._zone import (
    ZoneError,
    ensure_include,
    find_include,
    find_serial,
    next_serial,
    owner_name,
    parse_include,
    plan,
    ptr_records,
    record_set,
    render_include,
    replace_serial,
    reverse_zone_name,
    zone_name,
)

CHECKERS = ("named-checkzone", "kzonecheck")


@dataclass
class ZoneChange:
    """One zone file and its include file: the texts before and after."""

    zone: str
    zone_file: str
    include_file: str
    zone_before: str
    include_before: str
    include_after: str
    serial_format: str
    zone_after: str = ""
    serial_before: int = 0
    serial_after: int = 0

    def __post_init__(self) -> None:
        self.serial_before = int(find_serial(self.zone_before).text)
        with_include = ensure_include(self.zone_before, self.include_file, self.zone)
        if with_include == self.zone_before and self.include_after == self.include_before:
            self.zone_after, self.serial_after = self.zone_before, self.serial_before
        else:
            self.serial_after = next_serial(self.serial_before, self.serial_format)
            self.zone_after = replace_serial(with_include, self.serial_after)

    @property
    def changed(self) -> bool:
        return self.zone_after != self.zone_before

    def diffs(self) -> list[dict[str, str]]:
        return [
            {"before_header": self.include_file, "after_header": self.include_file,
             "before": self.include_before, "after": self.include_after},
            {"before_header": self.zone_file, "after_header": self.zone_file,
             "before": self.zone_before, "after": self.zone_after},
        ]


@dataclass
class Request:
    zone: str
    zone_file: str
    include_file: str
    records: list[Any]
    ttl: int = 3600
    name_prefix: str = ""
    ptr: bool = False
    reverse_zone: str | None = None
    reverse_zone_file: str | None = None
    reverse_include_file: str | None = None
    prune: bool = False
    max_delete_percent: float = 50
    force: bool = False
    serial_format: str = "date"
    validate: bool = True
    state: str = "present"


@dataclass
class Outcome:
    changed: bool
    changes: list[ZoneChange]
    added: list[str]
    removed: list[str]
    updated: list[str]
    records: dict[str, list[str]]
    warnings: list[str] = field(default_factory=list)
    backups: list[str] = field(default_factory=list)


def _read(path: str, what: str, missing_ok: bool = False) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise ZoneError(f"{what} {path} does not exist; the module edits an existing, hand-written zone file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ZoneError(f"cannot read {what} {path}: {exc}") from exc


@contextlib.contextmanager
def locked(paths: list[str]) -> Iterator[None]:
    """Exclusive flock on a lock file beside each zone file, taken in a fixed order."""
    handles = []
    try:
        for path in sorted(set(paths)):
            handle = open(path + ".lock", "a")
            fcntl.flock(handle, fcntl.LOCK_EX)
            handles.append(handle)
        yield
    finally:
        for handle in reversed(handles):
            handle.close()


def checker() -> str:
    for name in CHECKERS:
        found = shutil.which(name) or next(
            (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None)
        if found:
            return found
    raise ZoneError("validate=true needs named-checkzone (Debian package bind9-utils) or kzonecheck (knot); "
                    "install one or set validate=false")


def check_zone(zone: str, path: str) -> str | None:
    """None when the zone file at ``path`` loads, else the checker's complaint."""
    program = checker()
    if program.endswith("kzonecheck"):
        argv = [program, "-o", zone, path]
    else:
        argv = [program, "-q", zone, path]
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    if run.returncode == 0:
        return None
    if program.endswith("named-checkzone"):
        run = subprocess.run([program, zone, path], capture_output=True, text=True, check=False)
    return " ".join((run.stdout + run.stderr).split()) or f"{program} exited with {run.returncode}"


def _write_temp(directory: str, text: str, like: str | None) -> str:
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".palmfarm-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if like and os.path.exists(like):
            st = os.stat(like)
            os.chmod(temp, st.st_mode & 0o7777)
            with contextlib.suppress(PermissionError):
                os.chown(temp, st.st_uid, st.st_gid)
        else:
            os.chmod(temp, 0o644)
    except BaseException:
        os.unlink(temp)
        raise
    return temp


def _replace(temp: str, path: str) -> None:
    os.replace(temp, path)
    dir_fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _validate(change: ZoneChange) -> None:
    """Refuse a zone that does not load now; then load the would-be zone (with the new include) from
    temporary files before anything is renamed."""
    problem = check_zone(change.zone, change.zone_file)
    if problem:
        raise ZoneError(f"zone file {change.zone_file} does not validate before the change, so it was not "
                        f"touched; fix it first: {problem}")
    directory = os.path.dirname(os.path.abspath(change.zone_file))
    include_temp = _write_temp(directory, change.include_after, None)
    try:
        token = find_include(change.zone_after, change.include_file)
        if token is None:  # ensure_include added it; cannot happen
            raise ZoneError(f"zone file text for {change.zone} lost its $INCLUDE line")
        candidate = change.zone_after[:token.start] + f'"{include_temp}"' + change.zone_after[token.end:]
        zone_temp = _write_temp(directory, candidate, None)
        try:
            problem = check_zone(change.zone, zone_temp)
        finally:
            os.unlink(zone_temp)
    finally:
        os.unlink(include_temp)
    if problem:
        raise ZoneError(f"zone {change.zone} would not validate after the change, so nothing was written: {problem}")


def _commit(change: ZoneChange, backup: Callable[[str], str] | None) -> list[str]:
    backups = []
    if backup:
        backups.append(backup(change.zone_file))
        if change.include_before:
            backups.append(backup(change.include_file))
    if change.include_after != change.include_before:
        temp = _write_temp(os.path.dirname(os.path.abspath(change.include_file)), change.include_after,
                           change.include_file if change.include_before else change.zone_file)
        _replace(temp, change.include_file)
    temp = _write_temp(os.path.dirname(os.path.abspath(change.zone_file)), change.zone_after, change.zone_file)
    _replace(temp, change.zone_file)
    return [b for b in backups if b]


def publish(req: Request, check_mode: bool, backup: Callable[[str], str] | None = None) -> Outcome:
    """Plan, check, and (unless ``check_mode``) write the AAAA (and PTR) records of ``req``."""
    zone = zone_name(req.zone)
    if req.ttl < 0 or req.ttl > 2 ** 31 - 1:
        raise ZoneError(f"ttl {req.ttl} is out of range; give seconds from 0 to 2147483647")
    if not 0 <= req.max_delete_percent <= 100:
        raise ZoneError(f"max_delete_percent {req.max_delete_percent:g} is not a share from 0 to 100")
    for option in ("zone_file", "include_file"):
        if not os.path.isabs(getattr(req, option)):
            raise ZoneError(f"{option} {getattr(req, option)!r} is not an absolute path; give the full path")
    reverse = None
    if req.ptr:
        if not (req.reverse_zone and req.reverse_zone_file):
            raise ZoneError("ptr=true needs reverse_zone and reverse_zone_file")
        reverse = reverse_zone_name(req.reverse_zone)
        if not os.path.isabs(req.reverse_zone_file):
            raise ZoneError(f"reverse_zone_file {req.reverse_zone_file!r} is not an absolute path")
    if req.state == "absent":
        wanted = {owner_name(f"{req.name_prefix}{item['name']}", zone): []
                  for item in req.records if isinstance(item, dict) and item.get("name")}
        warnings: list[str] = []
    else:
        records = record_set(req.records, zone, req.name_prefix)
        wanted, warnings = records.names, records.warnings
    zone_files = [req.zone_file] + ([req.reverse_zone_file] if reverse and req.reverse_zone_file else [])
    with locked(zone_files):
        include_before = _read(req.include_file, "include file", missing_ok=True)
        current, _ttl = parse_include(include_before)
        step = plan(current, wanted, req.prune, req.max_delete_percent, req.force, req.state)
        changes = [ZoneChange(zone, req.zone_file, req.include_file, _read(req.zone_file, "zone file"),
                              include_before, render_include(step.result, "AAAA", req.ttl, zone),
                              req.serial_format)]
        if reverse and req.reverse_zone_file:
            reverse_include = req.reverse_include_file or req.include_file + ".ptr"
            changes.append(ZoneChange(
                reverse, req.reverse_zone_file, reverse_include, _read(req.reverse_zone_file, "reverse zone file"),
                _read(reverse_include, "include file", missing_ok=True),
                render_include(ptr_records(step.result, zone, reverse), "PTR", req.ttl, reverse),
                req.serial_format))
        todo = [c for c in changes if c.changed]
        if req.validate:
            for change in todo:
                _validate(change)
        backups: list[str] = []
        if not check_mode:
            for change in todo:
                backups += _commit(change, backup)
    return Outcome(changed=bool(todo), changes=changes, added=step.add, removed=step.remove,
                   updated=step.change, records=step.result, warnings=warnings, backups=backups)
