# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one netlink reader: links, addresses and routes from the kernel (rtnetlink), no library needed.

The parsing is pure: `messages` splits the bytes of a dump into netlink messages, `attributes` a payload into its
route attributes (nested ones are parsed again with it), and `parse_links`, `parse_addresses` and `parse_routes`
turn an RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE dump into `Link`, `Address` and `Route` values: numbers and
text, as ``ip`` prints them. `RouteSocket`, from `open_route_socket`, does the I/O: a NETLINK_ROUTE socket,
opened in this process's network namespace or in another one (``setns`` by the calling thread, which returns to
its own), that sends the dump requests and reads the answers up to NLMSG_DONE.

Its users: _net/netns_addresses.py (the addresses of LXD containers, read inside their namespaces) and
_bridge/netlink.py (the running state bridge_iface manages; its changes go through pyroute2, not through here).
Nothing here writes to the kernel.
"""

from __future__ import annotations

import ctypes
import os
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Any, Iterator, NamedTuple

CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0
NLM_F_REQUEST = 0x1
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
RTM_NEWROUTE = 24
RTM_GETROUTE = 26
NLA_TYPE_MASK = 0x3FFF  # without NLA_F_NESTED and NLA_F_NET_BYTEORDER

IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_MASTER = 10
IFLA_LINKINFO = 18
IFLA_PERM_ADDRESS = 54
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
IFLA_BR_FORWARD_DELAY = 1
IFLA_BR_STP_STATE = 5

IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_CACHEINFO = 6
IFA_FLAGS = 8

RTA_DST = 1
RTA_SRC = 2
RTA_OIF = 4
RTA_GATEWAY = 5
RTA_PRIORITY = 6
RTA_PREFSRC = 7
RTA_MULTIPATH = 9
RTA_CACHEINFO = 12
RTA_TABLE = 15

IFF_UP = 0x1
FOREVER = 0xFFFFFFFF  # a lifetime without end, in IFA_CACHEINFO

RECV_SIZE = 65536
SOCKET_TIMEOUT = 2.0
DUMP_ATTEMPTS = 5

_NLMSGHDR = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
_IFINFOMSG = struct.Struct("=BxHiII")  # family, (pad), type, index, flags, change
_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefix length, flags, scope, index
_RTMSG = struct.Struct("=BBBBBBBBI")  # family, dst len, src len, tos, table, protocol, scope, type, flags
_RTATTR = struct.Struct("=HH")  # length, type
_RTNEXTHOP = struct.Struct("=HBBi")  # length, flags, hops, ifindex
_IFA_CACHEINFO = struct.Struct("=IIII")  # preferred lifetime, valid lifetime, created, updated
_RTA_CACHEINFO = struct.Struct("=IIiIIIII")  # clntref, lastuse, expires (signed), error, used, id, ts, tsage
_ADDRESS_SIZES: dict[int, int] = {socket.AF_INET: 4, socket.AF_INET6: 16}


class NetlinkError(OSError):
    """A netlink answer that could not be read: an error from the kernel, a torn message, a closed socket."""


class NetnsStuck(Exception):
    """The thread that entered another network namespace could not return to its own: it must not be used again."""


class Message(NamedTuple):
    kind: int
    flags: int
    payload: bytes


@dataclass(frozen=True)
class Link:
    """One interface, from an RTM_NEWLINK message. MACs are text ('00:16:3e:62:ac:0b'), None when absent."""

    index: int
    name: str
    flags: int  # IFF_*
    mtu: int | None = None
    address: str | None = None  # IFLA_ADDRESS
    perm_address: str | None = None  # IFLA_PERM_ADDRESS: a NIC's burnt-in MAC
    master: int | None = None  # the index of its bridge or bond (IFLA_MASTER), None for none
    kind: str | None = None  # IFLA_INFO_KIND: 'bridge', 'veth', ... None for a plain NIC
    stp_state: int | None = None  # a bridge's IFLA_BR_STP_STATE
    forward_delay: int | None = None  # a bridge's IFLA_BR_FORWARD_DELAY, in hundredths of a second

    @property
    def up(self) -> bool:
        return bool(self.flags & IFF_UP)


@dataclass(frozen=True)
class Address:
    """One address, from an RTM_NEWADDR message. Lifetimes are the seconds left (FOREVER for none), None when the
    message has no IFA_CACHEINFO."""

    index: int
    family: int
    prefixlen: int
    flags: int  # IFA_F_*: the 32-bit IFA_FLAGS attribute when present, else the header's 8 bits
    scope: int
    address: str | None = None  # IFA_ADDRESS: the peer's on a point-to-point IPv4 link
    local: str | None = None  # IFA_LOCAL
    preferred: int | None = None
    valid: int | None = None

    @property
    def own(self) -> str | None:
        """The interface's own address: IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6 (each falling back on the other)."""
        if self.family == socket.AF_INET:
            return self.local or self.address
        return self.address or self.local


