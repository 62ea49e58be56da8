# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small typed layer over the LXD REST API, shared by every module and plugin.

It speaks the raw API (JSON in, JSON out), so the callers can diff exactly what LXD stores, and it turns every
failure into `LxdError` (connection.py, with the connection options it is built from).

Incus, the community's continuation of LXD, speaks the same API: the client finds either server's socket,
tells them apart by ``GET /1.0`` (``environment.server``), and `Server` names the one it talks to, its
version, its command-line client (``lxc`` or ``incus``) and its paths, for results and messages.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .connection import (
    SERVER_CRT,
    START_HINT,
    LxdConnection,
    LxdError,
    LxdNotFound,
    connection_problem,
    error_text,
    find_socket,
    is_remote,
    reason_of,
)
from .unix_http import UnixHttp


@dataclass(frozen=True)
class Server:
    """The server behind a connection, as its ``GET /1.0`` names it."""

    name: str  # "lxd" or "incus"
    version: str

    @property
    def label(self) -> str:
        return "Incus" if self.name == "incus" else "LXD"

    @property
    def cli(self) -> str:
        """The command-line client that manages it, for messages: ``incus`` or ``lxc``."""
        return "incus" if self.name == "incus" else "lxc"

    @property
    def state_dir(self) -> str:
        """Where Debian's package keeps its state (server.crt, unix.socket); the LXD snap's is elsewhere."""
        return "/var/lib/incus" if self.name == "incus" else "/var/lib/lxd"

    def as_result(self) -> dict[str, str]:
        """What module results say of the server: ``{"name": "incus", "version": "6.0.4", "cli": "incus"}``."""
        return {"name": self.name, "version": self.version, "cli": self.cli}


# The server assumed where none answered yet (messages before the first request, pure cores' defaults).
UNKNOWN_LXD = Server("lxd", "unknown")


def not_a_server(where: str, what: str) -> LxdError:
    """The error for an answer to ``GET /1.0`` that is neither LXD's nor Incus's (`what` says what came)."""
    return LxdError(f"{where} answers, but not as LXD or Incus do (GET /1.0 {what}); point url at LXD's or "
                    f"Incus's unix.socket or https address")


def identify_server(info: Any, where: str) -> Server:
    """The `Server` described by a ``GET /1.0`` answer, or LxdError when it is neither LXD nor Incus."""
    if not isinstance(info, dict) or "api_extensions" not in info:
        raise not_a_server(where, f"gave {str(info)[:120]!r}")
    env = info.get("environment") or {}
    name = str(env.get("server") or "").lower()
    if not name and info.get("api_version") == "1.0":
        name = "lxd"  # LXD releases older than the environment.server field
    if name not in ("lxd", "incus"):
        raise LxdError(f"{where} answers the LXD API as {name!r}, which is neither LXD nor Incus; "
                       f"point url at LXD's or Incus's unix.socket or https address")
    return Server(name=name, version=str(env.get("server_version") or "unknown"))


def missing_extension(info: Mapping[str, Any], server: Server, where: str, needs: Mapping[str, str]) -> str | None:
    """Why this server cannot do what was asked, or None.

    `needs` maps an API extension to what asked for it (``{"clustering": "placement=spread"}``); `info` is the
    server's ``GET /1.0`` answer. The first extension the server does not list makes the message.
    """
    offered = set(info.get("api_extensions") or [])
    for extension, asked in needs.items():
        if extension not in offered:
            return (f"{server.label} {server.version} at {where} is too old for {asked}: it lacks the API extension "
                    f"{extension!r}; upgrade it (LXD 5.0 and Incus 6.0 have it), or leave {asked} out")
    return None


