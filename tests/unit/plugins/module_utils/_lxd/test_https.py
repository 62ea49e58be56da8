# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A remote LXD over HTTPS without LXD: the session that pins the server's certificate by its fingerprint
(against a TLS server on 127.0.0.1 that the test starts), the body that gets a client certificate trusted with a
token, and how the transport walks the API, hands back LXD's errors and explains a refused trust."""

from __future__ import annotations

import base64
import datetime
import http.server
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd import https as lxd_https
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdConnection, LxdError
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._lxd.conftest import PEM, remote
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._lxd.test_connection import PEM_FINGERPRINT

requests = pytest.importorskip("requests")


# ---- the pinning adapter and the session --------------------------------------------------------------------------

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


def test_https_session_without_client_cert_sends_none() -> None:
    assert lxd_https.https_session(remote()).cert is None


def test_https_session_rejects_a_server_cert_that_is_no_certificate(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n")
    expected = rf"^server_cert {key} is not a readable PEM certificate .*/var/lib/lxd/server\.crt"
    with pytest.raises(LxdError, match=expected):
        lxd_https.https_session(remote(server_cert=str(key)))


def test_https_session_rejects_a_server_cert_it_cannot_read(tmp_path: Path) -> None:
    missing = tmp_path / "server.crt"
    with pytest.raises(LxdError, match=rf"^server_cert {missing} is not a readable PEM certificate \(.*No such file"):
        lxd_https.https_session(remote(server_cert=str(missing)))


# ---- pinning against a TLS server on 127.0.0.1 ---------------------------------------------------------------------

def self_signed(directory: Path) -> tuple[str, str]:
    """A server certificate for 127.0.0.1 and its key, as `lxd init` makes them (EC, self-signed)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "root@lxd-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA384()))
    crt_path, key_path = directory / "server.crt", directory / "server.key"
    crt_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(crt_path), str(key_path)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802  # the name http.server calls
        body = json.dumps({"type": "sync", "status_code": 200, "metadata": {"auth": "untrusted"}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(url, server certificate path) of an HTTPS server on 127.0.0.1, stopped after the test."""
    for variable in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    crt, key = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(crt, key)
    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", crt
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_pinned_certificate_is_accepted_whatever_ca_bundle_is_named(
        tls_server: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, crt = tls_server
    other = tmp_path / "ca.crt"
    other.write_text(PEM)  # a bundle without the server's certificate
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other))
    session = lxd_https.https_session(LxdConnection(url=url, server_cert=crt))
    response = session.get(url + "/1.0", timeout=10)
    assert response.status_code == 200
    assert response.json()["metadata"] == {"auth": "untrusted"}


def test_another_pinned_certificate_is_refused(tls_server: tuple[str, str], tmp_path: Path) -> None:
    url = tls_server[0]
    other = tmp_path / "other.crt"
    other.write_text(PEM)
    session = lxd_https.https_session(LxdConnection(url=url, server_cert=str(other)))
    with pytest.raises(requests.exceptions.SSLError, match="Fingerprints did not match"):
        session.get(url + "/1.0", timeout=10)


def test_without_a_pin_a_self_signed_server_is_refused(tls_server: tuple[str, str]) -> None:
    url = tls_server[0]
    session = lxd_https.https_session(LxdConnection(url=url))
    with pytest.raises(requests.exceptions.SSLError, match="certificate verify failed"):
        session.get(url + "/1.0", timeout=10)


# ---- trust_request -------------------------------------------------------------------------------------------------

def test_trust_request_carries_the_token_for_lxd_and_incus_and_the_bare_certificate() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\nAbCd==\n-----END CERTIFICATE-----\n"
    body = lxd_https.trust_request(pem, " eyJ0b2tlbiI6MX0= \n")
    assert body == {"type": "client", "certificate": "MIIBAbCd==", "trust_token": "eyJ0b2tlbiI6MX0=",
                    "password": "eyJ0b2tlbiI6MX0="}


def test_trust_request_sends_the_certificates_der_in_base64() -> None:
    body = lxd_https.trust_request(PEM.replace("\n", "\r\n"), "t")
    assert base64.b64decode(body["certificate"]) == ssl.PEM_cert_to_DER_cert(PEM.strip())
    assert "\r" not in body["certificate"] and "-" not in body["certificate"]


# ---- HttpsTransport with a stand-in for pylxd's client -------------------------------------------------------------

class Answer:
    def __init__(self, status_code: int, body: Any) -> None:
        self.status_code = status_code
        self.body = body
        self.text = json.dumps(body)
        self.content = self.text.encode()

    def json(self) -> Any:
        return self.body


class Node:
    """pylxd's API node: indexing goes one path element down, a method call sends the request."""

    def __init__(self, calls: list[tuple[str, str, dict[str, Any]]], path: str = "",
                 fail: Exception | None = None) -> None:
        self.calls, self.path, self.fail = calls, path, fail

    def __getitem__(self, part: str) -> Node:
        return Node(self.calls, f"{self.path}/{part}", self.fail)

    def __getattr__(self, name: str) -> Any:
        if name in ("get", "post", "put", "patch", "delete"):
            def call(**kwargs: Any) -> Answer:
                self.calls.append((name, self.path, kwargs))
                if self.fail is not None:
                    raise self.fail
                return Answer(200, {"type": "sync", "metadata": {}})
            return call
        return self[name]


class FakeClient:
    def __init__(self, fail: Exception | None = None, trusted: bool = True) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.api = Node(self.calls, "/1.0", fail)
        self.trusted = trusted
        self.host_info = {"auth": "trusted" if trusted else "untrusted"}


