# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addresses of running LXD containers, read straight from the kernel.

LXD reads a container's addresses by forking ``lxd forknet`` into it when the kernel lacks
netnsid_getifaddrs, about 20 ms per container. On the LXD host, as root, the same facts come cheaper:
find the container's init process by its cgroup (``lxc.payload.<name>``, or ``lxc.payload.<project>_<name>``
outside the default project), open a NETLINK_ROUTE socket inside its network namespace (``setns`` in a
worker thread, which then switches back), and dump its links and addresses over that socket.

`read_networks` returns, per instance, the same map as the ``network`` of LXD's instance state (interface
name -> hwaddr, type, state, mtu, addresses with family, address, netmask and scope), or None for an
instance it could not read; the caller then asks LXD. Nothing here raises to the caller.

One thing the kernel tells and LXD's state does not: whether an address is deprecated (flag
IFA_F_DEPRECATED, or a preferred lifetime of 0), as the addresses of a prefix the router stopped preferring
are after a renumbering. Such an address carries ``deprecated: true`` in its entry; the other entries are
exactly LXD's.
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import struct
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator

CLONE_NEWNET = 0x40000000
NETLINK_ROUTE = 0
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
RTM_NEWLINK = 16
RTM_GETLINK = 18
RTM_NEWADDR = 20
RTM_GETADDR = 22
IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFA_ADDRESS = 1
IFA_LOCAL = 2
IFA_CACHEINFO = 6
IFA_FLAGS = 8
IFA_F_DEPRECATED = 0x20
IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10

PAYLOAD_PREFIX = "lxc.payload."
MAX_WORKERS = 8
RECV_SIZE = 65536
SOCKET_TIMEOUT = 2.0

_NLMSGHDR = struct.Struct("=IHHII")  # length, type, flags, sequence, port id
_IFINFOMSG = struct.Struct("=BxHiII")  # family, (pad), type, index, flags, change
_IFADDRMSG = struct.Struct("=BBBBI")  # family, prefix length, flags, scope, index
_RTATTR = struct.Struct("=HH")  # length, type
_IFA_CACHEINFO = struct.Struct("=IIII")  # preferred lifetime, valid lifetime, created, updated

Network = dict[str, dict[str, Any]]


class NetnsError(OSError):
    """A namespace or netlink socket that could not be used."""


# --------------------------------------------------------------------------------------------------
# Netlink messages


def _align(length: int) -> int:
    return (length + 3) & ~3


def messages(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, payload) of each netlink message in ``data``; NetnsError for an error message or a torn one."""
    offset = 0
    while offset + _NLMSGHDR.size <= len(data):
        length, kind, _flags, _seq, _port = _NLMSGHDR.unpack_from(data, offset)
        if length < _NLMSGHDR.size or offset + length > len(data):
            raise NetnsError(f"netlink message of length {length} at offset {offset} does not fit the dump")
        payload = data[offset + _NLMSGHDR.size:offset + length]
        if kind == NLMSG_ERROR:
            code = struct.unpack_from("=i", payload)[0] if len(payload) >= 4 else 0
            if code:
                raise NetnsError(-code, f"netlink error: {os.strerror(-code)}")
        yield kind, payload
        offset += _align(length)


def attributes(data: bytes) -> dict[int, bytes]:
    """The route attributes in ``data`` (the first of each type)."""
    result: dict[int, bytes] = {}
    offset = 0
    while offset + _RTATTR.size <= len(data):
        length, kind = _RTATTR.unpack_from(data, offset)
        if length < _RTATTR.size or offset + length > len(data):
            break
        result.setdefault(kind & 0x3FFF, data[offset + _RTATTR.size:offset + length])
        offset += _align(length)
    return result


def link_type(flags: int) -> str:
    """LXD's interface type for these IFF_* flags."""
    if flags & IFF_LOOPBACK:
        return "loopback"
    if flags & IFF_POINTOPOINT:
        return "point-to-point"
    if flags & IFF_BROADCAST:
        return "broadcast"
    return "unknown"


def address_scope(address: str) -> str:
    """LXD's scope for an address: local (loopback), link (link-local) or global."""
    addr = ipaddress.ip_address(address)
    if addr.is_loopback:
        return "local"
    if addr.is_link_local:
        return "link"
    return "global"


def parse_links(dump: bytes) -> dict[int, dict[str, Any]]:
    """{ifindex: {name, hwaddr, type, state, mtu}} from an RTM_GETLINK dump."""
    links: dict[int, dict[str, Any]] = {}
    for kind, payload in messages(dump):
        if kind != RTM_NEWLINK or len(payload) < _IFINFOMSG.size:
            continue
        _family, _type, index, flags, _change = _IFINFOMSG.unpack_from(payload)
        attrs = attributes(payload[_IFINFOMSG.size:])
        name = attrs.get(IFLA_IFNAME, b"").split(b"\0", 1)[0].decode("utf-8", "replace")
        mac = attrs.get(IFLA_ADDRESS, b"")
        kind_name = link_type(flags)
        links[index] = {
            "name": name,
            "hwaddr": ":".join(f"{b:02x}" for b in mac) if len(mac) == 6 and kind_name != "loopback" else "",
            "type": kind_name,
            "state": "up" if flags & IFF_UP else "down",
            "mtu": struct.unpack("=I", attrs[IFLA_MTU][:4])[0] if len(attrs.get(IFLA_MTU, b"")) >= 4 else 0,
        }
    return links


