# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a benchmark records of its run beside its samples: the machine (cores, kernel, Debian, Python,
ansible-core and the versions of the tools it names), the time in UTC, and the JSON file itself.

Imported by bench/renumbering and bench/cluster (the scripts directory put on sys.path); not run by itself.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

VERSION = re.compile(r"\d+\.\d+[\w.~+-]*")


def utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_in(text: str) -> str | None:
    """The first version number in a tool's answer ("knotd (Knot DNS), version 3.2.6" gives 3.2.6)."""
    found = VERSION.search(text)
    return found.group(0) if found else None


def version_of(cmd: list[str]) -> str | None:
    """The version a command prints (stdout, else stderr), None when it is missing or prints none. The exit status
    is not asked: `radvd --version` exits 1."""
    env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    except OSError:
        return None
    return version_in(proc.stdout or proc.stderr)


def machine(python: str, tools: dict[str, list[str]]) -> dict[str, Any]:
    """The machine, the Python and ansible-core of the venv whose interpreter is `python`, and each tool's version
    by the command given for it (None where it is missing)."""
    try:
        debian: str | None = Path("/etc/debian_version").read_text(encoding="ascii").strip()
    except OSError:
        debian = None
    found = {name: version_of(cmd) for name, cmd in tools.items()}
    return {"nproc": os.cpu_count() or 0, "kernel": platform.release(), "debian": debian,
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": version_of([python, "-c", "import platform; print(platform.python_version())"]),
            "ansible_core": version_of([python, "-c", "import ansible.release; print(ansible.release.__version__)"]),
            **found}


def write_json(path: str | Path, data: dict[str, Any]) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
