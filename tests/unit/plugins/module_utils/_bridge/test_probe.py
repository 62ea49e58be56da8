# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import socket

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import probe
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.probe import (
    answers,
    parse_target,
    silent_targets,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeError


@pytest.mark.parametrize("target, expected", [
    ("2001:db8::1", ("2001:db8::1", None)),
    ("fe80::1%eth0", ("fe80::1%eth0", None)),
    ("192.0.2.1", ("192.0.2.1", None)),
    ("[2001:db8::1]:22", ("2001:db8::1", 22)),
    ("[2001:db8::1]", ("2001:db8::1", None)),
    ("router.example:53", ("router.example", 53)),
])
def test_parse_target(target, expected):
    assert parse_target(target) == expected


@pytest.mark.parametrize("target, says", [
    ("router", "is not an IP address"),
    ("[2001:db8::1]x", "is malformed"),
    ("[2001:db8::1]:ssh", "has a bad port"),
    ("host:ssh", "has a bad port"),
    ("host:0", "port 0 is not 1-65535"),
    ("[2001:db8::1]:70000", "port 70000 is not 1-65535"),
])
def test_bad_targets(target, says):
    with pytest.raises(BridgeError) as err:
        parse_target(target)
    assert says in str(err.value)


def test_tcp_connect_to_a_listener_and_to_nothing():
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as server:
        server.bind(("::1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        assert answers(f"[::1]:{port}", timeout=1)
    assert not answers(f"[::1]:{port}", timeout=1)
    assert silent_targets([f"[::1]:{port}"], within=0.1, timeout=0.2) == [f"[::1]:{port}"]


def test_silent_ipv6_targets_nudge_the_routers(monkeypatch: pytest.MonkeyPatch) -> None:
    """While an IPv6 target is silent the nudge (a router solicitation) goes out at once and then every
    nudge_every s; the target answers once nudged. IPv4 targets alone never nudge."""
    nudges: list[float] = []
    monkeypatch.setattr(probe, "answers", lambda target, timeout: bool(nudges) and ":" in target)
    assert silent_targets(["2001:db8:ffff::1"], within=5, nudge=lambda: nudges.append(1)) == []
    assert nudges == [1]
    nudges.clear()
    assert silent_targets(["198.51.100.1"], within=0.5, nudge=lambda: nudges.append(1)) == ["198.51.100.1"]
    assert nudges == []
    # Still silent after the nudge: nudged again every nudge_every s, until the window closes.
    monkeypatch.setattr(probe, "answers", lambda target, timeout: False)
    assert silent_targets(["[2001:db8::1]:22", "198.51.100.1"], within=1.1, nudge=lambda: nudges.append(1),
                          nudge_every=0.5) == ["[2001:db8::1]:22", "198.51.100.1"]
    assert 2 <= len(nudges) <= 3