def transport(conn: LxdConnection, client: FakeClient) -> Any:
    made = lxd_https.HttpsTransport.__new__(lxd_https.HttpsTransport)
    made.conn = conn
    made._client = client
    return made


def test_send_walks_the_path_and_passes_only_what_is_given() -> None:
    client = FakeClient()
    sent = transport(remote(), client)
    sent.send("PUT", "/instances/w1/state/", json_body={"action": "start"}, timeout=60)
    sent.send("GET", "instances", params={"recursion": "1"})
    sent.send("get", "profiles", params={})
    assert client.calls == [
        ("put", "/1.0/instances/w1/state", {"json": {"action": "start"}, "timeout": 60}),
        ("get", "/1.0/instances", {"params": {"recursion": "1"}}),
        ("get", "/1.0/profiles", {}),
    ]


def test_send_hands_back_lxds_error_response() -> None:
    answer = Answer(404, {"type": "error", "error_code": 404, "error": "Instance not found"})
    sent = transport(remote(), FakeClient(fail=lxd_https.pylxd_exceptions.LXDAPIException(answer)))
    assert sent.send("GET", "instances/w9") is answer


def test_send_makes_a_connection_error_a_transport_failure_with_its_text() -> None:
    failure = requests.exceptions.ConnectionError("HTTPSConnectionPool(host='lxd.example.net', port=8443): Max "
                                                  "retries exceeded ([Errno 111] Connection refused)")
    with pytest.raises(lxd_https.TransportFailure, match=r"\[Errno 111\] Connection refused"):
        transport(remote(), FakeClient(fail=failure)).send("GET", "instances")


def test_an_untrusted_client_without_a_certificate_is_told_to_pass_one() -> None:
    with pytest.raises(LxdError, match=r"^LXD at https://lxd\.example\.net:8443 needs a trusted client certificate: "
                                       r"pass client_cert and client_key \(and trust_token, from 'lxc config trust"):
        transport(remote(), FakeClient(trusted=False))._trust()


def test_an_untrusted_certificate_without_a_token_is_told_how_to_get_it_trusted(pems: dict[str, str]) -> None:
    conn = remote(client_cert=pems["client.crt"], client_key=pems["client.key"])
    with pytest.raises(LxdError) as err:
        transport(conn, FakeClient(trusted=False))._trust()
    text = str(err.value)
    assert text.startswith(f"LXD at https://lxd.example.net:8443 does not trust client_cert {pems['client.crt']}: "
                           f"pass trust_token")
    assert "'lxc config trust add client.crt'" in text


def test_a_token_makes_the_certificate_trusted(pems: dict[str, str]) -> None:
    client = FakeClient(trusted=False)

    def post(**kwargs: Any) -> Answer:
        client.calls.append(("post", "/1.0/certificates", kwargs))
        client.trusted = True
        return Answer(200, {"type": "sync", "metadata": {}})

    class Api(Node):
        def __getattr__(self, name: str) -> Any:
            if name == "certificates":
                return type("Certificates", (), {"post": staticmethod(post)})()
            if name == "get":
                return lambda: Answer(200, {"metadata": {"auth": "trusted", "api_version": "1.0"}})
            return super().__getattr__(name)

    client.api = Api(client.calls, "/1.0")
    conn = remote(client_cert=pems["client.crt"], client_key=pems["client.key"], trust_token=" tok3n\n")
    transport(conn, client)._trust()
    certificate = "".join(PEM.strip().splitlines()[1:-1])
    assert client.calls == [("post", "/1.0/certificates", {"json": {
        "type": "client", "certificate": certificate, "trust_token": "tok3n", "password": "tok3n"}})]
    assert client.host_info == {"auth": "trusted", "api_version": "1.0"}


def test_a_refused_token_names_lxds_reason_and_how_to_get_a_new_one(pems: dict[str, str]) -> None:
    answer = Answer(403, {"type": "error", "error_code": 403, "error": "No matching certificate add operation"})
    client = FakeClient(fail=lxd_https.pylxd_exceptions.LXDAPIException(answer), trusted=False)
    conn = remote(client_cert=pems["client.crt"], client_key=pems["client.key"], trust_token="old")
    with pytest.raises(LxdError) as err:
        transport(conn, client)._trust()
    assert str(err.value).startswith(
        f"LXD at https://lxd.example.net:8443 did not accept trust_token for client_cert {pems['client.crt']}: "
        f"No matching certificate add operation; a token works once and may expire")


def test_a_transport_without_pylxd_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lxd_https, "pylxd", None)
    monkeypatch.setattr(lxd_https, "PYLXD_IMPORT_ERROR",
                        "Traceback (most recent call last):\nModuleNotFoundError: No module named 'pylxd'\n")
    with pytest.raises(LxdError, match=r"^an https url needs the Python library pylxd on this host: run 'pip install "
                                       r"pylxd' \(ModuleNotFoundError: No module named 'pylxd'\)$"):
        lxd_https.HttpsTransport(remote())


class _WithoutResponse(Exception):
    """An API error as pylxd raises it without a response: its own text cannot be made."""

    response = None

    def __str__(self) -> str:
        raise AttributeError("'NoneType' object has no attribute 'json'")


def test_an_error_without_a_response_is_named_not_a_crash() -> None:
    assert lxd_https._exception_text(_WithoutResponse()) == "_WithoutResponse"


def test_an_error_without_a_response_gives_its_own_text() -> None:
    assert lxd_https._exception_text(ValueError("refused: bad token")) == "refused: bad token"
