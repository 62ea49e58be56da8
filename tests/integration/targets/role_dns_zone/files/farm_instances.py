# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the lab farm's running containers (w2, w3, ...) as lxd_farm returns them (name, state, mac, address,
ipv6.global), with their addresses in PREFIX (argv[1]), from `lxc query` (JSON on stdin). An empty list when
there is no farm."""

import ipaddress
import json
import re
import sys

prefix = ipaddress.IPv6Network(sys.argv[1])
farm = []
for inst in json.load(sys.stdin):
    if not re.fullmatch(r"w[0-9]+", inst["name"]) or inst.get("status") != "Running":
        continue
    eth0 = ((inst.get("state") or {}).get("network") or {}).get("eth0") or {}
    glob = [a["address"] for a in eth0.get("addresses") or []
            if a["family"] == "inet6" and ipaddress.IPv6Address(a["address"]) in prefix]
    if glob:
        farm.append({"name": inst["name"], "state": "Running", "mac": eth0.get("hwaddr", ""), "address": glob[0],
                     "ipv6": {"global": glob}})
print(json.dumps(farm))