class NextHop(NamedTuple):
    """One hop of a multipath route (RTA_MULTIPATH)."""

    ifindex: int
    gateway: str | None = None
    flags: int = 0
    hops: int = 0


@dataclass(frozen=True)
class Route:
    """One route, from an RTM_NEWROUTE message; None for each attribute the message does not carry."""

    family: int
    dst_len: int
    table: int  # RTA_TABLE when present, else the header's 8 bits
    protocol: int  # RTPROT_*
    scope: int
    type: int  # RTN_*
    flags: int = 0
    src_len: int = 0
    dst: str | None = None
    src: str | None = None
    gateway: str | None = None
    oif: int | None = None
    priority: int | None = None  # the metric
    prefsrc: str | None = None
    expires: int | None = None  # RTA_CACHEINFO's rta_expires: hundredths of a second left, 0 for none
    multipath: tuple[NextHop, ...] = ()


# --------------------------------------------------------------------------------------------------
# Parsing


def _align(length: int) -> int:
    return (length + 3) & ~3


def messages(data: bytes) -> Iterator[Message]:
    """Each netlink message in ``data``; NetlinkError for an error message or a torn one."""
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, kind, flags, _seq, _port = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            raise NetlinkError(f"netlink message of length {length} at offset {offset} does not fit the dump")
        payload = data[offset + _NLMSGHDR.size:offset + length]
        if kind == NLMSG_ERROR:
            code = struct.unpack_from("=i", payload)[0] if len(payload) >= 4 else 0
            if code:
                raise NetlinkError(-code, f"netlink error: {os.strerror(-code)}")
        yield Message(kind, flags, payload)
        offset += _align(length)


def attributes(data: bytes) -> dict[int, bytes]:
    """The route attributes in ``data`` by type (the first of each type); a nested attribute's value is parsed
    again with this function."""
    result: dict[int, bytes] = {}
    offset = 0
    while offset + _RTATTR.size <= len(data):
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < _RTATTR.size or offset + length > len(data):
            break
        result.setdefault(kind & NLA_TYPE_MASK, data[offset + _RTATTR.size:offset + length])
        offset += _align(length)
    return result


def u32(raw: bytes | None) -> int | None:
    """A 32-bit unsigned attribute, None when absent or short."""
    return struct.unpack_from("=I", raw)[0] if raw is not None and len(raw) >= 4 else None


def text(raw: bytes | None) -> str | None:
    """A NUL-terminated string attribute, None when absent."""
    return None if raw is None else raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def ip_text(family: int, raw: bytes | None) -> str | None:
    """An address attribute as ``ip`` prints it, None when absent or not of the family's size."""
    if raw is None or len(raw) != _ADDRESS_SIZES.get(family):
        return None
    return socket.inet_ntop(family, raw)


def hw_text(raw: bytes | None) -> str | None:
    """A link-layer address attribute as colon-separated hex bytes, None when absent or empty."""
    return ":".join(f"{b:02x}" for b in raw) if raw else None


def _link_info(raw: bytes | None) -> tuple[str | None, dict[int, bytes]]:
    """The kind in IFLA_LINKINFO and the attributes of its IFLA_INFO_DATA."""
    if raw is None:
        return None, {}
    info = attributes(raw)
    return text(info.get(IFLA_INFO_KIND)), attributes(info.get(IFLA_INFO_DATA, b""))


def parse_link(payload: bytes) -> Link | None:
    """The link of one RTM_NEWLINK payload, None when it is too short for its header."""
    if len(payload) < _IFINFOMSG.size:
        return None
    _family, _type, index, flags, _change = _IFINFOMSG.unpack_from(payload)
    attrs = attributes(payload[_IFINFOMSG.size:])
    kind, data = _link_info(attrs.get(IFLA_LINKINFO))
    bridge = kind == "bridge"
    return Link(
        index=index,
        name=text(attrs.get(IFLA_IFNAME)) or "",
        flags=flags,
        mtu=u32(attrs.get(IFLA_MTU)),
        address=hw_text(attrs.get(IFLA_ADDRESS)),
        perm_address=hw_text(attrs.get(IFLA_PERM_ADDRESS)),
        master=u32(attrs.get(IFLA_MASTER)) or None,
        kind=kind,
        stp_state=u32(data.get(IFLA_BR_STP_STATE)) if bridge else None,
        forward_delay=u32(data.get(IFLA_BR_FORWARD_DELAY)) if bridge else None,
    )


