# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.inventory import (
    InventoryError,
    InventoryOptions,
    chosen_address,
    configured_mac,
    host_variables,
    inventory_hosts,
    inventory_options,
    member_group,
    status_group,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import eui64

# GET /1.0/instances?recursion=2 from LXD 5.0.2 with one running and one stopped container on the lab's
# bridge (profiles default + extbridge), trimmed of the idmap keys and traffic counters only.
CAPTURED = r"""
[
 {
  "architecture": "x86_64",
  "backups": null,
  "config": {
   "environment.FOO": "bar",
   "image.description": "palmfarm tiny busybox",
   "image.os": "busybox",
   "user.role": "web",
   "volatile.base_image": "f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b",
   "volatile.cloud-init.instance-id": "85510e04-af50-4717-9d17-584e4f20619f",
   "volatile.eth0.host_name": "veth5e5157f1",
   "volatile.eth0.hwaddr": "00:16:3e:a7:fc:16",
   "volatile.last_state.power": "RUNNING",
   "volatile.uuid": "aadd15df-c996-42d4-9959-f550290dad58"
  },
  "created_at": "2026-11-28T02:34:33.165188767Z",
  "description": "",
  "devices": {},
  "ephemeral": false,
  "expanded_config": {
   "environment.FOO": "bar",
   "image.description": "palmfarm tiny busybox",
   "image.os": "busybox",
   "user.role": "web",
   "volatile.base_image": "f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b",
   "volatile.cloud-init.instance-id": "85510e04-af50-4717-9d17-584e4f20619f",
   "volatile.eth0.host_name": "veth5e5157f1",
   "volatile.eth0.hwaddr": "00:16:3e:a7:fc:16",
   "volatile.last_state.power": "RUNNING",
   "volatile.uuid": "aadd15df-c996-42d4-9959-f550290dad58"
  },
  "expanded_devices": {
   "eth0": {
    "name": "eth0",
    "nictype": "bridged",
    "parent": "br0",
    "type": "nic"
   },
   "root": {
    "path": "/",
    "pool": "default",
    "type": "disk"
   }
  },
  "last_used_at": "2026-11-28T02:34:33.388005404Z",
  "location": "none",
  "name": "itinv-a",
  "profiles": [
   "default",
   "extbridge"
  ],
  "project": "default",
  "snapshots": null,
  "state": {
   "cpu": {
    "usage": 12054130
   },
   "disk": {},
   "memory": {
    "swap_usage": 0,
    "swap_usage_peak": 0,
    "usage": 417792,
    "usage_peak": 1413120
   },
   "network": {
    "eth0": {
     "addresses": [
      {
       "address": "fd6a:c19d:b07:2080:216:3eff:fea7:fc16",
       "family": "inet6",
       "netmask": "64",
       "scope": "global"
      },
      {
       "address": "2001:db8:ebbd:2080:216:3eff:fea7:fc16",
       "family": "inet6",
       "netmask": "64",
       "scope": "global"
      },
      {
       "address": "fe80::216:3eff:fea7:fc16",
       "family": "inet6",
       "netmask": "64",
       "scope": "link"
      }
     ],
     "host_name": "veth5e5157f1",
     "hwaddr": "00:16:3e:a7:fc:16",
     "mtu": 1500,
     "state": "up",
     "type": "broadcast"
    },
    "lo": {
     "addresses": [
      {
       "address": "127.0.0.1",
       "family": "inet",
       "netmask": "8",
       "scope": "local"
      },
      {
       "address": "::1",
       "family": "inet6",
       "netmask": "128",
       "scope": "local"
      }
     ],
     "host_name": "",
     "hwaddr": "",
     "mtu": 65536,
     "state": "up",
     "type": "loopback"
    }
   },
   "pid": 10567,
   "processes": 2,
   "status": "Running",
   "status_code": 103
  },
  "stateful": false,
  "status": "Running",
  "status_code": 103,
  "type": "container"
 },
 {
  "architecture": "x86_64",
  "backups": null,
  "config": {
   "image.description": "palmfarm tiny busybox",
   "image.os": "busybox",
   "volatile.apply_template": "create",
   "volatile.base_image": "f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b",
   "volatile.cloud-init.instance-id": "66638195-a9c9-4f97-b860-ce7fb41da27d",
   "volatile.eth0.hwaddr": "00:16:3e:30:c4:c8",
   "volatile.uuid": "470e25ad-3d00-4ed9-9834-e382cb983541"
  },
  "created_at": "2026-11-28T02:34:33.467529033Z",
  "description": "",
  "devices": {},
  "ephemeral": false,
  "expanded_config": {
   "image.description": "palmfarm tiny busybox",
   "image.os": "busybox",
   "volatile.apply_template": "create",
   "volatile.base_image": "f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b",
   "volatile.cloud-init.instance-id": "66638195-a9c9-4f97-b860-ce7fb41da27d",
   "volatile.eth0.hwaddr": "00:16:3e:30:c4:c8",
   "volatile.uuid": "470e25ad-3d00-4ed9-9834-e382cb983541"
  },
  "expanded_devices": {
   "eth0": {
    "name": "eth0",
    "nictype": "bridged",
    "parent": "br0",
    "type": "nic"
   },
   "root": {
    "path": "/",
    "pool": "default",
    "type": "disk"
   }
  },
  "last_used_at": "1970-01-01T00:00:00Z",
  "location": "none",
  "name": "itinv-b",
  "profiles": [
   "default",
   "extbridge"
  ],
  "project": "default",
  "snapshots": null,
  "state": {
   "cpu": {
    "usage": 0
   },
   "disk": {},
   "memory": {
    "swap_usage": 0,
    "swap_usage_peak": 0,
    "usage": 0,
    "usage_peak": 0
   },
   "network": null,
   "pid": 0,
   "processes": 0,
   "status": "Stopped",
   "status_code": 102
  },
  "stateful": false,
  "status": "Stopped",
  "status_code": 102,
  "type": "container"
 }
]"""

