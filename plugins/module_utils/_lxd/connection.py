# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How LXD or Incus is reached: the connection options and their checks, where the local socket is, and the
one exception every failure becomes, `LxdError`, whose message says what went wrong and what to do.

Both transports build on this module: the local socket's (unix_http.py, through client.py) and the remote
https one's (https.py); neither imports the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any, Mapping

# The usual places of the local sockets, in the order they are tried after the environment's
# ($LXD_DIR, $INCUS_DIR, $INCUS_SOCKET): LXD's snap, Debian's lxd, then Incus.
SOCKET_CANDIDATES = (
    "/var/snap/lxd/common/lxd/unix.socket",
    "/var/lib/lxd/unix.socket",
    "/var/lib/incus/unix.socket",
)


# Where the server's own certificate is, for pinning it with server_cert.
SERVER_CRT = ("/var/lib/lxd/server.crt (/var/snap/lxd/common/lxd/server.crt with the snap, "
              "/var/lib/incus/server.crt with Incus)")


START_HINT = (
    "start LXD or Incus first (with systemd: 'systemctl start snap.lxd.daemon', 'systemctl start lxd' or "
    "'systemctl start incus'; without it: 'lxd --group lxd --logfile /var/log/lxd.log &' then 'lxd waitready', "
    "or '/usr/libexec/incus/incusd --group incus-admin &' then 'incus admin waitready'), "
    "or point the url option at a running server"
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
    timeout: float = 30.0
    client_cert: str | None = None
    client_key: str | None = None
    server_cert: str | None = None
    trust_token: str | None = None


def socket_candidates(environ: Mapping[str, str]) -> list[str]:
    """The sockets to try, in order: those the environment names, then the usual places."""
    named = []
    for variable in ("LXD_DIR", "INCUS_DIR"):
        if environ.get(variable):
            named.append(os.path.join(environ[variable], "unix.socket"))
    if environ.get("INCUS_SOCKET"):
        named.append(environ["INCUS_SOCKET"])
    return named + [path for path in SOCKET_CANDIDATES if path not in named]


def find_socket(url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """Return the unix socket path to use, or raise LxdError saying how to start LXD or Incus."""
    env = os.environ if environ is None else environ
    if url:
        path = url[len("unix:"):] if url.startswith("unix:") else url
        if path.startswith("/"):
            path = "/" + path.lstrip("/")  # unix:///var/lib/lxd/unix.socket
        if not os.path.exists(path):
            raise LxdError(f"no LXD or Incus socket at {path}: {START_HINT}")
        return path
    candidates = socket_candidates(env)
    for path in candidates:
        if os.path.exists(path):
            return path
    raise LxdError(f"no LXD or Incus socket found (looked at {', '.join(candidates)}): {START_HINT}")


def is_remote(url: str | None) -> bool:
    return bool(url) and str(url).lower().startswith("https://")


def url_problem(url: str | None) -> str | None:
    """Why `url` cannot name an LXD (an unknown scheme, a host without a port...), or None when it can."""
    if not url:
        return None
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme and scheme.group(1).lower() not in ("https", "unix"):
        return (f"url {url!r}: LXD is reached over https:// (e.g. https://lxd.example.net:8443) "
                f"or a unix socket (unix:/var/lib/lxd/unix.socket)")
    if is_remote(url) and not re.match(r"^https://(\[[0-9A-Fa-f:.]+\]|[^/:\[\]]+)(:[0-9]{1,5})?/?$", url):
        return (f"url {url!r} is not https://HOST[:PORT]; write e.g. https://lxd.example.net:8443 "
                f"or https://[2001:db8::1]:8443, without a path")
    return None


def pem_fingerprint(pem: str) -> str:
    """SHA-256 fingerprint (lower-case hex, as LXD shows it) of the first certificate in PEM text."""
    match = re.search(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", pem, re.S)
    if not match:
        raise ValueError("no PEM certificate (-----BEGIN CERTIFICATE-----) found")
    try:
        der = base64.b64decode("".join(match.group(1).split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the PEM certificate is not valid base64: {exc}") from exc
    return hashlib.sha256(der).hexdigest()


def connection_problem(conn: LxdConnection) -> str | None:
    """What is wrong with the connection options, checked before anything is sent; None when nothing."""
    problem = url_problem(conn.url)
    if problem or not is_remote(conn.url):
        return problem
    if bool(conn.client_cert) != bool(conn.client_key):
        given, missing = ("client_cert", "client_key") if conn.client_cert else ("client_key", "client_cert")
        return f"{given} is set but {missing} is not: a remote LXD needs both, the certificate and its key"
    for option in ("client_cert", "client_key", "server_cert"):
        path = getattr(conn, option)
        if path and not os.path.isfile(path):
            return f"{option} {path} does not exist or is not a file; fix the path"
    if conn.trust_token and not conn.client_cert:
        return ("trust_token is set but client_cert is not: the token makes a client certificate trusted, "
                "so pass client_cert and client_key (make them with 'openssl req -x509 ...' or take "
                "~/.config/lxc/client.crt and client.key)")
    return None


def reason_of(text: str) -> str:
    """The useful part of a requests/urllib3 connection error, e.g. '[Errno 111] Connection refused'."""
    patterns = (
        r"Fingerprints did not match\. Expected \"[0-9a-f]+\", got \"[0-9a-f]+\"",
        r"certificate verify failed: [^(')\"]+",
        r"\[Errno -?\d+\] [^'\")]+",
        r"(?:Connection to \S+ |Read )timed out[^'\")]*",
        r"\[SSL[^\]]*\][^'\")]*",
    )
    for pattern in patterns:
        match = re.search(pattern, text)
        if match:
            return match.group(0).strip().rstrip(".,;")
    return text.strip()


def error_text(response: Any) -> str:
    """LXD's own error message from an error response."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or f"HTTP {response.status_code}"
    return str(body.get("error") or body) if isinstance(body, dict) else str(body)