def parse_address(payload: bytes) -> Address | None:
    """The address of one RTM_NEWADDR payload, None when it is too short for its header."""
    if len(payload) < _IFADDRMSG.size:
        return None
    family, prefixlen, header_flags, scope, index = _IFADDRMSG.unpack_from(payload)
    attrs = attributes(payload[_IFADDRMSG.size:])
    flags = u32(attrs.get(IFA_FLAGS))
    cacheinfo = attrs.get(IFA_CACHEINFO, b"")
    preferred = valid = None
    if len(cacheinfo) >= _IFA_CACHEINFO.size:
        preferred, valid, _created, _updated = _IFA_CACHEINFO.unpack_from(cacheinfo)
    return Address(
        index=index, family=family, prefixlen=prefixlen, flags=header_flags if flags is None else flags, scope=scope,
        address=ip_text(family, attrs.get(IFA_ADDRESS)), local=ip_text(family, attrs.get(IFA_LOCAL)),
        preferred=preferred, valid=valid,
    )


def parse_nexthops(family: int, data: bytes) -> tuple[NextHop, ...]:
    """The hops of an RTA_MULTIPATH attribute: each an rtnexthop header and its own attributes."""
    hops = []
    offset = 0
    while offset + _RTNEXTHOP.size <= len(data):
        length, flags, count, ifindex = _RTNEXTHOP.unpack_from(data, offset)
        if length < _RTNEXTHOP.size or offset + length > len(data):
            break
        attrs = attributes(data[offset + _RTNEXTHOP.size:offset + length])
        hops.append(NextHop(ifindex, ip_text(family, attrs.get(RTA_GATEWAY)), flags, count))
        offset += _align(length)
    return tuple(hops)


def parse_route(payload: bytes) -> Route | None:
    """The route of one RTM_NEWROUTE payload, None when it is too short for its header."""
    if len(payload) < _RTMSG.size:
        return None
    family, dst_len, src_len, _tos, table, protocol, scope, kind, flags = _RTMSG.unpack_from(payload)
    attrs = attributes(payload[_RTMSG.size:])
    cacheinfo = attrs.get(RTA_CACHEINFO, b"")
    return Route(
        family=family, dst_len=dst_len, src_len=src_len, table=u32(attrs.get(RTA_TABLE)) or table,
        protocol=protocol, scope=scope, type=kind, flags=flags,
        dst=ip_text(family, attrs.get(RTA_DST)), src=ip_text(family, attrs.get(RTA_SRC)),
        gateway=ip_text(family, attrs.get(RTA_GATEWAY)), oif=u32(attrs.get(RTA_OIF)),
        priority=u32(attrs.get(RTA_PRIORITY)), prefsrc=ip_text(family, attrs.get(RTA_PREFSRC)),
        expires=_RTA_CACHEINFO.unpack_from(cacheinfo)[2] if len(cacheinfo) >= _RTA_CACHEINFO.size else None,
        multipath=parse_nexthops(family, attrs.get(RTA_MULTIPATH, b"")),
    )


def parse_links(dump: bytes) -> list[Link]:
    """The links of an RTM_GETLINK dump, in the kernel's order."""
    found = (parse_link(m.payload) for m in messages(dump) if m.kind == RTM_NEWLINK)
    return [link for link in found if link is not None]


def parse_addresses(dump: bytes) -> list[Address]:
    """The addresses of an RTM_GETADDR dump, in the kernel's order."""
    found = (parse_address(m.payload) for m in messages(dump) if m.kind == RTM_NEWADDR)
    return [address for address in found if address is not None]


def parse_routes(dump: bytes) -> list[Route]:
    """The routes of an RTM_GETROUTE dump, in the kernel's order."""
    found = (parse_route(m.payload) for m in messages(dump) if m.kind == RTM_NEWROUTE)
    return [route for route in found if route is not None]


def request(kind: int, sequence: int, body: bytes) -> bytes:
    """A dump request: the netlink header and ``body`` (the family's header, zero but for the family)."""
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0) + body


