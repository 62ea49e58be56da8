# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of the LXD client that need no daemon: telling LXD from Incus and other servers, refusing bad
options before connecting, waiting for an operation, naming a missing API extension, and reading names from
URLs. Finding the socket and checking the options are tested in test_connection.py, the HTTPS session in
test_https.py; talking to LXD itself, over the socket and over HTTPS, by the lxd_profile and lxd_remote
integration targets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import client as lxd_client
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import https as lxd_https
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import (
    Server,
    identify_server,
    missing_extension,
    names_from_urls,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdConnection, LxdError
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._lxd.conftest import remote

# ---- identify_server --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment, expected", [
    ({"server": "lxd", "server_version": "5.0.2"}, Server("lxd", "5.0.2")),
    ({"server": "lxd", "server_version": "5.21.3"}, Server("lxd", "5.21.3")),
    ({"server": "incus", "server_version": "6.0.4"}, Server("incus", "6.0.4")),
    ({"server_version": "4.0.9"}, Server("lxd", "4.0.9")),  # before environment.server
])
def test_identify_server_reads_environment_server(environment: dict[str, str], expected: Server) -> None:
    info = {"api_extensions": ["projects"], "api_version": "1.0", "environment": environment}
    assert identify_server(info, "unix:/x") == expected


def test_the_server_names_its_command_and_paths() -> None:
    incus, lxd = Server("incus", "6.0.4"), Server("lxd", "5.0.2")
    assert (incus.label, incus.cli, incus.state_dir) == ("Incus", "incus", "/var/lib/incus")
    assert (lxd.label, lxd.cli, lxd.state_dir) == ("LXD", "lxc", "/var/lib/lxd")
    assert incus.as_result() == {"name": "incus", "version": "6.0.4", "cli": "incus"}


@pytest.mark.parametrize("info, text", [
    ({"api_extensions": [], "environment": {"server": "docker"}}, "answers the LXD API as 'docker'"),
    ({"status": "ok"}, "answers, but not as LXD or Incus do"),
    ("<html>", "answers, but not as LXD or Incus do"),
])
def test_identify_server_refuses_anything_else(info: Any, text: str) -> None:
    with pytest.raises(LxdError, match=re.escape(text)) as err:
        identify_server(info, "unix:/run/other.socket")
    assert "unix:/run/other.socket" in str(err.value) and "point url at" in str(err.value)


# ---- the client with bad options or without a daemon ----------------------------------------------------------


def test_client_refuses_bad_options_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connection(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("connected despite bad options")
    monkeypatch.setattr(lxd_https.pylxd, "Client", no_connection)
    with pytest.raises(LxdError, match="trust_token is set but client_cert is not"):
        lxd_client.LxdClient(remote(trust_token="t"))


# ---- names_from_urls ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("urls, expected", [
    (["/1.0/profiles/default", "/1.0/profiles/extbridge"], ["default", "extbridge"]),
    (["/1.0/instances/web1?project=farm"], ["web1"]),
    (["/1.0/images/abc123/"], ["abc123"]),
    ([], []),
    (None, []),
])
def test_names_from_urls(urls: list[str] | None, expected: list[str]) -> None:
    assert names_from_urls(urls) == expected


def test_client_says_which_pylxd_an_https_url_needs(monkeypatch: pytest.MonkeyPatch, pems: dict[str, str]) -> None:
    class OldClient:  # pylxd before 2.3.2 takes no session
        def __init__(self, endpoint: Any = None, version: str = "1.0", cert: Any = None, verify: Any = True,
                     timeout: Any = None, project: Any = None) -> None:
            raise AssertionError("connected with an old pylxd")
    monkeypatch.setattr(lxd_https.pylxd, "Client", OldClient)
    monkeypatch.setattr(lxd_https.pylxd, "__version__", "2.3.1")
    with pytest.raises(LxdError, match=r"^an https url needs pylxd >= 2\.3\.2, this host has 2\.3\.1: run 'pip inst"):
        lxd_client.LxdClient(remote(client_cert=pems["client.crt"], client_key=pems["client.key"]))


def test_a_socket_without_a_daemon_says_how_to_start_lxd(tmp_path: Path) -> None:
    import socket
    path = str(tmp_path / "unix.socket")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(path)  # the file stays after close, as when LXD died
    expected = rf"^cannot reach LXD or Incus at unix:{path}: .*Connection refused.*; start LXD or Incus first"
    with pytest.raises(LxdError, match=expected):
        lxd_client.LxdClient(LxdConnection(url=f"unix:{path}"))


class FakeResponse:
    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.status_code = 200
        self.content = b"{}"

    def json(self) -> dict[str, Any]:
        return self.body


@pytest.mark.parametrize("operation", [
    "/1.0/operations/5f1c0e9a",
    "/1.0/operations/5f1c0e9a?project=default",  # LXD names the project when the request did (pylxd always does)
])
def test_request_waits_for_the_operation_by_its_id(operation: str) -> None:
    sent: list[str] = []

    class Transport:
        def send(self, method: str, path: str, **kwargs: Any) -> FakeResponse:
            sent.append(path)
            if path == "instances":
                return FakeResponse({"type": "async", "operation": operation})
            return FakeResponse({"type": "sync", "metadata": {"status_code": 200, "metadata": {"done": True}}})

    client = lxd_client.LxdClient.__new__(lxd_client.LxdClient)
    client.conn = LxdConnection(url="https://lxd.example.net:8443")
    client._transport = Transport()
    client._failure_types = (OSError,)
    assert client.request("POST", "instances", {"name": "w1"}) == {"done": True}
    assert sent == ["instances", "operations/5f1c0e9a/wait"]


def test_missing_extension_names_the_first_one_missing() -> None:
    info = {"api_extensions": ["projects", "clustering"]}
    incus = Server("incus", "6.0.4")
    assert missing_extension(info, incus, "unix:/s", {"projects": "project=x", "clustering": "placement"}) is None
    assert missing_extension(info, incus, "unix:/s", {}) is None
    assert missing_extension({}, incus, "unix:/s", {"projects": "project=x"}) == (
        "Incus 6.0.4 at unix:/s is too old for project=x: it lacks the API extension 'projects'; "
        "upgrade it (LXD 5.0 and Incus 6.0 have it), or leave project=x out")
    message = missing_extension(info, incus, "unix:/s", {"projects": "p", "linux_sysctl": "a", "x": "b"})
    assert message is not None and "'linux_sysctl'" in message and "'x'" not in message
