# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Publishing records into zone files on disk: a lock, validation of the would-be result, atomic writes of
every file of a change, all or nothing, and no write at all when nothing changes (or in check mode). Zone
files reached through a symbolic link are written where the link points. The text work is in zone_parser.py."""

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

from .._files import FilesError, Write, replace_all
from .zone_parser import (
    ZoneError,
    check_collisions,
    ensure_include,
    find_include,
    find_serial,
    include_tokens,
    next_serial,
    parse_include,
    plan,
    published_ptr_records,
    render_include,
    replace_serial,
    reverse_zone_name,
    reverse_zone_prefix,
    soa_owner,
    wanted_names,
    zone_name,
    zone_owners,
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
    # Where the files really are (a symbolic link resolved): what is locked, read and written.
    zone_path: str = ""
    include_path: str = ""
    include_exists: bool = True

    def __post_init__(self) -> None:
        self.zone_path = self.zone_path or self.zone_file
        self.include_path = self.include_path or self.include_file
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


def _reason(exc: OSError) -> str:
    """An OSError in words, without the path it names (the messages name the user's file themselves)."""
    return (exc.strerror or str(exc)).lower()


def _read(path: str, what: str, missing_ok: bool = False, shown: str | None = None) -> str:
    """The text of ``path``, line endings as they are (CRLF stays CRLF). ``shown`` is the path the user gave
    (a symbolic link to ``path``), named in the messages."""
    shown = shown or path
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        if missing_ok:
            return ""
        raise ZoneError(f"{what} {shown} does not exist; the module edits an existing, hand-written zone file: "
                        "create it (with its SOA record) or give its path") from None
    except PermissionError:
        raise ZoneError(f"cannot read {what} {shown}: permission denied; run the task as a user who may read it "
                        "(become: true)") from None
    except UnicodeDecodeError as exc:
        raise ZoneError(f"{what} {shown} is not UTF-8 text ({exc}); save it as UTF-8") from None
    except OSError as exc:
        raise ZoneError(f"cannot read {what} {shown}: {_reason(exc)}") from None


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
def locked(paths: dict[str, str]) -> Iterator[None]:
    """Exclusive flock on each zone file itself (real path -> the path the user gave), taken in a fixed order.
    The lock leaves nothing on the disk and needs no write access (check mode writes nothing). A zone file
    is replaced by a rename: a lock taken on the file a rename just replaced is taken again on the new one."""
    handles = []
    try:
        for path in sorted(paths):
            handles.append(_lock_one(path, paths[path]))
        yield
    finally:
        for handle in reversed(handles):
            os.close(handle)


def _lock_one(path: str, shown: str) -> int:
    while True:
        try:
            handle = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise ZoneError(f"zone file {shown} does not exist; the module edits an existing, hand-written zone "
                            "file: create it (with its SOA record) or give its path") from None
        except OSError as exc:
            raise ZoneError(f"cannot open zone file {shown}: {_reason(exc)}; run the task as a user who may read "
                            "it (become: true)") from None
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(handle), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            return handle
        os.close(handle)


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


def _scratch(directory: str, name: str, text: str) -> str:
    """A file of the would-be zone in the private directory the checker reads (never a managed file)."""
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path


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


def _candidate(change: ZoneChange, include_temp: str, base: str) -> str:
    """The would-be zone text, loadable from anywhere: the $INCLUDE of the include file names ``include_temp``,
    the other relative $INCLUDE paths are made absolute from ``base``."""
    text = change.zone_after
    token = find_include(text, change.include_file, change.base_dirs)
    if token is None:  # ensure_include added it; cannot happen
        raise ZoneError(f"zone file text for {change.zone} lost its $INCLUDE line")
    text = text[:token.start] + f'"{include_temp}"' + text[token.end:]
    for other in reversed([t for t in include_tokens(text) if t.start != token.start]):
        path = other.text.strip('"')
        if not os.path.isabs(path):
            text = text[:other.start] + f'"{os.path.join(base, path)}"' + text[other.end:]
    return text


def _check_after(change: ZoneChange, run_command: RunCommand) -> str | None:
    """Load the would-be zone (with the new include) from temporary files in a private directory, never
    beside the zone file: None when it loads, else the checker's complaint."""
    base = _include_cwd(change) if checker().endswith("named-checkzone") else os.path.dirname(change.zone_path)
    with tempfile.TemporaryDirectory(prefix="palmfarm-dns-") as directory:
        include_temp = _scratch(directory, "include", change.include_after)
        zone_temp = _scratch(directory, "zone", _candidate(change, include_temp, base))
        return check_zone(change.zone, zone_temp, run_command, base)


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
        before = check_zone(change.zone, change.zone_path, run_command, _include_cwd(change))
        if before:
            raise ZoneError(f"zone file {change.zone_file} does not validate before the change, so it was not "
                            f"touched; fix it first: {before} (it was loaded as the zone {change.zone}; if it holds "
                            "another zone, give that one)")
        raise ZoneError(f"zone {change.zone} would not validate after the change, so nothing was written: {problem}")


def check_origin(text: str, zone: str, path: str, option: str) -> None:
    """Refuse a zone file whose SOA record is for another zone than ``zone`` (option ``option``), saying which
    zone the file holds and what to give instead."""
    found = soa_owner(text)
    if found is None or found == zone:
        return
    prefix = reverse_zone_prefix(found)
    hint = f"{option}: {found}" + (f" (or the prefix {prefix})" if prefix else "")
    raise ZoneError(f"{option} is {zone}, but {path} holds the zone {found} (the owner of its SOA record); give "
                    f"{hint}, or the file of the zone {zone}")


@dataclass
class _File:
    """One file of a change: where it goes (the real path), the name the task gave it, its new text, and the
    zone file, whose mode and owner the file takes when it is new."""

    path: str
    shown: str
    after: str
    zone_path: str


def _files(changes: list[ZoneChange]) -> list[_File]:
    files = []
    for change in changes:
        if change.include_after != change.include_before or not change.include_exists:
            files.append(_File(change.include_path, change.include_file, change.include_after, change.zone_path))
        files.append(_File(change.zone_path, change.zone_file, change.zone_after, change.zone_path))
    return files


def _write_error(files: list[_File], failure: FilesError) -> ZoneError:
    shown_of = {f.path: f.shown for f in files}
    file = next(f for f in files if f.path == failure.path)
    directory = os.path.dirname(file.path)
    shown = f"{file.shown} (a link to {file.path})" if file.shown != file.path else file.shown
    if failure.lost:
        lost = "; ".join(f"{shown_of.get(path, path)}: {_reason(exc)}{failure.kept_text(path)}"
                         for path, exc in failure.lost)
        done = (f"the files written before it could not all get their old text back ({lost}): "
                "restore them from their backups (backup=true)")
    elif failure.undone:
        done = "the files written before it got their old text back"
    else:
        done = "no file was changed"
    return ZoneError(f"cannot write {shown}: {_reason(failure.cause)} in directory {directory}; {done}. Run the task "
                     f"as a user who may write in {directory} (become: true), or create that directory")


def commit(changes: list[ZoneChange], backup: Callable[[str], str] | None = None) -> list[str]:
    """Write every file of ``changes`` through the one file writer (_files), all or nothing: a new include
    file takes the zone file's mode and owner, a replaced file keeps its own; the backups made."""
    files = _files(changes)
    try:
        return replace_all([Write(f.path, f.after, like=f.zone_path) for f in files], backup)
    except FilesError as exc:
        raise _write_error(files, exc) from None


def publish(req: Request, check_mode: bool, run_command: RunCommand,  # noqa: C901
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
    shown = {os.path.realpath(req.zone_file): req.zone_file}
    if reverse and req.reverse_zone_file:
        shown.setdefault(os.path.realpath(req.reverse_zone_file), req.reverse_zone_file)
    with locked(shown):
        current, _ttl = parse_include(_read(os.path.realpath(req.include_file), "include file", True,
                                            req.include_file))
        step = plan(current, wanted, req.prune, req.max_delete_percent, req.force, req.state)
        include_text = render_include(step.result, "AAAA", req.ttl, zone)
        changes = [_zone_change(zone, req.zone_file, req.include_file, include_text, req, "zone")]
        if req.state == "present":
            check_collisions(wanted, zone_owners(changes[0].zone_before, zone, _hand_written(changes[0])),
                             f"zone file {req.zone_file} (or a file it includes)")
        if reverse and req.reverse_zone_file:
            ptr, warning = published_ptr_records(step.result, zone, reverse)
            if warning:
                warnings.append(warning)
            changes.append(_zone_change(reverse, req.reverse_zone_file, req.reverse_include_file
                                        or req.include_file + ".ptr", render_include(ptr, "PTR", req.ttl, reverse),
                                        req, "reverse_zone"))
        todo = [c for c in changes if c.changed]
        if req.validate:
            _validate(todo, run_command)
        backups = [] if check_mode else commit(todo, backup)
    return Outcome(changed=bool(todo), changes=changes, added=step.add, removed=step.remove,
                   updated=step.change, records=step.result, warnings=warnings, backups=backups)


def _hand_written(change: ZoneChange) -> Callable[[str], str | None]:
    """How the files a zone file $INCLUDEs are read for their names: found as the server finds them (an
    absolute path, or relative to the zone file's directory or named's), the module's own include file left
    out (its names are the module's). A file not found is skipped: the zone check reports it."""
    own = os.path.realpath(change.include_path)

    def read(path: str) -> str | None:
        for candidate in [path] if os.path.isabs(path) else [os.path.join(b, path) for b in change.base_dirs]:
            if os.path.isfile(candidate):
                if os.path.realpath(candidate) == own:
                    return None
                try:
                    with open(candidate, encoding="utf-8", errors="replace", newline="") as handle:
                        return handle.read()
                except OSError:
                    return None
        return None

    return read


def _zone_change(zone: str, zone_file: str, include_file: str, include_after: str, req: Request,
                 option: str) -> ZoneChange:
    """The change of one zone file and its include file, read through any symbolic link; a zone file that
    holds another zone than ``zone`` (option ``option``) is refused, saying which."""
    zone_path, include_path = os.path.realpath(zone_file), os.path.realpath(include_file)
    what = "zone file" if option == "zone" else "reverse zone file"
    zone_text = _read(zone_path, what, shown=zone_file)
    check_origin(zone_text, zone, f"{what} {zone_file}", option)
    base_dirs = include_base_dirs(zone_file, req.include_directories)
    if zone_path != zone_file:
        base_dirs += (os.path.dirname(zone_path),)
    return ZoneChange(zone, zone_file, include_file, zone_text, _read(include_path, "include file", True, include_file),
                      include_after, req.serial_format, base_dirs=base_dirs, zone_path=zone_path,
                      include_path=include_path, include_exists=os.path.lexists(include_path))