GLOBAL_PREFIX = "2001:db8:ebbd:2080::/64"


def captured(name: str) -> dict[str, Any]:
    return copy.deepcopy(next(i for i in json.loads(CAPTURED) if i["name"] == name))


def running() -> dict[str, Any]:
    return captured("itinv-a")


def stopped() -> dict[str, Any]:
    return captured("itinv-b")


def virtual_machine() -> dict[str, Any]:
    """A VM on a cluster member whose guest also uses temporary and stable-privacy addresses and IPv4.

    LXD lists the temporary address first, as the kernel does; the stable EUI-64 one must still win.
    """
    vm = running()
    vm.update(name="vm1", type="virtual-machine", location="lab2", profiles=["default", "farm"], project="web")
    vm["expanded_devices"] = {"enp5s0": vm["expanded_devices"]["eth0"], "root": vm["expanded_devices"]["root"]}
    vm["expanded_config"] = {"user.farm.role": "web", "limits.cpu": "2", "volatile.enp5s0.hwaddr": "00:16:3e:12:34:56"}
    vm["state"]["network"] = {
        "enp5s0": {
            "addresses": [
                {"address": "10.44.0.5", "family": "inet", "netmask": "24", "scope": "global"},
                {"address": "2001:db8:ebbd:2080:8d1e:77a2:5be4:11c0", "family": "inet6", "netmask": "64",
                 "scope": "global"},
                {"address": "2001:db8:ebbd:2080:216:3eff:fe12:3456", "family": "inet6", "netmask": "64",
                 "scope": "global"},
                {"address": "fd6a:c19d:b07:2080:9b2f:41c:a1d0:77e3", "family": "inet6", "netmask": "64",
                 "scope": "global"},
                {"address": "fe80::216:3eff:fe12:3456", "family": "inet6", "netmask": "64", "scope": "link"},
            ],
            "host_name": "tap1a2b3c4d",
            "hwaddr": "00:16:3e:12:34:56",
            "mtu": 1500,
            "state": "up",
            "type": "broadcast",
        },
        "lo": running()["state"]["network"]["lo"],
    }
    return vm


def link_local_only() -> dict[str, Any]:
    """Running, but no router advertisement reached it yet (or a profile without extbridge)."""
    inst = running()
    inst["name"] = "itinv-c"
    inst["profiles"] = ["default"]
    eth0 = inst["state"]["network"]["eth0"]
    eth0["addresses"] = [a for a in eth0["addresses"] if a["address"].startswith("fe80:")]
    return inst


