# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: lxd
short_description: LXD instances as inventory hosts, reached by their IPv6 address
description:
  - Lists the instances of one LXD server or cluster (one project) with a single API call and makes each one
    an inventory host named after the instance.
  - With O(connection=ssh) the host's C(ansible_host) is its best IPv6 address, chosen as described in
    O(prefer). With O(connection=lxd) the host is reached through the LXD connection plugin instead.
  - Each host joins the group of its status, C(lxd_running), C(lxd_stopped), C(lxd_frozen) or C(lxd_error).
    More groups come from O(keyed_groups) and O(groups).
  - On an LXD cluster the one API call lists the instances of every member, and each host also joins the group
    of its member, C(lxd_member_) followed by the member name with characters other than letters and digits as
    C(_) (C(lxd_member_pi_2) for member C(pi-2)). An instance on a member that is offline is listed too, with
    C(lxd_status=error), its member, and no address.
  - "Every host gets these variables: C(lxd_name), C(lxd_status) (lower case, for example V(running)),
    C(lxd_type) (V(container) or V(virtual-machine)), C(lxd_profiles), C(lxd_project), C(lxd_location)
    (the cluster member, null outside a cluster), C(lxd_mac) (of the first network interface, known also
    while the instance is stopped), C(lxd_ipv6) (a dict of lists with the keys C(global), C(ula) and
    C(link_local), the stable EUI-64 address first in each), C(lxd_ipv4) (a list), C(lxd_address) (the
    address chosen for C(ansible_host), or null) and C(lxd_config) (the instance's C(user.*) settings,
    profiles included, under their full keys)."
  - The source file must be named C(*.lxd.yml) or C(*.lxd.yaml).
author:
  - palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment:
  - palmfarm.ipv6.lxd
  - constructed
  - inventory_cache
options:
  plugin:
    description:
      - Marks the file as a source for this plugin.
    type: str
    required: true
    choices: [palmfarm.ipv6.lxd]
  states:
    description:
      - Keep only instances in one of these states. All instances are kept when empty.
    type: list
    elements: str
    choices: [running, stopped, frozen, error]
    default: []
  profiles:
    description:
      - Keep only instances that use at least one of these profiles. All instances are kept when empty.
    type: list
    elements: str
    default: []
  connection:
    description:
      - How Ansible reaches the hosts.
      - V(ssh) sets C(ansible_host) to the address chosen by O(prefer) and leaves C(ansible_connection) to the
        play or configuration. A host without such an address (for example a stopped instance) gets no
        C(ansible_host).
      - V(lxd) reaches each host through the server, with the connection plugin that fits it. On LXD it sets
        C(ansible_connection=community.general.lxd), C(ansible_host) to the instance name,
        C(ansible_lxd_remote) to O(lxc_remote) and C(ansible_lxd_project) to the instance's project, which is
        what that connection plugin reads; it needs the C(lxc) command on the controller. On Incus it sets
        C(ansible_connection=community.general.incus), C(ansible_incus_remote) and C(ansible_incus_project)
        instead, and needs the C(incus) command.
      - V(incus) is another word for V(lxd).
    type: str
    choices: [ssh, lxd, incus]
    default: ssh
  prefer:
    description:
      - Address scopes to pick C(ansible_host) and C(lxd_address) from, best first. Scopes left out are never
        used.
      - Within a scope the stable EUI-64 address of the interface's MAC comes before stable-privacy and
        temporary addresses. A link-local address carries its interface as zone, for example
        C(fe80::216:3eff:fe97:4ec9%eth0).
    type: list
    elements: str
    choices: [global, ula, link_local]
    default: [global, ula, link_local]
  lxc_remote:
    description:
      - Name of the remote in the C(lxc) client configuration that reaches this server, passed on as
        C(ansible_lxd_remote) with O(connection=lxd). V(local) is the local daemon.
    type: str
    default: local
notes:
  - The instance list comes from C(GET /1.0/instances?recursion=2), which carries each instance's state,
    so the number of API calls does not grow with the number of instances.
  - With O(cache=true) that list is kept in the cache and the next run reads it from there until
    O(cache_timeout) has passed or C(ansible-inventory --flush-cache) is used. The filters, O(compose) and
    the groups are applied anew on every run.
seealso:
  - plugin: community.general.lxd
    plugin_type: connection
"""

EXAMPLES = r"""
---
# web.lxd.yml: the running web servers of the farm, reached over SSH at their global IPv6 address
plugin: palmfarm.ipv6.lxd
states: [running]
profiles: [extbridge]
keyed_groups:
  - key: lxd_config['user.role'] | default('none')
    prefix: role
compose:
  ansible_user: "'root'"

