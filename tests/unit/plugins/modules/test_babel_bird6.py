# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""babel_bird6's main() on a host with Python: which BIRD validates, and how the daemon is told to reload.

The host's programs are stand-ins in a temporary directory (the only place get_bin_path looks), and the init
scripts live in a temporary /etc/init.d, so the test sees exactly what the module ran.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bird import remote_shell
from ansible_collections.palmfarm.ipv6.plugins.modules import babel_bird6


def script(path: Path, body: str) -> None:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """bin/ with a BIRD 2.0.12 that accepts every file, an empty init.d/, and the log of what ran."""
    for name in ("bin", "init.d"):
        (tmp_path / name).mkdir()
    log = tmp_path / "ran.log"
    script(tmp_path / "bin" / "bird",
           f'echo "bird $*" >> {log}\ncase "$1" in --version) echo "BIRD version 2.0.12" >&2;; esac\n')

    def get_bin_path(self: AnsibleModule, name: str, required: bool = False, opt_dirs: Any = None) -> str | None:
        candidate = tmp_path / "bin" / name
        return str(candidate) if candidate.exists() else None

    monkeypatch.setattr(AnsibleModule, "get_bin_path", get_bin_path)
    monkeypatch.setattr(remote_shell, "INIT_DIR", str(tmp_path / "init.d"))
    return tmp_path


def run(args: dict[str, Any], host: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    args = {"path": str(host / "bird.conf"), "router_id": "10.0.0.1",
            "babel": {"interfaces": [{"names": ["eth0"]}]}, **args}
    with patch_module_args(args), pytest.raises(SystemExit):
        babel_bird6.main()
    return json.loads(capsys.readouterr().out)


def ran(host: Path) -> list[str]:
    log = host / "ran.log"
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.parametrize("version, init, expected", [
    ("2", "bird", "bird reload"),
    ("2", "bird2", "bird2 reload"),
])
def test_without_birdc_the_init_script_reloads(version, init, expected, host, capsys):
    """OpenWrt's packages install no birdc unless asked: the module reloads as the action does, by init script."""
    script(host / "init.d" / init, f'echo "{init} $*" >> {host / "ran.log"}\necho "reloading"\n')
    result = run({"bird_version": version}, host, capsys)
    assert not result.get("failed"), result
    assert result["changed"] and result["validated"]
    assert result["reloaded"] and result["reload_message"] == "reloading"
    assert ran(host)[-1] == expected
    assert (host / "bird.conf").exists()


def test_birdc_comes_before_the_init_script(host, capsys):
    script(host / "bin" / "birdc", f'echo "birdc $*" >> {host / "ran.log"}\necho "Reconfigured"\n')
    script(host / "init.d" / "bird", f'echo "bird $*" >> {host / "ran.log"}\n')
    result = run({"control_socket": "/run/b.ctl"}, host, capsys)
    assert result["reloaded"] and result["reload_message"] == "Reconfigured"
    assert ran(host)[-1] == "birdc -s /run/b.ctl configure"


def test_neither_birdc_nor_init_script(host, capsys):
    result = run({}, host, capsys)
    assert result["changed"] and not result["reloaded"]
    assert result["reload_message"] == "neither birdc nor an init script for BIRD is on the host; nothing reloaded"


def test_a_failing_init_script_fails_the_task(host, capsys):
    script(host / "init.d" / "bird", "echo 'bird: /etc/bird.conf:2:1 syntax error'\nexit 1\n")
    result = run({}, host, capsys)
    assert result["failed"]
    assert "the file is installed but '" + str(host / "init.d" / "bird") + " reload 2>&1' failed" in result["msg"]


def test_bird_version_3_is_not_validated_by_bird_2(host, capsys):
    result = run({"bird_version": "3"}, host, capsys)
    assert result["failed"]
    assert result["msg"].startswith(f"{host / 'bin' / 'bird'} is BIRD 2.0.12, but bird_version is 3: it cannot "
                                    f"validate a file for BIRD 3")
    assert not (host / "bird.conf").exists()
    assert ran(host) == ["bird --version"]


def test_type_tunnel_on_bird_2_0_is_refused_before_bird_parses(host, capsys):
    result = run({"babel": {"interfaces": [{"names": ["wg0"], "type": "tunnel"}]}}, host, capsys)
    assert result["failed"]
    assert "type tunnel needs BIRD 2.14 or later, and " in result["msg"] and "is BIRD 2.0.12" in result["msg"]
    assert not (host / "bird.conf").exists()


@pytest.mark.parametrize("args, message", [
    ({"router_id": "0.0.0.0"}, "router_id 0.0.0.0 is not a router id"),
    ({"babel": {"interfaces": [{"names": ["eth0"], "rxcost": 65535}]}}, "rxcost 65535 is Babel's infinite cost"),
    ({"babel": {"interfaces": [{"names": ["eth0"], "type": "mesh"}]}},
     "value of type must be one of: wired, wireless, tunnel, got: mesh"),
])
def test_refused_before_anything_runs(args, message, host, capsys):
    result = run({"bird_version": "2", **args}, host, capsys)
    assert result["failed"] and message in result["msg"]
    assert ran(host) == [] and not (host / "bird.conf").exists()
    assert not os.listdir(host / "init.d")
