# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface options checked against the host's links, before anything is changed.

Pure functions: the links of the host come in as a snapshot (`LinkInfo` per interface name), so every check is
tested without a kernel. Each error names the offending value and what to do instead.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Mapping

from .._net.addresses import ADDR_GEN_MODES, AddressError, normalize_mac
from .addressing import Addressing
from .probe import parse_target
from .spec import IFNAMSIZ, BridgeError, BridgeRequest, BridgeSpec, LinkInfo

# Linux dev_valid_name(): no '/', ':' or white space, not '.' or '..', 1 to IFNAMSIZ-1 (15) bytes.
_IFNAME_BAD = re.compile(r"[/:\s]")
MAX_FORWARD_DELAY = 30
MIN_STP_FORWARD_DELAY = 2


def ifname_problem(name: str, what: str = "bridge name") -> str | None:
    """Why `name` cannot be a Linux interface name, or None when it can."""
    if not isinstance(name, str) or not name:
        return f"{what} is empty; give an interface name such as br0"
    if len(name.encode()) > IFNAMSIZ:
        return (
            f"{what} {name!r} is {len(name.encode())} characters; Linux interface names have at most {IFNAMSIZ}: "
            "choose a shorter name such as br0"
        )
    if name in (".", "..") or _IFNAME_BAD.search(name):
        return (
            f"{what} {name!r} is not a valid interface name (no '/', ':' or spaces, not '.' or '..'); "
            "use letters, digits, '-', '_' or '.', e.g. br0"
        )
    return None


def resolve_mac(mac: str | None, ports: tuple[str, ...], links: Mapping[str, LinkInfo]) -> str | None:
    """The concrete MAC for the bridge: 'port' -> the first port's permanent MAC, 'none' -> None (kernel's)."""
    text = "port" if mac is None else str(mac).strip()
    if text.lower() == "none":
        return None
    if text.lower() == "port":
        if not ports:
            raise BridgeError("mac: port needs at least one port; list the interface in ports or set mac explicitly")
        link = links[ports[0]]
        chosen = link.perm_address or link.address
        if not chosen or chosen == "00:00:00:00:00:00":
            raise BridgeError(
                f"port {ports[0]} has no MAC address to copy (mac: port); set mac to an explicit address or none"
            )
        return normalize_mac(chosen)
    try:
        value = normalize_mac(text)
    except AddressError as exc:
        raise BridgeError(f"{exc}, or use mac: port (the first port's MAC) or mac: none") from exc
    if int(value[:2], 16) & 0x01:
        raise BridgeError(
            f"MAC {value} is a multicast address and cannot be an interface's MAC; clear the lowest bit of the "
            "first octet (e.g. 02:...) or use mac: port"
        )
    if value == "00:00:00:00:00:00":
        raise BridgeError("MAC 00:00:00:00:00:00 cannot be an interface's MAC; use mac: port or a real MAC")
    return value


def check_ports(name: str, ports: list[str], links: Mapping[str, LinkInfo], require: bool = True) -> tuple[str, ...]:
    """The ports, each checked: it exists, is not the bridge, not loopback, not a port of another master."""
    if require and not ports:
        raise BridgeError(f"ports is empty; list the interface(s) to put into {name}, e.g. ports: [eth0]")
    seen: list[str] = []
    for port in ports:
        problem = ifname_problem(port, "port")
        if problem:
            raise BridgeError(problem)
        if port in seen:
            raise BridgeError(f"port {port} is listed twice in ports; list each interface once")
        seen.append(port)
        if port == name:
            raise BridgeError(f"port {port} is the bridge itself; list the interface(s) to put into {name}")
        link = links.get(port)
        if link is None:
            known = ", ".join(sorted(n for n, lk in links.items() if not lk.loopback)) or "none"
            raise BridgeError(
                f"port {port} does not exist on this host (interfaces: {known}); name an existing interface in ports"
            )
        if link.loopback:
            raise BridgeError(f"port {port} is the loopback interface; name an Ethernet interface in ports")
        if link.kind == "bridge":
            raise BridgeError(f"port {port} is itself a bridge; name the Ethernet interface it should carry instead")
        if link.master and link.master != name:
            kind = link.master_kind or "master"
            raise BridgeError(
                f"port {port} is already a port of {kind} {link.master}; remove it from {link.master} first "
                f"(ip link set {port} nomaster) or choose another interface"
            )
    return tuple(seen)


