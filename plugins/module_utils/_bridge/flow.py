# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the bridge_iface module does, without AnsibleModule: check, plan, arm the revert, apply, confirm."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .._files import FilesError, Write, backup_copy, replace_all
from . import kernel, netlink, options, probe, rollback, solicit
from .spec import PERSISTENT_BACKENDS, BridgeError, BridgeRequest, BridgeSpec, FileChange

CHECK_WINDOW = 10.0  # seconds the connectivity_check addresses get to answer after the change


@dataclass
class Rollback:
    """The revert of a change: armed (it will run at deadline unless confirmed), confirmed, and where an armed
    revert keeps what it restores (state_dir)."""

    armed: bool = False
    confirmed: bool = False
    deadline: str | None = None
    state_dir: str | None = None


@dataclass
class BridgeOutcome:
    """What a task did (or, in check mode, would do): the bridge, its ports and MAC, the backend, the files
    written and the commands run, the bridge's addresses after, the revert, the addressing the bridge took over
    (spec, with the files it came from; None when nothing was inherited), the diff of the files, the running
    state and the commands, and the backups made. A task with state confirmed only confirms (confirm_only)."""

    changed: bool
    bridge: str
    rollback: Rollback
    confirm_only: bool = False
    ports: list[str] = field(default_factory=list)
    mac: str | None = None
    backend: str = "kernel"
    files: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    spec: BridgeSpec | None = None
    inherited_from: list[str] | None = None
    diff: list[dict[str, str]] = field(default_factory=list)
    backup_files: list[str] | None = None


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


def run_confirm(name: str, check_mode: bool) -> BridgeOutcome:
    directory = rollback.state_dir(name)
    found = rollback.status(directory)
    if found["reverted_at"]:
        rollback.confirm(directory, name)  # raises with the time it was reverted
    if check_mode:
        changed = found["armed"]
    else:
        changed = rollback.confirm(directory, name)
    return BridgeOutcome(changed, name, Rollback(False, changed, found["deadline"]), confirm_only=True)


@dataclass
class _Plan:
    """Everything decided before the first change: the files, the commands and the kernel steps."""

    name: str
    state: str
    spec: BridgeSpec
    timeout: int
    backend: str = "kernel"
    persist: Any = None
    changes: list[FileChange] = field(default_factory=list)
    inherited: Any = None
    current: dict[str, kernel.LinkState] = field(default_factory=dict)
    desired: dict[str, kernel.LinkState] = field(default_factory=dict)
    steps: list[Any] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def persistent(self) -> bool:
        return self.persist is not None and self.backend in PERSISTENT_BACKENDS


def _plan_files(plan: _Plan, request: BridgeRequest, warn: Callable[[str], None]) -> None:
    """The backend, and the files a persistent one writes (with the addressing the bridge inherits)."""
    if plan.backend == "auto":
        plan.persist = _persist()
        plan.backend = plan.persist.detect_backend("/")
    if plan.backend not in PERSISTENT_BACKENDS:
        if request.dhcp4 or request.dhcp6:
            warn("the kernel backend runs no DHCP client: dhcp4/dhcp6 are ignored; use a persistent backend for them")
        return
    persist = plan.persist = plan.persist or _persist()
    spec, backend, state, config_file = plan.spec, plan.backend, plan.state, request.config_file
    persist.preflight(spec, backend, "/", state)
    if state == "present":
        spec, plan.inherited = persist.inherited_spec(spec, backend, "/", config_file, request)
        plan.spec = spec
    planned = persist.plan_files(spec, backend, root="/", config_file=config_file, state=state)
    plan.changes = [c for c in planned if c.changed]
    for message in persist.plan_warnings(spec, backend, root="/", config_file=config_file, state=state):
        warn(message)
    for message in _validate(backend, plan.changes) if plan.changes else []:
        warn(message)


def _plan_runtime(plan: _Plan, request: BridgeRequest) -> None:
    """The running state wanted, the kernel steps to it, and the commands the result lists."""
    name, spec = plan.name, plan.spec
    plan.current = netlink.read_state([name, *spec.ports])
    if plan.state == "present":
        plan.desired = kernel.desired_present(spec, plan.current, netlink.forwarding())
    else:
        refused = options.removal_problem(name, netlink.default_route_links(), plan.timeout, request.force)
        if refused and plan.current[name].exists:
            raise BridgeError(refused)
        plan.desired = kernel.desired_absent(name, plan.current)
    plan.steps = kernel.plan(plan.current, plan.desired)
    plan.commands = [s.text() for s in plan.steps]
    if plan.persistent:
        # The network tool brings the running state in line with its files in its own way: run it when the
        # files change or when the bridge is plainly not there (or still there), not for every detail.
        if plan.changes or _runtime_differs(spec, plan.current, plan.state):
            plan.commands = [" ".join(c) for c in plan.persist.pre_commands(plan.backend, spec, state=plan.state)
                             + plan.persist.apply_commands(plan.backend, spec, state=plan.state)]
        else:
            plan.commands = []


