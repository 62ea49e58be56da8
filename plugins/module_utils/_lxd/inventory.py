# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""From LXD's instance list to inventory hosts: filters, host variables, status groups and, on a cluster, member
groups.

The input is the metadata of ``GET /1.0/instances?recursion=2`` (every instance with its state). The
output is plain data that the palmfarm.ipv6.lxd inventory plugin hands to Ansible's inventory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._net.addresses import SCOPES, best_address, instance_addresses

STATES = ("running", "stopped", "frozen", "error")
# ssh, or through the server: `lxd` and `incus` both mean the latter, with the plugin that fits the server.
CONNECTIONS = ("ssh", "lxd", "incus")
# community.general's connection plugin for each server, and the variables it reads the remote and project from.
CONNECTION_PLUGINS = {
    "lxd": ("community.general.lxd", "ansible_lxd_remote", "ansible_lxd_project"),
    "incus": ("community.general.incus", "ansible_incus_remote", "ansible_incus_project"),
}
STATUS_GROUP_PREFIX = "lxd_"
MEMBER_GROUP_PREFIX = "lxd_member_"


class InventoryError(ValueError):
    """An inventory option or an API answer that cannot be used, with the fix in the message."""


@dataclass(frozen=True)
class InventoryOptions:
    """What the inventory source asks for, checked by `inventory_options()`."""

    states: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    connection: str = "ssh"
    prefer: tuple[str, ...] = SCOPES
    lxc_remote: str = "local"


@dataclass
class InventoryHost:
    name: str
    groups: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)