def request_body(kind: int, family: int = socket.AF_UNSPEC) -> bytes:
    """The header a dump request of ``kind`` carries: every link, every address or the routes of ``family``."""
    if kind == RTM_GETLINK:
        return _IFINFOMSG.pack(family, 0, 0, 0, 0)
    if kind == RTM_GETADDR:
        return _IFADDRMSG.pack(family, 0, 0, 0, 0)
    return _RTMSG.pack(family, 0, 0, 0, 0, 0, 0, 0, 0)


def answer_ends(data: bytes) -> tuple[bool, bool]:
    """(whether ``data`` holds the NLMSG_DONE that closes a dump, whether a message says the dump was interrupted
    by a change meanwhile)."""
    done = interrupted = False
    for message in messages(data):
        done = done or message.kind == NLMSG_DONE
        interrupted = interrupted or bool(message.flags & NLM_F_DUMP_INTR)
    return done, interrupted


# --------------------------------------------------------------------------------------------------
# The socket


class _Setns:
    """libc's setns, loaded once."""

    _func: Any = None
    _lock = threading.Lock()

    @classmethod
    def call(cls, fd: int, nstype: int) -> None:
        with cls._lock:
            if cls._func is None:
                libc = ctypes.CDLL(None, use_errno=True)
                func = libc.setns
                func.argtypes = [ctypes.c_int, ctypes.c_int]
                func.restype = ctypes.c_int
                cls._func = func
        if cls._func(fd, nstype) != 0:
            err = ctypes.get_errno()
            raise NetlinkError(err, f"setns: {os.strerror(err)}")


def _raw_socket() -> socket.socket:
    return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)


def _socket_in(netns: str, proc: str) -> socket.socket:
    """A NETLINK_ROUTE socket inside the network namespace of the file ``netns``, made by the calling thread, which
    returns to its own namespace; NetnsStuck if it could not."""
    own = os.open(os.path.join(proc, "thread-self", "ns", "net"), os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(netns, os.O_RDONLY | os.O_CLOEXEC)
        try:
            _Setns.call(target, CLONE_NEWNET)
        finally:
            os.close(target)
        try:
            sock = _raw_socket()
        finally:
            try:
                _Setns.call(own, CLONE_NEWNET)
            except OSError as exc:
                raise NetnsStuck(str(exc)) from exc
    finally:
        os.close(own)
    return sock


class RouteSocket:
    """A NETLINK_ROUTE socket that dumps links, addresses and routes; closed on leaving a ``with`` block."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sequence = 0

    def __enter__(self) -> RouteSocket:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def _exchange(self, kind: int, body: bytes) -> tuple[bytes, bool]:
        self.sequence += 1
        self.sock.send(request(kind, self.sequence, body))
        chunks = []
        interrupted = False
        while True:
            data = self.sock.recv(RECV_SIZE)
            if not data:
                raise NetlinkError("netlink socket closed during a dump")
            chunks.append(data)
            done, cut = answer_ends(data)
            interrupted = interrupted or cut
            if done:
                return b"".join(chunks), interrupted

    def dump(self, kind: int, family: int = socket.AF_UNSPEC) -> bytes:
        """The raw answer to a dump request (RTM_GETLINK, RTM_GETADDR or RTM_GETROUTE), up to NLMSG_DONE; asked
        again when a change interrupted it, up to DUMP_ATTEMPTS times."""
        for _attempt in range(DUMP_ATTEMPTS):
            data, interrupted = self._exchange(kind, request_body(kind, family))
            if not interrupted:
                return data
        raise NetlinkError(f"the kernel's dump (netlink message type {kind}) was interrupted by changes "
                           f"{DUMP_ATTEMPTS} times in a row")

    def links(self) -> list[Link]:
        return parse_links(self.dump(RTM_GETLINK))

    def addresses(self, family: int = socket.AF_UNSPEC) -> list[Address]:
        return parse_addresses(self.dump(RTM_GETADDR, family))

    def routes(self, family: int) -> list[Route]:
        """The routes of ``family`` (AF_INET or AF_INET6), of every table."""
        return parse_routes(self.dump(RTM_GETROUTE, family))


def open_route_socket(netns: str | None = None, proc: str = "/proc") -> RouteSocket:
    """A RouteSocket in this thread's network namespace, or in the one of the file ``netns`` (/proc/PID/ns/net,
    /run/netns/NAME): the calling thread enters it only to make the socket. NetnsStuck when the thread could not
    return to its own namespace (it must then not be used again); OSError when the socket cannot be made."""
    sock = _raw_socket() if netns is None else _socket_in(netns, proc)
    try:
        sock.settimeout(SOCKET_TIMEOUT)
        sock.bind((0, 0))
    except OSError:
        sock.close()
        raise
    return RouteSocket(sock)
