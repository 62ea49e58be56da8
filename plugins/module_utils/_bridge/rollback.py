# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commit-confirm for bridge_iface: a revert armed before a change, fired at a deadline unless confirmed.

The revert runs detached from the Ansible connection: a process in its own session (or a transient systemd unit
when systemd is PID 1 and the change is in PID 1's network namespace), started from a copy of this code in a
state directory, /run/palmfarm/bridge-NAME/ (under netns-NAME/ in a named network namespace), so it neither
dies with the SSH session nor needs the module's temporary files. The directory holds:

  pending.json   the revert plan: deadline, the running state to restore (a JSON snapshot), the files to put back
  files/N        the previous content of each file the change rewrites
  pid            the waiting process
  confirmed      written by a confirm: the waiting process exits without reverting
  reverted.json  written when the revert fired: when, and what it did
  lock           serialises confirm and revert, so exactly one of them wins

The revert process runs `python -m palmfarm_bridge._bridge.rollback run STATE_DIR` (REVERT_MODULE, with
PYTHONPATH=STATE_DIR/lib). Its code is LIB_FILES, copied into STATE_DIR/lib/palmfarm_bridge/ in the layout they have
under module_utils, so their relative imports work unchanged there; a unit test checks that they import nothing else.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import pkgutil
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from typing import Any, Iterator

from .._files import FilesError, Write, replace_all
from .._files import unlink_if_present as _remove
from . import kernel, netlink
from .spec import BridgeError

BASE_DIR = "/run/palmfarm"
NETNS_DIR = "/run/netns"
LIB_PACKAGE = "palmfarm_bridge"
# The files of the revert process, relative to module_utils: this module and everything it imports.
LIB_FILES = ("_files.py", "_optional.py", "_net/netlink.py", "_bridge/spec.py", "_bridge/kernel.py",
             "_bridge/netlink.py", "_bridge/rollback.py")
REVERT_MODULE = f"{LIB_PACKAGE}._bridge.rollback"
POLL = 0.1


def _netns_inode(pid: str) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/net").st_ino
    except OSError:
        return None


def _named_netns(own: int) -> str | None:
    """The name under /run/netns (ip netns) of the network namespace with this inode, if any."""
    try:
        names = sorted(os.listdir(NETNS_DIR))
    except OSError:
        return None
    for name in names:
        try:
            if os.stat(os.path.join(NETNS_DIR, name)).st_ino == own:
                return name
        except OSError:
            continue
    return None


def state_dir(name: str, base: str = BASE_DIR) -> str:
    """The state directory of bridge `name` in this network namespace (/run is shared by all of them)."""
    own, init = _netns_inode("self"), _netns_inode("1")
    if own is None or own == init:
        return os.path.join(base, f"bridge-{name}")
    named = _named_netns(own)
    if named is not None:
        return os.path.join(base, f"netns-{named}", f"bridge-{name}")
    if init is None:  # PID 1 cannot be inspected and this namespace has no name: take it for the host's
        return os.path.join(base, f"bridge-{name}")
    return os.path.join(base, f"netns-{own}", f"bridge-{name}")


def _now_text(when: float | None = None) -> str:
    stamp = datetime.datetime.fromtimestamp(time.time() if when is None else when, datetime.timezone.utc)
    return stamp.isoformat(timespec="seconds")


@contextmanager
def _locked(directory: str) -> Iterator[None]:
    os.makedirs(directory, mode=0o700, exist_ok=True)
    with open(os.path.join(directory, "lock"), "a+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _write_json(path: str, data: Any) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _waiting_pid(directory: str) -> int | None:
    """The pid of the process waiting on `directory`, when it still runs (checked by its command line)."""
    try:
        with open(os.path.join(directory, "pid"), encoding="ascii") as handle:
            pid = int(handle.read().strip())
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            cmdline = handle.read().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if directory.encode() in cmdline else None


def status(directory: str) -> dict[str, Any]:
    """armed/confirmed/reverted as found in the state directory."""
    pending = _read_json(os.path.join(directory, "pending.json"))
    reverted = _read_json(os.path.join(directory, "reverted.json"))
    return {
        "armed": pending is not None,
        "deadline": pending["deadline_text"] if pending else None,
        "waiting_pid": _waiting_pid(directory),
        "reverted_at": reverted["at"] if reverted else None,
        "revert_errors": reverted.get("errors", []) if reverted else [],
    }


def _copy_library(directory: str) -> str:
    """Copy LIB_FILES into DIRECTORY/lib/palmfarm_bridge/ (with the package files they need); the lib directory."""
    lib = os.path.join(directory, "lib")
    utils = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # module_utils, when installed as files
    utils_package = (__package__ or f"{LIB_PACKAGE}._bridge").rsplit(".", 1)[0]
    for name in LIB_FILES:
        data = None
        if os.path.isfile(os.path.join(utils, name)):
            with open(os.path.join(utils, name), "rb") as handle:
                data = handle.read()
        else:  # inside the module's zip payload
            data = pkgutil.get_data(utils_package, name)
        if data is None:
            raise BridgeError(f"cannot read {name} to set up the revert in {directory}")
        target = os.path.join(lib, LIB_PACKAGE, *name.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(data)
    for package in {os.path.dirname(name) for name in LIB_FILES} | {""}:
        with open(os.path.join(lib, LIB_PACKAGE, package, "__init__.py"), "w", encoding="ascii") as handle:
            handle.write("")
    return lib


def _systemd_here() -> bool:
    return os.path.isdir("/run/systemd/system") and _netns_inode("self") == _netns_inode("1") and bool(
        shutil.which("systemd-run")
    )


def arm(
    directory: str,
    name: str,
    timeout: int,
    snapshot: dict[str, kernel.LinkState],
    files: list[tuple[str, str | None]],
    python: str | None = None,
) -> dict[str, Any]:
    """Arm a revert to `snapshot` and the files' previous contents (path, content or None when absent)."""
    with _locked(directory):
        _supersede(directory)
        saved = _save_files(directory, files)
        deadline = time.time() + timeout
        _write_json(os.path.join(directory, "pending.json"), {
            "bridge": name,
            "armed_at": _now_text(),
            "deadline": deadline,
            "deadline_text": _now_text(deadline),
            "runtime": kernel.state_to_json(snapshot),
            "files": saved,
        })
        lib = _copy_library(directory)
    _start_revert(directory, name, lib, python)
    return {"armed": True, "confirmed": False, "deadline": _now_text(deadline), "state_dir": directory}


def _supersede(directory: str) -> None:
    """Stop the revert of an earlier unconfirmed change (the new one supersedes it) and clear what it left."""
    old = _waiting_pid(directory)
    if old:
        os.kill(old, signal.SIGTERM)
    for stale in ("confirmed", "reverted.json", "pending.json", "pid"):
        _remove(os.path.join(directory, stale))
    shutil.rmtree(os.path.join(directory, "files"), ignore_errors=True)


def _save_files(directory: str, files: list[tuple[str, str | None]]) -> list[dict[str, Any]]:
    """Keep each file's previous content under DIRECTORY/files/N; the entries of pending.json that name them."""
    os.makedirs(os.path.join(directory, "files"), mode=0o700)
    saved = []
    for number, (path, before) in enumerate(files):
        copy = None
        if before is not None:
            copy = os.path.join(directory, "files", str(number))
            with open(copy, "w", encoding="utf-8") as handle:
                handle.write(before)
            mode = os.stat(path).st_mode & 0o7777 if os.path.exists(path) else 0o644
        else:
            mode = 0o644
        saved.append({"path": path, "saved": copy, "mode": mode})
    return saved


def _start_revert(directory: str, name: str, lib: str, python: str | None) -> None:
    """Start the waiting process, detached from the connection, and wait until it has written its pid."""
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), "PYTHONPATH": lib, "LC_ALL": "C"}
    command = [python or sys.executable, "-m", REVERT_MODULE, "run", directory]
    if _systemd_here():
        # Unique per arm: two arms in one second (a quick re-run) must not meet an existing unit's name.
        unit = f"palmfarm-bridge-revert-{name}-{time.time_ns()}"
        command = ["systemd-run", "--quiet", "--collect", f"--unit={unit}", f"--setenv=PYTHONPATH={lib}"] + command
    with open(os.path.join(directory, "revert.log"), "ab") as log:
        # A new session: no controlling terminal, not in the connection's process group, so SIGHUP from a
        # dying SSH session does not reach it; stdout/stderr go to the log, so Ansible does not wait for it.
        # AnsibleModule.run_command waits for its child; the revert must outlive the task, hence Popen.
        subprocess.Popen(  # pylint: disable=consider-using-with,ansible-bad-function
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", env=env,
            start_new_session=True, close_fds=True,
        )
    waited = time.monotonic() + 10
    while _waiting_pid(directory) is None:
        if time.monotonic() > waited:
            raise BridgeError(
                f"the revert process for {name} did not start (see {directory}/revert.log); nothing was changed"
            )
        time.sleep(0.02)


def confirm(directory: str, name: str) -> bool:
    """Keep the change: stop the pending revert. True when one was pending; BridgeError when it already fired."""
    with _locked(directory):
        reverted = _read_json(os.path.join(directory, "reverted.json"))
        if reverted is not None:
            raise BridgeError(
                f"the change to {name} was reverted at {reverted['at']} (its rollback deadline passed before a "
                "confirm); the previous configuration is back: check connectivity_check and apply the change again"
            )
        if not os.path.exists(os.path.join(directory, "pending.json")):
            return False
        with open(os.path.join(directory, "confirmed"), "w", encoding="ascii") as handle:
            handle.write(_now_text() + "\n")
        pid = _waiting_pid(directory)
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        _remove(os.path.join(directory, "pending.json"))
        shutil.rmtree(os.path.join(directory, "files"), ignore_errors=True)
        return True


def _restore_files(entries: list[dict[str, Any]]) -> list[str]:
    """Put each file back as it was (each one whole, through the writer); what could not be, one line each."""
    errors = []
    for entry in entries:
        path = entry["path"]
        try:
            if entry["saved"] is None:
                if not os.path.lexists(path):
                    continue  # absent before, absent now
                text = None
            else:
                with open(entry["saved"], encoding="utf-8") as handle:
                    text = handle.read()
            replace_all([Write(path, text, entry.get("mode", 0o644), make_dirs=True)])
        except (OSError, BridgeError, FilesError) as exc:
            errors.append(f"{path}: {exc}")
    return errors


def fire(directory: str) -> dict[str, Any] | None:
    """Revert now (the deadline passed, or the change failed half-way); None when confirmed or nothing pending."""
    with _locked(directory):
        if os.path.exists(os.path.join(directory, "confirmed")):
            return None
        pending = _read_json(os.path.join(directory, "pending.json"))
        if pending is None:
            return None
        errors = _restore_files(pending.get("files", []))
        steps: list[str] = []
        try:
            steps = [s.text() for s in netlink.restore(kernel.state_from_json(pending["runtime"]))]
        except Exception as exc:  # keep going: report what failed
            errors.append(f"runtime: {exc}")
        result = {"at": _now_text(), "bridge": pending["bridge"], "deadline": pending["deadline"],
                  "armed_at": pending["armed_at"], "steps": steps, "errors": errors}
        _write_json(os.path.join(directory, "reverted.json"), result)
        _remove(os.path.join(directory, "pending.json"))
        return result


def run(directory: str) -> int:
    """The waiting process: revert at the deadline unless confirmed first."""
    with open(os.path.join(directory, "pid"), "w", encoding="ascii") as handle:
        handle.write(f"{os.getpid()}\n")
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    pending = _read_json(os.path.join(directory, "pending.json"))
    if pending is None:
        return 0
    while time.time() < pending["deadline"]:
        if os.path.exists(os.path.join(directory, "confirmed")):
            return 0
        time.sleep(min(POLL, max(0.0, pending["deadline"] - time.time())))
    result = fire(directory)
    if result is not None:
        sys.stderr.write(f"{result['at']} reverted {result['bridge']}: {json.dumps(result)}\n")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "run":
        sys.stderr.write(f"usage: python -m {REVERT_MODULE} run STATE_DIR\n")
        return 2
    return run(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))  # pylint: disable=ansible-bad-function
