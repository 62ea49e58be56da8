#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Usage: probe.py slaac T0 TIMEOUT PREFIX NAME...
          probe.py dns T0 TIMEOUT PORT ZONE PREFIX ULA_PREFIX NAME...

slaac: polls the named containers' addresses, read from the kernel with the collection's _net/netns_addresses.py,
every 20 ms until each has a preferred address in PREFIX (the EUI-64 one of its MAC) and none of its other
global addresses is preferred; prints {"seconds": time since T0 (epoch seconds), "addresses": {...}}.
dns: asks the DNS server on ::1 PORT with dig every 50 ms until the AAAA records of NAME.ZONE are exactly the
EUI-64 addresses of the container's MAC in PREFIX and ULA_PREFIX and the PTR record of the one in PREFIX
names it; prints {"seconds": time since T0}. Both exit 1 with what they saw at TIMEOUT seconds.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import time


def collections_root() -> str:
    """The directory holding ansible_collections/: above this file (ansible-test runs it inside the tree), else
    the first of ANSIBLE_COLLECTIONS_PATH."""
    path = os.path.dirname(os.path.abspath(__file__))
    while path != os.path.dirname(path):
        if os.path.basename(path) == "ansible_collections":
            return os.path.dirname(path)
        path = os.path.dirname(path)
    return os.environ.get("ANSIBLE_COLLECTIONS_PATH", "/usr/share/ansible/collections").split(":")[0]


sys.path.insert(0, collections_root())

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.addresses import (  # noqa: E402
    eui64,
    instance_addresses,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.netns_addresses import read_networks  # noqa: E402


def addresses(names: list[str]) -> dict[str, dict]:
    return {name: instance_addresses(network) for name, network in read_networks(names).items()}


def slaac(t0: float, timeout: float, prefix: str, names: list[str]) -> int:
    net = ipaddress.IPv6Network(prefix)
    seen: dict[str, dict] = {}
    while True:
        seen = addresses(names)
        done = all(a["mac"] and eui64(a["mac"], prefix) in a["global"]
                   and all(ipaddress.IPv6Address(g) in net for g in a["global"]) for a in seen.values())
        if done or time.time() - t0 > timeout:
            print(json.dumps({"seconds": round(time.time() - t0, 3), "addresses": seen}, indent=1))
            return 0 if done else 1
        time.sleep(0.02)


def dig(port: str, kind: str, name: str) -> list[str]:
    out = subprocess.run(["dig", "@::1", "-p", port, "+short", "+tries=1", "+time=1", kind, name],
                         capture_output=True, text=True, check=False).stdout
    return sorted(line.strip() for line in out.splitlines() if line.strip())


def dns(t0: float, timeout: float, port: str, zone: str, prefix: str, ula: str, names: list[str]) -> int:
    macs = {n: a["mac"] for n, a in addresses(names).items()}
    if not all(macs.values()):
        print(json.dumps({"error": "a container could not be read", "macs": macs}))
        return 1
    wanted = {n: sorted([eui64(m, prefix), eui64(m, ula)]) for n, m in macs.items()}
    while True:
        answers = {}
        right = True
        for name, mac in macs.items():
            fqdn = f"{name}.{zone}."
            aaaa = dig(port, "AAAA", fqdn)
            ptr = dig(port, "PTR", ipaddress.IPv6Address(eui64(mac, prefix)).reverse_pointer)
            answers[name] = {"AAAA": aaaa, "PTR": ptr}
            right = right and aaaa == wanted[name] and ptr == [fqdn]
        if right or time.time() - t0 > timeout:
            print(json.dumps({"seconds": round(time.time() - t0, 3), "answers": answers, "wanted": wanted}, indent=1))
            return 0 if right else 1
        time.sleep(0.05)


def main() -> int:
    command, t0, timeout, *rest = sys.argv[1:]
    if command == "slaac":
        return slaac(float(t0), float(timeout), rest[0], rest[1:])
    if command == "dns":
        return dns(float(t0), float(timeout), rest[0], rest[1], rest[2], rest[3], rest[4:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