---
# admin.lxd.yml: every instance, reached through LXD itself, grouped by profile and cached for an hour
plugin: palmfarm.ipv6.lxd
connection: lxd
keyed_groups:
  - key: lxd_profiles
    prefix: profile
groups:
  on_home_lan: lxd_ipv6.global | length > 0
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/palmfarm-lxd-inventory
cache_timeout: 3600

---
# cluster.lxd.yml: every member of a cluster over HTTPS (the cluster certificate pinned), with a group per
# member (built in: lxd_member_pi1, lxd_member_pi2...) and one per farm
plugin: palmfarm.ipv6.lxd
url: https://pi1.home.example:8443
client_cert: ~/.config/lxc/client.crt
client_key: ~/.config/lxc/client.key
server_cert: ~/.config/lxc/servercerts/pi-cluster.crt
states: [running]
keyed_groups:
  - key: lxd_config['user.palmfarm.farm'] | default('none')
    prefix: farm

---
# remote.lxd.yml: a remote LXD over HTTPS, one project, ULA addresses before global ones
plugin: palmfarm.ipv6.lxd
url: https://lxd.home.example:8443
client_cert: ~/.config/lxc/client.crt
client_key: ~/.config/lxc/client.key
server_cert: ~/.config/lxc/servercerts/home.crt
project: farm
prefer: [ula, global]
"""

from typing import Any

from ansible.errors import AnsibleParserError
from ansible.module_utils.basic import missing_required_lib
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdError
from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.inventory import (
    InventoryError,
    InventoryHost,
    inventory_hosts,
    inventory_options,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_connect import client_from_params, missing_pylxd

CONNECTION_OPTIONS = ("url", "snap_url", "project", "client_cert", "client_key", "server_cert", "trust_token",
                      "timeout")


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "palmfarm.ipv6.lxd"

    def verify_file(self, path: str) -> bool:
        return super().verify_file(path) and path.endswith((".lxd.yml", ".lxd.yaml"))

    def parse(self, inventory: Any, loader: Any, path: str, cache: bool = True) -> None:
        super().parse(inventory, loader, path, cache=cache)
        self._read_config_data(path)
        try:
            options = inventory_options(
                states=self.get_option("states"),
                profiles=self.get_option("profiles"),
                connection=self.get_option("connection"),
                prefer=self.get_option("prefer"),
                lxc_remote=self.get_option("lxc_remote"),
            )
        except InventoryError as exc:
            raise AnsibleParserError(f"{path}: {exc}") from exc

        cache_key = self.get_cache_key(path)
        use_cache = bool(self.get_option("cache"))
        listing = None
        if use_cache and cache:
            listing = self._cache.get(cache_key)
            if not isinstance(listing, dict) or "instances" not in listing:  # stale, or of an older release
                listing = None
        if listing is None:
            listing = self._fetch_instances()
            if use_cache:
                self._cache[cache_key] = listing

        try:
            hosts = inventory_hosts(listing["instances"], options, listing.get("server") or "lxd")
        except InventoryError as exc:
            raise AnsibleParserError(f"{path}: {exc}") from exc
        self._populate(hosts)

    def _fetch_instances(self) -> dict[str, Any]:
        """{"server": "lxd" or "incus", "instances": GET /1.0/instances?recursion=2}"""
        params = {name: self.get_option(name) for name in CONNECTION_OPTIONS}
        pylxd_error = missing_pylxd(params)
        if pylxd_error:
            raise AnsibleParserError(f"{missing_required_lib('pylxd')}\n{pylxd_error}")
        try:
            client = client_from_params(params)
            instances = client.get("instances", params={"recursion": 2})
            # LXD answers an empty list for a project it does not have; say so instead of an empty inventory.
            project = params["project"]
            if not instances and project and client.get_or_none(f"projects/{project}") is None:
                raise LxdError(f"{client.server.label} has no project {project!r}; fix the project option "
                               f"('{client.server.cli} project list' shows the projects) or leave it out for the "
                               f"default project")
        except LxdError as exc:
            raise AnsibleParserError(f"cannot list LXD instances: {exc}") from exc
        return {"server": client.server.name, "instances": instances}

    def _populate(self, hosts: list[InventoryHost]) -> None:
        strict = self.get_option("strict")
        for host in hosts:
            self.inventory.add_host(host.name)
            for group in host.groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, host.name)
            for key, value in host.variables.items():
                self.inventory.set_variable(host.name, key, value)
            hostvars = self.inventory.get_host(host.name).get_vars()
            self._set_composite_vars(self.get_option("compose"), hostvars, host.name, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), hostvars, host.name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), hostvars, host.name, strict=strict)
