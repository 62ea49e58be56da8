# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the bridge_iface module does, without AnsibleModule: check, plan, arm the revert, apply, confirm."""

from __future__ import annotations

from typing import Any, Callable

from .._files import FilesError, Write, backup_copy, replace_all
from . import kernel, options, probe, rollback
from .spec import PERSISTENT_BACKENDS, BridgeError, BridgeSpec, FileChange

CHECK_WINDOW = 10.0  # seconds the connectivity_check addresses get to answer after the change


def _persist() -> Any:
    """The persistent backends (netplan, networkd, ifupdown, NetworkManager)."""
    try:
        from . import persist  # pylint: disable=import-outside-toplevel
    except ImportError as exc:
        raise BridgeError(
            f"the persistent backends are not available ({exc}); use backend: kernel for a running-state change"
        ) from exc
    return persist


def _validate(backend: str, changes: list[FileChange]) -> list[str]:
    try:
        from . import validate  # pylint: disable=import-outside-toplevel
    except ImportError:
        return []
    return list(validate.validate(backend, changes, root="/"))


def _file_diffs(changes: list[FileChange]) -> list[dict[str, str]]:
    return [
        {"before_header": c.path, "after_header": c.path, "before": c.before or "", "after": c.after or ""}
        for c in changes
    ]


def _addresses(state: dict[str, kernel.LinkState], name: str) -> list[str]:
    link = state.get(name)
    if link is None or not link.exists:
        return []
    return [f"{a.address}/{a.prefixlen}" for a in sorted(link.addresses, key=lambda a: (a.family, a.address))]


def run_confirm(name: str, check_mode: bool) -> dict[str, Any]:
    directory = rollback.state_dir(name)
    found = rollback.status(directory)
    if found["reverted_at"]:
        rollback.confirm(directory, name)  # raises with the time it was reverted
    if check_mode:
        changed = found["armed"]
    else:
        changed = rollback.confirm(directory, name)
    return {
        "changed": changed,
        "bridge": name,
        "rollback": {"armed": False, "confirmed": changed, "deadline": found["deadline"]},
    }