class LxdClient:
    """A connected client. Paths are relative to /1.0, e.g. ``profiles/default``.

    The local unix socket is spoken to with the standard library (unix_http.py); a remote https:// LXD
    through pylxd (https.py), imported only then.
    """

    def __init__(self, conn: LxdConnection) -> None:
        self.conn = conn
        problem = connection_problem(conn)
        if problem:
            raise LxdError(problem)
        self._identity: tuple[dict[str, Any], Server] | None = None
        if is_remote(conn.url):
            # pylint: disable-next=import-outside-toplevel
            from .https import HttpsTransport, TransportFailure
            self._failure_types: tuple[type[BaseException], ...] = (TransportFailure,)
            try:
                self._transport: Any = HttpsTransport(conn)
            except TransportFailure as exc:
                raise LxdError(self._connection_failure(str(exc))) from exc
        else:
            self._failure_types = (OSError, http.client.HTTPException)
            self._transport = UnixHttp(find_socket(conn.url), conn.timeout)
            try:
                self._transport.probe()
            except OSError as exc:
                raise LxdError(self._connection_failure(str(exc))) from exc
        # Which server answers, before anything is asked of it: a socket of something else fails here.
        self._identify()

    def _connection_failure(self, text: str) -> str:
        conn = self.conn
        where = conn.url or "the local socket"
        if "fingerprints did not match" in text.lower():
            return (f"the certificate of LXD at {where} does not match server_cert {conn.server_cert} "
                    f"({reason_of(text)}): the server has another certificate, or something else answers there; "
                    f"copy the server's own {SERVER_CRT} to server_cert (on a cluster, its cluster.crt there)")
        if "certificate verify failed" in text.lower():
            return (f"the certificate of LXD at {where} is not signed by a CA this host trusts "
                    f"({reason_of(text)}); LXD's own certificate is self-signed: pin it by setting server_cert "
                    f"to a copy of the server's {SERVER_CRT}")
        if re.search(r"PEM|private key|key values mismatch|\[SSL\]", text) and conn.client_cert:
            return (f"cannot use client_cert {conn.client_cert} with client_key {conn.client_key} "
                    f"({reason_of(text)}): both must be PEM files, the key belonging to the certificate")
        if not is_remote(conn.url):  # a socket file is there, but no daemon behind it
            return f"cannot reach LXD or Incus at {where}: {reason_of(text) or 'connection failed'}; {START_HINT}"
        return (f"cannot reach LXD at {where}: {reason_of(text) or 'connection failed'}; check the address, "
                f"and that LXD listens there ('lxc config set core.https_address [::]:8443' on the server)")

    def _identify(self) -> tuple[dict[str, Any], Server]:
        """``GET /1.0``, read once: the server's description, and which server it is (LxdError if neither)."""
        if self._identity is None:
            where = self.conn.url or self._transport_where()
            try:
                # Without the project: the server is the same for every project, and a missing project is
                # reported later, by the first request that names it, with the server's own command.
                response = self._send("GET", "", "GET /1.0 failed", params={"project": None})
                info = (response.json() if response.content else {}).get("metadata")
            except (LxdNotFound, ValueError, AttributeError) as exc:
                raise not_a_server(where, f"failed: {exc}") from exc
            server = identify_server(info, where)  # refuses anything but LXD's or Incus's answer
            self._identity = (dict(info or {}), server)
        return self._identity

    @property
    def server_info(self) -> dict[str, Any]:
        """The answer to ``GET /1.0``."""
        return self._identify()[0]

    @property
    def server(self) -> Server:
        """Which server this is (LXD or Incus) and its version."""
        return self._identify()[1]

    def _transport_where(self) -> str:
        return str(getattr(self._transport, "path", "") or "the local socket")

    def has_extension(self, name: str) -> bool:
        return name in self.server_info.get("api_extensions", [])

    def require(self, needs: Mapping[str, str]) -> None:
        """LxdError, before anything is changed, when the server lacks an API extension that `needs` names."""
        problem = missing_extension(self.server_info, self.server, self.conn.url or self._transport_where(), needs)
        if problem:
            raise LxdError(problem)

    def _send(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        """One request; an error status raises LxdNotFound (404) or LxdError, `what` heading the message."""
        params = dict(kwargs.pop("params", None) or {})
        if self.conn.project and not is_remote(self.conn.url):  # pylxd adds the project itself
            params.setdefault("project", self.conn.project)
        try:
            response = self._transport.send(method, path, params=params or None, **kwargs)
        except self._failure_types as exc:
            raise LxdError(f"{self._connection_failure(str(exc))} (at {method.upper()} {path})") from exc
        if response.status_code == 404:
            text = error_text(response)
            if self.conn.project and re.search(r"project.*not found", text, re.I):
                server = self._identity[1] if self._identity else UNKNOWN_LXD
                raise LxdError(f"{server.label} has no project {self.conn.project!r} ({text}): create it with "
                               f"'{server.cli} project create {self.conn.project}', or leave the project option out")
            raise LxdNotFound(f"{path}: {text}")
        if response.status_code >= 400:
            raise LxdError(f"{what}: {error_text(response)}")
        return response

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                wait: bool = True, timeout: float | None = None) -> Any:
        """Call the API and return its metadata; async operations are waited for unless wait=False.

        With wait=False an async call returns the operation id (a string).
        """
        response = self._send(method, path, f"LXD refused {method.upper()} {path}", json_body=body, params=params)
        data = response.json() if response.content else {}
        if data.get("type") == "async":
            # "/1.0/operations/<id>", with "?project=..." when the request named a project (pylxd always does)
            op_id = re.sub(r"\?.*$", "", str(data.get("operation", ""))).rstrip("/").rsplit("/", maxsplit=1)[-1]
            if not wait:
                return op_id
            return self.wait_operation(op_id, timeout=timeout)
        return data.get("metadata")

    def wait_operation(self, op_id: str, timeout: float | None = None) -> Any:
        """Wait for an operation; return its metadata or raise LxdError with LXD's message."""
        seconds = int(timeout if timeout is not None else max(self.conn.timeout, 60))
        try:
            response = self._send("GET", f"operations/{op_id}/wait", f"LXD operation {op_id} failed",
                                  params={"timeout": seconds}, timeout=seconds + 10)
        except LxdNotFound as exc:
            raise LxdError(f"LXD operation {op_id} failed: {exc}") from exc
        meta = response.json().get("metadata") or {}
        if meta.get("status_code") not in (200, None):
            if meta.get("status_code") in (103, 105):
                raise LxdError(f"LXD operation {op_id} did not finish within {seconds} s")
            raise LxdError(meta.get("err") or f"LXD operation {op_id} ended with {meta.get('status')}")
        return meta.get("metadata")

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def get_or_none(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            return self.get(path, params=params)
        except LxdNotFound:
            return None

    def raw(self, method: str, path: str, **kwargs: Any) -> Any:
        """The untouched response (status_code, content, text, json()), for binary uploads and downloads.

        Takes data=, headers=, params= and timeout=.
        """
        return self._send(method, path, f"LXD refused {method.upper()} {path}", **kwargs)


def names_from_urls(urls: list[str] | None) -> list[str]:
    """['/1.0/profiles/default', ...] -> ['default', ...]"""
    result = []
    for url in urls or []:
        result.append(re.sub(r"\?.*$", "", url).rstrip("/").split("/")[-1])
    return result