def is_deprecated(header_flags: int, attrs: dict[int, bytes]) -> bool:
    """Whether an address's preferred lifetime is over: IFA_F_DEPRECATED in its flags (the 32-bit IFA_FLAGS
    attribute when present, else the header's 8 bits), or a preferred lifetime of 0 in IFA_CACHEINFO."""
    flags = header_flags
    raw_flags = attrs.get(IFA_FLAGS, b"")
    if len(raw_flags) >= 4:
        flags = struct.unpack("=I", raw_flags[:4])[0]
    if flags & IFA_F_DEPRECATED:
        return True
    cacheinfo = attrs.get(IFA_CACHEINFO, b"")
    return len(cacheinfo) >= _IFA_CACHEINFO.size and _IFA_CACHEINFO.unpack_from(cacheinfo)[0] == 0


def parse_addresses(dump: bytes) -> list[tuple[int, dict[str, Any]]]:
    """[(ifindex, {family, address, netmask, scope[, deprecated]})] from an RTM_GETADDR dump, in the kernel's
    order; ``deprecated: true`` only on the IPv6 addresses whose preferred lifetime is over."""
    result = []
    for kind, payload in messages(dump):
        if kind != RTM_NEWADDR or len(payload) < _IFADDRMSG.size:
            continue
        family, prefixlen, header_flags, _scope, index = _IFADDRMSG.unpack_from(payload)
        attrs = attributes(payload[_IFADDRMSG.size:])
        if family == socket.AF_INET:
            raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if raw is None or len(raw) != 4:
                continue
            address, name = socket.inet_ntop(socket.AF_INET, raw), "inet"
        elif family == socket.AF_INET6:
            raw = attrs.get(IFA_ADDRESS) or attrs.get(IFA_LOCAL)
            if raw is None or len(raw) != 16:
                continue
            address, name = socket.inet_ntop(socket.AF_INET6, raw), "inet6"
        else:
            continue
        entry: dict[str, Any] = {"family": name, "address": address, "netmask": str(prefixlen),
                                 "scope": address_scope(address)}
        if name == "inet6" and is_deprecated(header_flags, attrs):
            entry["deprecated"] = True
        result.append((index, entry))
    return result


def network_map(link_dump: bytes, address_dump: bytes) -> Network:
    """The ``network`` map of LXD's instance state, from an RTM_GETLINK and an RTM_GETADDR dump."""
    links = parse_links(link_dump)
    network: Network = {}
    for link in links.values():
        network[link["name"]] = {"addresses": [], "hwaddr": link["hwaddr"], "mtu": link["mtu"],
                                 "state": link["state"], "type": link["type"]}
    for index, entry in parse_addresses(address_dump):
        owner = links.get(index)
        if owner is not None:
            network[owner["name"]]["addresses"].append(entry)
    return network


def request(kind: int, sequence: int, body: bytes) -> bytes:
    return _NLMSGHDR.pack(_NLMSGHDR.size + len(body), kind, NLM_F_REQUEST | NLM_F_DUMP, sequence, 0) + body


def dump(sock: socket.socket, kind: int, sequence: int) -> bytes:
    """Send a dump request (RTM_GETLINK or RTM_GETADDR, every family) and return the answer up to NLMSG_DONE."""
    body = _IFINFOMSG.pack(0, 0, 0, 0, 0) if kind == RTM_GETLINK else _IFADDRMSG.pack(0, 0, 0, 0, 0)
    sock.send(request(kind, sequence, body))
    chunks = []
    while True:
        data = sock.recv(RECV_SIZE)
        if not data:
            raise NetnsError("netlink socket closed during a dump")
        chunks.append(data)
        if any(item[0] == NLMSG_DONE for item in messages(data)):
            return b"".join(chunks)


# --------------------------------------------------------------------------------------------------
# Finding the containers


def payload_cgroup(line: str) -> str | None:
    """The LXD payload cgroup name in one /proc/<pid>/cgroup line ('0::/lxc.payload.w1/init.scope' -> 'w1')."""
    path = line.rstrip("\n").split(":", 2)[-1]
    first = path.lstrip("/").split("/", 1)[0]
    if first.startswith(PAYLOAD_PREFIX) and len(first) > len(PAYLOAD_PREFIX):
        return first[len(PAYLOAD_PREFIX):]
    return None


