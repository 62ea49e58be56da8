# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of babel_bird6 on hosts without Python: every command runs here under /bin/sh (and BusyBox
ash when installed), and its output is read back by the parsers the action plugin uses."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.config import BirdConfigError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird.remote_shell import (
    backup_command,
    detect_version,
    directory_check_command,
    facts_command,
    has_python,
    install_command,
    local_facts,
    local_version_ok,
    parse_read_file,
    parse_sections,
    python_probe_command,
    read_file_command,
    reload_command,
    reload_outcome,
    remove_command,
    temp_path,
    validate_command,
)

SHELLS = [["/bin/sh", "-c"]] + ([[shutil.which("busybox"), "sh", "-c"]] if shutil.which("busybox") else [])


def sh(shell: list[str], command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(shell + [command], capture_output=True, text=True, check=False, env=env)


@pytest.fixture(params=SHELLS, ids=lambda shell: os.path.basename(shell[0]))
def shell(request):
    return request.param


@pytest.mark.parametrize("interpreter, found", [
    ("/bin/sh", True),
    ("/nonexistent/python", False),
    ("/bin/sh -u", True),
    ("it's not there", False),
])
def test_python_probe_with_an_explicit_interpreter(shell, interpreter, found):
    out = sh(shell, python_probe_command(interpreter))
    assert out.returncode == 0
    assert has_python(out.stdout) is found


def test_python_probe_auto_looks_on_path(shell, tmp_path):
    (tmp_path / "python3").write_text("#!/bin/sh\n")
    (tmp_path / "python3").chmod(0o755)
    env = {"PATH": str(tmp_path)}
    assert has_python(sh(shell, python_probe_command(None), env).stdout)
    assert has_python(sh(shell, python_probe_command("auto_silent"), env).stdout)
    assert not has_python(sh(shell, python_probe_command(None), {"PATH": str(tmp_path / "none")}).stdout)


def fake_bird(directory, name: str, version: str) -> None:
    path = directory / name
    path.write_text(f"#!/bin/sh\necho 'BIRD version {version}' >&2\n")
    path.chmod(0o755)


@pytest.mark.parametrize("binaries, expected", [
    ({"bird": "2.0.12"}, "2"),
    ({"bird": "3.0.1"}, "3"),
    ({"bird6": "1.6.8"}, "1.6"),
    ({"bird": "1.6.8", "bird6": "1.6.8"}, "1.6"),
    ({"bird": "2.0.12", "bird6": "1.6.8"}, "2"),
])
def test_facts_and_version_detection(shell, tmp_path, binaries, expected):
    for name, version in binaries.items():
        fake_bird(tmp_path, name, version)
    out = sh(shell, facts_command(), {"PATH": f"{tmp_path}:/usr/bin:/bin"})
    assert out.returncode == 0
    facts = parse_sections(out.stdout)
    assert detect_version(facts) == expected
    assert facts["bird"] == (str(tmp_path / "bird") if "bird" in binaries else "")
    assert "lo" in facts["interfaces"].split()
    assert facts["openwrt"] == ("yes" if os.path.exists("/etc/openwrt_release") else "")


def test_version_detection_without_bird():
    with pytest.raises(BirdConfigError, match="neither bird nor bird6 is installed"):
        detect_version({"bird": "", "bird6": ""})
    with pytest.raises(BirdConfigError, match="BIRD 1.6"):
        detect_version({"bird": "/usr/sbin/bird", "bird-version": "BIRD version 1.6.8"})


@pytest.mark.parametrize("content", ["", "router id 1.2.3.4;\n", "a\n\n\n", "no newline", "it's @@palmfarm:end\n"])
def test_read_file_round_trip(shell, tmp_path, content):
    path = tmp_path / "bird it's.conf"
    path.write_text(content)
    assert parse_read_file(sh(shell, read_file_command(str(path))).stdout) == (True, content)
    path.unlink()
    assert parse_read_file(sh(shell, read_file_command(str(path))).stdout) == (False, "")


def test_read_file_rejects_garbage():
    with pytest.raises(BirdConfigError, match="could not read the file"):
        parse_read_file("Permission denied\n")


def test_install_keeps_the_mode_and_renames(shell, tmp_path):
    live = tmp_path / "bird.conf"
    tmp = temp_path(str(live), "abcd")
    assert tmp == f"{tmp_path}/.bird.conf.palmfarm-abcd"
    with open(tmp, "w") as handle:
        handle.write("new\n")
    assert sh(shell, install_command(tmp, str(live))).returncode == 0
    assert live.read_text() == "new\n" and oct(live.stat().st_mode & 0o777) == "0o644"
    live.chmod(0o640)
    with open(tmp, "w") as handle:
        handle.write("newer\n")
    os.chmod(tmp, 0o600)
    assert sh(shell, install_command(tmp, str(live))).returncode == 0
    assert live.read_text() == "newer\n" and oct(live.stat().st_mode & 0o777) == "0o640"
    assert not os.path.exists(tmp)


def test_backup_remove_and_directory(shell, tmp_path):
    live = tmp_path / "bird.conf"
    live.write_text("old\n")
    command, backup = backup_command(str(live), "2026-11-28@05:00:00")
    assert backup == f"{live}.2026-11-28@05:00:00~"
    assert sh(shell, command).returncode == 0 and open(backup).read() == "old\n"
    assert sh(shell, directory_check_command(str(live))).returncode == 0
    assert sh(shell, directory_check_command(str(tmp_path / "no" / "bird.conf"))).returncode != 0
    assert sh(shell, remove_command(str(live))).returncode == 0 and not live.exists()
    assert sh(shell, remove_command(str(live))).returncode == 0


def test_validate_command_runs_the_binary(shell, tmp_path):
    bird = tmp_path / "bird"
    bird.write_text('#!/bin/sh\n[ "$1 $2" = "-p -c" ] && grep -q good "$3" || { echo "syntax error"; exit 1; }\n')
    bird.chmod(0o755)
    conf = tmp_path / "c.conf"
    conf.write_text("good\n")
    assert sh(shell, validate_command(str(bird), str(conf))).returncode == 0
    conf.write_text("bad\n")
    out = sh(shell, validate_command(str(bird), str(conf)))
    assert out.returncode == 1 and "syntax error" in out.stdout


@pytest.mark.parametrize("version, facts, socket, expected", [
    ("2", {"birdc": "/usr/sbin/birdc"}, None, "/usr/sbin/birdc configure 2>&1"),
    ("2", {"birdc": "/usr/sbin/birdc"}, "/run/b it.ctl", "/usr/sbin/birdc -s '/run/b it.ctl' configure 2>&1"),
    ("1.6", {"birdc": "/usr/sbin/birdc", "birdc6": "/usr/sbin/birdc6"}, None, "/usr/sbin/birdc6 configure 2>&1"),
    ("1.6", {"init-bird6": "yes"}, None, "/etc/init.d/bird6 reload 2>&1"),
    ("2", {"init-bird": "yes", "init-bird6": "yes"}, None, "/etc/init.d/bird reload 2>&1"),
    ("1.6", {"birdc": "/usr/sbin/birdc", "init-bird": "yes"}, None, None),
    # OpenWrt 19.07 to 23.05: package bird1-ipv6; 24.10: bird2 or bird3, each with /etc/init.d/bird.
    ("1.6", {"init-bird1-ipv6": "yes"}, None, "/etc/init.d/bird1-ipv6 reload 2>&1"),
    ("2", {"init-bird2": "yes"}, None, "/etc/init.d/bird2 reload 2>&1"),
    ("3", {"init-bird": "yes", "init-bird3": "yes"}, None, "/etc/init.d/bird reload 2>&1"),
    ("3", {"init-bird6": "yes", "init-bird2": "yes"}, None, None),
])
def test_reload_command(version, facts, socket, expected):
    assert reload_command(version, facts, socket) == expected


@pytest.mark.parametrize("version, on_path, executables, expected", [
    ("2", {"birdc": "/usr/sbin/birdc"}, set(), "/usr/sbin/birdc configure 2>&1"),
    ("1.6", {}, {"/etc/init.d/bird1-ipv6"}, "/etc/init.d/bird1-ipv6 reload 2>&1"),
    ("1.6", {"birdc": "/usr/sbin/birdc"}, {"/etc/init.d/bird6", "/etc/init.d/bird"}, "/etc/init.d/bird6 reload 2>&1"),
    ("3", {}, {"/etc/init.d/bird"}, "/etc/init.d/bird reload 2>&1"),
    ("2", {}, set(), None),
])
def test_the_module_reloads_with_the_command_of_the_action(version, on_path, executables, expected):
    """The module (on a host with Python) finds birdc and init scripts itself, then runs the action's command."""
    facts = local_facts(version, on_path.get, executables.__contains__)
    assert reload_command(version, facts, None) == expected


def test_facts_command_asks_for_every_init_script(shell):
    out = sh(shell, facts_command())
    facts = parse_sections(out.stdout)
    assert {"init-bird", "init-bird2", "init-bird3", "init-bird6", "init-bird1-ipv6"} <= set(facts)


@pytest.mark.parametrize("command, rc, text, expected", [
    ("birdc configure", 0, "BIRD 2.0.12 ready.\nReconfigured\n", (True, "BIRD 2.0.12 ready.\nReconfigured")),
    ("birdc configure", 1, "Unable to connect to server control socket (/run/bird/bird.ctl)", None),
    ("/etc/init.d/bird6 reload 2>&1", 0, "", (True, "reloaded by the init script")),
    (None, 0, "", (False, "neither birdc nor an init script for BIRD is on the host; nothing reloaded")),
])
def test_reload_outcome(command, rc, text, expected):
    reloaded, message = reload_outcome(command, rc, text)
    if expected is None:
        assert not reloaded and "no BIRD daemon answers" in message
    else:
        assert (reloaded, message) == expected


@pytest.mark.parametrize("command, text", [
    ("birdc configure", "/etc/bird.conf:3:1 syntax error"),
    ("/etc/init.d/bird reload 2>&1", "failed"),
])
def test_reload_failure_raises(command, text):
    with pytest.raises(BirdConfigError, match="the file is installed but"):
        reload_outcome(command, 1, text)


@pytest.mark.parametrize("text, wanted, ok", [
    ("BIRD version 2.0.12", "2", True),
    ("BIRD version 3.0.1", "2", False),
    ("BIRD version 2.0.12", "3", False),
    ("BIRD version 3.1.8", "3", True),
    ("BIRD version 1.6.8", "2", False),
    ("BIRD version 1.6.8", "1.6", True),
    ("bird: command not found", "1.6", False),
])
def test_local_version_ok(text, wanted, ok):
    assert local_version_ok(text, wanted) is ok
