# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does an address answer? ICMP echo (raw socket, root) or a TCP connect, with the standard library only.

Used by bridge_iface's connectivity_check, and, as `python -m ...module_utils._bridge.probe watch ADDRESS`, by
its tests and benchmark to measure the outage seen by a ping every few milliseconds.
"""

from __future__ import annotations

import ipaddress
import json
import os
import select
import signal
import socket
import struct
import sys
import time
from typing import Any, Callable

from .spec import BridgeError

ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}


def parse_target(target: str) -> tuple[str, int | None]:
    """'2001:db8::1' -> (addr, None) for ICMP; '[2001:db8::1]:22' or 'host:22' -> (host, 22) for TCP."""
    text = str(target).strip()
    port: int | None = None
    host = text
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or (text[end + 1:] and not text[end + 1:].startswith(":")):
            raise BridgeError(
                f"connectivity_check entry {target!r} is malformed; write [2001:db8::1]:22 or 2001:db8::1"
            )
        host = text[1:end]
        rest = text[end + 2:]
        port = int(rest) if rest.isdigit() else None
        if rest and port is None:
            raise BridgeError(f"connectivity_check entry {target!r} has a bad port; write [2001:db8::1]:22")
    elif text.count(":") == 1:
        host, rest = text.split(":", 1)
        if not rest.isdigit():
            raise BridgeError(f"connectivity_check entry {target!r} has a bad port; write host:22 or an address")
        port = int(rest)
    if port is not None and not 0 < port < 65536:
        raise BridgeError(f"connectivity_check entry {target!r}: port {port} is not 1-65535")
    if port is None:
        try:
            ipaddress.ip_address(host.split("%")[0])
        except ValueError as exc:
            raise BridgeError(
                f"connectivity_check entry {target!r} is not an IP address; give an address to ping, "
                "or host:port / [address]:port for a TCP connect"
            ) from exc
    if not host:
        raise BridgeError(f"connectivity_check entry {target!r} is empty")
    return host, port


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return int(~total & 0xFFFF)


class Echo:
    """An ICMP echo socket for one destination: send(seq), then replies() yields the sequence numbers seen."""

    def __init__(self, address: str) -> None:
        self.family = 6 if ":" in address else 4
        info = socket.getaddrinfo(address, None, socket.AF_INET6 if self.family == 6 else socket.AF_INET)
        self.dest = info[0][4]
        if self.family == 6:
            self.sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        self.sock.setblocking(False)
        self.ident = os.getpid() & 0xFFFF

    def close(self) -> None:
        self.sock.close()

    def send(self, seq: int) -> None:
        header = struct.pack("!BBHHH", ECHO_REQUEST[self.family], 0, 0, self.ident, seq & 0xFFFF)
        payload = struct.pack("!d", time.time())
        if self.family == 4:  # the kernel fills in the ICMPv6 checksum, not the ICMP one
            header = struct.pack("!BBHHH", 8, 0, _checksum(header + payload), self.ident, seq & 0xFFFF)
        try:
            self.sock.sendto(header + payload, self.dest)
        except OSError:
            pass  # no route for now: the same as a lost reply

    def replies(self, timeout: float) -> list[int]:
        """Sequence numbers of the echo replies that arrive within timeout seconds (at least one wait)."""
        seen: list[int] = []
        ready = select.select([self.sock], [], [], max(timeout, 0))[0]
        while ready:
            try:
                data = self.sock.recv(2048)
            except BlockingIOError:
                break
            if self.family == 4:
                data = data[(data[0] & 0x0F) * 4:]
            if len(data) >= 8:
                kind, _code, _sum, ident, seq = struct.unpack("!BBHHH", data[:8])
                if kind == ECHO_REPLY[self.family] and ident == self.ident:
                    seen.append(seq)
            ready = select.select([self.sock], [], [], 0)[0]
        return seen


def ping(address: str, timeout: float = 1.0) -> bool:
    """True when address answers one ICMP echo within timeout seconds."""
    echo = Echo(address)
    try:
        echo.send(1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if 1 in echo.replies(deadline - time.monotonic()):
                return True
        return False
    finally:
        echo.close()


def tcp_connect(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def answers(target: str, timeout: float = 1.0) -> bool:
    host, port = parse_target(target)
    return ping(host, timeout) if port is None else tcp_connect(host, port, timeout)


def is_ipv4(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).version == 4
    except ValueError:
        return False


def silent_targets(targets: list[str], within: float, timeout: float = 1.0,
                   nudge: Callable[[], Any] | None = None, nudge_every: float = 3.0) -> list[str]:
    """The targets that did not answer once within `within` seconds (each is retried until then). While one
    that is not an IPv4 address is silent, `nudge` is called at once and then every `nudge_every` s (bridge_iface:
    a router solicitation on the links that now carry the host's addressing)."""
    pending = list(targets)
    deadline = time.monotonic() + within
    nudged_at: float | None = None
    while pending:
        pending = [t for t in pending if not answers(t, timeout)]
        if not pending or time.monotonic() >= deadline:
            break
        if nudge is not None and any(not is_ipv4(parse_target(t)[0]) for t in pending) and \
                (nudged_at is None or time.monotonic() - nudged_at >= nudge_every):
            nudge()
            nudged_at = time.monotonic()
        time.sleep(0.2)
    return pending


def watch(address: str, interval: float, duration: float | None, stop_file: str | None = None) -> dict[str, Any]:
    """Ping every `interval` s until duration, SIGTERM or stop_file; the longest gap between replies."""
    echo = Echo(address)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *args: stop.update(now=True))
    sent: dict[int, float] = {}
    received: dict[int, float] = {}
    seq = 0
    start = time.monotonic()
    next_send = start
    try:
        while not stop["now"]:
            now = time.monotonic()
            if duration is not None and now - start >= duration:
                break
            if stop_file and os.path.exists(stop_file):
                break
            if now >= next_send:
                seq += 1
                sent[seq & 0xFFFF] = now
                echo.send(seq)
                next_send += interval
            for got in echo.replies(max(0.0, next_send - time.monotonic())):
                received.setdefault(got, time.monotonic())
        for got in echo.replies(1.0):  # stragglers
            received.setdefault(got, time.monotonic())
    finally:
        echo.close()
    ordered = sorted(sent)
    lost_run = longest = 0
    for number in ordered:
        if number in received:
            lost_run = 0
        else:
            lost_run += 1
            longest = max(longest, lost_run)
    return {
        "address": address,
        "interval": interval,
        "sent": len(sent),
        "received": len(set(received) & set(sent)),
        "lost": len(set(sent) - set(received)),
        "longest_loss_run": longest,
        "outage_seconds": round(longest * interval, 3),
    }


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] not in ("watch", "answers"):
        sys.stderr.write("usage: probe.py watch ADDRESS [INTERVAL] [DURATION|-] [STOP_FILE] | answers TARGET\n")
        return 2
    if argv[0] == "answers":
        return 0 if answers(argv[1]) else 1
    interval = float(argv[2]) if len(argv) > 2 else 0.02
    duration = None if len(argv) <= 3 or argv[3] == "-" else float(argv[3])
    stop_file = argv[4] if len(argv) > 4 else None
    sys.stdout.write(json.dumps(watch(argv[1], interval, duration, stop_file)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))  # pylint: disable=ansible-bad-function
