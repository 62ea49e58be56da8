# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""babel_bird6's controller path (routers without Python) against a router faked at the action's own interface
to the host, its shell and its file transfer: check mode writes nothing, a change is validated, installed and
reloaded, an unchanged file is left alone, a rejected file is not installed."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.errors import AnsibleConnectionFailure

from ansible_collections.palmfarm.ipv6.plugins.action import babel_bird6 as action
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.remote_shell import MARK, facts_command

PATH = "/etc/bird.conf"  # BIRD 2 on OpenWrt
ARGS: dict[str, Any] = {"render_on_controller": True, "router_id": "10.0.0.1",
                        "babel": {"interfaces": [{"names": ["ring1"], "type": "wired"}]}}
FACTS = {"openwrt": "yes", "bird": "/usr/sbin/bird", "bird-version": "BIRD version 2.0.12",
         "birdc": "/usr/sbin/birdc", "interfaces": "lo br-lan ring1"}


class Router:
    """A router without Python as the action reaches it: the POSIX shell commands it runs (answered from `files`,
    a path -> text map), and the connection's put_file. Every command is recorded."""

    def __init__(self, files: dict[str, str] | None = None, accepts: bool = True, python: str = "",
                 put_file_works: bool = True, read_only: bool = False) -> None:
        self.files = dict(files or {})
        self.accepts = accepts  # whether the router's own BIRD parses a staged file
        self.read_only = read_only  # whether a rename into /etc fails
        self.python = python  # what the probe for Python prints
        self.put_file_works = put_file_works
        self.commands: list[str] = []
        self._shell = SimpleNamespace(tmpdir="/tmp/.ansible-fake")  # ActionBase.run makes no remote tmp then

    def put_file(self, local: str, remote: str) -> None:
        if not self.put_file_works:
            raise AnsibleConnectionFailure("no sftp-server on this router")
        self.files[remote] = Path(local).read_text()

    def execute(self, command: str, in_data: bytes | None = None, **kwargs: Any) -> dict[str, Any]:
        self.commands.append(command)
        rc, out = self._answer(command, in_data)
        return {"rc": rc, "stdout": out, "stderr": ""}

    def _answer(self, command: str, in_data: bytes | None) -> tuple[int, str]:
        words = words_of(command)
        if command == facts_command():
            return 0, "".join(f"{MARK}{key}\n{value}\n" for key, value in FACTS.items())
        if command.startswith("command -v python3"):
            return 0, self.python
        if words[:3] == ["if", "[", "-f"]:
            found = "present" if words[3] in self.files else "absent"
            return 0, f"{MARK}{found}\n{self.files.get(words[3], '')}{MARK}end"
        if words[:2] == ["[", "-d"]:
            return (0 if words[2] == "/etc" else 1), ""
        if words[1:3] == ["-p", "-c"]:
            return (0, "") if self.accepts else (1, "/etc/.bird.conf: 3:1 syntax error\n")
        if words[:2] == ["mv", "-f"] and self.read_only:
            return 1, f"mv: can't rename '{words[2]}': Read-only file system\n"
        if words[:2] == ["mv", "-f"]:
            self.files[words[3]] = self.files.pop(words[2])
            return 0, ""
        if words[:2] == ["rm", "-f"]:
            self.files.pop(words[2], None)
            return 0, ""
        if words[:2] == ["cp", "-p"]:
            self.files[words[3]] = self.files[words[2]]
            return 0, ""
        if words[0] == "cat" and in_data is not None:  # `cat > PATH`, the transfer through the shell
            self.files[shlex.split(command)[-1]] = in_data.decode()
            return 0, ""
        if words[-1] == "configure":
            return 0, "BIRD 2.0.12 ready.\nReconfigured\n"
        raise AssertionError(f"the action ran a command the router does not know: {command}")

    def writes(self) -> list[str]:
        """The commands that changed something on the router (or reloaded BIRD)."""
        return [c for c in self.commands if c.startswith(("m=", "rm ", "cp ", "cat >")) or c.endswith("configure 2>&1")]


def words_of(command: str) -> list[str]:
    """The words of the step of COMMAND that the router acts on: an install's last (`... && mv -f TMP PATH`),
    else the first, without its redirections."""
    if command.startswith("m="):
        return shlex.split(command.split("&&")[-1])
    return shlex.split(command.split(";")[0].split(" 2>")[0])


def run(router: Router, monkeypatch: pytest.MonkeyPatch, check_mode: bool = False, diff: bool = False,
        **changes: Any) -> dict[str, Any]:
    """The action's result for ARGS with CHANGES on ROUTER; the controller has no BIRD of its own."""
    monkeypatch.setattr(action.shutil, "which", lambda name: None)
    task = SimpleNamespace(args={**ARGS, **changes}, check_mode=check_mode, diff=diff, async_val=0,
                           action=action.MODULE, delegate_to=None)
    plugin = action.ActionModule(task, router, None, None, None)
    monkeypatch.setattr(plugin, "_low_level_execute_command", router.execute)
    return plugin.run(task_vars={})


def rendered(monkeypatch: pytest.MonkeyPatch) -> str:
    """The file the controller renders for ARGS (from a check-mode run against an empty router)."""
    return str(run(Router(), monkeypatch, check_mode=True)["config"])


