# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How LXD or Incus is reached, before anything is sent: the sockets tried and in which order, the url and the
connection options and what is wrong with them, a certificate's fingerprint, and the useful part of an error."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import connection as lxd_connection
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import (
    SOCKET_CANDIDATES,
    LxdConnection,
    LxdError,
    LxdNotFound,
    connection_problem,
    error_text,
    find_socket,
    is_remote,
    pem_fingerprint,
    reason_of,
    socket_candidates,
    url_problem,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._lxd.conftest import PEM, remote

# A throw-away self-signed certificate; its fingerprint as `openssl x509 -noout -fingerprint -sha256` prints it.
PEM_FINGERPRINT = "4B:4C:EB:AF:CE:3B:AB:96:97:BC:A4:C3:01:67:1C:55:1D:1C:40:C6:E3:FD:63:83:09:66:39:39:A0:95:D6:84"


@pytest.fixture
def no_default_sockets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the built-in socket candidates into an empty temp dir, whatever this machine runs."""
    snap = tmp_path / "snap" / "unix.socket"
    deb = tmp_path / "deb" / "unix.socket"
    incus = tmp_path / "incus" / "unix.socket"
    monkeypatch.setattr(lxd_connection, "SOCKET_CANDIDATES", (str(snap), str(deb), str(incus)))
    return tmp_path


def touch(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return str(path)


# ---- find_socket -------------------------------------------------------------------------------------------------

def test_the_candidates_are_the_snap_then_the_distribution_then_incus() -> None:
    assert SOCKET_CANDIDATES == ("/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket",
                                 "/var/lib/incus/unix.socket")


@pytest.mark.parametrize("present, environ, expected", [
    (["deb"], {}, "deb"),
    (["incus"], {}, "incus"),
    (["snap", "deb"], {}, "snap"),
    (["deb", "incus"], {}, "deb"),
    (["snap", "deb", "env"], {"LXD_DIR": "env"}, "env"),
    (["deb"], {"LXD_DIR": "env"}, "deb"),  # $LXD_DIR set but without a socket: the next candidate
    (["deb", "incus-env"], {"INCUS_DIR": "incus-env"}, "incus-env"),
    (["deb", "own"], {"INCUS_SOCKET": "own"}, "own"),
    (["env", "incus-env"], {"LXD_DIR": "env", "INCUS_DIR": "incus-env"}, "env"),
])
def test_find_socket_takes_the_first_that_exists(no_default_sockets: Path, present: list[str],
                                                 environ: dict[str, str], expected: str) -> None:
    paths = {name: no_default_sockets / name / "unix.socket"
             for name in ("snap", "deb", "incus", "env", "incus-env", "own")}
    for name in present:
        touch(paths[name])
    env = {}
    for variable, name in environ.items():
        env[variable] = str(paths[name] if variable == "INCUS_SOCKET" else paths[name].parent)
    assert find_socket(None, env) == str(paths[expected])


def test_find_socket_ignores_an_empty_lxd_dir(no_default_sockets: Path) -> None:
    deb = touch(no_default_sockets / "deb" / "unix.socket")
    assert find_socket(None, {"LXD_DIR": "", "INCUS_DIR": ""}) == deb


def test_find_socket_without_any_says_where_it_looked_and_how_to_start(no_default_sockets: Path) -> None:
    with pytest.raises(LxdError) as err:
        find_socket(None, {"LXD_DIR": str(no_default_sockets / "env")})
    text = str(err.value)
    looked = ", ".join(str(no_default_sockets / name / "unix.socket") for name in ("env", "snap", "deb", "incus"))
    assert text.startswith(f"no LXD or Incus socket found (looked at {looked}): start LXD or Incus first")
    assert "lxd waitready" in text and "systemctl start" in text and "incus admin waitready" in text


@pytest.mark.parametrize("form", ["unix:{path}", "unix://{path}", "{path}"])
def test_find_socket_takes_the_url_as_given(tmp_path: Path, form: str) -> None:
    sock = touch(tmp_path / "lxd" / "unix.socket")
    assert find_socket(form.format(path=sock), {}) == sock


def test_find_socket_with_a_url_looks_nowhere_else(no_default_sockets: Path) -> None:
    touch(no_default_sockets / "deb" / "unix.socket")
    with pytest.raises(LxdError, match=r"^no LXD or Incus socket at /nonexistent/unix\.socket: start LXD or Incus"):
        find_socket("unix:/nonexistent/unix.socket", {})


# ---- is_remote, url_problem ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("url, expected", [
    ("https://lxd.example.net:8443", True),
    ("HTTPS://lxd.example.net", True),
    ("https://[2001:db8::1]:8443", True),
    ("unix:/var/lib/lxd/unix.socket", False),
    ("/var/lib/lxd/unix.socket", False),
    ("http://lxd.example.net:8443", False),
    ("", False),
    (None, False),
])
def test_is_remote(url: str | None, expected: bool) -> None:
    assert is_remote(url) is expected


@pytest.mark.parametrize("url", [
    None, "", "https://lxd.example.net:8443", "https://lxd.example.net:8443/", "https://lxd.example.net",
    "https://127.0.0.1:8443", "https://[2001:db8::1]:8443", "https://[::1]",
    "unix:/var/lib/lxd/unix.socket", "unix:///var/lib/lxd/unix.socket", "/var/lib/lxd/unix.socket",
])
def test_url_problem_accepts(url: str | None) -> None:
    assert url_problem(url) is None


@pytest.mark.parametrize("url, fragment", [
    ("http://lxd.example.net:8443", "LXD is reached over https://"),
    ("ftp://lxd.example.net", "LXD is reached over https://"),
    ("https://lxd.example.net:8443/1.0", "is not https://HOST[:PORT]"),
    ("https://2001:db8::1:8443", "https://[2001:db8::1]:8443"),
    ("https://lxd.example.net:port", "is not https://HOST[:PORT]"),
    ("https://", "is not https://HOST[:PORT]"),
])
def test_url_problem_names_the_url_and_the_form(url: str, fragment: str) -> None:
    problem = url_problem(url)
    assert problem is not None
    assert repr(url) in problem
    assert fragment in problem


# ---- connection_problem -------------------------------------------------------------------------------------------


def test_connection_problem_none_for_complete_remote_options(pems: dict[str, str]) -> None:
    conn = remote(client_cert=pems["client.crt"], client_key=pems["client.key"], server_cert=pems["server.crt"],
                  trust_token="t")
    assert connection_problem(conn) is None


def test_connection_problem_leaves_certificates_alone_for_a_socket(tmp_path: Path) -> None:
    # community.general playbooks pass cert paths to local sockets too; they are not used there.
    conn = LxdConnection(url="unix:/var/lib/lxd/unix.socket", client_cert=str(tmp_path / "nope.crt"),
                         trust_token="t")
    assert connection_problem(conn) is None


@pytest.mark.parametrize("options, expected", [
    ({"client_cert": "client.crt"}, "client_cert is set but client_key is not"),
    ({"client_key": "client.key"}, "client_key is set but client_cert is not"),
    ({"client_cert": "client.crt", "client_key": "missing.key"}, "client_key {dir}/missing.key does not exist"),
    ({"client_cert": "missing.crt", "client_key": "client.key"}, "client_cert {dir}/missing.crt does not exist"),
    ({"client_cert": "client.crt", "client_key": "client.key", "server_cert": "."},
     "server_cert {dir} does not exist or is not a file"),
    ({"trust_token": "t"}, "trust_token is set but client_cert is not"),
])
def test_connection_problem_names_the_option(pems: dict[str, str], tmp_path: Path, options: dict[str, str],
                                             expected: str) -> None:
    kwargs = {key: value if key == "trust_token" else str(tmp_path / value) for key, value in options.items()}
    problem = connection_problem(remote(**kwargs))
    assert problem is not None
    assert expected.format(dir=tmp_path) in problem


def test_connection_problem_reports_the_url_first(pems: dict[str, str]) -> None:
    conn = LxdConnection(url="http://lxd.example.net:8443", client_cert=pems["client.crt"])
    assert "LXD is reached over https://" in str(connection_problem(conn))


# ---- pem_fingerprint ----------------------------------------------------------------------------------------------

def test_pem_fingerprint_matches_openssl() -> None:
    assert pem_fingerprint(PEM) == PEM_FINGERPRINT.replace(":", "").lower()


def test_pem_fingerprint_matches_the_standard_library() -> None:
    import hashlib
    assert pem_fingerprint(PEM) == hashlib.sha256(ssl.PEM_cert_to_DER_cert(PEM.strip())).hexdigest()


@pytest.mark.parametrize("text", [
    PEM.replace("\n", "\r\n"),
    "subject=CN = itrem-client\n" + PEM,  # as `openssl x509 -subject` writes it
    PEM + PEM.replace("MIIB", "MIIC"),  # a chain: the first is the server's
])
def test_pem_fingerprint_takes_the_first_certificate(text: str) -> None:
    assert pem_fingerprint(text) == PEM_FINGERPRINT.replace(":", "").lower()


@pytest.mark.parametrize("text, message", [
    ("", "no PEM certificate"),
    ("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "no PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", "not valid base64"),
])
def test_pem_fingerprint_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pem_fingerprint(text)


# ---- reason_of ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /1.0 (Caused by "
     "NewConnectionError(\"HTTPSConnection(host='127.0.0.1', port=1): Failed to establish a new connection: "
     "[Errno 111] Connection refused\"))", "[Errno 111] Connection refused"),
    ("HTTPSConnectionPool(host='lxd.invalid', port=8443): Max retries exceeded with url: /1.0 (Caused by "
     "NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve 'lxd.invalid' "
     "([Errno -2] Name or service not known)\"))", "[Errno -2] Name or service not known"),
    ("HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /1.0 (Caused by "
     "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
     "self-signed certificate (_ssl.c:1006)')))", "certificate verify failed: self-signed certificate"),
    ("HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /1.0 (Caused by "
     "SSLError('Fingerprints did not match. Expected \"8cde\", got \"8c9c\"'))",
     'Fingerprints did not match. Expected "8cde", got "8c9c"'),
    ("HTTPSConnectionPool(host='192.0.2.1', port=8443): Max retries exceeded with url: /1.0 (Caused by "
     "ConnectTimeoutError(<urllib3.connection.HTTPSConnection object at 0x7f>, 'Connection to 192.0.2.1 timed "
     "out. (connect timeout=3.0)'))", "Connection to 192.0.2.1 timed out. (connect timeout=3.0"),
    ("something else entirely ", "something else entirely"),
])
def test_reason_of_keeps_the_useful_part(text: str, expected: str) -> None:
    assert reason_of(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("HTTPSConnectionPool(host='lxd.example.net', port=8443): Read timed out. (read timeout=30.0)",
     "Read timed out. (read timeout=30.0"),
    ("HTTPSConnectionPool(host='127.0.0.1', port=8443): Max retries exceeded with url: /1.0 (Caused by "
     "SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)')))",
     "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006"),  # up to the first quote or parenthesis
    ("\n  [Errno 113] No route to host\n", "[Errno 113] No route to host"),
])
def test_reason_of_reads_timeouts_tls_and_errno_texts(text: str, expected: str) -> None:
    assert reason_of(text) == expected


# ---- socket_candidates and the environment -------------------------------------------------------------------------

@pytest.mark.parametrize("environ, expected", [
    ({}, list(SOCKET_CANDIDATES)),
    ({"LXD_DIR": "/srv/lxd"}, ["/srv/lxd/unix.socket", *SOCKET_CANDIDATES]),
    ({"INCUS_DIR": "/srv/incus/"}, ["/srv/incus/unix.socket", *SOCKET_CANDIDATES]),
    ({"INCUS_SOCKET": "/run/incus/unix.socket"}, ["/run/incus/unix.socket", *SOCKET_CANDIDATES]),
    ({"INCUS_SOCKET": "/run/incus.sock", "INCUS_DIR": "/srv/incus", "LXD_DIR": "/srv/lxd"},
     ["/srv/lxd/unix.socket", "/srv/incus/unix.socket", "/run/incus.sock", *SOCKET_CANDIDATES]),
    ({"LXD_DIR": "", "INCUS_DIR": "", "INCUS_SOCKET": ""}, list(SOCKET_CANDIDATES)),
    ({"HOME": "/root", "LXD_CONF": "/root/.config/lxc"}, list(SOCKET_CANDIDATES)),  # only the three are read
])
def test_socket_candidates_are_the_environments_then_the_usual_places(environ: dict[str, str],
                                                                      expected: list[str]) -> None:
    assert socket_candidates(environ) == expected


def test_a_usual_place_the_environment_names_is_tried_once_and_first() -> None:
    environ = {"INCUS_DIR": "/var/lib/incus"}
    assert socket_candidates(environ) == ["/var/lib/incus/unix.socket", "/var/snap/lxd/common/lxd/unix.socket",
                                          "/var/lib/lxd/unix.socket"]


def test_find_socket_reads_the_process_environment_when_given_none(no_default_sockets: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    own = touch(no_default_sockets / "own" / "unix.socket")
    touch(no_default_sockets / "deb" / "unix.socket")
    monkeypatch.delenv("LXD_DIR", raising=False)
    monkeypatch.delenv("INCUS_DIR", raising=False)
    monkeypatch.setenv("INCUS_SOCKET", own)
    assert find_socket(None) == own


def test_find_socket_takes_any_number_of_slashes_after_unix(tmp_path: Path) -> None:
    sock = touch(tmp_path / "lxd" / "unix.socket")
    assert find_socket("unix:////" + sock.lstrip("/"), {}) == sock


# ---- LxdConnection, the errors, error_text -------------------------------------------------------------------------

def test_a_connection_without_options_is_the_local_socket_with_a_30_s_timeout() -> None:
    conn = LxdConnection()
    assert (conn.url, conn.project, conn.timeout) == (None, None, 30.0)
    assert (conn.client_cert, conn.client_key, conn.server_cert, conn.trust_token) == (None, None, None, None)
    assert connection_problem(conn) is None


def test_not_found_is_an_lxd_error() -> None:
    assert issubclass(LxdNotFound, LxdError) and issubclass(LxdError, Exception)
    assert not issubclass(LxdError, LxdNotFound)


def test_the_socket_module_knows_where_the_server_certificate_is() -> None:
    assert lxd_connection.SERVER_CRT.startswith("/var/lib/lxd/server.crt (")
    assert "/var/snap/lxd/common/lxd/server.crt" in lxd_connection.SERVER_CRT
    assert "/var/lib/incus/server.crt" in lxd_connection.SERVER_CRT


class Response:
    """An HTTP response as requests or the socket transport gives it."""

    def __init__(self, status_code: int, text: str) -> None:
        self.status_code = status_code
        self.text = text

    def json(self) -> Any:
        import json
        return json.loads(self.text)


@pytest.mark.parametrize("status, text, expected", [
    (404, '{"type": "error", "status": "", "status_code": 0, "operation": "", "error_code": 404, '
          '"error": "Instance not found", "metadata": null}', "Instance not found"),
    (403, '{"type": "error", "error_code": 403, "error": "not authorized", "metadata": null}', "not authorized"),
    (500, '{"type": "error", "error_code": 500, "error": "", "metadata": null}',
     "{'type': 'error', 'error_code': 500, 'error': '', 'metadata': None}"),
    (500, '["unexpected"]', "['unexpected']"),
    (502, "<html><body>Bad Gateway</body></html>\n", "<html><body>Bad Gateway</body></html>"),
    (503, "  \n", "HTTP 503"),
])
def test_error_text_is_lxds_message_else_the_body_else_the_status(status: int, text: str, expected: str) -> None:
    assert error_text(Response(status, text)) == expected


def test_connection_problem_checks_nothing_more_for_a_socket_url_with_a_bad_scheme() -> None:
    problem = connection_problem(LxdConnection(url="tcp://lxd.example.net:8443"))
    assert problem is not None
    assert re.match(r"^url 'tcp://lxd\.example\.net:8443': LXD is reached over https://", problem)


@pytest.mark.parametrize("url", ["https://lxd.example.net:123456", "https://lxd.example.net:8443?project=farm",
                                 "https://[lxd.example.net]:8443"])
def test_url_problem_refuses_a_long_port_a_query_and_a_name_in_brackets(url: str) -> None:
    assert url_problem(url) == (f"url {url!r} is not https://HOST[:PORT]; write e.g. https://lxd.example.net:8443 "
                                f"or https://[2001:db8::1]:8443, without a path")