def run(params: dict[str, Any], check_mode: bool, want_diff: bool, warn: Callable[[str], None],  # noqa: C901
        run_command: Callable[..., Any]) -> dict[str, Any]:
    """The whole task; `run_command` (the module's) runs the persistent backend's apply commands."""
    name = params["name"]
    state = params["state"]
    problem = options.ifname_problem(name)
    if problem:
        raise BridgeError(problem)
    if state == "confirmed":
        return run_confirm(name, check_mode)

    links = kernel.read_links()
    if state == "absent" and not params.get("ports"):
        params = {**params, "ports": [n for n, link in links.items() if link.master == name]}
    spec: BridgeSpec = options.bridge_spec(params, links)
    targets = options.connectivity_targets(params.get("connectivity_check") or [])
    timeout = int(params.get("rollback_timeout") or 0)
    if timeout < 0:
        raise BridgeError(f"rollback_timeout {timeout} is negative; give seconds (e.g. 120), or 0 for no rollback")

    backend = params["backend"]
    persist: Any = None
    if backend == "auto":
        persist = _persist()
        backend = persist.detect_backend("/")
    changes: list[FileChange] = []
    inherited = None
    if backend in PERSISTENT_BACKENDS:
        persist = persist or _persist()
        persist.preflight(spec, backend, "/", state)
        if state == "present":
            spec, inherited = persist.inherited_spec(spec, backend, "/", params.get("config_file"), params)
        planned = persist.plan_files(spec, backend, root="/", config_file=params.get("config_file"), state=state)
        changes = [c for c in planned if c.changed]
        config_file = params.get("config_file")
        for message in persist.plan_warnings(spec, backend, root="/", config_file=config_file, state=state):
            warn(message)
        for message in _validate(backend, changes) if changes else []:
            warn(message)
    elif params.get("dhcp4") or params.get("dhcp6"):
        warn("the kernel backend runs no DHCP client: dhcp4/dhcp6 are ignored; use a persistent backend for them")

    current = kernel.read_state([name, *spec.ports])
    if state == "present":
        desired = kernel.desired_present(spec, current, kernel.forwarding())
    else:
        refused = options.removal_problem(name, kernel.default_route_links(), timeout, bool(params.get("force")))
        if refused and current[name].exists:
            raise BridgeError(refused)
        desired = kernel.desired_absent(name, current)
    steps = kernel.plan(current, desired)
    commands = [s.text() for s in steps]
    if persist is not None and backend in PERSISTENT_BACKENDS:
        # The network tool brings the running state in line with its files in its own way: run it when the
        # files change or when the bridge is plainly not there (or still there), not for every detail.
        if changes or _runtime_differs(spec, current, state):
            commands = [" ".join(c) for c in persist.pre_commands(backend, spec, state=state)
                        + persist.apply_commands(backend, spec, state=state)]
        else:
            commands = []
    changed = bool(commands or changes)

    result: dict[str, Any] = {
        "changed": changed,
        "bridge": name,
        "ports": list(spec.ports),
        "mac": spec.mac if state == "present" else None,
        "backend": backend,
        "files": [c.path for c in changes],
        "commands": commands,
        "addresses": _addresses(desired, name),
        "rollback": {"armed": False, "confirmed": False, "deadline": None},
    }
    if inherited is not None:
        result["addressing"] = _addressing_result(spec, inherited, params)
    if want_diff:
        result["diff"] = _file_diffs(changes) + [{
            "before_header": f"{name} (running state)",
            "after_header": f"{name} (running state)",
            "before": kernel.describe(current),
            "after": kernel.describe(desired),
        }, {
            "before_header": "commands",
            "after_header": "commands",
            "before": "",
            "after": "".join(f"{c}\n" for c in commands),
        }]
    if check_mode or not changed:
        return result

    directory = rollback.state_dir(name)
    if timeout > 0:
        result["rollback"] = rollback.arm(directory, name, timeout, current, [(c.path, c.before) for c in changes])
    try:
        for command in persist.pre_commands(backend, spec, state=state) if backend != "kernel" else []:
            _apply_command(command, warn, run_command)
        if changes:
            mode = persist.file_mode(backend)
            # Files of the collection's own get the backend's mode; a user's file edited in place keeps its own.
            writes = [Write(c.path, c.after, mode if c.before is None or c.before.startswith(persist.MARKER_PREFIX)
                            else None, make_dirs=True) for c in changes]
            result["backup_files"] = replace_all(writes, backup_copy if params.get("backup") else None)
        if backend == "kernel":
            kernel.apply(steps)
        else:
            for command in persist.apply_commands(backend, spec, state=state):
                _apply_command(command, warn, run_command)
    except (BridgeError, FilesError, OSError) as exc:
        if timeout > 0:
            done = rollback.fire(directory)
            if done and done["errors"]:
                raise BridgeError(f"{exc}; the revert at {done['at']} could not restore everything: "
                                  + "; ".join(done["errors"])) from exc
            raise BridgeError(f"{exc}; the previous state was restored at {done['at'] if done else 'once'}") from exc
        raise BridgeError(str(exc)) from exc

    result["addresses"] = _addresses(kernel.read_state([name]), name)
    if targets:
        silent = probe.silent_targets(targets, within=CHECK_WINDOW if timeout == 0 else min(CHECK_WINDOW, timeout / 2))
        if silent:
            later = (f"the change reverts at {result['rollback']['deadline']} unless a task with state: confirmed "
                     "runs first" if timeout > 0 else "rollback_timeout is 0, so nothing reverts it")
            raise BridgeError(f"connectivity_check: {', '.join(silent)} did not answer after the change to {name}; "
                              f"{later}")
        if timeout > 0:
            rollback.confirm(directory, name)
            result["rollback"]["confirmed"] = True
            result["rollback"]["armed"] = False
    return result


def _addressing_result(spec: BridgeSpec, inherited: Any, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "dhcp4": spec.dhcp4, "dhcp6": spec.dhcp6, "accept_ra": spec.accept_ra,
        "addresses": list(spec.addresses), "routes": [{"to": d, "via": g} for d, g in spec.routes],
        "nameservers": list(spec.nameservers), "search": list(spec.search),
        "inherited_from": list(inherited.sources) if params.get("inherit_addressing", True) is not False else [],
    }


def _runtime_differs(spec: BridgeSpec, current: dict[str, kernel.LinkState], state: str) -> bool:
    bridge = current.get(spec.name)
    exists = bridge is not None and bridge.exists
    if state == "absent":
        return exists
    return not exists or any(current[p].master != spec.name for p in spec.ports)


def _apply_command(command: list[str], warn: Callable[[str], None], run_command: Callable[..., Any]) -> None:
    """Run one apply command; a failure raises BridgeError, except a harmless ifdown."""
    rc, _out, err = run_command(command)
    if rc == 0:
        return
    message = f"'{' '.join(command)}' failed (exit {rc}): {err.strip()}"
    if command[0] == "ifdown":  # an interface ifupdown never brought up: harmless
        warn(message)
        return
    raise BridgeError(message)