def test_check_mode_validates_on_the_router_and_writes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router({PATH: "old\n"})
    result = run(router, monkeypatch, check_mode=True, diff=True)
    assert result["changed"] and result["rendered_on_controller"] and not result.get("failed"), result
    assert result["reload_message"] == "check mode" and not result["reloaded"]
    assert result["diff"]["before"] == "old\n" and "protocol babel" in result["diff"]["after"]
    assert router.files == {PATH: "old\n"} and router.writes() == []


def test_a_change_is_uploaded_validated_installed_and_reloaded(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router({PATH: "old\n"})
    result = run(router, monkeypatch, backup=True)
    assert result["changed"] and result["validated"] and result["reloaded"] and not result.get("failed"), result
    assert result["path"] == PATH and result["bird_version"] == "2" and "Reconfigured" in result["reload_message"]
    backup = result["backup_file"]
    assert router.files == {PATH: result["config"], backup: "old\n"}  # the staged file was renamed into place
    staged = [c for c in router.commands if " -p -c " in c]
    assert len(staged) == 1 and staged[0].startswith("/usr/sbin/bird -p -c /etc/.bird.conf.palmfarm-")
    assert [c.split()[0] for c in router.writes()] == ["cp", "m=644;", "/usr/sbin/birdc"]


def test_without_put_file_the_shell_carries_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router(put_file_works=False)
    result = run(router, monkeypatch)
    assert result["changed"] and router.files == {PATH: result["config"]}
    assert any(c.startswith("cat > /etc/.bird.conf.palmfarm-") for c in router.commands)


def test_an_unchanged_file_is_neither_validated_nor_written(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router({PATH: rendered(monkeypatch)})
    result = run(router, monkeypatch)
    assert not result["changed"] and not result["validated"] and result["reload_message"] == "nothing changed"
    assert router.writes() == [] and not any(" -p -c " in c for c in router.commands)
    assert router.files == {PATH: rendered(monkeypatch)}


def test_a_file_the_routers_bird_rejects_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router({PATH: "old\n"}, accepts=False)
    result = run(router, monkeypatch)
    assert result["failed"] and result["rendered_on_controller"]
    assert result["msg"] == ("/usr/sbin/bird on the host rejected the rendered configuration, which was not "
                             "installed: /etc/.bird.conf: 3:1 syntax error")
    assert router.files == {PATH: "old\n"}  # the staged file removed, the live one untouched
    assert not any(c.startswith("m=") or c.endswith("configure 2>&1") for c in router.commands)


def test_a_failed_install_fails_the_task_naming_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router({PATH: "old\n"}, read_only=True)
    result = run(router, monkeypatch)
    assert result["failed"] and result["msg"].startswith("'m=644; if [ -e /etc/bird.conf ]")
    assert result["msg"].endswith("failed on the host (rc 1): mv: can't rename "
                                  f"'{router.commands[-1].split()[-2]}': Read-only file system")
    assert router.files[PATH] == "old\n" and not any(c.endswith("configure 2>&1") for c in router.commands)


def test_a_file_the_controllers_bird_rejects_is_not_uploaded(monkeypatch: pytest.MonkeyPatch) -> None:
    def controller_bird(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if argv[1:] == ["--version"]:
            return subprocess.CompletedProcess(argv, 0, "", "BIRD version 2.0.12\n")
        return subprocess.CompletedProcess(argv, 1, "", "bird: syntax error, unexpected CF_SYM_UNDEFINED\n")

    monkeypatch.setattr(action.subprocess, "run", controller_bird)
    router = Router({PATH: "old\n"})
    result = run(router, monkeypatch, bird_binary="/opt/bird2/sbin/bird")
    assert result["failed"] and result["msg"] == (
        "/opt/bird2/sbin/bird rejected the rendered configuration, which was not installed: bird: syntax error, "
        "unexpected CF_SYM_UNDEFINED")
    assert router.files == {PATH: "old\n"} and router.writes() == []


def test_a_router_without_python_is_served_from_the_controller(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router()
    result = run(router, monkeypatch, check_mode=True, render_on_controller=None)
    assert result["rendered_on_controller"] and result["changed"]
    assert router.commands[0].startswith("command -v python3")


def test_a_router_with_python_runs_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[dict[str, Any]] = []

    def execute_module(self: Any, module_name: str, module_args: dict[str, Any], task_vars: Any) -> dict[str, Any]:
        ran.append(dict(module_args, name=module_name))
        return {"changed": False}

    monkeypatch.setattr(action.ActionModule, "_execute_module", execute_module)
    router = Router(python="/usr/bin/python3\n")
    result = run(router, monkeypatch, render_on_controller=None)
    assert result == {"changed": False, "rendered_on_controller": False}
    assert ran[0]["name"] == action.MODULE and router.commands == [router.commands[0]]


def test_bad_options_fail_before_the_router_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router()
    result = run(router, monkeypatch, bird_version="4")
    assert result["failed"] and "bird_version" in result["msg"] and router.commands == []


def test_the_mac_password_is_kept_out_of_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    router = Router()
    secret = "s3cret-babel-key"
    interfaces = [{"names": ["ring1"], "type": "wired", "authentication": "mac", "password": secret}]
    result = run(router, monkeypatch, diff=True, babel={"interfaces": interfaces})
    assert result["changed"] and secret in router.files[PATH]
    assert secret not in repr(result)
