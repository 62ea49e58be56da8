# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instances returned by lxd_farm as records of dns_aaaa: deleted instances left out, and a warning when
an instance's address is not the EUI-64 address of its MAC (RFC 7217 stable-privacy addresses)."""

from __future__ import annotations

import ipaddress
from typing import Any

from ._addresses import AddressError, eui64, normalize_mac
from ._zone import _given_addresses  # the addresses record_set publishes for an item


def farm_records(records: list[Any], state: str = "present") -> tuple[list[Any], list[str]]:
    """The records to publish and the warnings about them.

    With ``state=present`` the instances lxd_farm deleted (``state: absent``) are left out: they have no
    address, and ``prune`` removes their names. An item with a ``mac``, no ``prefix`` and addresses (an
    lxd_farm instance) gets a warning when the EUI-64 address of its MAC in the /64 of a published address is
    not among its addresses: the address LXD reports is published. Items with ``mac`` and ``prefix`` are
    checked by record_set itself.
    """
    kept: list[Any] = []
    warnings: list[str] = []
    for item in records:
        if not isinstance(item, dict):
            kept.append(item)  # record_set rejects it with the message
            continue
        if state == "present" and item.get("state") == "absent":
            continue
        kept.append(item)
        if state == "present" and item.get("mac") and not item.get("prefix"):
            warning = _eui64_mismatch(item)
            if warning:
                warnings.append(warning)
    return kept, warnings


def _eui64_mismatch(item: dict[str, Any]) -> str | None:
    try:
        published = [ipaddress.IPv6Address(str(a).split("%", maxsplit=1)[0]) for a in _given_addresses(item)]
    except ValueError:
        return None  # record_set rejects the address with the message
    known = set(published)
    ipv6 = item.get("ipv6")
    if isinstance(ipv6, dict):
        for addresses in ipv6.values():
            for address in addresses or []:
                try:
                    known.add(ipaddress.IPv6Address(str(address).split("%", maxsplit=1)[0]))
                except ValueError:
                    continue
    mismatched = []
    for address in published:
        if address.is_link_local:
            continue
        try:
            predicted = ipaddress.IPv6Address(
                eui64(normalize_mac(item["mac"]), str(ipaddress.IPv6Network(f"{address}/64", strict=False))))
        except AddressError:
            return None  # record_set does not use the MAC without a prefix; a bad MAC is not this check's business
        if predicted not in known:
            mismatched.append((predicted, address))
    if not mismatched:
        return None
    predicted_text = ", ".join(str(p) for p, _a in mismatched)
    real_text = ", ".join(str(a) for _p, a in mismatched)
    return (f"instance {item.get('name')}: the EUI-64 address {predicted_text} of MAC {item['mac']} differs from the "
            f"address LXD reports, {real_text} (stable-privacy addresses, RFC 7217?); {real_text} is published")