def _outcome(plan: _Plan, request: BridgeRequest) -> BridgeOutcome:
    """What the plan does, before anything is done."""
    name = plan.name
    diff = _file_diffs(plan.changes) + [{
        "before_header": f"{name} (running state)",
        "after_header": f"{name} (running state)",
        "before": kernel.describe(plan.current),
        "after": kernel.describe(plan.desired),
    }, {
        "before_header": "commands",
        "after_header": "commands",
        "before": "",
        "after": "".join(f"{c}\n" for c in plan.commands),
    }]
    inherited = None
    if plan.inherited is not None:
        inherited = list(plan.inherited.sources) if request.inherit_addressing else []
    return BridgeOutcome(
        changed=bool(plan.commands or plan.changes), bridge=name, rollback=Rollback(), ports=list(plan.spec.ports),
        mac=plan.spec.mac if plan.state == "present" else None, backend=plan.backend,
        files=[c.path for c in plan.changes], commands=plan.commands, addresses=_addresses(plan.desired, name),
        spec=plan.spec if plan.inherited is not None else None, inherited_from=inherited, diff=diff)


def _carry_out(plan: _Plan, request: BridgeRequest, warn: Callable[[str], None],
               run_command: Callable[..., Any]) -> list[str]:
    """Write the files and change the running state; the backups made."""
    persist, backend, spec, state = plan.persist, plan.backend, plan.spec, plan.state
    backups: list[str] = []
    for command in persist.pre_commands(backend, spec, state=state) if backend != "kernel" else []:
        _apply_command(command, warn, run_command)
    if plan.changes:
        mode = persist.file_mode(backend)
        # Files of the collection's own get the backend's mode; a user's file edited in place keeps its own.
        writes = [Write(c.path, c.after, mode if c.before is None or c.before.startswith(persist.MARKER_PREFIX)
                        else None, make_dirs=True) for c in plan.changes]
        backups = replace_all(writes, backup_copy if request.backup else None)
    if backend == "kernel":
        netlink.apply(plan.steps)
    else:
        for command in persist.apply_commands(backend, spec, state=state):
            gone = persist.deleted_link(command)
            if gone and gone not in netlink.read_links():
                continue
            _apply_command(command, warn, run_command)
    return backups


def _reverted(exc: Exception, plan: _Plan, directory: str) -> BridgeError:
    """The error to raise for a failed change, after the armed revert (if any) has run."""
    if plan.timeout <= 0:
        return BridgeError(str(exc))
    done = rollback.fire(directory)
    if done and done["errors"]:
        return BridgeError(f"{exc}; the revert at {done['at']} could not restore everything: "
                           + "; ".join(done["errors"]))
    return BridgeError(f"{exc}; the previous state was restored at {done['at'] if done else 'once'}")


def _check_connectivity(plan: _Plan, targets: list[str], outcome: BridgeOutcome, directory: str) -> None:
    """connectivity_check after the change: confirm the revert when every target answers, else fail."""
    timeout = plan.timeout
    # The links that carry the host's addressing now; a router solicitation there brings the IPv6 prefix and
    # default route back at once, rather than at the router's next advertisement.
    carriers = [plan.name] if plan.state == "present" else list(plan.spec.ports)
    silent = probe.silent_targets(targets, within=CHECK_WINDOW if timeout == 0 else min(CHECK_WINDOW, timeout / 2),
                                  nudge=lambda: solicit.solicit_all(carriers))
    if silent:
        later = (f"the change reverts at {outcome.rollback.deadline} unless a task with state: confirmed "
                 "runs first" if timeout > 0 else "rollback_timeout is 0, so nothing reverts it")
        raise BridgeError(f"connectivity_check: {', '.join(silent)} did not answer after the change to "
                          f"{plan.name}; {later}")
    if timeout > 0:
        rollback.confirm(directory, plan.name)
        outcome.rollback.confirmed = True
        outcome.rollback.armed = False


def run(request: BridgeRequest, check_mode: bool, warn: Callable[[str], None],
        run_command: Callable[..., Any]) -> BridgeOutcome:
    """The whole task; `run_command` (the module's) runs the persistent backend's apply commands."""
    name, state = request.name, request.state
    problem = options.ifname_problem(name)
    if problem:
        raise BridgeError(problem)
    if state == "confirmed":
        return run_confirm(name, check_mode)
    links = netlink.read_links()
    if state == "absent" and not request.ports:
        request = replace(request, ports=tuple(n for n, link in links.items() if link.master == name))
    plan = _Plan(name, state, options.bridge_spec(request, links), request.rollback_timeout,
                 backend=request.backend)
    targets = options.connectivity_targets(list(request.connectivity_check))
    if plan.timeout < 0:
        raise BridgeError(f"rollback_timeout {plan.timeout} is negative; give seconds (e.g. 120), or 0 for no "
                          "rollback")
    _plan_files(plan, request, warn)
    _plan_runtime(plan, request)
    outcome = _outcome(plan, request)
    if check_mode or not outcome.changed:
        return outcome
    directory = rollback.state_dir(name)
    if plan.timeout > 0:
        outcome.rollback = Rollback(**rollback.arm(directory, name, plan.timeout, plan.current,
                                                   [(c.path, c.before) for c in plan.changes]))
    try:
        backups = _carry_out(plan, request, warn, run_command)
    except (BridgeError, FilesError, OSError) as exc:
        raise _reverted(exc, plan, directory) from exc
    if plan.changes:
        outcome.backup_files = backups
    outcome.addresses = _addresses(netlink.read_state([name]), name)
    if targets:
        _check_connectivity(plan, targets, outcome, directory)
    return outcome


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
