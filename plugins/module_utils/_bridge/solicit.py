# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ask the routers on a link to advertise now: an ICMPv6 Router Solicitation (RFC 4861, 4.1 and 6.3.7), as the
kernel sends one when a link comes up. After bridge_iface moves a host's addressing between a port and the
bridge, the link that now carries it learns its prefix and default route within a round trip, even when the
kernel's own solicitation went out before the link could carry it; otherwise it waits for the router's next
unsolicited advertisement, up to 600 s apart with a router's defaults (radvd's MaxRtrAdvInterval).

Standard library only (a raw ICMPv6 socket: root). The kernel fills in the checksum of ICMPv6 sent on a raw
socket and picks the link-local source address.
"""

from __future__ import annotations

import socket
import struct

ALL_ROUTERS = "ff02::2"
ROUTER_SOLICITATION = 133
HOP_LIMIT = 255  # RFC 4861: a router drops a solicitation that crossed a router (hop limit below 255)


def message() -> bytes:
    """A Router Solicitation: type, code 0, checksum (0, the kernel's), 4 reserved bytes; no source link-layer
    address option, which RFC 4861 forbids when the source is still the unspecified address."""
    return struct.pack("!BBHI", ROUTER_SOLICITATION, 0, 0, 0)


def solicit(interface: str) -> bool:
    """Send one Router Solicitation on `interface`; False when it is not there or cannot send (down, no IPv6)."""
    try:
        index = socket.if_nametoindex(interface)
        with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as sock:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, HOP_LIMIT)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
            sock.sendto(message(), (ALL_ROUTERS, 0, 0, index))
    except OSError:
        return False
    return True


def solicit_all(interfaces: list[str]) -> list[str]:
    """Solicit on each of `interfaces`; the ones it was sent on."""
    return [name for name in interfaces if solicit(name)]
