# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A remote LXD over HTTPS, through pylxd: client certificate and key, the server's self-signed certificate
pinned by its SHA-256 fingerprint, and a trust token for the first contact.

Imported only when a url is https://, so local runs never load pylxd or requests.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from .._optional import import_pylxd
from .connection import SERVER_CRT, LxdConnection, LxdError, error_text, pem_fingerprint

pylxd, pylxd_exceptions, PYLXD_IMPORT_ERROR = import_pylxd()

try:  # a dependency of pylxd; missing only when pylxd is, which the modules report
    import requests
    import requests.adapters
except ImportError:  # pragma: no cover
    requests = None  # type: ignore[assignment]
    _HTTPAdapter: Any = object
else:
    _HTTPAdapter = requests.adapters.HTTPAdapter


class TransportFailure(Exception):
    """The connection itself failed (TLS, refused, timed out); the text is requests' or pylxd's."""


class _PinnedAdapter(_HTTPAdapter):  # type: ignore[misc]  # requests has no type information
    """Accepts exactly one server certificate, by SHA-256 fingerprint, whatever CA bundle the environment names.

    pylxd's own adapter reads the certificate from requests' `verify` argument, which requests replaces with
    $REQUESTS_CA_BUNDLE or $CURL_CA_BUNDLE when those are set, so it would pin the first CA of that bundle.
    """

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        super().__init__()

    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> Any:
        # No CA check: the fingerprint is the check (urllib3 counts the connection as verified).
        return super().send(request, stream=stream, timeout=timeout, verify=False, cert=cert, proxies=proxies)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, False, cert)
        conn.assert_fingerprint = self.fingerprint


def https_session(conn: LxdConnection) -> Any:
    """A requests session with the client certificate, and the server certificate pinned when given."""
    session = requests.Session()
    session.cert = (conn.client_cert, conn.client_key) if conn.client_cert else None
    if conn.server_cert:
        try:
            with open(conn.server_cert, encoding="ascii", errors="replace") as handle:
                fingerprint = pem_fingerprint(handle.read())
        except (OSError, ValueError) as exc:
            raise LxdError(f"server_cert {conn.server_cert} is not a readable PEM certificate ({exc}); "
                           f"copy the server's {SERVER_CRT}") from exc
        session.verify = False
        session.mount("https://", _PinnedAdapter(fingerprint))
    return session


def trust_request(cert_pem: str, token: str) -> dict[str, Any]:
    """The body of ``POST /1.0/certificates`` that makes `cert_pem` trusted with a trust token.

    The token goes in both fields servers read it from: ``trust_token`` (Incus, and LXD with the
    ``explicit_trust_token`` extension) and ``password`` (LXD 5.0); each server ignores the field it does not know.
    """
    body = "".join(line.strip() for line in cert_pem.strip().splitlines() if not line.startswith("-----"))
    return {"type": "client", "certificate": body, "trust_token": token.strip(), "password": token.strip()}


def _exception_text(exc: Exception) -> str:
    """LXD's message from a pylxd exception that carries the response, else the exception itself."""
    response = getattr(exc, "response", None)
    if response is not None:
        return error_text(response)
    try:
        return str(exc)
    except Exception:  # pylxd's own __str__ reads the response it lacks
        return type(exc).__name__


class HttpsTransport:
    """Requests to a remote LXD; HTTP errors come back as responses, connection failures as TransportFailure."""

    def __init__(self, conn: LxdConnection) -> None:
        if pylxd is None:
            raise LxdError(f"an https url needs the Python library pylxd on this host: run 'pip install pylxd' "
                           f"({(PYLXD_IMPORT_ERROR or '').strip().splitlines()[-1]})")
        if "session" not in inspect.signature(pylxd.Client.__init__).parameters:
            raise LxdError(f"an https url needs pylxd >= 2.3.2, this host has "
                           f"{getattr(pylxd, '__version__', 'an older one')}: run 'pip install -U pylxd' there")
        self.conn = conn
        cert = (conn.client_cert, conn.client_key) if conn.client_cert else None
        try:
            self._client = pylxd.Client(endpoint=str(conn.url).rstrip("/"), cert=cert, project=conn.project,
                                        timeout=conn.timeout, session=https_session(conn))
        except LxdError:
            raise
        except pylxd_exceptions.ClientConnectionFailed as exc:
            raise TransportFailure(str(exc) + " " + str(exc.__context__ or "")) from exc
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(f"LXD at {conn.url} refused the connection: {_exception_text(exc)}") from exc
        except Exception as exc:  # requests' SSL and connection errors, bad cert or key files
            raise TransportFailure(str(exc)) from exc
        if not self._client.trusted:
            self._trust()

    @property
    def host_info(self) -> dict[str, Any]:
        return dict(self._client.host_info)

    def send(self, method: str, path: str, params: dict[str, Any] | None = None, json_body: Any = None,
             data: Any = None, headers: dict[str, str] | None = None, timeout: float | None = None) -> Any:
        node = self._client.api
        for part in [p for p in path.strip("/").split("/") if p]:
            node = node[part]
        kwargs: dict[str, Any] = {}
        for key, value in (("json", json_body), ("data", data), ("headers", headers), ("timeout", timeout)):
            if value is not None:
                kwargs[key] = value
        if params:
            kwargs["params"] = params
        try:
            return getattr(node, method.lower())(**kwargs)
        except pylxd_exceptions.LXDAPIException as exc:
            if getattr(exc, "response", None) is None:
                raise TransportFailure(str(exc)) from exc
            return exc.response
        except Exception as exc:  # requests' connection errors
            raise TransportFailure(str(exc)) from exc

    def _trust(self) -> None:
        """Get the client certificate trusted with the trust token, or explain how to."""
        conn = self.conn
        if not conn.client_cert:
            raise LxdError(
                f"LXD at {conn.url} needs a trusted client certificate: pass client_cert and client_key "
                f"(and trust_token, from 'lxc config trust add' or 'incus config trust add' on the server, "
                f"the first time)"
            )
        if not conn.trust_token:
            raise LxdError(
                f"LXD at {conn.url} does not trust client_cert {conn.client_cert}: pass trust_token "
                f"(run 'lxc config trust add --name NAME', or 'incus config trust add NAME', on the server for one), "
                f"or copy the certificate to the server and run 'lxc config trust add "
                f"{os.path.basename(conn.client_cert)}' (Incus: 'incus config trust add-certificate') there"
            )
        try:
            with open(conn.client_cert, encoding="utf-8") as handle:
                request = trust_request(handle.read(), conn.trust_token)
            self._client.api.certificates.post(json=request)
            self._client.host_info = self._client.api.get().json()["metadata"]
        except pylxd_exceptions.LXDAPIException as exc:
            raise LxdError(
                f"LXD at {conn.url} did not accept trust_token for client_cert {conn.client_cert}: "
                f"{_exception_text(exc)}; a token works once and may expire: get a new one with "
                f"'lxc config trust add --name NAME' (Incus: 'incus config trust add NAME') on the server"
            ) from exc
        except Exception as exc:
            raise LxdError(f"trusting client_cert {conn.client_cert} at {conn.url} failed: {exc}") from exc
        if not self._client.trusted:
            raise LxdError(
                f"LXD at {conn.url} took trust_token but still does not trust client_cert {conn.client_cert}; "
                f"check 'lxc config trust list' (Incus: 'incus config trust list') on the server"
            )
