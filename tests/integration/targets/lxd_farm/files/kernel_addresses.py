#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Usage: kernel_addresses.py COLLECTIONS_PATHS NAME...

Reads the named running containers' addresses from the kernel with the collection's _net/netns_addresses.py and
compares them with LXD's own (lxc query /1.0/instances/<name>/state): interface names, MACs, types and the
addresses with their family, prefix length and scope, in order. Prints what differs and exits 1 if anything
does, or if the kernel could not be read for an instance.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys


def main() -> int:
    paths, names = sys.argv[1], sys.argv[2:]
    # The collection's module_utils import each other relatively: load them as the collection's package.
    root = next(p for p in paths.split(":") if os.path.exists(os.path.join(p, "ansible_collections/palmfarm/ipv6")))
    sys.path.insert(0, root)
    netns = importlib.import_module("ansible_collections.palmfarm.ipv6.plugins.module_utils._net.netns_addresses")
    networks = netns.read_networks(names)
    problems = []
    for name in names:
        state = json.loads(subprocess.run(["lxc", "query", f"/1.0/instances/{name}/state"], check=True,
                                          capture_output=True, text=True).stdout)
        lxd = {i: (v["hwaddr"], v["type"], v["addresses"]) for i, v in (state.get("network") or {}).items()}
        if networks[name] is None:
            problems.append(f"{name}: the kernel could not be read")
            continue
        kernel = {i: (v["hwaddr"], v["type"], v["addresses"]) for i, v in networks[name].items()}
        if kernel != lxd or not any(entry[2] for entry in lxd.values()):
            problems.append(f"{name}: kernel {kernel} != LXD {lxd}")
    print(json.dumps({"checked": names, "problems": problems}))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
