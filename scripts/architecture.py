#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render docs/architecture.md, the map of the code, from the code itself.

Usage: .venv/bin/python scripts/architecture.py [--check]

The plugins (modules, action, inventory and filter plugins) and the cores in plugins/module_utils are read with
`ast`: each file's first docstring line says what it holds, its imports say which cores it uses. The cores are
grouped by domain, from their names. The script fails when the cores import each other in a cycle. With
--check nothing is written: it fails when docs/architecture.md is not what the code renders.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "architecture.md"
UTILS = ROOT / "plugins" / "module_utils"
PLUGIN_DIRS = ("modules", "action", "inventory", "filter")
PACKAGE = "ansible_collections.palmfarm.ipv6.plugins."
# The domains: one package of plugins/module_utils each (the top level holds what every domain shares), in the
# page's order.
DOMAINS = (
    ("_lxd", "LXD and Incus: the client, its transports, images, profiles, the inventory"),
    ("_farm", "The farm: instances, their placement on a cluster, their table"),
    ("_bridge", "The bridge: br0 from the host's ethernet, its files, the revert"),
    ("_dns", "DNS: zone files and RFC 2136 updates"),
    ("_bird", "BIRD: its configuration, and hosts without Python"),
    ("_net", "Addresses, the kernel's view of the network, the routers' firewall"),
    ("", "Shared by every domain: the one file writer, the optional libraries"),
    ("_module", "Adapters: the only code beside the plugins that touches AnsibleModule"),
)
# The package of the adapters, which turn a module's parameters into a call of the cores and its answer into a
# result; everything else in module_utils is a core and may not import AnsibleModule.
ADAPTERS = "_module"


def first_line(path: Path) -> str:
    """The first sentence-line of a file's docstring (a plugin's DOCUMENTATION short_description otherwise)."""
    tree = ast.parse(path.read_text())
    doc = ast.get_docstring(tree)
    if doc:
        return " ".join(doc.split("\n\n", 1)[0].split())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION":
            for line in str(ast.literal_eval(node.value)).splitlines():
                if line.startswith("short_description:"):
                    return line.split(":", 1)[1].strip()
    return ""


def core_name(path: Path) -> str:
    """A core's name: its path under plugins/module_utils without .py, e.g. _dns/zone_parser."""
    return path.relative_to(UTILS).with_suffix("").as_posix()


def _resolve(base: Path, module: str, names: list[str]) -> set[str]:
    """The cores that `from <base>.<module> import <names>` reaches: the module itself, or the modules named
    when <base>.<module> is a package."""
    target = base.joinpath(*module.split(".")) if module else base
    if target.with_suffix(".py").is_file():
        return {core_name(target.with_suffix(".py"))}
    return {core_name(target / f"{name}.py") for name in names if (target / f"{name}.py").is_file()}


def cores_used(path: Path) -> list[str]:
    """The cores a file imports (by relative or full name), sorted."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.ImportFrom):
            continue
        names = [alias.name for alias in node.names]
        if node.level and path.is_relative_to(UTILS):
            base = path.parent
            for _level in range(node.level - 1):
                base = base.parent
            found |= _resolve(base, node.module or "", names)
        elif (node.module or "").startswith(PACKAGE + "module_utils"):
            rest = (node.module or "")[len(PACKAGE + "module_utils"):].lstrip(".")
            found |= _resolve(UTILS, rest, names)
    return sorted(found)


def code_lines(path: Path) -> int:
    """Lines of code in a file's functions and classes, without docstrings, blank lines and comments."""
    tree = ast.parse(path.read_text())
    lines: set[int] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            for child in ast.walk(node):
                if isinstance(child, ast.Expr) and isinstance(child.value, ast.Constant) and \
                        isinstance(child.value.value, str):
                    continue  # a docstring
                if isinstance(child, ast.stmt):
                    end = child.end_lineno or child.lineno
                    lines.update(range(child.lineno, end + 1) if not hasattr(child, "body") else [child.lineno])
    source = path.read_text().splitlines()
    return sum(1 for n in lines if source[n - 1].strip() and not source[n - 1].strip().startswith("#"))


def imports_ansible_module(path: Path) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "ansible.module_utils.basic"
               for node in ast.walk(ast.parse(path.read_text())))


