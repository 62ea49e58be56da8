# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Zone files on disk as a store of the dns planner (planner.py): their records read under a lock, and a plan
applied with validation of the would-be result, atomic writes of every file of a change, all or nothing, and no
write at all when nothing changes (or in check mode). Zone files reached through a symbolic link are written
where the link points. The text work is in zone_parser.py."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from .._files import FilesError, Write, replace_all
from . import input_stamp
from .planner import DnsPlan, Outcome, Records, Request, check_collisions, delegations
from .planner import publish as plan_and_apply
from .zone_parser import (
    ZoneError,
    ensure_include,
    find_include,
    find_serial,
    include_tokens,
    next_serial,
    parse_include,
    render_include,
    replace_serial,
    reverse_zone_name,
    reverse_zone_prefix,
    soa_owner,
    zone_name,
    zone_owners,
)

T = TypeVar("T")

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

    @property
    def key(self) -> str:
        """What the serials are reported under: the zone file."""
        return self.zone_file

    def diffs(self) -> list[dict[str, str]]:
        return [
            {"before_header": self.include_file, "after_header": self.include_file,
             "before": self.include_before, "after": self.include_after},
            {"before_header": self.zone_file, "after_header": self.zone_file,
             "before": self.zone_before, "after": self.zone_after},
        ]


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


# named-checkzone's integrity checks as named itself makes them when it loads a primary zone (check-integrity):
# MX, SRV and delegation NS targets in the zone. Its default, `full`, also looks the targets outside the zone up
# in the DNS, which takes as long as the host's resolver does (a timeout where there is none) and cannot make a
# zone fail that named would load.
NAMED_INTEGRITY = ("-i", "local")


def check_zone(zone: str, path: str, run_command: RunCommand, cwd: str | None = None) -> str | None:
    """None when the zone file at ``path`` loads, else the checker's complaint. Relative $INCLUDE paths are
    read from ``cwd`` (named-checkzone reads them from its working directory)."""
    program = checker()
    if program.endswith("kzonecheck"):
        argv = [program, "-o", zone, path]
    else:
        argv = [program, "-q", *NAMED_INTEGRITY, zone, path]
    rc, out, err = run_command(argv, cwd=cwd)
    if rc == 0:
        return None
    if program.endswith("named-checkzone"):
        rc, out, err = run_command([program, *NAMED_INTEGRITY, zone, path], cwd=cwd)
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


@dataclass
class _Files:
    """One zone file and its include file as read, through any symbolic link: their texts, where they really
    are, and the directories a relative $INCLUDE path is read from."""

    zone: str
    zone_file: str
    include_file: str
    zone_text: str
    include_text: str
    base_dirs: tuple[str, ...]
    zone_path: str
    include_path: str
    include_exists: bool

    def change(self, include_after: str, serial_format: str) -> ZoneChange:
        """The change that gives the include file the text ``include_after``."""
        return ZoneChange(self.zone, self.zone_file, self.include_file, self.zone_text, self.include_text,
                          include_after, serial_format, base_dirs=self.base_dirs, zone_path=self.zone_path,
                          include_path=self.include_path, include_exists=self.include_exists)


