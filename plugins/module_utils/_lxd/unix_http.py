# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP to the local LXD over its unix socket with the standard library alone.

A module run that talks to the local daemon needs nothing more, and skips importing pylxd and requests
(about a fifth of a second on a Raspberry Pi class machine, paid on every task).
"""

from __future__ import annotations

import http.client
import json
import socket
from typing import Any
from urllib.parse import urlencode


class UnixResponse:
    """The parts of a requests.Response the client uses: status_code, content, text, json()."""

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content.decode("utf-8"))


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("lxd", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def request_url(path: str, params: dict[str, Any] | None = None) -> str:
    """'/1.0/' + path, with the query string; None values are left out."""
    url = "/1.0" + ("/" + path.strip("/") if path.strip("/") else "")
    query = {key: value for key, value in (params or {}).items() if value is not None}
    return url + ("?" + urlencode(query) if query else "")


class UnixHttp:
    """One request a connection: LXD's long polls (operations/ID/wait) and parallel workers stay independent."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout

    def probe(self) -> None:
        """Connect once and hang up: OSError (refused, no such file) when no daemon listens."""
        conn = _UnixConnection(self.path, self.timeout)
        try:
            conn.connect()
        finally:
            conn.close()

    def send(self, method: str, path: str, params: dict[str, Any] | None = None, json_body: Any = None,
             data: Any = None, headers: dict[str, str] | None = None, timeout: float | None = None
             ) -> UnixResponse:
        """Send a request; OSError and http.client errors reach the caller untouched."""
        all_headers = {"User-Agent": "palmfarm.ipv6", "Accept": "application/json"}
        all_headers.update(headers or {})
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            all_headers["Content-Type"] = "application/json"
        conn = _UnixConnection(self.path, timeout if timeout is not None else self.timeout)
        try:
            conn.request(method.upper(), request_url(path, params), body=body, headers=all_headers)
            response = conn.getresponse()
            return UnixResponse(response.status, response.read())
        finally:
            conn.close()
