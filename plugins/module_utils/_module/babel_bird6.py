# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The babel_bird6 module's adapter: its options and their request (both shared with its action plugin, for
routers without Python), and the router it runs on as the `BirdHost` of the one flow (_bird/flow.py)."""

from __future__ import annotations

import os
import tempfile
from typing import Any, Mapping

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_text

from .._bird.config import (
    BabelInterface,
    BirdConfigError,
    ConfigRequest,
    RipngInterface,
    binary_names,
    check_binary,
    choose_version,
    rejection,
)
from .._bird.flow import BirdOutcome, BirdRequest, run
from .._bird.remote_shell import local_facts, reload_command, reload_outcome
from .._files import FilesError, Write, replace_all

_BABEL_IFACE = dict(
    names=dict(type="list", elements="str", required=True),
    type=dict(type="str", choices=["wired", "wireless", "tunnel"]),
    hello_interval=dict(type="str"),
    update_interval=dict(type="str"),
    rxcost=dict(type="int"),
    limit=dict(type="int"),
    check_link=dict(type="bool"),
    authentication=dict(type="str", choices=["none", "mac"]),
    password=dict(type="str", no_log=True),
)
_RIPNG_IFACE = dict(
    names=dict(type="list", elements="str", required=True),
    update_time=dict(type="int"),
    timeout_time=dict(type="int"),
    garbage_time=dict(type="int"),
    split_horizon=dict(type="bool"),
    poison_reverse=dict(type="bool"),
    bfd=dict(type="bool"),
    check_link=dict(type="bool"),
)
ARGUMENT_SPEC: dict[str, Any] = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    bird_version=dict(type="str", choices=["auto", "1.6", "2", "3"], default="auto"),
    path=dict(type="path", aliases=["config_file"]),
    router_id=dict(type="str"),
    profile=dict(type="str", choices=["seed", "stable", "fast"]),
    babel=dict(type="dict", options=dict(
        interfaces=dict(type="list", elements="dict", required=True, options=_BABEL_IFACE))),
    ripng=dict(type="dict", options=dict(
        interfaces=dict(type="list", elements="dict", required=True, options=_RIPNG_IFACE))),
    direct=dict(type="dict", options=dict(interfaces=dict(type="list", elements="str", required=True))),
    kernel=dict(type="dict", options=dict(
        enabled=dict(type="bool", default=True),
        persist=dict(type="bool", default=False),
        scan_time=dict(type="int"))),
    device=dict(type="dict", options=dict(scan_time=dict(type="int", default=10))),
    validate=dict(type="bool", default=True),
    backup=dict(type="bool", default=False),
    reload=dict(type="bool", default=True, aliases=["apply"]),
    control_socket=dict(type="path"),
    render_on_controller=dict(type="bool"),
    bird_binary=dict(type="path"),
)
RULES: dict[str, Any] = {}


def _names(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value or ())


def _entries(section: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list((section or {}).get("interfaces") or [])


def config_request(params: Mapping[str, Any]) -> ConfigRequest:
    """What the file is to say, from the options (their values are checked when it is rendered)."""
    kernel = params.get("kernel") or {}
    return ConfigRequest(
        babel=tuple(BabelInterface(names=_names(entry.get("names")),
                                   **{key: entry.get(key) for key in _BABEL_IFACE if key != "names"})
                    for entry in _entries(params.get("babel"))),
        ripng=tuple(RipngInterface(names=_names(entry.get("names")),
                                   **{key: entry.get(key) for key in _RIPNG_IFACE if key != "names"})
                    for entry in _entries(params.get("ripng"))),
        direct=_names((params.get("direct") or {}).get("interfaces")),
        router_id=params.get("router_id"),
        profile=params.get("profile"),
        kernel_enabled=kernel.get("enabled", True) is not False,
        kernel_persist=bool(kernel.get("persist")),
        kernel_scan_time=kernel.get("scan_time"),
        device_scan_time=(params.get("device") or {}).get("scan_time"),
    )


def bird_request(params: Mapping[str, Any]) -> BirdRequest:
    """The flow's request from the options (the module's, or the action plugin's once validated)."""
    return BirdRequest(
        config=config_request(params),
        state=params.get("state") or "present",
        bird_version=params.get("bird_version") or "auto",
        path=params.get("path"),
        validate=bool(params.get("validate", True)),
        backup=bool(params.get("backup")),
        reload=bool(params.get("reload", True)),
        control_socket=params.get("control_socket"),
        bird_binary=params.get("bird_binary"),
    )


