# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""scripts/architecture.py: the map finds the imports, the code lines and the cycles it must refuse (that the
page is current is `make docs-check`'s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .script_loader import load_script

architecture = load_script("architecture")


def test_cycles_are_found_once_each() -> None:
    assert architecture.cycles({"a": ["b"], "b": ["c"], "c": []}) == []
    assert architecture.cycles({"a": ["b"], "b": ["a"], "c": ["a"]}) == [["a", "b", "a"]]
    assert architecture.cycles({"a": ["b"], "b": ["c"], "c": ["a", "d"], "d": ["d"]}) == [
        ["a", "b", "c", "a"], ["d", "d"]]


def test_imports_by_relative_and_full_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    utils = tmp_path / "module_utils"
    (utils / "_d").mkdir(parents=True)
    for name in ("_a", "_b", "_c", "_d/__init__", "_d/one", "_d/two", "_d/three"):
        (utils / f"{name}.py").write_text("")
    (utils / "_a.py").write_text("from ._b import x\nfrom . import _c\nfrom ._d import one\nimport os\n")
    (utils / "_d" / "two.py").write_text("from .one import x\nfrom . import three\nfrom .._b import y\n")
    module = tmp_path / "mod.py"
    module.write_text("from ansible_collections.palmfarm.ipv6.plugins.module_utils._a import y\n"
                      "from ansible_collections.palmfarm.ipv6.plugins.module_utils import _b\n"
                      "from ansible_collections.palmfarm.ipv6.plugins.module_utils._d.two import z\n"
                      "from ansible_collections.palmfarm.ipv6.plugins.module_utils._d import three\n"
                      "from ansible_collections.other.plugins.module_utils._c import z\n")
    monkeypatch.setattr(architecture, "UTILS", utils)
    assert architecture.cores_used(utils / "_a.py") == ["_b", "_c", "_d/one"]
    assert architecture.cores_used(utils / "_d" / "two.py") == ["_b", "_d/one", "_d/three"]
    assert architecture.cores_used(module) == ["_a", "_b", "_d/three", "_d/two"]


def test_every_core_is_in_a_known_domain() -> None:
    assert architecture.domain_of("_files") == architecture.domain_of("_optional")
    assert architecture.domain_of("_dns/zone_parser").startswith("DNS")
    with pytest.raises(SystemExit, match="_web/server.py is in no known domain"):
        architecture.domain_of("_web/server")


def test_code_lines_leave_out_documentation(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text('DOCUMENTATION = """\nlong\ntext\n"""\n\n\ndef main() -> None:\n    """Doc."""\n\n'
                    '    # a comment\n    x = 1\n    if x:\n        print(x)\n')
    assert architecture.code_lines(path) == 4  # def, x = 1, if, print
