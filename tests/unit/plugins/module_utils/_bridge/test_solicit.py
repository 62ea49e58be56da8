# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ICMPv6 Router Solicitation bridge_iface sends after moving a host's addressing: its bytes (RFC 4861,
4.1), where it goes (ff02::2, hop limit 255, out of the named interface) and what a failure to send answers."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import solicit


class FakeSocket:
    """A raw socket that records what is set and sent; `fail_on` names the call that raises OSError."""

    made: list[FakeSocket] = []

    def __init__(self, family: int, kind: int, proto: int, fail_on: str | None = None) -> None:
        self.args = (family, kind, proto)
        self.options: list[tuple[int, int, int]] = []
        self.sent: list[tuple[bytes, Any]] = []
        self.closed = False
        self.fail_on = fail_on
        FakeSocket.made.append(self)

    def __enter__(self) -> FakeSocket:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.closed = True

    def setsockopt(self, level: int, option: int, value: int) -> None:
        if self.fail_on == "setsockopt":
            raise OSError(19, "No such device")
        self.options.append((level, option, value))

    def sendto(self, data: bytes, address: Any) -> int:
        if self.fail_on == "sendto":
            raise OSError(100, "Network is down")
        self.sent.append((data, address))
        return len(data)


@pytest.fixture
def fake_links(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Links eth0 (index 2) and br0 (index 7); any other name is not there, as if_nametoindex says."""
    links = {"eth0": 2, "br0": 7}

    def nametoindex(name: str) -> int:
        if name not in links:
            raise OSError(19, "No such device")
        return links[name]

    FakeSocket.made = []
    monkeypatch.setattr(solicit.socket, "if_nametoindex", nametoindex)
    monkeypatch.setattr(solicit.socket, "socket", FakeSocket)
    return links


def test_router_solicitation_message() -> None:
    # RFC 4861 4.1: type 133, code 0, checksum (the kernel's), 4 reserved bytes, no option.
    assert solicit.message() == bytes([133, 0, 0, 0, 0, 0, 0, 0])
    assert solicit.solicit("pf-no-such0") is False
    assert solicit.solicit_all(["pf-no-such0", "pf-no-such1"]) == []


def test_the_message_is_eight_bytes_type_133_code_0_zero_checksum_and_reserved() -> None:
    data = solicit.message()
    assert len(data) == 8
    kind, code, checksum, reserved = struct.unpack("!BBHI", data)
    assert (kind, code, checksum, reserved) == (133, 0, 0, 0)


def test_it_goes_to_all_routers_with_the_hop_limit_routers_insist_on() -> None:
    assert solicit.ALL_ROUTERS == "ff02::2"
    assert solicit.ROUTER_SOLICITATION == 133
    assert solicit.HOP_LIMIT == 255


def test_an_interface_that_does_not_exist_gets_false_without_a_socket(fake_links: dict[str, int]) -> None:
    assert solicit.solicit("eth9") is False
    assert FakeSocket.made == []


def test_one_solicitation_leaves_by_the_named_link_to_ff02_2(fake_links: dict[str, int]) -> None:
    assert solicit.solicit("br0") is True
    (sock,) = FakeSocket.made
    assert sock.args == (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    assert sock.options == [(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255),
                            (socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, 7)]
    assert sock.sent == [(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, 7))]
    assert sock.closed


@pytest.mark.parametrize("fail_on", ["setsockopt", "sendto"])
def test_a_link_that_cannot_send_gets_false(fake_links: dict[str, int], monkeypatch: pytest.MonkeyPatch,
                                            fail_on: str) -> None:
    monkeypatch.setattr(solicit.socket, "socket", lambda *args: FakeSocket(*args, fail_on=fail_on))
    assert solicit.solicit("eth0") is False
    assert FakeSocket.made[0].closed


def test_without_root_no_raw_socket_and_false(fake_links: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any) -> FakeSocket:
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(solicit.socket, "socket", refused)
    assert solicit.solicit("eth0") is False


def test_solicit_all_names_the_links_it_was_sent_on_in_order(fake_links: dict[str, int]) -> None:
    assert solicit.solicit_all(["br0", "eth9", "eth0"]) == ["br0", "eth0"]
    assert [sock.sent[0][1][3] for sock in FakeSocket.made] == [7, 2]
    assert solicit.solicit_all([]) == []