def bridge_spec(request: BridgeRequest, links: Mapping[str, LinkInfo]) -> BridgeSpec:
    """The checked BridgeSpec for state present (and absent: ports may then be empty)."""
    name, state = request.name, request.state
    problem = ifname_problem(name)
    if problem:
        raise BridgeError(problem)
    existing = links.get(name)
    if existing is not None and existing.kind != "bridge":
        raise BridgeError(
            f"interface {name} exists and is a {existing.kind or 'network interface'}, not a bridge; "
            "choose another bridge name"
        )
    ports = check_ports(name, list(request.ports or ()), links, require=state == "present")
    stp, forward_delay = request.stp, request.forward_delay
    if not 0 <= forward_delay <= MAX_FORWARD_DELAY:
        raise BridgeError(f"forward_delay {forward_delay} is out of range; give 0 to {MAX_FORWARD_DELAY} seconds")
    if stp and forward_delay < MIN_STP_FORWARD_DELAY:
        raise BridgeError(
            f"forward_delay {forward_delay} is below {MIN_STP_FORWARD_DELAY}, the least Linux accepts with STP on; "
            f"set forward_delay: {MIN_STP_FORWARD_DELAY} or more, or stp: false"
        )
    mode = request.addr_gen_mode
    if mode is not None and mode not in ADDR_GEN_MODES:
        raise BridgeError(f"addr_gen_mode {mode!r} is not one of {', '.join(ADDR_GEN_MODES)}")
    return BridgeSpec(
        name=name,
        ports=ports,
        mac=resolve_mac(request.mac, ports, links) if (ports or state == "present") else None,
        stp=stp,
        forward_delay=forward_delay,
        dhcp4=bool(request.dhcp4),
        accept_ra=request.accept_ra is not False,
        dhcp6=bool(request.dhcp6),
        addr_gen_mode=mode,
        port_disable_ipv6=request.port_disable_ipv6,
    )


def with_addressing(spec: BridgeSpec, found: Addressing, request: BridgeRequest) -> BridgeSpec:
    """The bridge with the addressing it inherits: what the ports had (`found`), unless inherit_addressing is
    false; dhcp4, dhcp6, accept_ra and addr_gen_mode given in the task win over what was found."""
    base = found if request.inherit_addressing else Addressing()

    def choose(given: bool | None, got: bool | None, default: bool) -> bool:
        if given is not None:
            return given
        return default if got is None else got

    return replace(spec, dhcp4=choose(request.dhcp4, base.dhcp4, False),
                   dhcp6=choose(request.dhcp6, base.dhcp6, False),
                   accept_ra=choose(request.accept_ra, base.accept_ra, True), addresses=base.addresses,
                   routes=base.routes, nameservers=base.nameservers, search=base.search,
                   addr_gen_mode=spec.addr_gen_mode or base.addr_gen_mode)


def removal_problem(name: str, default_route_links: list[str], rollback_timeout: int, force: bool) -> str | None:
    """Why removing `name` is refused: it carries the default route and nothing would bring it back."""
    if force or rollback_timeout > 0 or name not in default_route_links:
        return None
    return (
        f"bridge {name} carries the default route and rollback_timeout is 0, so removing it could cut this host "
        "off with no way back; set rollback_timeout (e.g. 120) to have it restored unless confirmed, "
        "or force: true to remove it anyway"
    )


def connectivity_targets(targets: list[str]) -> list[str]:
    """The connectivity_check entries, each an address or [address]:port / host:port; errors name the entry."""
    for target in targets:
        parse_target(target)
    return list(targets)
