# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The records of dns_aaaa as they come in: read from a records file (JSON, else YAML) and checked for their
shape, and the instances returned by lxd_farm among them: deleted instances left out, and a warning when an
instance's address is not the EUI-64 address of its MAC (RFC 7217 stable-privacy addresses)."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from .._net.addresses import AddressError, eui64, normalize_mac
from .zone_parser import ZoneError, check_scopes, given_addresses  # given_addresses: what record_set publishes


def farm_records(records: list[Any], state: str = "present", scopes: list[str] | None = None
                 ) -> tuple[list[Any], list[str]]:
    """The records to publish and the warnings about them.

    With ``state=present`` the instances lxd_farm deleted (``state: absent``) are left out: they have no
    address, and ``prune`` removes their names. An item with a ``mac``, no ``prefix`` and addresses (an
    lxd_farm instance) gets a warning when the EUI-64 address of its MAC in the /64 of a published address is
    not among its addresses: the address LXD reports is published. Items with ``mac`` and ``prefix`` are
    checked by record_set itself. ``scopes`` chooses the addresses of an instance, as for record_set.
    """
    chosen = check_scopes(scopes)
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
            warning = _eui64_mismatch(item, chosen)
            if warning:
                warnings.append(warning)
    return kept, warnings


def _eui64_mismatch(item: dict[str, Any], scopes: tuple[str, ...] | None) -> str | None:  # noqa: C901
    try:
        published = [ipaddress.IPv6Address(str(a).split("%", maxsplit=1)[0]) for a in given_addresses(item, scopes)]
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


def load_records_file(path: str) -> list[dict[str, Any]]:
    """The records list held by the JSON (or, when it is not JSON, YAML) file at ``path``, checked item by item
    for its shape (a mapping with a name); the values are checked by record_set."""
    return parse_records_file(path, read_records_file(path))


def read_records_file(path: str) -> bytes:
    """The bytes of the records file at ``path``, or an error saying how to give it."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise ZoneError(
            f"records_file {path} does not exist on the host that runs the task; write it there first (e.g. "
            "ansible.builtin.copy with content: the records | to_json), or give the list as records") from None
    except OSError as exc:
        raise ZoneError(f"cannot read records_file {path}: {exc.strerror or exc}; make it readable by the user "
                        "that runs the task") from None


def parse_records_file(path: str, data: bytes) -> list[dict[str, Any]]:
    """The records list of the records file ``path`` whose bytes are ``data`` (see load_records_file)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ZoneError(f"records_file {path} is not UTF-8 text ({exc}); write it with to_json") from None
    try:
        records = json.loads(text)
    except ValueError as exc:
        records = _load_yaml(path, text, exc)
    return check_records(records, f"records_file {path}")


def _load_yaml(path: str, text: str, json_error: ValueError) -> Any:
    try:
        import yaml  # pylint: disable=import-outside-toplevel  # only for a file that is not JSON
    except ImportError:
        raise ZoneError(
            f"records_file {path} is not JSON ({json_error}), and PyYAML, which would read it as YAML, is not "
            "installed on this host; write the file with to_json, or install PyYAML (Debian: python3-yaml)"
        ) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).split())
        raise ZoneError(f"records_file {path} is neither JSON ({json_error}) nor YAML ({problem}); write it "
                        "with to_json") from None


def check_records(records: Any, source: str) -> list[dict[str, Any]]:
    """``records`` when it is a list of mappings with a name, else an error naming ``source``, the item and
    what an item looks like."""
    shape = ("each item is {name, addresses}, {name, mac, prefix} or an instance returned by "
             "palmfarm.ipv6.lxd_farm")
    if isinstance(records, dict) and isinstance(records.get("instances"), list):
        raise ZoneError(f"{source} holds a mapping with instances, not a list; write the list itself "
                        "(farm.instances | to_json, not farm | to_json)")
    if not isinstance(records, list):
        kind = "nothing" if records is None else f"a {type(records).__name__}"
        raise ZoneError(f"{source} holds {kind}, not a list of records; {shape}")
    for index, item in enumerate(records):
        if not isinstance(item, dict):
            raise ZoneError(f"{source}: item {index} is {_short(item)}, not a mapping; {shape}")
        name = item.get("name")
        if name is None or name == "" or not isinstance(name, (str, int)) or isinstance(name, bool):
            raise ZoneError(f"{source}: item {index} ({_short(item)}) has no name (a string); {shape}")
        addresses = item.get("addresses")
        if addresses is not None and not isinstance(addresses, (str, list)):
            raise ZoneError(f"{source}: item {index} ({name}): addresses is {_short(addresses)}; give a list of "
                            "IPv6 addresses or one address")
    return records


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
