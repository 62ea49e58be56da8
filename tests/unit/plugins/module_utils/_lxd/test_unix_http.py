# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The standard-library transport and LxdClient over it, against a real HTTP server on a real unix socket."""

from __future__ import annotations

import json
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import LxdClient, Server
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdConnection, LxdError, LxdNotFound
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.unix_http import UnixHttp, request_url
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_connect import client_from_params


@pytest.mark.parametrize("path, params, expected", [
    ("", None, "/1.0"),
    ("profiles/default", None, "/1.0/profiles/default"),
    ("/instances/", {"recursion": 1}, "/1.0/instances?recursion=1"),
    ("instances", {"recursion": 2, "project": None}, "/1.0/instances?recursion=2"),
    ("images/aliases/a b", {"project": "farm"}, "/1.0/images/aliases/a b?project=farm"),
])
def test_request_url(path: str, params: dict[str, Any] | None, expected: str) -> None:
    assert request_url(path, params) == expected


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    seen: list[dict[str, Any]]
    # What GET /1.0 says of the server, as LXD 5.0 and Incus 6.0 say it.
    environment: dict[str, str] = {"server": "lxd", "server_version": "5.0.2"}


class _Handler(BaseHTTPRequestHandler):
    """A tiny LXD: / and profiles/p answer, operations/op1/wait ends an async POST, the rest is 404."""

    protocol_version = "HTTP/1.1"

    def address_string(self) -> str:
        return "unix"

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding") == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    return data
                data += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self) -> None:
        body = self._body()
        server: _Server = self.server  # type: ignore[assignment]
        server.seen.append({"method": self.command, "path": self.path, "body": body,
                            "type": self.headers.get("Content-Type")})
        path = self.path.split("?")[0]
        if path == "/1.0":
            self._reply(200, {"type": "sync", "metadata": {"api_extensions": ["projects"], "api_version": "1.0",
                                                           "environment": server.environment}})
        elif path == "/1.0/profiles/p":
            self._reply(200, {"type": "sync", "metadata": {"name": "p", "query": self.path}})
        elif path == "/1.0/instances" and self.command == "POST":
            self._reply(202, {"type": "async", "operation": "/1.0/operations/op1"})
        elif path == "/1.0/operations/op1/wait":
            self._reply(200, {"type": "sync", "metadata": {"status_code": 200, "metadata": {"done": True}}})
        elif path == "/1.0/operations/op2/wait":
            self._reply(200, {"type": "sync", "metadata": {"status_code": 400, "err": "disk full"}})
        elif path == "/1.0/images" and self.command == "POST":
            self._reply(200, {"type": "sync", "metadata": {"size": len(body)}})
        elif path == "/1.0/broken":
            self._reply(500, {"type": "error", "error": "something broke"})
        else:
            self._reply(404, {"type": "error", "error": "not found"})

    do_GET = do_POST = do_PUT = _handle


@pytest.fixture
def lxd(tmp_path: Path) -> Iterator[tuple[str, _Server]]:
    path = str(tmp_path / "unix.socket")
    server = _Server(path, _Handler)
    server.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield path, server
    server.shutdown()
    server.server_close()


def test_get_returns_the_metadata(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    assert client.get("profiles/p")["name"] == "p"
    assert client.has_extension("projects")
    assert not client.has_extension("clustering")


@pytest.mark.parametrize("environment, server", [
    ({"server": "lxd", "server_version": "5.0.2"}, Server("lxd", "5.0.2")),
    ({"server": "incus", "server_version": "6.0.4"}, Server("incus", "6.0.4")),
])
def test_the_client_knows_its_server_before_the_first_request(lxd: tuple[str, _Server], environment: dict[str, str],
                                                              server: Server) -> None:
    lxd[1].environment = environment
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}", project="farm"))
    assert client.server == server
    # Asked once, without the project: the server is the same for every project.
    assert [seen["path"] for seen in lxd[1].seen] == ["/1.0"]


