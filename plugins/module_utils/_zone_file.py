# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing records into zone files on disk: a lock, validation of the would-be result, atomic writes,
and no write at all when nothing changes. The text work is in _zone."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ._zone import (
    ZoneError,
    ensure_include,
    find_include,
    find_serial,
    next_serial,
    parse_include,
    plan,
    published_ptr_records,
    render_include,
    replace_serial,
    reverse_zone_name,
    wanted_names,
    zone_name,
)

CHECKERS = ("named-checkzone", "kzonecheck")
# Where BIND's `directory` option (the base of relative $INCLUDE paths) is set on Debian.
NAMED_CONFS = ("/etc/bind/named.conf.options", "/etc/bind/named.conf", "/etc/named.conf")
_DIRECTORY_RE = re.compile(r'(?:^|[\s{;])directory\s+"([^"]+)"\s*;')
_CONF_COMMENT_RE = re.compile(r"/\*.*?\*/|//[^\n]*|#[^\n]*", re.DOTALL)


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
    base_dirs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.serial_before = int(find_serial(self.zone_before).text)
        with_include = ensure_include(self.zone_before, self.include_file, self.zone, self.base_dirs)
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
    include_directories: list[str] | None = None
    scopes: list[str] | None = None


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


def named_directory(confs: tuple[str, ...] = NAMED_CONFS) -> str | None:
    """BIND's working directory (its ``directory`` option), the base of relative $INCLUDE paths, if set."""
    for conf in confs:
        try:
            with open(conf, encoding="utf-8") as handle:
                found = _DIRECTORY_RE.search(_CONF_COMMENT_RE.sub(" ", handle.read()))
        except (OSError, UnicodeDecodeError):
            continue
        if found:
            return found.group(1)
    return None


def include_base_dirs(zone_file: str, extra: list[str] | None = None,
                      confs: tuple[str, ...] = NAMED_CONFS) -> tuple[str, ...]:
    """The directories a relative $INCLUDE path of ``zone_file`` may be relative to: the zone file's own
    (Knot), the ones given, and named's ``directory`` (BIND)."""
    dirs = [os.path.dirname(os.path.abspath(zone_file))] + list(extra or [])
    named = named_directory(confs)
    if named:
        dirs.append(named)
    return tuple(dict.fromkeys(dirs))


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


# How a program is run: AnsibleModule.run_command's shape, run_command(argv, cwd=...) -> (rc, stdout, stderr).
RunCommand = Callable[..., "tuple[int, str, str]"]


def check_zone(zone: str, path: str, run_command: RunCommand, cwd: str | None = None) -> str | None:
    """None when the zone file at ``path`` loads, else the checker's complaint. Relative $INCLUDE paths are
    read from ``cwd`` (named-checkzone reads them from its working directory)."""
    program = checker()
    if program.endswith("kzonecheck"):
        argv = [program, "-o", zone, path]
    else:
        argv = [program, "-q", zone, path]
    rc, out, err = run_command(argv, cwd=cwd)
    if rc == 0:
        return None
    if program.endswith("named-checkzone"):
        rc, out, err = run_command([program, zone, path], cwd=cwd)
    return " ".join((out + err).split()) or f"{program} exited with {rc}"


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


def _include_cwd(change: ZoneChange) -> str:
    """The directory a relative $INCLUDE of the include file is read from: the base it was found under (see
    find_include), else the zone file's directory."""
    zone_dir = os.path.dirname(os.path.abspath(change.zone_file))
    token = find_include(change.zone_before, change.include_file, change.base_dirs)
    if token is not None:
        path = token.text.strip('"')
        if not os.path.isabs(path):
            for base in change.base_dirs:
                if os.path.normpath(os.path.join(base, path)) == os.path.normpath(change.include_file):
                    return base
    return zone_dir


def _check_after(change: ZoneChange, run_command: RunCommand) -> str | None:
    """Load the would-be zone (with the new include) from temporary files beside the zone file: None when it
    loads, else the checker's complaint."""
    directory = os.path.dirname(os.path.abspath(change.zone_file))
    include_temp = _write_temp(directory, change.include_after, None)
    try:
        token = find_include(change.zone_after, change.include_file, change.base_dirs)
        if token is None:  # ensure_include added it; cannot happen
            raise ZoneError(f"zone file text for {change.zone} lost its $INCLUDE line")
        candidate = change.zone_after[:token.start] + f'"{include_temp}"' + change.zone_after[token.end:]
        zone_temp = _write_temp(directory, candidate, None)
        try:
            return check_zone(change.zone, zone_temp, run_command, _include_cwd(change))
        finally:
            os.unlink(zone_temp)
    finally:
        os.unlink(include_temp)


def _validate(changes: list[ZoneChange], run_command: RunCommand) -> None:
    """Load every would-be zone (the zones at once, one checker each) before anything is renamed. When one
    does not load, load the zone as it is now: a zone that does not load now is the user's to fix, and the
    message says so; otherwise the change is what breaks it. (A zone that loads after the change is not
    checked before it: the change only replaces the module's own include file and the serial.)"""
    if not changes:
        return
    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        problems = list(pool.map(lambda change: _check_after(change, run_command), changes))
    for change, problem in zip(changes, problems):
        if not problem:
            continue
        before = check_zone(change.zone, change.zone_file, run_command, _include_cwd(change))
        if before:
            raise ZoneError(f"zone file {change.zone_file} does not validate before the change, so it was not "
                            f"touched; fix it first: {before}")
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


def publish(req: Request, check_mode: bool, run_command: RunCommand,
            backup: Callable[[str], str] | None = None) -> Outcome:
    """Plan, check, and (unless ``check_mode``) write the AAAA (and PTR) records of ``req``. The zone checker
    runs through ``run_command`` (the module's ``run_command``)."""
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
    wanted, warnings = wanted_names(req.records, zone, req.name_prefix, req.state, req.scopes)
    zone_files = [req.zone_file] + ([req.reverse_zone_file] if reverse and req.reverse_zone_file else [])
    with locked(zone_files):
        include_before = _read(req.include_file, "include file", missing_ok=True)
        current, _ttl = parse_include(include_before)
        step = plan(current, wanted, req.prune, req.max_delete_percent, req.force, req.state)
        changes = [ZoneChange(zone, req.zone_file, req.include_file, _read(req.zone_file, "zone file"),
                              include_before, render_include(step.result, "AAAA", req.ttl, zone),
                              req.serial_format,
                              base_dirs=include_base_dirs(req.zone_file, req.include_directories))]
        if reverse and req.reverse_zone_file:
            reverse_include = req.reverse_include_file or req.include_file + ".ptr"
            ptr, warning = published_ptr_records(step.result, zone, reverse)
            if warning:
                warnings.append(warning)
            changes.append(ZoneChange(
                reverse, req.reverse_zone_file, reverse_include, _read(req.reverse_zone_file, "reverse zone file"),
                _read(reverse_include, "include file", missing_ok=True),
                render_include(ptr, "PTR", req.ttl, reverse),
                req.serial_format, base_dirs=include_base_dirs(req.reverse_zone_file, req.include_directories)))
        todo = [c for c in changes if c.changed]
        if req.validate:
            _validate(todo, run_command)
        backups: list[str] = []
        if not check_mode:
            for change in todo:
                backups += _commit(change, backup)
    return Outcome(changed=bool(todo), changes=changes, added=step.add, removed=step.remove,
                   updated=step.change, records=step.result, warnings=warnings, backups=backups)
