#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install the collections named in requirements.yml into .cache/collections.

Usage: .venv/bin/python scripts/fetch_collections.py [REQUIREMENTS_YML]

`ansible-galaxy collection install -r requirements.yml` is the way where Ansible Galaxy answers. This script
does the same from the `ansible` package on PyPI (which ships every collection it names), so `make test` works
where only a package index is reachable. The wheel is downloaded once into .cache/wheels; a collection already
present at a version the requirement accepts is left alone. Prints one line per collection.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEST = os.path.join(ROOT, ".cache", "collections")
WHEELS = os.path.join(ROOT, ".cache", "wheels")
ANSIBLE_PACKAGE = "ansible>=11,<13"


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def accepts(spec: str, version: str) -> bool:
    """A small reading of Galaxy's version specs: '*', '>=X', '<X', '==X', comma-separated."""
    for clause in [c.strip() for c in (spec or "*").split(",") if c.strip()]:
        if clause == "*":
            continue
        match = re.match(r"^(>=|<=|==|!=|>|<)?\s*(.+)$", clause)
        if not match:
            return False
        op, wanted = match.group(1) or "==", version_tuple(match.group(2))
        have = version_tuple(version)
        ok = {">=": have >= wanted, "<=": have <= wanted, "==": have == wanted, "!=": have != wanted,
              ">": have > wanted, "<": have < wanted}[op]
        if not ok:
            return False
    return True


def installed_version(name: str) -> str | None:
    manifest = os.path.join(DEST, "ansible_collections", *name.split("."), "MANIFEST.json")
    try:
        with open(manifest, encoding="utf-8") as handle:
            return str(json.load(handle)["collection_info"]["version"])
    except (OSError, ValueError, KeyError):
        return None


def ansible_wheel() -> str:
    wheels = sorted(glob.glob(os.path.join(WHEELS, "ansible-*.whl")))
    if not wheels:
        os.makedirs(WHEELS, exist_ok=True)
        print(f"fetch_collections: downloading {ANSIBLE_PACKAGE} once (about 50 MB)", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", WHEELS, ANSIBLE_PACKAGE],
                       check=True)
        wheels = sorted(glob.glob(os.path.join(WHEELS, "ansible-*.whl")))
    return wheels[-1]


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else os.path.join(ROOT, "requirements.yml")
    with open(path, encoding="utf-8") as handle:
        wanted = (yaml.safe_load(handle) or {}).get("collections") or []
    wheel: zipfile.ZipFile | None = None
    for item in wanted:
        name, spec = (item, "*") if isinstance(item, str) else (item["name"], str(item.get("version", "*")))
        have = installed_version(name)
        if have and accepts(spec, have):
            print(f"{name} {have}: present")
            continue
        if wheel is None:
            wheel = zipfile.ZipFile(ansible_wheel())
        prefix = "ansible_collections/" + name.replace(".", "/") + "/"
        members = [m for m in wheel.namelist() if m.startswith(prefix)]
        if not members:
            raise SystemExit(f"fetch_collections: {name} is not in {wheel.filename}; install it with "
                             f"ansible-galaxy collection install {name}")
        target = os.path.join(DEST, prefix)
        shutil.rmtree(target, ignore_errors=True)
        wheel.extractall(DEST, members)
        have = installed_version(name)
        if not have or not accepts(spec, have):
            raise SystemExit(f"fetch_collections: {name} {have} from {wheel.filename} does not satisfy {spec!r}")
        print(f"{name} {have}: installed from {os.path.basename(wheel.filename)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
