# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One rule for every module: plugins/modules/NAME.py holds its documentation and a main() that builds the
AnsibleModule from its adapter, plugins/module_utils/_module/NAME.py, which holds the options (ARGUMENT_SPEC),
the rules between them (RULES) and run_module. A newcomer looks for a module's code in one place."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

COLLECTION = Path(__file__).resolve().parents[4]
MODULES = sorted(p.stem for p in (COLLECTION / "plugins" / "modules").glob("*.py") if p.stem != "__init__")


def test_there_are_modules() -> None:
    assert {"bridge_iface", "dns_aaaa", "lxd_farm", "lxd_profile", "babel_bird6"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_the_module_file_is_documentation_and_main(name: str) -> None:
    tree = ast.parse((COLLECTION / "plugins" / "modules" / f"{name}.py").read_text())
    functions = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    assigned = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                if isinstance(t, ast.Name)}
    assert functions == ["main"]
    assert assigned == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    for node in tree.body:  # each is YAML (ansible-doc and the sanity tests read them so)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            assert yaml.safe_load(node.value.value), node.targets
    imported = {node.module for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert f"ansible_collections.palmfarm.ipv6.plugins.module_utils._module.{name}" in imported


@pytest.mark.parametrize("name", MODULES)
def test_the_adapter_holds_options_rules_and_run_module(name: str) -> None:
    adapter = importlib.import_module(f"ansible_collections.palmfarm.ipv6.plugins.module_utils._module.{name}")
    assert isinstance(adapter.ARGUMENT_SPEC, dict) and adapter.ARGUMENT_SPEC
    assert isinstance(adapter.RULES, dict)
    assert callable(adapter.run_module)
    # The spec is one Ansible accepts: validating no arguments fails only on what is required.
    errors = ArgumentSpecValidator(adapter.ARGUMENT_SPEC, **adapter.RULES).validate({}).error_messages
    required = {k for k, v in adapter.ARGUMENT_SPEC.items() if v.get("required")}
    for message in errors:
        assert "missing" in message or "required" in message, message
    assert bool(errors) == bool(required or adapter.RULES.get("required_one_of") or adapter.RULES.get("required_if"))