def frozen() -> dict[str, Any]:
    inst = running()
    inst["name"] = "itinv-d"
    inst["status"] = inst["state"]["status"] = "Frozen"
    inst["status_code"] = inst["state"]["status_code"] = 110
    return inst


def all_instances() -> list[dict[str, Any]]:
    return [stopped(), virtual_machine(), running(), link_local_only(), frozen()]


def test_captured_running_instance() -> None:
    assert host_variables(running(), InventoryOptions()) == {
        "lxd_name": "itinv-a",
        "lxd_status": "running",
        "lxd_type": "container",
        "lxd_profiles": ["default", "extbridge"],
        "lxd_project": "default",
        "lxd_location": None,
        "lxd_mac": "00:16:3e:a7:fc:16",
        "lxd_ipv6": {
            "global": ["2001:db8:ebbd:2080:216:3eff:fea7:fc16"],
            "ula": ["fd6a:c19d:b07:2080:216:3eff:fea7:fc16"],
            "link_local": ["fe80::216:3eff:fea7:fc16"],
        },
        "lxd_ipv4": [],
        "lxd_address": "2001:db8:ebbd:2080:216:3eff:fea7:fc16",
        "lxd_config": {"user.role": "web"},
        "ansible_host": "2001:db8:ebbd:2080:216:3eff:fea7:fc16",
    }


def test_running_instance_is_reached_at_the_eui64_address_of_its_mac() -> None:
    variables = host_variables(running(), InventoryOptions())
    assert variables["ansible_host"] == eui64(variables["lxd_mac"], GLOBAL_PREFIX)


def test_captured_stopped_instance_has_its_mac_but_no_address() -> None:
    variables = host_variables(stopped(), InventoryOptions())
    assert variables["lxd_status"] == "stopped"
    assert variables["lxd_mac"] == "00:16:3e:30:c4:c8"
    assert variables["lxd_ipv6"] == {"global": [], "ula": [], "link_local": []}
    assert variables["lxd_address"] is None
    assert "ansible_host" not in variables
    assert variables["lxd_config"] == {}


def test_virtual_machine_on_a_cluster() -> None:
    variables = host_variables(virtual_machine(), InventoryOptions())
    assert variables["lxd_type"] == "virtual-machine"
    assert variables["lxd_location"] == "lab2"
    assert variables["lxd_project"] == "web"
    assert variables["lxd_ipv4"] == ["10.44.0.5"]
    assert variables["lxd_ipv6"]["global"] == [
        "2001:db8:ebbd:2080:216:3eff:fe12:3456",  # stable EUI-64 first
        "2001:db8:ebbd:2080:8d1e:77a2:5be4:11c0",
    ]
    assert variables["ansible_host"] == "2001:db8:ebbd:2080:216:3eff:fe12:3456"
    assert variables["lxd_config"] == {"user.farm.role": "web"}


@pytest.mark.parametrize("instance, prefer, expected", [
    (running, ("global", "ula", "link_local"), "2001:db8:ebbd:2080:216:3eff:fea7:fc16"),
    (running, ("ula", "global"), "fd6a:c19d:b07:2080:216:3eff:fea7:fc16"),
    (running, ("link_local",), "fe80::216:3eff:fea7:fc16%eth0"),
    (virtual_machine, ("ula",), "fd6a:c19d:b07:2080:9b2f:41c:a1d0:77e3"),
    (virtual_machine, ("link_local", "global"), "fe80::216:3eff:fe12:3456%enp5s0"),
    (link_local_only, ("global", "ula", "link_local"), "fe80::216:3eff:fea7:fc16%eth0"),
    (link_local_only, ("global", "ula"), None),
    (stopped, ("global", "ula", "link_local"), None),
])
def test_address_follows_prefer(instance: Any, prefer: tuple[str, ...], expected: str | None) -> None:
    variables = host_variables(instance(), InventoryOptions(prefer=prefer))
    assert variables["lxd_address"] == expected
    assert variables.get("ansible_host") == expected