class ZoneFiles:
    """The records of zone files on disk, for the planner (planner.py): the names the module manages are those
    of its include file; every other name of the zone file (and of the files it $INCLUDEs) is hand-written and
    never touched. A plan is applied by rewriting the include files, moving the serials, and writing every file
    of the change at once (validated first)."""

    take_over = False

    def __init__(self, req: Request, run_command: RunCommand, backup: Callable[[str], str] | None = None) -> None:
        self.req = req
        self.run_command = run_command
        self.backup = backup
        self.where = f"zone file {req.zone_file} (or a file it includes)"
        self.files: list[_Files] = []

    def check(self) -> None:
        req = self.req
        for option in ("zone_file", "include_file"):
            value = getattr(req, option)
            if not value or not os.path.isabs(value):
                raise ZoneError(f"{option} {value!r} is not an absolute path; give the full path")
        if req.ptr:
            if not (req.reverse_zone and req.reverse_zone_file):
                raise ZoneError("ptr=true needs reverse_zone and reverse_zone_file")
            reverse_zone_name(req.reverse_zone)
            if not os.path.isabs(req.reverse_zone_file):
                raise ZoneError(f"reverse_zone_file {req.reverse_zone_file!r} is not an absolute path")

    def session(self, attempt: Callable[[], T]) -> T:
        """``attempt`` with the zone files locked."""
        req = self.req
        shown = {os.path.realpath(str(req.zone_file)): str(req.zone_file)}
        if req.ptr and req.reverse_zone_file:
            shown.setdefault(os.path.realpath(req.reverse_zone_file), req.reverse_zone_file)
        with locked(shown):
            return attempt()

    def read(self, zone: str, wanted: dict[str, list[str]]) -> Records:
        """The names of the include file: all the module's."""
        files = _read_files(zone, str(self.req.zone_file), str(self.req.include_file), self.req, "zone")
        self.files = [files]
        names, ttl = parse_include(files.include_text)
        return Records({n: (ttl, v) for n, v in names.items()} if ttl is not None else {}, set(names))

    def foreign(self) -> dict[str, set[str]]:
        """The record types of the names of the zone file and the files it includes, the include file left out."""
        files = self.files[0]
        return zone_owners(files.zone_text, files.zone, _hand_written(files))

    def read_reverse(self, reverse_zone: str, owners: Callable[[], set[str]]) -> Records:
        """The reverse include file is the module's whole: written from the plan, never read for its records."""
        req = self.req
        self.files.append(_read_files(reverse_zone, str(req.reverse_zone_file),
                                      req.reverse_include_file or f"{req.include_file}.ptr", req, "reverse_zone"))
        return Records({}, wholly_owned=True)

    def apply(self, dns_plan: DnsPlan, check_mode: bool) -> tuple[list[ZoneChange], list[str]]:
        """The include files rendered from ``dns_plan``, validated and (unless ``check_mode``) written."""
        req = self.req
        forward = render_include(dns_plan.forward.result, "AAAA", req.ttl, dns_plan.zone)
        reverse = None
        if dns_plan.reverse is not None and dns_plan.reverse_zone:
            # The reverse plan lists its owners in the file's order (plan_reverse sorts them).
            ptr = {owner: values for owner, (_ttl, values) in dns_plan.reverse.after.items() if values}
            reverse = render_include(ptr, "PTR", req.ttl, dns_plan.reverse_zone, in_order=True)
        forward = self._stamped(forward, reverse or "", dns_plan.quiet)
        changes = [self.files[0].change(forward, req.serial_format)]
        if reverse is not None:
            changes.append(self.files[1].change(reverse, req.serial_format))
        todo = [c for c in changes if c.changed]
        if req.validate:
            _validate(todo, self.run_command)
        return changes, [] if check_mode else commit(todo, self.backup)

    def _stamped(self, forward: str, reverse: str, quiet: bool) -> str:
        """The forward include text to write: the file as it is when its records stay the same (its stamp, or
        none, stays too: no write for a comment), else ``forward`` with the stamp of this run's inputs, when
        it has them and gave no warning."""
        before = self.files[0].include_text
        if input_stamp.split(before)[1] == forward:
            return before
        if self.req.inputs and quiet:
            return input_stamp.stamped(forward, self.req.inputs, reverse)
        return forward

    def unchanged(self, with_records: bool) -> Outcome | None:
        """The outcome of a re-run of the run that wrote the include files, told by their stamp without reading
        the records: nothing changes. None when the whole path must decide: no stamp, other inputs, include
        files changed since, a zone file without its $INCLUDE line, or a name written by hand beside the
        module's (the whole path says what is wrong with it)."""
        req = self.req
        if not req.inputs:
            return None
        zone = zone_name(req.zone)
        self.files = [_read_files(zone, str(req.zone_file), str(req.include_file), req, "zone")]
        if req.ptr and req.reverse_zone:
            self.read_reverse(reverse_zone_name(req.reverse_zone), set)
        forward = self.files[0].include_text
        reverse = self.files[1].include_text if len(self.files) > 1 else ""
        if not input_stamp.holds(forward, req.inputs, reverse):
            return None
        changes = [f.change(f.include_text, req.serial_format) for f in self.files]
        if any(c.changed for c in changes):
            return None
        try:  # the planner's own rules for the names written by hand beside the module's
            foreign = self.foreign()
            check_collisions(_owners_to_check(forward, foreign), foreign, self.where)
        except ZoneError:
            return None
        records = parse_include(forward)[0] if with_records else {}
        return Outcome(changed=False, changes=list(changes), added=[], removed=[], updated=[], records=records)


