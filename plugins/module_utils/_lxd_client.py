# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small typed layer over the LXD REST API, shared by every module and plugin.

It speaks the raw API (JSON in, JSON out) through pylxd's transport, so the
callers can diff exactly what LXD stores, and it turns every failure into one
domain exception, `LxdError`, whose message says what went wrong and what to do.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from ._lxd_dep import pylxd, pylxd_exceptions

SOCKET_CANDIDATES = (
    "/var/snap/lxd/common/lxd/unix.socket",
    "/var/lib/lxd/unix.socket",
)

START_HINT = (
    "start LXD first (with systemd: 'systemctl start snap.lxd.daemon' or 'systemctl start lxd'; "
    "without it: 'lxd --group lxd --logfile /var/log/lxd.log &' then 'lxd waitready'), "
    "or point the url option at a running LXD"
)


class LxdError(Exception):
    """Any failure talking to LXD, with a message fit for the user."""


class LxdNotFound(LxdError):
    """The object asked for does not exist."""


@dataclass(frozen=True)
class LxdConnection:
    """Where and how to reach LXD.

    url: ``unix:/path/to/unix.socket``, a bare socket path, ``https://host:8443``, or None for
    the first local socket found (the snap's, then the distribution's, then ``$LXD_DIR``'s).
    """

    url: str | None = None
    project: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    server_cert: str | None = None
    trust_token: str | None = None
    timeout: float = 30.0


def find_socket(url: str | None, environ: dict[str, str] | None = None) -> str:
    """Return the unix socket path to use, or raise LxdError saying how to start LXD."""
    env = os.environ if environ is None else environ
    if url:
        path = url[len("unix:"):] if url.startswith("unix:") else url
        path = path.lstrip("/") and "/" + path.lstrip("/")
        if not os.path.exists(path):
            raise LxdError(f"no LXD socket at {path}: {START_HINT}")
        return path
    candidates = list(SOCKET_CANDIDATES)
    if env.get("LXD_DIR"):
        candidates.insert(0, os.path.join(env["LXD_DIR"], "unix.socket"))
    for path in candidates:
        if os.path.exists(path):
            return path
    raise LxdError(f"no LXD socket found (looked at {', '.join(candidates)}): {START_HINT}")


def is_remote(url: str | None) -> bool:
    return bool(url) and str(url).startswith("https://")


def _error_text(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if response is not None:
        try:
            body = response.json()
            return str(body.get("error") or body)
        except ValueError:
            return response.text.strip() or str(exc)
    return str(exc)


class LxdClient:
    """A connected client. Paths are relative to /1.0, e.g. ``profiles/default``."""

    def __init__(self, conn: LxdConnection) -> None:
        self.conn = conn
        try:
            if is_remote(conn.url):
                cert = (conn.client_cert, conn.client_key) if conn.client_cert else None
                verify: bool | str = conn.server_cert if conn.server_cert else True
                self._client = pylxd.Client(
                    endpoint=conn.url, cert=cert, verify=verify, project=conn.project, timeout=conn.timeout
                )
                if conn.trust_token and not self._client.trusted:
                    self._client.authenticate(conn.trust_token)
            else:
                socket = find_socket(conn.url)
                self._client = pylxd.Client(endpoint=socket, project=conn.project, timeout=conn.timeout)
        except LxdError:
            raise
        except pylxd_exceptions.ClientConnectionFailed as exc:
            where = conn.url or "the local socket"
            text = str(exc)
            if "fingerprint" in text.lower():
                raise LxdError(
                    f"the server at {where} presented a certificate that does not match server_cert "
                    f"{conn.server_cert}: fetch the right one with 'lxc remote add' or 'openssl s_client'"
                ) from exc
            raise LxdError(f"cannot reach LXD at {where}: {text or 'connection failed'}; "
                           f"check the address and that LXD listens there (core.https_address)") from exc
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(f"LXD at {conn.url or 'the local socket'} refused the connection: {_error_text(exc)}") from exc
        except Exception as exc:  # requests' SSL and connection errors, bad cert files
            raise LxdError(f"cannot reach LXD at {conn.url or 'the local socket'}: {exc}") from exc
        if is_remote(conn.url) and not self._client.trusted:
            raise LxdError(
                f"LXD at {conn.url} does not trust this client certificate: pass trust_token "
                f"(from 'lxc config trust add' on the server) or add the certificate there"
            )

    @property
    def server_info(self) -> dict[str, Any]:
        return dict(self._client.host_info)

    def has_extension(self, name: str) -> bool:
        return name in self._client.host_info.get("api_extensions", [])

    def _node(self, path: str) -> Any:
        node = self._client.api
        for part in [p for p in path.strip("/").split("/") if p]:
            node = node[part]
        return node

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                wait: bool = True, timeout: float | None = None) -> Any:
        """Call the API and return its metadata; async operations are waited for unless wait=False.

        With wait=False an async call returns the operation id (a string).
        """
        node = self._node(path)
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        try:
            response = getattr(node, method.lower())(**kwargs)
        except pylxd_exceptions.NotFound as exc:
            raise LxdNotFound(f"{path}: {_error_text(exc)}") from exc
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(f"LXD refused {method.upper()} {path}: {_error_text(exc)}") from exc
        except Exception as exc:
            raise LxdError(f"LXD request {method.upper()} {path} failed: {exc}") from exc
        data = response.json() if response.content else {}
        if data.get("type") == "async":
            op_id = str(data.get("operation", "")).rstrip("/").split("/")[-1]
            if not wait:
                return op_id
            return self.wait_operation(op_id, timeout=timeout)
        return data.get("metadata")

    def wait_operation(self, op_id: str, timeout: float | None = None) -> Any:
        """Wait for an operation; return its metadata or raise LxdError with LXD's message."""
        params = {"timeout": int(timeout if timeout is not None else max(self.conn.timeout, 60))}
        try:
            response = self._node(f"operations/{op_id}/wait").get(params=params, timeout=params["timeout"] + 10)
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(f"LXD operation {op_id} failed: {_error_text(exc)}") from exc
        except Exception as exc:
            raise LxdError(f"waiting for LXD operation {op_id} failed: {exc}") from exc
        meta = response.json().get("metadata") or {}
        if meta.get("status_code") not in (200, None):
            if meta.get("status_code") in (103, 105):
                raise LxdError(f"LXD operation {op_id} did not finish within {params['timeout']} s")
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
        """The untouched requests response, for binary uploads and downloads."""
        try:
            return getattr(self._node(path), method.lower())(**kwargs)
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(f"LXD refused {method.upper()} {path}: {_error_text(exc)}") from exc


def names_from_urls(urls: list[str] | None) -> list[str]:
    """['/1.0/profiles/default', ...] -> ['default', ...]"""
    result = []
    for url in urls or []:
        result.append(re.sub(r"\?.*$", "", url).rstrip("/").split("/")[-1])
    return result
