# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The unit tests import the collection from this checkout, not from some other installed copy."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE_UTILS = sorted(p.stem for p in (REPO_ROOT / "plugins" / "module_utils").glob("_*.py"))


@pytest.mark.parametrize("name", MODULE_UTILS)
def test_module_utils_import_from_this_checkout(name: str) -> None:
    module = importlib.import_module(f"ansible_collections.palmfarm.ipv6.plugins.module_utils.{name}")
    assert Path(module.__file__).resolve() == REPO_ROOT / "plugins" / "module_utils" / f"{name}.py"
