# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a transparent host bridge should look like, once its options are checked: the one value every
bridge_iface backend (kernel, netplan, networkd, ifupdown, NetworkManager) renders or applies."""

from __future__ import annotations

from dataclasses import dataclass

BACKENDS = ("auto", "netplan", "networkd", "ifupdown", "nm", "kernel")
PERSISTENT_BACKENDS = ("netplan", "networkd", "ifupdown", "nm")
IFNAMSIZ = 15


class BridgeError(Exception):
    """A bridge cannot be planned or applied as asked; the message says why and what to do."""


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
    # Static addressing, usually inherited from the port's configuration (see _bridge_addressing).
    addresses: tuple[str, ...] = ()  # with prefix length
    routes: tuple[tuple[str, str], ...] = ()  # (destination or "default", gateway)
    nameservers: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