def test_chosen_address_without_any_address() -> None:
    assert chosen_address({"global": [], "ula": [], "link_local": [], "interface": None}, ("global",)) is None


@pytest.mark.parametrize("states, profiles, expected", [
    ((), (), ["itinv-a", "itinv-b", "itinv-c", "itinv-d", "vm1"]),
    (("running",), (), ["itinv-a", "itinv-c", "vm1"]),
    (("stopped",), (), ["itinv-b"]),
    (("running", "frozen"), (), ["itinv-a", "itinv-c", "itinv-d", "vm1"]),
    (("error",), (), []),
    ((), ("extbridge",), ["itinv-a", "itinv-b", "itinv-d"]),
    ((), ("farm", "extbridge"), ["itinv-a", "itinv-b", "itinv-d", "vm1"]),
    ((), ("nosuchprofile",), []),
    (("running",), ("extbridge",), ["itinv-a"]),
])
def test_filters(states: tuple[str, ...], profiles: tuple[str, ...], expected: list[str]) -> None:
    hosts = inventory_hosts(all_instances(), InventoryOptions(states=states, profiles=profiles))
    assert [host.name for host in hosts] == expected


def test_every_host_is_in_its_status_group() -> None:
    groups = {host.name: host.groups for host in inventory_hosts(all_instances(), InventoryOptions())}
    assert groups == {
        "itinv-a": ["lxd_running"],
        "itinv-b": ["lxd_stopped"],
        "itinv-c": ["lxd_running"],
        "itinv-d": ["lxd_frozen"],
        "vm1": ["lxd_running", "lxd_member_lab2"],  # on cluster member lab2
    }


@pytest.mark.parametrize("status, group", [
    ("running", "lxd_running"),
    ("Stopped", "lxd_stopped"),
    ("some-new state", "lxd_some_new_state"),
])
def test_status_group(status: str, group: str) -> None:
    assert status_group(status) == group


@pytest.mark.parametrize("instance, remote, expected", [
    (running, "local", {"ansible_connection": "community.general.lxd", "ansible_host": "itinv-a",
                        "ansible_lxd_remote": "local", "ansible_lxd_project": "default"}),
    (stopped, "local", {"ansible_connection": "community.general.lxd", "ansible_host": "itinv-b",
                        "ansible_lxd_remote": "local", "ansible_lxd_project": "default"}),
    (virtual_machine, "home", {"ansible_connection": "community.general.lxd", "ansible_host": "vm1",
                               "ansible_lxd_remote": "home", "ansible_lxd_project": "web"}),
])
def test_lxd_connection_variables(instance: Any, remote: str, expected: dict[str, str]) -> None:
    variables = host_variables(instance(), inventory_options(connection="lxd", lxc_remote=remote))
    assert {key: value for key, value in variables.items() if key.startswith("ansible_")} == expected
    # The address facts stay, even though SSH is not used.
    assert variables["lxd_address"] == host_variables(instance(), InventoryOptions())["lxd_address"]


@pytest.mark.parametrize("connection", ["lxd", "incus"])
def test_on_incus_the_hosts_are_reached_through_the_incus_plugin(connection: str) -> None:
    variables = host_variables(running(), inventory_options(connection=connection, lxc_remote="local"), "incus")
    assert {key: value for key, value in variables.items() if key.startswith("ansible_")} == {
        "ansible_connection": "community.general.incus", "ansible_host": "itinv-a",
        "ansible_incus_remote": "local", "ansible_incus_project": "default"}


def test_the_hosts_of_an_incus_listing_get_the_incus_plugin() -> None:
    hosts = inventory_hosts(all_instances(), inventory_options(connection="lxd"), "incus")
    assert hosts and {host.variables["ansible_connection"] for host in hosts} == {"community.general.incus"}


def test_the_incus_word_on_lxd_means_the_lxd_plugin() -> None:
    variables = host_variables(running(), inventory_options(connection="incus"), "lxd")
    assert variables["ansible_connection"] == "community.general.lxd"


def test_ssh_connection_leaves_ansible_connection_alone() -> None:
    variables = host_variables(running(), inventory_options(connection="ssh"))
    assert "ansible_connection" not in variables
    assert "ansible_lxd_remote" not in variables


