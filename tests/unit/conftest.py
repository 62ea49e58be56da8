# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make `ansible_collections.palmfarm.ipv6` importable for `pytest tests/unit` run from the repository.

Python finds the collection only under a directory laid out as ansible_collections/palmfarm/ipv6. When the
checkout already sits at such a path (a copy made by scripts/collection_copy.sh, or a collection installed by
ansible-galaxy), the directory above `ansible_collections` goes on sys.path. Otherwise the path is
.cache/collections/ansible_collections/palmfarm/ipv6, a symlink to the checkout that scripts/bootstrap.sh makes;
it is made here too when missing, so the unit tests need nothing but the virtualenv.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NAMESPACE = "palmfarm"
NAME = "ipv6"
REPO_ROOT = Path(__file__).resolve().parents[2]


def collections_root(repo_root: Path) -> Path:
    """Return the directory holding `ansible_collections/palmfarm/ipv6` that resolves to `repo_root`."""
    if repo_root.parts[-3:] == ("ansible_collections", NAMESPACE, NAME):
        return repo_root.parents[2]
    root = repo_root / ".cache" / "collections"
    link = root / "ansible_collections" / NAMESPACE / NAME
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        if link.is_symlink():  # dangling: left by a checkout that moved
            link.unlink()
        os.symlink(repo_root, link, target_is_directory=True)
    if link.resolve() != repo_root:
        raise RuntimeError(f"{link} points to {link.resolve()}, not to this checkout {repo_root}; remove it")
    return root


COLLECTIONS_ROOT = str(collections_root(REPO_ROOT))
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