def outcome_result(outcome: BirdOutcome, want_diff: bool) -> dict[str, Any]:
    """The task's result: the module's and the action plugin's alike (warnings under 'warnings')."""
    result: dict[str, Any] = dict(changed=outcome.changed, path=outcome.path, bird_version=outcome.bird_version,
                                  validated=outcome.validated, reloaded=outcome.reloaded,
                                  reload_message=outcome.reload_message)
    if outcome.warnings:
        result["warnings"] = list(outcome.warnings)
    if outcome.config is not None:
        result["config"] = outcome.config
    if want_diff:
        after = "" if outcome.config is None else outcome.config
        result["diff"] = dict(before=outcome.before, after=after, before_header=outcome.path,
                              after_header=outcome.path)
    if outcome.backup_file:
        result["backup_file"] = outcome.backup_file
    return result


class ModuleHost:
    """The router the module runs on: files, binaries and commands reached directly."""

    def __init__(self, module: AnsibleModule, request: BirdRequest) -> None:
        self.module = module
        self.request = request

    def _version_text(self, binary: str) -> str:
        _rc, out, err = self.module.run_command([binary, "--version"])
        return str(out) + str(err)

    def detect_version(self) -> str:
        found = ((name, binary, self._version_text(binary))
                 for name, binary in ((n, self.module.get_bin_path(n)) for n in ("bird", "bird6")) if binary)
        return choose_version(found)

    def is_openwrt(self) -> bool:
        return os.path.exists("/etc/openwrt_release")

    def interfaces(self) -> list[str] | None:
        return os.listdir("/sys/class/net") if os.path.isdir("/sys/class/net") else None

    def read(self, path: str) -> tuple[bool, str]:
        if not os.path.exists(path):
            return False, ""
        with open(path, "rb") as handle:
            return True, to_text(handle.read(), errors="surrogate_or_strict")

    def validate(self, version: str, text: str) -> bool:
        daemon = binary_names(version)[0]
        binary = self.module.get_bin_path(daemon)
        if not binary:
            raise BirdConfigError(f"validate=true needs {daemon} (BIRD {version}) on the host to parse the file; "
                                  f"install it, put it on PATH, or set validate=false")
        check_binary(self.request.config, version, binary, self._version_text(binary))
        # Parsed from Ansible's own temporary directory, in check mode too.
        fd, tmp = tempfile.mkstemp(prefix=".babel_bird6.", suffix=".conf", dir=self.module.tmpdir)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(to_bytes(text))
            rc, out, err = self.module.run_command([binary, "-p", "-c", tmp])
        finally:
            os.unlink(tmp)
        if rc != 0:
            raise BirdConfigError(rejection(binary, rc, err or out))
        return True

    def directory_exists(self, path: str) -> bool:
        return os.path.isdir(os.path.dirname(path) or ".")

    def install(self, path: str, text: str | None, backup: bool, validate_version: str | None) -> str | None:
        # validate_version is always None here: validate() parsed the text itself.
        try:
            backups = replace_all([Write(path, text)], self.module.backup_local if backup else None)
        except FilesError as exc:
            raise BirdConfigError(str(exc)) from exc
        return backups[0] if backups else None

    def reload(self, version: str) -> tuple[bool, str]:
        """``birdc configure``, else the init script's reload (OpenWrt without birdc), as the action does."""
        facts = local_facts(version, self.module.get_bin_path, lambda path: os.access(path, os.X_OK))
        command = reload_command(version, facts, self.request.control_socket)
        rc, out, err = self.module.run_command(command, use_unsafe_shell=True) if command else (0, "", "")
        return reload_outcome(command, rc, str(out) + str(err))


def run_module(module: AnsibleModule) -> None:
    """Run babel_bird6 on this host and exit with its result."""
    try:
        request = bird_request(module.params)
        outcome = run(ModuleHost(module, request), request, module.check_mode)
    except BirdConfigError as exc:
        module.fail_json(msg=str(exc), rendered_on_controller=False)
    result = outcome_result(outcome, module._diff)
    for warning in result.pop("warnings", []):
        module.warn(warning)
    module.exit_json(rendered_on_controller=False, **result)