def domain_of(name: str) -> str:
    package = name.split("/")[0] if "/" in name else ""
    for known, title in DOMAINS:
        if package == known:
            return title
    raise SystemExit(f"architecture: {name}.py is in no known domain; add its package {package} to DOMAINS in "
                     f"{__file__}")


def cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Every import cycle among the cores (each once, as found by a depth-first walk)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                found.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return found


def without_own_tests(cores: dict[str, Path]) -> list[str]:
    """The cores with no test file of their own at the mirrored path (tests/unit/plugins/module_utils/...)."""
    tests = ROOT / "tests" / "unit" / "plugins" / "module_utils"
    return [name for name in cores
            if not (tests / Path(name).parent / f"test_{Path(name).name.lstrip('_')}.py").exists()]


def render() -> str:
    cores = {core_name(p): p for p in sorted(UTILS.rglob("*.py")) if p.name != "__init__.py"}
    graph = {name: [c for c in cores_used(path) if c != name] for name, path in cores.items()}
    bound = [name for name, path in cores.items()
             if imports_ansible_module(path) and not name.startswith(ADAPTERS + "/")]
    if bound:
        raise SystemExit(f"architecture: cores import AnsibleModule: {', '.join(bound)}; a core takes plain values, "
                         "its module turns parameters into them")
    loops = cycles(graph)
    if loops:
        raise SystemExit("architecture: the cores import each other in a cycle: "
                         + "; ".join(" -> ".join(loop) for loop in loops))
    out = ["<!-- Generated by scripts/architecture.py from the code; do not edit (make docs). -->",
           "# Architecture", "",
           "palmfarm.ipv6 has two layers of Python. The **plugins** (`plugins/modules/`, `plugins/action/`,",
           "`plugins/inventory/`, `plugins/filter/`) hold the contract: the documentation, the argument spec, and",
           "the few lines that turn Ansible's parameters into a call of a core and its answer into a result. The",
           "**cores** (`plugins/module_utils/`) hold the logic as plain typed Python (mypy --strict), with no",
           "AnsibleModule in them, in one package per domain (`_lxd/`, `_farm/`, `_bridge/`, `_dns/`, `_bird/`,",
           "`_net/`); each has its tests under `tests/unit/plugins/module_utils/`, in the same layout and named",
           "after it (`_dns/zone_parser.py` is tested by `_dns/test_zone_parser.py`), except "
           + ", ".join(f"`{name}.py`" for name in without_own_tests(cores)) + ", tested through their modules",
           "(`tests/unit/plugins/modules/`, and `_module/test_bridge_iface.py` for bridge_iface's flow).",
           "Every file the collection manages is written by one core, `_files.py`.", "",
           "The column *Code lines* counts the lines of a plugin's functions and classes (not its documentation):",
           "a thin plugin has a few dozen; a larger count marks logic that still waits to move into a core.", "",
           "Where to start: read a module's documentation (`docs/modules/`), then the cores its row below names;",
           "the core named after the module (`_lxd/profile` for lxd_profile, `_bridge/flow` for bridge_iface) is the",
           "one it calls first. The cores import each other without a cycle, and none imports AnsibleModule: this",
           "page is not generated otherwise.", "",
           "## Plugins and the cores they use", "",
           "| Plugin | What it is | Code lines | Cores it imports |", "|---|---|---|---|"]
    for kind in PLUGIN_DIRS:
        for path in sorted((ROOT / "plugins" / kind).glob("*.py")):
            used = ", ".join(f"`{c}`" for c in cores_used(path)) or "none"
            out.append(f"| {kind}/{path.name} | {first_line(path)} | {code_lines(path)} | {used} |")
    out += ["", "## The cores, by domain", ""]
    for _package, title in DOMAINS:
        out += [f"### {title}", "", "| Core | What it holds | Uses |", "|---|---|---|"]
        for name, path in cores.items():
            if domain_of(name) == title:
                uses = ", ".join(f"`{c}`" for c in graph[name]) or "the standard library only"
                out.append(f"| `{name}.py` | {first_line(path)} | {uses} |")
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"architecture: {OUT.relative_to(ROOT)} is stale; run 'make docs' and commit it", file=sys.stderr)
            return 1
        print(f"architecture: {OUT.relative_to(ROOT)} matches the code")
        return 0
    OUT.write_text(text)
    print(f"architecture: wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
