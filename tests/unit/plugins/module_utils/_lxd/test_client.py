# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parts of the LXD client that need no daemon: finding the socket, checking the connection options,
pinning a server certificate, and reading names and error texts. Talking to LXD itself, over the socket and
over HTTPS, is tested by the lxd_profile and lxd_remote integration targets."""

from __future__ import annotations

import re
import ssl
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import client as lxd_client
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import connection as lxd_connection
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import https as lxd_https
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.client import (
    Server,
    identify_server,
    missing_extension,
    names_from_urls,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import (
    SOCKET_CANDIDATES,
    LxdConnection,
    LxdError,
    connection_problem,
    find_socket,
    is_remote,
    pem_fingerprint,
    reason_of,
    url_problem,
)

# A throw-away self-signed certificate; its fingerprint as `openssl x509 -noout -fingerprint -sha256` prints it.
PEM = """-----BEGIN CERTIFICATE-----
MIIBvzCCAUagAwIBAgIURr1wZevFQivrOMCfVHAigL/8QK8wCgYIKoZIzj0EAwMw
FzEVMBMGA1UEAwwMaXRyZW0tY2xpZW50MB4XDTI2MTEyODAyNDI0OFoXDTI2MTEz
MDAyNDI0OFowFzEVMBMGA1UEAwwMaXRyZW0tY2xpZW50MHYwEAYHKoZIzj0CAQYF
K4EEACIDYgAETc9zk9lfhFkKhjjmJLDVe5r4YXIQdnCoEXBYtKhkSb+9Sm2SOj3T
wVHwzkxS59mSQrfg09XCJ0m9mbkD593BaYlAgy92mHSukQHwc10qp2j0+/eZ7kKZ
z4OCKIBC9u0/o1MwUTAdBgNVHQ4EFgQUOQ6bA5MbcAc6TZBKj2yNJw+7wWAwHwYD
VR0jBBgwFoAUOQ6bA5MbcAc6TZBKj2yNJw+7wWAwDwYDVR0TAQH/BAUwAwEB/zAK
BggqhkjOPQQDAwNnADBkAjAAxatNRqL4ge5aOv+AVk1HA60Z4iIwhiF9dxJu/054
ikzpFKLKg03tnfL7xgeRfvoCMGyn4HkrzHcnnySkrQuoP3iuSAa4R1mpR8xXWvFy
PQKwwmDDfiVWOQXRKotRn5S46w==
-----END CERTIFICATE-----
"""
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

@pytest.fixture
def pems(tmp_path: Path) -> dict[str, str]:
    files = {}
    for name in ("client.crt", "client.key", "server.crt"):
        (tmp_path / name).write_text(PEM)
        files[name] = str(tmp_path / name)
    return files


def remote(**kwargs: Any) -> LxdConnection:
    return LxdConnection(url="https://lxd.example.net:8443", **kwargs)


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


def test_client_refuses_bad_options_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connection(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("connected despite bad options")
    monkeypatch.setattr(lxd_https.pylxd, "Client", no_connection)
    with pytest.raises(LxdError, match="trust_token is set but client_cert is not"):
        lxd_client.LxdClient(remote(trust_token="t"))


# ---- pem_fingerprint and the pinning adapter ----------------------------------------------------------------------

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


class FakePool:
    assert_fingerprint: str | None = None
    cert_reqs: str | None = None


def test_pinned_adapter_asserts_the_fingerprint_without_ca_check() -> None:
    adapter = lxd_https._PinnedAdapter("ab" * 32)
    pool = FakePool()
    adapter.cert_verify(pool, "https://lxd.example.net:8443/1.0", "/etc/ssl/certs/ca-certificates.crt", None)
    assert pool.assert_fingerprint == "ab" * 32
    assert pool.cert_reqs == "CERT_NONE"


def test_https_session_pins_whatever_ca_bundle_the_environment_names(
        pems: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # requests replaces the verify path of pylxd's own adapter with $REQUESTS_CA_BUNDLE: the reason for ours.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    session = lxd_https.https_session(remote(client_cert=pems["client.crt"], client_key=pems["client.key"],
                                             server_cert=pems["server.crt"]))
    adapter = session.get_adapter("https://lxd.example.net:8443/1.0")
    assert isinstance(adapter, lxd_https._PinnedAdapter)
    assert adapter.fingerprint == PEM_FINGERPRINT.replace(":", "").lower()
    assert session.cert == (pems["client.crt"], pems["client.key"])


def test_https_session_without_server_cert_uses_the_system_cas(pems: dict[str, str]) -> None:
    session = lxd_https.https_session(remote(client_cert=pems["client.crt"], client_key=pems["client.key"]))
    assert not isinstance(session.get_adapter("https://lxd.example.net:8443/1.0"), lxd_https._PinnedAdapter)
    assert session.verify is True


def test_https_session_rejects_a_server_cert_that_is_no_certificate(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")
    expected = rf"^server_cert {key} is not a readable PEM certificate .*/var/lib/lxd/server\.crt"
    with pytest.raises(LxdError, match=expected):
        lxd_https.https_session(remote(server_cert=str(key)))


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


def test_trust_request_carries_the_token_for_lxd_and_incus_and_the_bare_certificate():
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\nAbCd==\n-----END CERTIFICATE-----\n"
    body = lxd_https.trust_request(pem, " eyJ0b2tlbiI6MX0= \n")
    assert body == {"type": "client", "certificate": "MIIBAbCd==", "trust_token": "eyJ0b2tlbiI6MX0=",
                    "password": "eyJ0b2tlbiI6MX0="}