def test_a_socket_of_something_else_is_refused_before_any_request(tmp_path: Path) -> None:
    class Other(_Handler):
        def _handle(self) -> None:
            self._body()
            server: _Server = self.server  # type: ignore[assignment]
            server.seen.append({"path": self.path})
            self._reply(404, {"error": "no such page"})
        do_GET = _handle

    path = str(tmp_path / "other.socket")
    server = _Server(path, Other)
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(LxdError, match=rf"^unix:{path} answers, but not as LXD or Incus do .*point url at"):
            LxdClient(LxdConnection(url=f"unix:{path}"))
        assert [seen["path"] for seen in server.seen] == ["/1.0"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_project_is_sent_with_every_request(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}", project="farm"))
    assert client.get("profiles/p", params={"recursion": 1})["query"] == "/1.0/profiles/p?recursion=1&project=farm"


def test_a_missing_object_raises_not_found(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    with pytest.raises(LxdNotFound, match="^profiles/q: not found$"):
        client.get("profiles/q")
    assert client.get_or_none("profiles/q") is None


def test_an_error_carries_lxds_message(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    with pytest.raises(LxdError, match="^LXD refused PUT broken: something broke$"):
        client.request("PUT", "broken", body={"a": 1})


def test_async_requests_wait_for_their_operation(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    assert client.request("POST", "instances", body={"name": "w2"}) == {"done": True}
    assert client.request("POST", "instances", body={"name": "w3"}, wait=False) == "op1"
    posted = [seen for seen in lxd[1].seen if seen["method"] == "POST"]
    assert json.loads(posted[0]["body"]) == {"name": "w2"}
    assert posted[0]["type"] == "application/json"
    assert "/1.0/operations/op1/wait?timeout=60" in [seen["path"] for seen in lxd[1].seen]


def test_a_failed_operation_raises_its_error(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    with pytest.raises(LxdError, match="^disk full$"):
        client.wait_operation("op2")


def test_raw_streams_a_generator_body(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    response = client.raw("POST", "images", data=iter([b"abc", b"defg"]),
                          headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200
    assert response.json()["metadata"] == {"size": 7}
    assert lxd[1].seen[-1]["body"] == b"abcdefg"


def test_a_daemon_that_dies_later_says_how_to_start_lxd(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    lxd[1].shutdown()
    lxd[1].server_close()
    Path(lxd[0]).unlink()
    expected = r"^cannot reach LXD or Incus at unix:.*start LXD or Incus first.*\(at GET profiles/p\)$"
    with pytest.raises(LxdError, match=expected):
        client.get("profiles/p")


def test_the_transport_keeps_no_connection_open(lxd: tuple[str, _Server]) -> None:
    transport = UnixHttp(lxd[0], 5)
    codes = [transport.send("GET", "").status_code for _attempt in range(3)]
    assert codes == [200, 200, 200]
    assert len(lxd[1].seen) == 3


@pytest.mark.parametrize("environment, expected", [
    ({"server": "lxd", "server_version": "5.0.2"}, r"^LXD has no project 'p9' .*'lxc project create p9'"),
    ({"server": "incus", "server_version": "6.0.4"}, r"^Incus has no project 'p9' .*'incus project create p9'"),
])
def test_a_missing_project_says_how_to_make_it(tmp_path: Path, environment: dict[str, str], expected: str) -> None:
    class NoProject(_Handler):
        def _handle(self) -> None:
            if self.path == "/1.0":
                super()._handle()
                return
            self._body()
            self._reply(404, {"type": "error", "error": 'Failed loading project "p9": Project not found'})
        do_GET = _handle

    path = str(tmp_path / "unix.socket")
    server = _Server(path, NoProject)
    server.seen = []
    server.environment = environment
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = LxdClient(LxdConnection(url=f"unix:{path}", project="p9"))
        with pytest.raises(LxdError, match=expected) as info:
            client.get_or_none("profiles/web")
        assert not isinstance(info.value, LxdNotFound)
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_without_an_extension_asked_for_is_refused_after_one_request(lxd: tuple[str, _Server]) -> None:
    client = LxdClient(LxdConnection(url=f"unix:{lxd[0]}"))
    client.require({"projects": "project=farm"})  # offered: nothing raised
    with pytest.raises(LxdError) as exc:
        client.require({"projects": "project=farm", "clustering": "placement"})
    assert str(exc.value) == (
        f"LXD 5.0.2 at unix:{lxd[0]} is too old for placement: it lacks the API extension 'clustering'; "
        "upgrade it (LXD 5.0 and Incus 6.0 have it), or leave placement out")
    assert [seen["path"] for seen in lxd[1].seen] == ["/1.0"]


def test_client_from_params_refuses_before_anything_is_asked_but_get_1_0(lxd: tuple[str, _Server]) -> None:
    with pytest.raises(LxdError, match=r"too old for addr_gen_mode=stable-privacy: .* 'linux_sysctl'"):
        client_from_params({"url": f"unix:{lxd[0]}", "addr_gen_mode": "stable-privacy"})
    assert [seen["path"] for seen in lxd[1].seen] == ["/1.0"]
    assert client_from_params({"url": f"unix:{lxd[0]}", "project": "farm"}).server == Server("lxd", "5.0.2")