@pytest.mark.parametrize("instance, mac", [
    (stopped, "00:16:3e:30:c4:c8"),
    (virtual_machine, "00:16:3e:12:34:56"),
])
def test_configured_mac(instance: Any, mac: str) -> None:
    assert configured_mac(instance()) == mac


def test_configured_mac_without_nic() -> None:
    inst = stopped()
    del inst["expanded_devices"]["eth0"]
    assert configured_mac(inst) is None
    assert host_variables(inst, InventoryOptions())["lxd_mac"] is None


def test_instance_without_state_uses_its_status() -> None:
    inst = stopped()
    del inst["state"]
    assert host_variables(inst, InventoryOptions())["lxd_status"] == "stopped"


@pytest.mark.parametrize("kwargs, expected", [
    ({}, InventoryOptions()),
    ({"states": ["Running", "stopped"]}, InventoryOptions(states=("running", "stopped"))),
    ({"profiles": ["extbridge"], "connection": None, "prefer": None, "lxc_remote": None},
     InventoryOptions(profiles=("extbridge",))),
    ({"prefer": ["ula", "global"]}, InventoryOptions(prefer=("ula", "global"))),
    ({"connection": "lxd", "lxc_remote": "home"}, InventoryOptions(connection="lxd", lxc_remote="home")),
])
def test_inventory_options(kwargs: dict[str, Any], expected: InventoryOptions) -> None:
    assert inventory_options(**kwargs) == expected


@pytest.mark.parametrize("kwargs, message", [
    ({"states": ["runing"]}, r"states has 'runing', which is not an LXD instance state; use any of running, "),
    ({"states": "running"}, r"states is 'running', not a list; write it as a YAML list"),
    ({"profiles": "extbridge"}, r"profiles is 'extbridge', not a list"),
    ({"connection": "winrm"}, r"connection is 'winrm'; use one of ssh, lxd"),
    ({"prefer": []}, r"prefer is empty, so no address could ever be chosen"),
    ({"prefer": ["gua"]}, r"prefer has 'gua', which is not an address scope; use any of global, ula, link_local"),
    ({"prefer": ["ula", "ula"]}, r"prefer lists a scope twice \(ula, ula\)"),
])
def test_inventory_options_rejects(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InventoryError, match=message):
        inventory_options(**kwargs)


@pytest.mark.parametrize("answer, message", [
    ({"type": "sync"}, r"answered the instance list with dict, not a list"),
    (["/1.0/instances/itinv-a"], r"listed '/1.0/instances/itinv-a' instead of an instance object"),
])
def test_inventory_hosts_rejects_unexpected_answers(answer: Any, message: str) -> None:
    with pytest.raises(InventoryError, match=message):
        inventory_hosts(answer, InventoryOptions())


@pytest.mark.parametrize("location, group", [
    ("pfc-m1", "lxd_member_pfc_m1"),
    ("pi2", "lxd_member_pi2"),
    ("rack.1", "lxd_member_rack_1"),
])
def test_member_group(location: str, group: str) -> None:
    assert member_group(location) == group


def test_cluster_lists_every_member_with_its_group_and_an_offline_one_without_address() -> None:
    """GET instances?recursion=2 on a cluster whose member m2 is offline: LXD lists m2's instances in status Error,
    without state."""
    on_m1 = running()
    on_m1.update(name="w1", location="m1")
    on_m2 = running()
    on_m2.update(name="w2", location="m2", status="Error", status_code=400, state=None)
    hosts = {host.name: host for host in inventory_hosts([on_m2, on_m1], InventoryOptions())}
    assert hosts["w1"].groups == ["lxd_running", "lxd_member_m1"]
    assert hosts["w1"].variables["lxd_location"] == "m1"
    assert hosts["w1"].variables["ansible_host"].startswith("2001:db8:")
    assert hosts["w2"].groups == ["lxd_error", "lxd_member_m2"]
    assert hosts["w2"].variables["lxd_location"] == "m2"
    assert hosts["w2"].variables["lxd_address"] is None and "ansible_host" not in hosts["w2"].variables


def test_outside_a_cluster_no_member_group() -> None:
    hosts = inventory_hosts([running()], InventoryOptions())
    assert hosts[0].groups == ["lxd_running"]