def cgroup_name(name: str, project: str | None) -> str:
    """The payload cgroup name LXD gives an instance: its name, prefixed with '<project>_' outside default."""
    return name if not project or project == "default" else f"{project}_{name}"


def payload_pids(proc: str = "/proc") -> dict[str, list[int]]:
    """{payload cgroup name: sorted pids} over every process in ``proc``."""
    found: dict[str, list[int]] = {}
    with os.scandir(proc) as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(os.path.join(proc, entry.name, "cgroup"), encoding="utf-8", errors="replace") as handle:
                    text = handle.read()
            except OSError:
                continue
            for line in text.splitlines():
                name = payload_cgroup(line)
                if name is not None:
                    found.setdefault(name, []).append(int(entry.name))
                    break
    for pids in found.values():
        pids.sort()
    return found


def _netns_inode(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def init_pids(names: list[str], project: str | None = None, proc: str = "/proc") -> dict[str, int]:
    """{instance: pid} for each instance with a process in its own network namespace (the lowest such pid)."""
    host = _netns_inode(os.path.join(proc, "self", "ns", "net"))
    if host is None:
        return {}
    found = payload_pids(proc)
    result = {}
    for name in names:
        for pid in found.get(cgroup_name(name, project), []):
            netns = _netns_inode(os.path.join(proc, str(pid), "ns", "net"))
            if netns is not None and netns != host:
                result[name] = pid
                break
    return result


# --------------------------------------------------------------------------------------------------
# Reading a namespace


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
            raise NetnsError(err, f"setns: {os.strerror(err)}")


class _Stuck(Exception):
    """The thread could not return to its own network namespace."""


def netns_socket(pid: int, proc: str = "/proc") -> socket.socket:
    """A NETLINK_ROUTE socket inside pid's network namespace, made by the calling thread, which stays in (or
    returns to) its own namespace; _Stuck if it could not return (the thread must then not be used again)."""
    own = os.open(os.path.join(proc, "thread-self", "ns", "net"), os.O_RDONLY | os.O_CLOEXEC)
    try:
        target = os.open(os.path.join(proc, str(pid), "ns", "net"), os.O_RDONLY | os.O_CLOEXEC)
        try:
            _Setns.call(target, CLONE_NEWNET)
        finally:
            os.close(target)
        try:
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, NETLINK_ROUTE)
        finally:
            try:
                _Setns.call(own, CLONE_NEWNET)
            except OSError as exc:
                raise _Stuck(str(exc)) from exc
    finally:
        os.close(own)
    return sock


def read_dumps(pid: int, proc: str = "/proc") -> tuple[bytes, bytes]:
    """The raw RTM_GETLINK and RTM_GETADDR dumps of pid's network namespace."""
    sock = netns_socket(pid, proc)
    with sock:
        sock.settimeout(SOCKET_TIMEOUT)
        sock.bind((0, 0))
        return dump(sock, RTM_GETLINK, 1), dump(sock, RTM_GETADDR, 2)


def read_network(pid: int, proc: str = "/proc") -> Network:
    return network_map(*read_dumps(pid, proc))


def usable(proc: str = "/proc") -> bool:
    """Whether this process may read other namespaces: root, with /proc and the setns call available."""
    return (hasattr(os, "geteuid") and os.geteuid() == 0 and hasattr(socket, "AF_NETLINK")
            and os.path.exists(os.path.join(proc, "thread-self", "ns", "net")))


def read_networks(names: list[str], project: str | None = None, proc: str = "/proc") -> dict[str, Network | None]:  # noqa: C901
    """{instance: network map or None} for these (running) containers; None where the kernel could not tell
    (no process found, not permitted, the process gone meanwhile...). Never raises."""
    result: dict[str, Network | None] = dict.fromkeys(names)
    if not names:
        return result
    try:
        if not usable(proc):
            return result
        pids = init_pids(names, project, proc)
    except (OSError, ValueError):
        return result
    if not pids:
        return result
    stuck = threading.Event()

    def one(name: str) -> tuple[str, Network | None]:
        if stuck.is_set():
            return name, None
        pid = pids[name]
        try:
            network = read_network(pid, proc)
            # The pid may have been reused by another process meanwhile: check it is still the container's.
            if not _same_payload(pid, name, project, proc):
                return name, None
            return name, network
        except _Stuck:
            stuck.set()
            return name, None
        except (OSError, ValueError, struct.error):
            return name, None

    try:
        with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(pids))) as pool:
            for name, network in pool.map(one, list(pids)):
                result[name] = network
    except Exception:  # noqa: BLE001 - the caller falls back to LXD for whatever is missing
        return dict.fromkeys(names)
    if stuck.is_set():
        return dict.fromkeys(names)
    return result


def _same_payload(pid: int, name: str, project: str | None, proc: str) -> bool:
    try:
        with open(os.path.join(proc, str(pid), "cgroup"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    return any(payload_cgroup(line) == cgroup_name(name, project) for line in lines)
