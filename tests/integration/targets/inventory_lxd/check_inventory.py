# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Assertions on `ansible-inventory --list` answers of the palmfarm.ipv6.lxd plugin (called by runme.sh).

What LXD itself says about the instances (saved by runme.sh with `lxc query`) is the reference, and the
EUI-64 address is computed here on its own, not with the collection's code under test.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys
from pathlib import Path
from typing import Any

ULA_PREFIX = "fd6a:c19d:b07:2080::/64"
MARK_PROFILES = ["default", "extbridge", "itinv-mark"]


def plain(value: Any) -> Any:
    """Drop the {'__ansible_unsafe': ...} wrappers ansible-inventory puts around untrusted strings."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class Inventory:
    def __init__(self, path: str) -> None:
        self.path = path
        data = plain(json.loads(Path(path).read_text()))
        self.hostvars: dict[str, dict[str, Any]] = data["_meta"]["hostvars"]
        self.groups = {name: set(group.get("hosts", [])) for name, group in data.items() if name != "_meta"}

    def members(self, group: str) -> set[str]:
        return self.groups.get(group, set())


def eui64(mac: str, prefix: str) -> str:
    octets = bytes.fromhex(mac.replace(":", ""))
    iid = bytes([octets[0] ^ 0x02]) + octets[1:3] + b"\xff\xfe" + octets[3:]
    network = ipaddress.IPv6Network(prefix)
    return str(ipaddress.IPv6Address(int(network.network_address) | int.from_bytes(iid, "big")))


class Checker:
    def __init__(self, work: str, prefix: str, server: str) -> None:
        self.work = Path(work)
        self.prefix = prefix
        self.server = server  # lxd or incus: the connection plugin and its variables follow it
        self.failures: list[str] = []

    def lxd(self, name: str) -> dict[str, Any]:
        return json.loads((self.work / f"{name}.json").read_text())

    def expect(self, what: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            self.failures.append(f"{what}: got {actual!r}, expected {expected!r}")

    def mac(self, name: str) -> str:
        return self.lxd(name)["config"]["volatile.eth0.hwaddr"]

    def lxd_addresses(self) -> list[str]:
        network = self.lxd("itinv-a.state")["network"]
        return [entry["address"] for entry in network["eth0"]["addresses"]]

    # --- one method per answer -------------------------------------------------------------------------
    def all(self, inv: Inventory, b_status: str = "stopped") -> None:
        self.expect("hosts", set(inv.hostvars), {"itinv-a", "itinv-b"})
        a, b = inv.hostvars["itinv-a"], inv.hostvars["itinv-b"]
        self.expect("lxd_running", inv.members("lxd_running") & {"itinv-a", "itinv-b"},
                    {"itinv-a", "itinv-b"} if b_status == "running" else {"itinv-a"})
        self.expect("lxd_stopped", inv.members("lxd_stopped"), set() if b_status == "running" else {"itinv-b"})
        self.expect("keyed group role_web", inv.members("role_web"), {"itinv-a"})
        self.expect("keyed group role_db", inv.members("role_db"), {"itinv-b"})
        self.expect("itinv-b status", b["lxd_status"], b_status)

        global_address = eui64(self.mac("itinv-a"), self.prefix)
        self.expect("itinv-a ansible_host (EUI-64 of lxd_mac)", a.get("ansible_host"), global_address)
        self.expect("itinv-a lxd_address", a["lxd_address"], global_address)
        self.expect("itinv-a address listed by LXD", global_address in self.lxd_addresses(), True)
        self.expect("itinv-a lxd_mac", a["lxd_mac"], self.mac("itinv-a"))
        self.expect("itinv-a lxd_ipv6.global[0]", a["lxd_ipv6"]["global"][:1], [global_address])
        self.expect("itinv-a lxd_ipv6.link_local", a["lxd_ipv6"]["link_local"][:1], [eui64(self.mac("itinv-a"),
                                                                                           "fe80::/64")])
        self.expect("itinv-a lxd_name", a["lxd_name"], "itinv-a")
        self.expect("itinv-a lxd_type", a["lxd_type"], "container")
        self.expect("itinv-a lxd_project", a["lxd_project"], "default")
        self.expect("itinv-a lxd_profiles", a["lxd_profiles"], MARK_PROFILES)
        self.expect("itinv-a lxd_ipv4", a["lxd_ipv4"], [])
        self.expect("itinv-a lxd_config", a["lxd_config"], {"user.inventory_mark": "itinv", "user.role": "web"})
        self.expect("itinv-a lxd_location", a["lxd_location"], self.location(self.lxd("itinv-a")))
        self.expect("itinv-a compose", a.get("inventory_mark"), "itinv")
        self.expect("itinv-b compose", b.get("inventory_mark"), "itinv")
        self.expect("itinv-b lxd_mac", b["lxd_mac"], self.mac("itinv-b"))
        self.expect("itinv-b lxd_config", b["lxd_config"], {"user.inventory_mark": "itinv", "user.role": "db"})
        if b_status == "stopped":
            self.expect("on_home_lan", inv.members("on_home_lan"), {"itinv-a"})
            self.expect("itinv-b ansible_host", b.get("ansible_host"), None)
            self.expect("itinv-b lxd_address", b["lxd_address"], None)
            self.expect("itinv-b lxd_ipv6", b["lxd_ipv6"], {"global": [], "ula": [], "link_local": []})

    @staticmethod
    def location(instance: dict[str, Any]) -> str | None:
        return None if instance.get("location") in (None, "", "none") else instance["location"]

    def all_after_start(self, inv: Inventory) -> None:
        self.all(inv, b_status="running")

    def running(self, inv: Inventory) -> None:
        self.expect("hosts", set(inv.hostvars), {"itinv-a"})
        self.expect("lxd_stopped", inv.members("lxd_stopped"), set())
        self.expect("itinv-a ansible_host", inv.hostvars["itinv-a"].get("ansible_host"),
                    eui64(self.mac("itinv-a"), self.prefix))

    def stopped(self, inv: Inventory) -> None:
        self.expect("hosts", set(inv.hostvars), {"itinv-b"})
        self.expect("lxd_running", inv.members("lxd_running"), set())
        self.expect("lxd_stopped", inv.members("lxd_stopped"), {"itinv-b"})

    def viaexec(self, inv: Inventory) -> None:
        self.expect("hosts", set(inv.hostvars), {"itinv-a", "itinv-b"})
        for name, hostvars in inv.hostvars.items():
            connection = {key: value for key, value in hostvars.items() if key.startswith("ansible_")}
            self.expect(f"{name} connection variables", connection, {
                "ansible_connection": f"community.general.{self.server}",
                "ansible_host": name,
                f"ansible_{self.server}_remote": "local",
                f"ansible_{self.server}_project": "default",
            })
        self.expect("itinv-a lxd_address", inv.hostvars["itinv-a"]["lxd_address"],
                    eui64(self.mac("itinv-a"), self.prefix))

    def project(self, inv: Inventory) -> None:
        self.expect("hosts of project itinv-proj", set(inv.hostvars), {"itinv-p"})
        hostvars = inv.hostvars.get("itinv-p", {})
        self.expect("itinv-p lxd_project", hostvars.get("lxd_project"), "itinv-proj")
        self.expect(f"itinv-p ansible_{self.server}_project", hostvars.get(f"ansible_{self.server}_project"),
                    "itinv-proj")
        self.expect("lxd_stopped", inv.members("lxd_stopped"), {"itinv-p"})

    def ula(self, inv: Inventory) -> None:
        expected = eui64(self.mac("itinv-a"), ULA_PREFIX)
        self.expect("itinv-a ULA listed by LXD", expected in self.lxd_addresses(), True)
        self.expect("itinv-a ansible_host with prefer [ula, global]", inv.hostvars["itinv-a"].get("ansible_host"),
                    expected)

    def cached_stale(self, first: Inventory, second: Inventory) -> None:
        # itinv-b runs now; an answer read from the cache still has it stopped.
        self.expect("cached itinv-b status (first read)", first.hostvars["itinv-b"]["lxd_status"], "stopped")
        self.expect("cached itinv-b status (second read)", second.hostvars["itinv-b"]["lxd_status"], "stopped")
        self.expect("cached lxd_stopped", second.members("lxd_stopped"), {"itinv-b"})
        self.expect("second read equals the first", second.hostvars, first.hostvars)

    def cached_flushed(self, inv: Inventory) -> None:
        self.expect("itinv-b status after --flush-cache", inv.hostvars["itinv-b"]["lxd_status"], "running")
        self.expect("lxd_running after --flush-cache", inv.members("lxd_running"), {"itinv-a", "itinv-b"})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--server", choices=["lxd", "incus"], default="lxd")
    parser.add_argument("case")
    parser.add_argument("answers", nargs="+")
    args = parser.parse_args()
    checker = Checker(args.work, args.prefix, args.server)
    getattr(checker, args.case.replace("-", "_"))(*(Inventory(path) for path in args.answers))
    if checker.failures:
        print(f"inventory_lxd {args.case}: FAILED", file=sys.stderr)
        for failure in checker.failures:
            print(f"  {failure}", file=sys.stderr)
        return 1
    print(f"inventory_lxd {args.case}: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
