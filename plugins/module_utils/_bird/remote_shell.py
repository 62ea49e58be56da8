# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shell commands and their parsers for installing a BIRD configuration on a host without Python.

The babel_bird6 action plugin renders the file on the controller (with :mod:`.config`) and talks to the
router only through a POSIX shell (BusyBox ash on OpenWrt): it probes for Python and BIRD, reads the live file,
installs the new one with ``mv`` and reloads BIRD. Everything here builds those commands or reads their output,
so it is tested without a router.
"""

from __future__ import annotations

import shlex
from typing import Callable

from .config import BirdConfigError, binary_names, choose_version, parse_bird_version

MARK = "@@palmfarm:"
INIT_DIR = "/etc/init.d"
# The init scripts of OpenWrt's BIRD packages, by generation, in the order they are tried: bird6 (up to 18.06)
# and bird1-ipv6 (19.07 to 23.05) for 1.6; bird, bird2 or bird3 for the newer ones.
INIT_SCRIPTS = {"1.6": ("bird6", "bird1-ipv6"), "2": ("bird", "bird2"), "3": ("bird", "bird3")}


def python_probe_command(interpreter: str | None) -> str:
    """A command printing the Python the host would run modules with, or nothing.

    With an explicit interpreter (``ansible_python_interpreter`` set and not ``auto*``) only that one counts,
    as Ansible would use no other.
    """
    if interpreter and not interpreter.startswith("auto"):
        word = interpreter.split()[0]
        return f"command -v {shlex.quote(word)} 2>/dev/null || true"
    return "command -v python3 2>/dev/null || command -v python 2>/dev/null || true"


def has_python(probe_stdout: str) -> bool:
    return any(line.strip() for line in probe_stdout.splitlines())


def _section(name: str, body: str) -> str:
    return f"printf '%s\\n' {shlex.quote(MARK + name)}; {body}"


def facts_command() -> str:
    """One command for what the controller needs to know: OpenWrt or not, BIRD versions, interfaces, birdc."""
    parts = [_section("openwrt", "[ -e /etc/openwrt_release ] && echo yes")]
    for name in ("bird", "bird6", "birdc", "birdc6"):
        parts.append(_section(name, f"command -v {name} 2>/dev/null"))
    for name in ("bird", "bird6"):
        parts.append(_section(f"{name}-version",
                              f"command -v {name} >/dev/null 2>&1 && {name} --version 2>&1"))
    parts.append(_section("interfaces", "ls /sys/class/net 2>/dev/null"))
    for name in sorted({name for names in INIT_SCRIPTS.values() for name in names}):
        parts.append(_section(f"init-{name}", f"[ -x {INIT_DIR}/{name} ] && echo yes"))
    return "; ".join(parts) + "; true"


def parse_sections(stdout: str) -> dict[str, str]:
    """The output of :func:`facts_command` as {section: text}."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in stdout.splitlines():
        if line.startswith(MARK):
            current = sections.setdefault(line[len(MARK):].strip(), [])
        elif current is not None:
            current.append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


def detect_version(facts: dict[str, str]) -> str:
    """What ``bird_version=auto`` means on that host: BIRD 2/3 when present, else bird6 (1.6)."""
    return choose_version((name, facts[name], facts[f"{name}-version"]) for name in ("bird", "bird6")
                          if facts.get(name) and facts.get(f"{name}-version"))


def read_file_command(path: str) -> str:
    """Prints a marker line, then the file when it exists, then an end marker (keeps trailing newlines)."""
    quoted = shlex.quote(path)
    return (f"if [ -f {quoted} ]; then printf '%s\\n' {shlex.quote(MARK + 'present')}; cat {quoted}; "
            f"else printf '%s\\n' {shlex.quote(MARK + 'absent')}; fi; printf '%s' {shlex.quote(MARK + 'end')}")


