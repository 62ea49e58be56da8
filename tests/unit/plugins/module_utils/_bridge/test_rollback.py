# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commit-confirm with a real detached process; the running state is an empty snapshot (nothing to restore)."""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import rollback
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeError

pytest.importorskip("pyroute2")


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def files(tmp_path):
    old = tmp_path / "old.conf"
    old.write_text("new content\n")
    new = tmp_path / "new.conf"
    new.write_text("created by the change\n")
    return old, new


def test_unconfirmed_change_reverts_at_the_deadline(tmp_path, files):
    old, new = files
    directory = str(tmp_path / "state")
    armed = rollback.arm(directory, "br0", 1, {}, [(str(old), "old content\n"), (str(new), None)],
                         python=sys.executable)
    assert armed["armed"] and not armed["confirmed"]
    assert rollback.status(directory)["waiting_pid"]
    assert old.read_text() == "new content\n"
    assert wait_for(lambda: os.path.exists(os.path.join(directory, "reverted.json")))
    assert old.read_text() == "old content\n"
    assert not new.exists()
    reverted = json.loads((tmp_path / "state" / "reverted.json").read_text())
    assert reverted["errors"] == []
    with pytest.raises(BridgeError, match=r"the change to br0 was reverted at \d{4}-"):
        rollback.confirm(directory, "br0")
    assert wait_for(lambda: rollback.status(directory)["waiting_pid"] is None)


def test_confirmed_change_stays(tmp_path, files):
    old, new = files
    directory = str(tmp_path / "state")
    rollback.arm(directory, "br0", 2, {}, [(str(old), "old content\n"), (str(new), None)], python=sys.executable)
    pid = rollback.status(directory)["waiting_pid"]
    assert rollback.confirm(directory, "br0") is True
    assert rollback.confirm(directory, "br0") is False
    assert wait_for(lambda: not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z")
    time.sleep(2.5)
    assert old.read_text() == "new content\n"
    assert new.exists()
    assert not os.path.exists(os.path.join(directory, "reverted.json"))


def test_the_waiting_process_has_its_own_session(tmp_path):
    directory = str(tmp_path / "state")
    rollback.arm(directory, "br0", 30, {}, [], python=sys.executable)
    pid = rollback.status(directory)["waiting_pid"]
    try:
        assert os.getsid(pid) == pid
        assert os.getsid(pid) != os.getsid(0)
    finally:
        rollback.confirm(directory, "br0")


def test_fire_now_and_nothing_pending(tmp_path, files):
    old = files[0]
    directory = str(tmp_path / "state")
    assert rollback.fire(directory) is None
    rollback.arm(directory, "br0", 30, {}, [(str(old), "old content\n")], python=sys.executable)
    result = rollback.fire(directory)
    assert result["bridge"] == "br0" and result["errors"] == []
    assert old.read_text() == "old content\n"
    assert rollback.fire(directory) is None


def test_state_dir_in_the_host_namespace(monkeypatch):
    monkeypatch.setattr(rollback, "_netns_inode", lambda pid: 4026531840)
    assert rollback.state_dir("br0") == "/run/palmfarm/bridge-br0"


def test_state_dir_in_a_named_namespace(monkeypatch, tmp_path):
    (tmp_path / "pfbr-pi").write_text("")
    own = os.stat(tmp_path / "pfbr-pi").st_ino
    monkeypatch.setattr(rollback, "_netns_inode", lambda pid: own if pid == "self" else None)
    monkeypatch.setattr(rollback, "NETNS_DIR", str(tmp_path))
    assert rollback.state_dir("br0", base="/b") == "/b/netns-pfbr-pi/bridge-br0"
    monkeypatch.setattr(rollback, "_netns_inode", lambda pid: 7 if pid == "self" else 8)
    assert rollback.state_dir("br0", base="/b") == "/b/netns-7/bridge-br0"


def test_a_file_that_cannot_be_restored_is_reported_and_leaves_nothing_behind(tmp_path, files):
    old, new = files
    directory = str(tmp_path / "state")
    blocked = tmp_path / "blocked.conf"
    rollback.arm(directory, "br0", 60, {}, [(str(old), "old content\n"), (str(blocked), "was a file\n"),
                                            (str(new), None)], python=sys.executable)
    blocked.mkdir()  # the file became a directory: it cannot be put back
    done = rollback.fire(directory)
    assert old.read_text() == "old content\n" and not new.exists()
    assert len(done["errors"]) == 1 and done["errors"][0].startswith(f"{blocked}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.conf", "old.conf", "state"]
    assert list(blocked.iterdir()) == []


def _relative_imports(path):
    """The module_utils files (relative to module_utils) that PATH's relative imports name."""
    import ast
    from pathlib import PurePosixPath

    here = PurePosixPath(path).parent
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = here
            for _level in range(node.level - 1):
                base = base.parent
            if node.module:
                base = base.joinpath(*node.module.split("."))
                if not os.path.isdir(base):  # from .module import name
                    found.add(str(base) + ".py")
                    continue
            # from . import module, from ..package import module
            found.update(str(base / alias.name) + ".py" for alias in node.names)
    return found


def test_the_revert_process_copies_everything_its_code_imports():
    utils = os.path.dirname(os.path.dirname(rollback.__file__))
    copied = {os.path.join(utils, name) for name in rollback.LIB_FILES}
    assert os.path.join(utils, "_bridge", "rollback.py") in copied
    for path in sorted(copied):
        missing = _relative_imports(path) - copied
        assert not missing, f"{path} imports {sorted(missing)}, which LIB_FILES does not copy"


def test_the_copied_library_runs_as_the_revert_entry_point(tmp_path):
    import subprocess

    lib = rollback._copy_library(str(tmp_path))
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": lib}
    # Nothing pending: the entry point imports its whole library from the copy and exits 0.
    run_it = (f"import sys; sys.path.insert(0, {lib!r}); import runpy; sys.argv = ['x', 'run', {str(tmp_path)!r}];"
              f" runpy.run_module({rollback.REVERT_MODULE!r}, run_name='__main__')")
    done = subprocess.run([sys.executable, "-I", "-c", run_it], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    load_it = f"import sys; sys.path.insert(0, {lib!r}); import {rollback.REVERT_MODULE} as m; print(m.__file__)"
    loaded = subprocess.run([sys.executable, "-I", "-c", load_it], env=env, capture_output=True, text=True, check=False)
    assert loaded.stdout.strip().startswith(lib), loaded.stdout + loaded.stderr
    usage = subprocess.run([sys.executable, "-m", rollback.REVERT_MODULE], env=env, capture_output=True, text=True,
                           check=False)
    assert usage.returncode == 2 and rollback.REVERT_MODULE in usage.stderr
