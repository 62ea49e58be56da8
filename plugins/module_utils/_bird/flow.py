# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""babel_bird6's one flow: render the file, compare it with the live one, validate, install, reload.

The flow reaches the router only through a `BirdHost`, which has two implementations: the module's, on a router
with Python (module_utils/_module/babel_bird6.py), and the action plugin's, which does the same through the shell
alone, for routers without Python (plugins/action/babel_bird6.py). Both therefore decide alike: the same file,
the same `changed`, the same checks, in the same order, and nothing written in check mode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

try:
    from typing import Protocol
except ImportError:  # Python 3.7 on the managed host
    Protocol = object  # type: ignore[assignment]

from .config import BirdConfigError, ConfigRequest, default_path, render_config, unmatched_patterns


@dataclass(frozen=True)
class BirdRequest:
    """What the task asks of the router: the file's content, where it goes, and how it is checked and applied."""

    config: ConfigRequest
    state: str = "present"
    bird_version: str = "auto"  # or "1.6", "2", "3"
    path: str | None = None  # None: where the distribution's BIRD reads it
    validate: bool = True
    backup: bool = False
    reload: bool = True
    control_socket: str | None = None  # for birdc, when not the default one
    bird_binary: str | None = None  # the controller's BIRD that validates (the controller path only)


class BirdHost(Protocol):
    """What the flow needs of the router; every method may raise BirdConfigError with a message for the user."""

    def detect_version(self) -> str:
        """The BIRD generation installed: '3', '2' or '1.6'."""

    def is_openwrt(self) -> bool:
        """Whether the host is OpenWrt (its own default paths)."""

    def interfaces(self) -> list[str] | None:
        """The host's interface names, or None when they cannot be listed."""

    def read(self, path: str) -> tuple[bool, str]:
        """(whether PATH exists, its text or '')."""

    def validate(self, version: str, text: str) -> bool:
        """Check TEXT with the BIRD of VERSION before anything changes: True when the text itself was parsed,
        False when only the binary was checked and `install` parses the text (on the host, before it goes live).
        Raises when BIRD rejects the text or no fitting binary is found."""

    def directory_exists(self, path: str) -> bool:
        """Whether the directory that is to hold PATH exists."""

    def install(self, path: str, text: str | None, backup: bool, validate_version: str | None) -> str | None:
        """Replace PATH by TEXT atomically (remove it when TEXT is None), after a backup copy when BACKUP; with
        VALIDATE_VERSION, the BIRD of that version parses the staged file first. The backup's path, or None."""

    def reload(self, version: str) -> tuple[bool, str]:
        """Make the running BIRD take the file: (reloaded, message)."""


@dataclass
class BirdOutcome:
    """What the flow found and did; the adapters make it the task's result."""

    changed: bool
    path: str
    bird_version: str
    before: str  # the live file, "" when there is none
    config: str | None  # the file as it should be; None for state=absent
    validated: bool = False
    reloaded: bool = False
    reload_message: str = "nothing changed"
    backup_file: str | None = None
    warnings: list[str] = field(default_factory=list)


def _compare(host: BirdHost, request: BirdRequest) -> tuple[bool, BirdOutcome]:
    """(whether the file exists, the outcome so far): the file as it should be, against the live one."""
    version = request.bird_version
    if version == "auto":
        version = host.detect_version()
    path = request.path or default_path(version, host.is_openwrt())
    present = request.state == "present"
    after = render_config(request.config, version) if present else None
    exists, before = host.read(path)
    changed = (before != after or not exists) if present else exists
    outcome = BirdOutcome(changed=changed, path=path, bird_version=version, before=before, config=after,
                          reload_message="check mode" if changed else "nothing changed")
    names = host.interfaces() if present else None
    if names:
        outcome.warnings = [f"interface name or pattern {pattern!r} matches no interface on this host (yet)"
                            for pattern in unmatched_patterns(request.config, names)]
    return exists, outcome


def run(host: BirdHost, request: BirdRequest, check_mode: bool) -> BirdOutcome:
    """The outcome of babel_bird6 for REQUEST on HOST."""
    exists, outcome = _compare(host, request)
    if not outcome.changed:
        return outcome
    version, path, text = outcome.bird_version, outcome.path, outcome.config
    if text is not None and request.validate:
        outcome.validated = host.validate(version, text)
    if check_mode:
        return outcome
    if text is not None and not host.directory_exists(path):
        raise BirdConfigError(f"the directory of path {path} does not exist; install BIRD or create it")
    late = version if text is not None and request.validate and not outcome.validated else None
    outcome.backup_file = host.install(path, text, request.backup and exists, late)
    outcome.validated = outcome.validated or late is not None
    if request.reload:
        outcome.reloaded, outcome.reload_message = host.reload(version)
    else:
        outcome.reload_message = "reload=false"
    return outcome