def parse_read_file(stdout: str) -> tuple[bool, str]:
    """(exists, content) from the output of :func:`read_file_command`."""
    head, sep, rest = stdout.partition("\n")
    end = rest.rfind(MARK + "end")
    if not sep or end < 0 or head.strip() not in (MARK + "present", MARK + "absent"):
        raise BirdConfigError(f"could not read the file on the host; the shell printed: {stdout[:200]!r}")
    return head.strip() == MARK + "present", rest[:end]


def temp_path(path: str, token: str) -> str:
    """A temporary name beside ``path``, so the final ``mv`` is an atomic rename."""
    directory, _sep, base = path.rpartition("/")
    return f"{directory or '.'}/.{base}.palmfarm-{token}"


def install_command(tmp: str, path: str) -> str:
    """Give ``tmp`` the live file's mode (0644 for a new file) and rename it over ``path``."""
    t, p = shlex.quote(tmp), shlex.quote(path)
    return (f"m=644; if [ -e {p} ]; then m=$(stat -c %a {p} 2>/dev/null || echo 644); fi; "
            f"chmod \"$m\" {t} && mv -f {t} {p}")


def directory_check_command(path: str) -> str:
    directory = path.rpartition("/")[0] or "."
    return f"[ -d {shlex.quote(directory)} ]"


def validate_command(binary: str, tmp: str) -> str:
    return f"{shlex.quote(binary)} -p -c {shlex.quote(tmp)} 2>&1"


def backup_command(path: str, stamp: str) -> tuple[str, str]:
    """(command, backup name): a copy of ``path`` beside it, as the module's backup does."""
    backup = f"{path}.{stamp}~"
    return f"cp -p {shlex.quote(path)} {shlex.quote(backup)}", backup


def remove_command(path: str) -> str:
    return f"rm -f {shlex.quote(path)}"


def reload_command(version: str, facts: dict[str, str], control_socket: str | None) -> str | None:
    """``birdc configure`` (``birdc6`` for 1.6), else the init script's reload; None when neither exists.

    `facts` holds the client's path under its name and ``yes`` under ``init-NAME`` for each init script of
    :data:`INIT_SCRIPTS` that exists: :func:`facts_command` gathers them through the shell, the module with
    :func:`local_facts`. Both paths reload with this command.
    """
    client = binary_names(version)[1]
    if facts.get(client):
        socket = f" -s {shlex.quote(control_socket)}" if control_socket else ""
        return f"{shlex.quote(facts[client])}{socket} configure 2>&1"
    for name in INIT_SCRIPTS[version]:
        if facts.get(f"init-{name}") == "yes":
            return f"{INIT_DIR}/{name} reload 2>&1"
    return None


def local_facts(version: str, which: Callable[[str], str | None],
                executable: Callable[[str], bool]) -> dict[str, str]:
    """What :func:`reload_command` needs, found on this machine: `which` finds a program on PATH, `executable`
    says whether a file is an executable."""
    client = binary_names(version)[1]
    facts = {client: which(client) or ""}
    for name in INIT_SCRIPTS[version]:
        facts[f"init-{name}"] = "yes" if executable(f"{INIT_DIR}/{name}") else ""
    return facts


def reload_outcome(command: str | None, rc: int, text: str) -> tuple[bool, str]:
    """(reloaded, message), as the module reports it; raises when the daemon refused the new file."""
    text = text.strip()
    if command is None:
        return False, "neither birdc nor an init script for BIRD is on the host; nothing reloaded"
    if "Unable to connect" in text:
        return False, f"no BIRD daemon answers ({text}); nothing reloaded"
    if f"{INIT_DIR}/" in command:
        if rc == 0:
            return True, text or "reloaded by the init script"
        raise BirdConfigError(f"the file is installed but '{command}' failed: {text}")
    if rc == 0 and "Reconfigur" in text:
        return True, text
    raise BirdConfigError(f"the file is installed but '{command}' failed: {text}")


def local_version_ok(version_text: str, wanted: str) -> bool:
    """Whether a local ``bird --version`` output is the BIRD generation the file is written for."""
    try:
        found = parse_bird_version(version_text)
    except BirdConfigError:
        return False
    return found == wanted
