# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv6 address facts: EUI-64 interface identifiers, scopes, and the best address of an instance."""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Any

SCOPES = ("global", "ula", "link_local")  # an instance's address scopes, the most preferred first
# The scopes dns_aaaa may publish (an lxd_farm instance's ipv6.global and ipv6.ula): never a link-local address.
PUBLISHABLE_SCOPES = SCOPES[:2]
# How an interface makes its SLAAC interface identifiers: from its MAC (EUI-64), or from a secret (RFC 7217).
ADDR_GEN_MODES = ("eui64", "stable-privacy")

_MAC_RE = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.IGNORECASE)
ULA_NET = ipaddress.IPv6Network("fc00::/7")
LINK_LOCAL_NET = ipaddress.IPv6Network("fe80::/10")
DOCUMENTATION_NET = ipaddress.IPv6Network("2001:db8::/32")
IID_MASK = (1 << 64) - 1  # the interface identifier: the low 64 bits of an address


class AddressError(ValueError):
    """A MAC, prefix or address that cannot be used, with the fix in the message."""


def normalize_mac(mac: str) -> str:
    """'00-16-3E-97-4E-C9' -> '00:16:3e:97:4e:c9'; AddressError for anything that is not a MAC-48."""
    text = str(mac).strip()
    if not _MAC_RE.match(text):
        raise AddressError(f"MAC {mac!r} is not a MAC address; write it as six hex pairs, e.g. 00:16:3e:97:4e:c9")
    digits = re.sub(r"[:-]", "", text).lower()
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def interface_id(mac: str) -> int:
    """The modified EUI-64 interface identifier (RFC 4291 appendix A) of a MAC-48, as a 64-bit integer."""
    octets = bytes.fromhex(normalize_mac(mac).replace(":", ""))
    eui = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
    return int.from_bytes(eui, "big")


def eui64(mac: str, prefix: str) -> str:
    """The SLAAC address a host with this MAC takes in this /64.

    eui64('00:16:3e:97:4e:c9', '2001:db8:ebbd:2080::/64') == '2001:db8:ebbd:2080:216:3eff:fe97:4ec9'
    """
    try:
        net = ipaddress.IPv6Network(str(prefix).strip(), strict=False)
    except ValueError as exc:
        raise AddressError(
            f"prefix {prefix!r} is not an IPv6 prefix: {exc}; write it as e.g. 2001:db8:ebbd:2080::/64"
        ) from exc
    if net.prefixlen != 64:
        raise AddressError(f"prefix {prefix} is not a /64; EUI-64 addresses need a /64")
    return str(ipaddress.IPv6Address(int(net.network_address) | interface_id(mac)))


def packed_address(address: str) -> bytes:
    """The 16 bytes of an IPv6 address without its zone (``fe80::1%eth0``), read by the C library's
    ``inet_pton`` when it can (about a hundred times faster than ``ipaddress``' own parser, which matters for the
    thousands of addresses of a farm or a zone); a text neither reads raises ``ipaddress``' own ValueError."""
    text = address.split("%", 1)[0]
    try:
        return socket.inet_pton(socket.AF_INET6, text)
    except (OSError, ValueError):
        return ipaddress.IPv6Address(text).packed


def parse_address(address: str) -> ipaddress.IPv6Address:
    """An IPv6 address without its zone, read as `packed_address` reads it."""
    return ipaddress.IPv6Address(packed_address(address))


def _scope(addr: ipaddress.IPv6Address) -> str:
    if addr.is_multicast or addr.is_loopback or addr.is_unspecified:
        return "other"
    if addr in LINK_LOCAL_NET:
        return "link_local"
    if addr in ULA_NET:
        return "ula"
    if addr in DOCUMENTATION_NET or addr.is_global:
        # 2001:db8::/32 is the documentation prefix: treated as global so labs can use it.
        return "global"
    return "other"


def scope_of(address: str) -> str:
    """'global' (GUA), 'ula', 'link_local', or 'other' (loopback, multicast, ...)."""
    return _scope(parse_address(address))


def _interface_id_or_none(mac: str | None) -> int | None:
    if not mac:
        return None
    try:
        return interface_id(mac)
    except AddressError:
        return None


def is_eui64_of(address: str, mac: str | None) -> bool:
    iid = _interface_id_or_none(mac)
    if iid is None:
        return False
    try:
        return int(parse_address(address)) & IID_MASK == iid
    except ValueError:
        return False


def _add_addresses(entries: list[dict[str, Any]], iid: int | None, result: dict[str, Any], stable: set[str]) -> None:
    """Add one interface's address entries to ``result`` by scope, and to ``stable`` those whose interface
    identifier is ``iid`` (the EUI-64 of the interface's MAC)."""
    for entry in entries:
        family, address = entry.get("family"), entry.get("address", "")
        if family == "inet":
            result["ipv4"].append(address)
        elif family == "inet6":
            addr = parse_address(address)
            scope = _scope(addr)
            if scope in SCOPES:
                result["deprecated" if entry.get("deprecated") else scope].append(address)
                if iid is not None and int(addr) & IID_MASK == iid:
                    stable.add(address)


def instance_addresses(network: dict[str, Any] | None, skip: tuple[str, ...] = ("lo",)) -> dict[str, Any]:
    """Sort the addresses of an LXD instance state's ``network`` map by scope.

    Returns ``{'global': [...], 'ula': [...], 'link_local': [...], 'deprecated': [...], 'ipv4': [...],
    'mac': str|None, 'interface': str|None}``. Within a list, the stable EUI-64 address of the interface's own
    MAC comes first, then the others (stable-privacy or temporary) in LXD's order.

    An address whose entry says ``deprecated: true`` (read from the kernel, see `netns_addresses.py`: its
    preferred lifetime is over, as for the old prefix after a renumbering) goes to ``deprecated`` instead of
    its scope, so ``global`` and ``ula`` hold only the addresses to use and publish.

    Each address is parsed once and each interface's MAC once: a farm's no-op reads every instance's addresses.
    """
    result: dict[str, Any] = {"global": [], "ula": [], "link_local": [], "deprecated": [], "ipv4": [],
                              "mac": None, "interface": None}
    stable: set[str] = set()  # the EUI-64 addresses of each interface's own MAC
    for ifname, iface in sorted((network or {}).items()):
        if ifname in skip or iface.get("type") == "loopback":
            continue
        mac = iface.get("hwaddr") or None
        if result["mac"] is None and mac:
            result["mac"] = mac
            result["interface"] = ifname
        _add_addresses(iface.get("addresses") or [], _interface_id_or_none(mac), result, stable)
    if stable:
        for scope in (*SCOPES, "deprecated"):
            result[scope].sort(key=lambda a: 0 if a in stable else 1)
    return result


def best_address(addresses: dict[str, Any]) -> str | None:
    """Global over ULA over link-local; the first (stable EUI-64 first) of the best scope present; never a
    deprecated address."""
    for scope in SCOPES:
        if addresses.get(scope):
            first: str = addresses[scope][0]
            if scope == "link_local" and addresses.get("interface") and "%" not in first:
                return f"{first}%{addresses['interface']}"
            return first
    return None
