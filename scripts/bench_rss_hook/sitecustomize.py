# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmarks' memory probe: with this directory on a Python process's PYTHONPATH and BENCH_RSS_OUT set, the
process appends its peak resident set (VmHWM of /proc/self/status) to BENCH_RSS_OUT when it exits, as one JSON
line with the module it ran: the name Ansible passes in the module's arguments (`_ansible_module_name`, there
under ansible-playbook, pipelined or not) and its argv[0] (a module run directly). Read by scripts/bench_rss.py.
"""

import atexit
import json
import os
import sys


def _bench_peak_rss():
    module = None
    basic = sys.modules.get("ansible.module_utils.basic")
    try:
        module = json.loads(basic._ANSIBLE_ARGS)["ANSIBLE_MODULE_ARGS"]["_ansible_module_name"]
    except (AttributeError, KeyError, TypeError, ValueError):
        pass
    with open("/proc/self/status", encoding="ascii") as handle:
        peak = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
    with open(os.environ["BENCH_RSS_OUT"], "a", encoding="utf-8") as out:
        out.write(json.dumps({"module": module, "argv0": sys.argv[0], "vmhwm_kb": peak}) + "\n")


if os.environ.get("BENCH_RSS_OUT"):
    atexit.register(_bench_peak_rss)