# The first word of each line that does not start with a comment.
_FIRST_WORDS = re.compile(r"^(?!;)[^\S\n]*(\S+)", re.MULTILINE)


def _owners_of(include_text: str) -> set[str]:
    """The owners of an include file's records (the first word of each line that is not a comment)."""
    return set(_FIRST_WORDS.findall(include_text.lower()))


def _owners_to_check(include_text: str, foreign: dict[str, set[str]]) -> set[str]:
    """The owners of an include file as the module wrote it (each record's line starts with its owner, in lower
    case, and a space) that check_collisions has to see beside the hand-written names ``foreign``: every one
    when the zone delegates a name (one below the cut needs them all), else those written by hand too, found by
    looking each hand-written name up rather than by reading a hundred thousand owners."""
    if delegations(foreign):
        return _owners_of(include_text)
    return {owner for owner in foreign if f"\n{owner} " in include_text}


def unchanged(req: Request, run_command: RunCommand, with_records: bool = True) -> Outcome | None:
    """ZoneFiles.unchanged with the zone files locked (the outcome of a re-run, or None: run publish)."""
    store = ZoneFiles(req, run_command)
    store.check()
    return store.session(lambda: store.unchanged(with_records))


def publish(req: Request, check_mode: bool, run_command: RunCommand,
            backup: Callable[[str], str] | None = None, consume_records: bool = False) -> Outcome:
    """Plan, check, and (unless ``check_mode``) write the AAAA (and PTR) records of ``req`` into its zone
    files. The zone checker runs through ``run_command`` (the module's ``run_command``). ``consume_records``:
    see planner.publish."""
    return plan_and_apply(req, ZoneFiles(req, run_command, backup), check_mode, consume_records)


def publish_given(req: Request, source: bytes, records: Callable[[], tuple[list[Any], list[str]]],
                  run_command: RunCommand, check_mode: bool, backup: Callable[[str], str] | None = None,
                  with_records: bool = True) -> tuple[Outcome, list[str]]:
    """The whole run of a request on zone files, as dns_aaaa makes it: the digest of its inputs (``source``,
    the records as given: input_stamp.records_source, or the records file's bytes), the re-run its include
    file's stamp tells (unchanged), else the records made from what was given (``records()``: the records and
    the warnings about them; a run with warnings is not stamped, so they come again) published, the request
    letting them go once read. Returns the outcome and those warnings."""
    req.inputs = input_stamp.inputs_digest(req, source)
    outcome = unchanged(req, run_command, with_records)
    if outcome is not None:
        return outcome, []
    req.records, warnings = records()
    if warnings:
        req.inputs = None
    return publish(req, check_mode, run_command, backup, consume_records=True), warnings


def _hand_written(files: _Files) -> Callable[[str], str | None]:
    """How the files a zone file $INCLUDEs are read for their names: found as the server finds them (an
    absolute path, or relative to the zone file's directory or named's), the module's own include file left
    out (its names are the module's). A file not found is skipped: the zone check reports it."""
    own = os.path.realpath(files.include_path)

    def read(path: str) -> str | None:
        for candidate in [path] if os.path.isabs(path) else [os.path.join(b, path) for b in files.base_dirs]:
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


def _read_files(zone: str, zone_file: str, include_file: str, req: Request, option: str) -> _Files:
    """One zone file and its include file, read through any symbolic link; a zone file that holds another zone
    than ``zone`` (option ``option``) is refused, saying which."""
    zone_path, include_path = os.path.realpath(zone_file), os.path.realpath(include_file)
    what = "zone file" if option == "zone" else "reverse zone file"
    zone_text = _read(zone_path, what, shown=zone_file)
    check_origin(zone_text, zone, f"{what} {zone_file}", option)
    base_dirs = include_base_dirs(zone_file, req.include_directories)
    if zone_path != zone_file:
        base_dirs += (os.path.dirname(zone_path),)
    return _Files(zone, zone_file, include_file, zone_text, _read(include_path, "include file", True, include_file),
                  base_dirs, zone_path, include_path, os.path.lexists(include_path))
