# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addresses of running LXD containers, read straight from the kernel.

LXD reads a container's addresses by forking ``lxd forknet`` into it when the kernel lacks
netnsid_getifaddrs, about 20 ms per container. On the LXD host, as root, the same facts come cheaper:
find the container's init process by its cgroup (``lxc.payload.<name>``, or ``lxc.payload.<project>_<name>``
outside the default project), and read the links and addresses of its network namespace (/proc/PID/ns/net) with
_net/netlink.py, the collection's netlink reader, one namespace after the other. What is left here is finding the
namespaces and putting what the kernel tells into LXD's shape.

`read_networks` returns, per instance, the same map as the ``network`` of LXD's instance state (interface
name -> hwaddr, type, state, mtu, addresses with family, address, netmask and scope), or None for an
instance it could not read; the caller then asks LXD. Nothing here raises to the caller.

One thing the kernel tells and LXD's state does not: whether an address is deprecated (flag
IFA_F_DEPRECATED, or a preferred lifetime of 0), as the addresses of a prefix the router stopped preferring
are after a renumbering. Such an address carries ``deprecated: true`` in its entry; the other entries are
exactly LXD's.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import struct
from typing import Any

from . import netlink
from .netlink import Address, Link

IFA_F_DEPRECATED = 0x20
IFF_UP = 0x1
IFF_BROADCAST = 0x2
IFF_LOOPBACK = 0x8
IFF_POINTOPOINT = 0x10

PAYLOAD_PREFIX = "lxc.payload."

Network = dict[str, dict[str, Any]]


# --------------------------------------------------------------------------------------------------
# LXD's state shape


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


def interface_entry(link: Link) -> dict[str, Any]:
    """LXD's entry of one interface, without its addresses: hwaddr (a MAC-48, else empty), mtu, state and type."""
    kind = link_type(link.flags)
    mac = link.address or ""
    return {"addresses": [], "hwaddr": mac if len(mac) == 17 and kind != "loopback" else "", "mtu": link.mtu or 0,
            "state": "up" if link.flags & IFF_UP else "down", "type": kind}


def is_deprecated(address: Address) -> bool:
    """Whether an address's preferred lifetime is over: IFA_F_DEPRECATED in its flags, or a preferred lifetime
    of 0."""
    return bool(address.flags & IFA_F_DEPRECATED) or address.preferred == 0


def address_entry(address: Address) -> dict[str, Any] | None:
    """LXD's entry of one address (family, address, netmask, scope), with ``deprecated: true`` on an IPv6
    address whose preferred lifetime is over; None for an address of another family."""
    own = address.own
    if own is None or address.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    inet6 = address.family == socket.AF_INET6
    entry: dict[str, Any] = {"family": "inet6" if inet6 else "inet", "address": own,
                             "netmask": str(address.prefixlen), "scope": address_scope(own)}
    if inet6 and is_deprecated(address):
        entry["deprecated"] = True
    return entry


def network_map(links: list[Link], addresses: list[Address]) -> Network:
    """The ``network`` map of LXD's instance state, from the links and addresses of a namespace."""
    names = {link.index: link.name for link in links}
    network: Network = {link.name: interface_entry(link) for link in links}
    for address in addresses:
        entry = address_entry(address)
        if entry is not None and address.index in names:
            network[names[address.index]]["addresses"].append(entry)
    return network


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


def read_network(pid: int, proc: str = "/proc") -> Network:
    """The network map of pid's network namespace, read over a netlink socket opened inside it."""
    with netlink.open_route_socket(os.path.join(proc, str(pid), "ns", "net"), proc) as sock:
        return network_map(sock.links(), sock.addresses())


def usable(proc: str = "/proc") -> bool:
    """Whether this process may read other namespaces: root, with /proc and the setns call available."""
    return (hasattr(os, "geteuid") and os.geteuid() == 0 and hasattr(socket, "AF_NETLINK")
            and os.path.exists(os.path.join(proc, "thread-self", "ns", "net")))


def read_networks(names: list[str], project: str | None = None, proc: str = "/proc") -> dict[str, Network | None]:
    """{instance: network map or None} for these (running) containers; None where the kernel could not tell
    (no process found, not permitted, the process gone meanwhile...). Never raises.

    The namespaces are read one after the other by the calling thread: a read is a quarter of a millisecond of
    CPU, and threads only add their switching to it (500 containers: 0.19 s in one thread, 0.26 to 0.48 s
    with 1 to 8 workers, measured with bench/farm's containers)."""
    result: dict[str, Network | None] = dict.fromkeys(names)
    if not names:
        return result
    try:
        if not usable(proc):
            return result
        pids = init_pids(names, project, proc)
    except (OSError, ValueError):
        return result
    for name, pid in pids.items():
        try:
            network = read_network(pid, proc)
        except netlink.NetnsStuck:
            # This thread could not go back to its own namespace: nothing it reads now is to be trusted.
            return dict.fromkeys(names)
        except (OSError, ValueError, struct.error):
            continue
        # The pid may have been reused by another process meanwhile: keep what it told only if it is still the
        # container's.
        if _same_payload(pid, name, project, proc):
            result[name] = network
    return result


def _same_payload(pid: int, name: str, project: str | None, proc: str) -> bool:
    try:
        with open(os.path.join(proc, str(pid), "cgroup"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return False
    return any(payload_cgroup(line) == cgroup_name(name, project) for line in lines)