def _str_list(value: Any, option: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InventoryError(f"{option} is {value!r}, not a list; write it as a YAML list, e.g. {option}: [a, b]")
    return tuple(str(item) for item in value)


def inventory_options(states: Any = None, profiles: Any = None, connection: str | None = "ssh",
                      prefer: Any = None, lxc_remote: str | None = "local") -> InventoryOptions:
    """Check the options before any API call; InventoryError names the offending value and the fix."""
    wanted_states = tuple(s.lower() for s in _str_list(states, "states"))
    for state in wanted_states:
        if state not in STATES:
            raise InventoryError(f"states has {state!r}, which is not an LXD instance state; "
                                 f"use any of {', '.join(STATES)}")
    mode = connection or "ssh"
    if mode not in CONNECTIONS:
        raise InventoryError(f"connection is {mode!r}; use one of {', '.join(CONNECTIONS)}")
    order = _str_list(prefer, "prefer") if prefer is not None else SCOPES
    if not order:
        raise InventoryError(f"prefer is empty, so no address could ever be chosen; list at least one of "
                             f"{', '.join(SCOPES)}")
    for scope in order:
        if scope not in SCOPES:
            raise InventoryError(f"prefer has {scope!r}, which is not an address scope; use any of "
                                 f"{', '.join(SCOPES)}")
    if len(set(order)) != len(order):
        raise InventoryError(f"prefer lists a scope twice ({', '.join(order)}); name each scope once")
    return InventoryOptions(
        states=wanted_states,
        profiles=_str_list(profiles, "profiles"),
        connection=mode,
        prefer=order,
        lxc_remote=lxc_remote or "local",
    )


def status_of(instance: dict[str, Any]) -> str:
    """'running', 'stopped', ...: LXD's status in lower case."""
    state = instance.get("state") or {}
    return str(state.get("status") or instance.get("status") or "unknown").lower()


def status_group(status: str) -> str:
    """The group an instance in this status belongs to: lxd_running, lxd_stopped, ..."""
    safe = "".join(c if c.isalnum() else "_" for c in status.lower())
    return f"{STATUS_GROUP_PREFIX}{safe}"


def member_group(location: str) -> str:
    """The group of the instances on one cluster member: lxd_member_<name>, other characters than letters and
    digits as _ (pi-1 gives lxd_member_pi_1)."""
    safe = "".join(c if c.isalnum() else "_" for c in location)
    return f"{MEMBER_GROUP_PREFIX}{safe}"


def wanted(instance: dict[str, Any], options: InventoryOptions) -> bool:
    """Whether the instance passes the states and profiles filters (an empty filter keeps everything)."""
    if options.states and status_of(instance) not in options.states:
        return False
    if options.profiles and not set(options.profiles) & set(instance.get("profiles") or []):
        return False
    return True


def configured_mac(instance: dict[str, Any]) -> str | None:
    """The MAC LXD gave the first NIC (by device name), known even while the instance is stopped."""
    config = instance.get("expanded_config") or instance.get("config") or {}
    devices = instance.get("expanded_devices") or instance.get("devices") or {}
    for name in sorted(devices):
        if (devices[name] or {}).get("type") == "nic":
            mac = config.get(f"volatile.{name}.hwaddr")
            if mac:
                return str(mac)
    return None


def chosen_address(addresses: dict[str, Any], prefer: tuple[str, ...]) -> str | None:
    """The best address among the preferred scopes, in their order; scopes not listed are never used."""
    for scope in prefer:
        if addresses.get(scope):
            return best_address({scope: addresses[scope], "interface": addresses.get("interface")})
    return None


def host_variables(instance: dict[str, Any], options: InventoryOptions, server: str = "lxd") -> dict[str, Any]:
    """The lxd_* variables of one instance, plus the connection variables the options ask for; ``server``
    (lxd or incus) chooses the connection plugin when the hosts are reached through the server."""
    state = instance.get("state") or {}
    addresses = instance_addresses(state.get("network"))
    address = chosen_address(addresses, options.prefer)
    config = instance.get("expanded_config") or instance.get("config") or {}
    location = instance.get("location")
    name = str(instance["name"])
    variables: dict[str, Any] = {
        "lxd_name": name,
        "lxd_status": status_of(instance),
        "lxd_type": instance.get("type") or "container",
        "lxd_profiles": list(instance.get("profiles") or []),
        "lxd_project": instance.get("project") or "default",
        # A server outside a cluster reports its location as "none".
        "lxd_location": None if location in (None, "", "none") else location,
        "lxd_mac": addresses["mac"] or configured_mac(instance),
        "lxd_ipv6": {scope: list(addresses[scope]) for scope in SCOPES},
        "lxd_ipv4": list(addresses["ipv4"]),
        "lxd_address": address,
        "lxd_config": {key: value for key, value in sorted(config.items()) if key.startswith("user.")},
    }
    if options.connection != "ssh":
        plugin, remote, project = CONNECTION_PLUGINS[server]
        variables["ansible_connection"] = plugin
        variables["ansible_host"] = name
        variables[remote] = options.lxc_remote
        variables[project] = variables["lxd_project"]
    elif address is not None:
        variables["ansible_host"] = address
    return variables


def inventory_hosts(instances: Any, options: InventoryOptions, server: str = "lxd") -> list[InventoryHost]:
    """Hosts for the instances that pass the filters, sorted by name, each in its status group; ``server``
    is the server that listed them (lxd or incus)."""
    if not isinstance(instances, list):
        raise InventoryError(f"LXD answered the instance list with {type(instances).__name__}, not a list; "
                             f"check that the url option points at an LXD server")
    hosts = []
    for instance in instances:
        if not isinstance(instance, dict) or "name" not in instance:
            raise InventoryError(f"LXD listed {instance!r} instead of an instance object; the server must "
                                 f"answer GET /1.0/instances?recursion=2 with full objects (LXD 4.0 or later)")
        if not wanted(instance, options):
            continue
        variables = host_variables(instance, options, server)
        groups = [status_group(variables["lxd_status"])]
        if variables["lxd_location"]:
            groups.append(member_group(variables["lxd_location"]))
        hosts.append(InventoryHost(name=variables["lxd_name"], groups=groups, variables=variables))
    return sorted(hosts, key=lambda host: host.name)
