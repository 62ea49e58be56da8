# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The values of bridge_iface's cores: what the task asks for (`BridgeRequest`), what the bridge should look like
once that is checked (`BridgeSpec`, the one value every backend renders or applies), and what the host's links
look like when it is planned (`LinkInfo`)."""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("auto", "netplan", "networkd", "ifupdown", "nm", "kernel")
PERSISTENT_BACKENDS = ("netplan", "networkd", "ifupdown", "nm")
IFNAMSIZ = 15


class BridgeError(Exception):
    """A bridge cannot be planned or applied as asked; the message says why and what to do."""


@dataclass(frozen=True)
class BridgeRequest:
    """What the task asks for, typed but not yet checked against the host (options.bridge_spec does that); the
    defaults are the module's."""

    name: str = "br0"
    ports: tuple[str, ...] | None = None  # None: with state absent, the bridge's current ports
    backend: str = "auto"
    state: str = "present"  # or "absent", "confirmed"
    mac: str | None = "port"  # "port", "none" or a MAC; None is "port"
    stp: bool = False
    forward_delay: int = 0
    inherit_addressing: bool = True
    dhcp4: bool | None = None  # None: inherited, else off
    accept_ra: bool | None = None  # None: inherited, else on
    dhcp6: bool | None = None  # None: inherited, else off
    addr_gen_mode: str | None = None
    port_disable_ipv6: bool = True
    rollback_timeout: int = 120  # seconds; 0: no revert
    connectivity_check: tuple[str, ...] = ()
    config_file: str | None = None
    backup: bool = False
    force: bool = False


@dataclass(frozen=True)
class FileChange:
    """One file a persistent backend writes (after) or removes (after is None); before is None when absent."""

    path: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True)
class BridgeSpec:
    """The bridge as asked for, with `mac` already resolved to a concrete lower-case MAC or None (kernel's)."""

    name: str
    ports: tuple[str, ...]
    mac: str | None = None
    stp: bool = False
    forward_delay: int = 0
    dhcp4: bool = False
    accept_ra: bool = True
    dhcp6: bool = False
    addr_gen_mode: str | None = None
    port_disable_ipv6: bool = True
    # Static addressing, usually inherited from the port's configuration (see addressing.py).
    addresses: tuple[str, ...] = ()  # with prefix length
    routes: tuple[tuple[str, str], ...] = ()  # (destination or "default", gateway)
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()


@dataclass(frozen=True)
class LinkInfo:
    """What the checks need to know of one interface of the host."""

    name: str
    kind: str | None = None  # 'bridge', 'veth', 'bond', ... None for a plain NIC
    master: str | None = None  # the bridge or bond it is a port of
    master_kind: str | None = None
    address: str | None = None  # current MAC
    perm_address: str | None = None  # the NIC's burnt-in MAC (IFLA_PERM_ADDRESS), None when it has none
    loopback: bool = False
