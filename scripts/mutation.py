#!/usr/bin/env python
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mutation testing of the pure cores: would the unit tests notice a bug?

Usage: .venv/bin/python scripts/mutation.py [CORE ...] [--max N] | --report [--check]

For each core (a file of plugins/module_utils, by its path there without .py, e.g. ``_dns/zone_parser``; the
CORES below when none is given) the script makes one small bug at a time in a private copy of the collection:
a comparison turned around (``<`` to ``<=``, ``==`` to ``!=``, ``in`` to ``not in``), ``and`` to ``or``, a
``not`` dropped, ``+`` to ``-``, ``True`` to ``False``, a whole number moved by one, a ``return`` of a value made
``return None``. Each such mutant runs the core's own unit tests (under tests/unit/plugins/module_utils/, as
CORES names them); it is *killed* when they fail. A mutant that survives is a bug the tests would let through.

The samples go to docs/mutation/<core>.json, a dot for the slash (every mutant: line, what changed, killed or
not, with the versions of Python and pytest); --report renders docs/mutation.md from those files alone. --max N
samples N mutants of each core, spread evenly over the file (all of them by default). --report --check fails when
docs/mutation.md is not what the JSON files render.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "mutation"
REPORT = ROOT / "docs" / "mutation.md"
UNIT = "tests/unit/plugins/module_utils"
# Each pure core and the unit tests that are about it.
CORES = {
    "_files": ["test_files.py"],
    "_net/addresses": ["_net/test_addresses.py"],
    "_net/netlink": ["_net/test_netlink.py", "_net/test_netns_addresses.py"],
    "_farm/placement": ["_farm/test_placement.py"],
    "_lxd/stored_values": ["_lxd/test_stored_values.py"],
    "_farm/table": ["_farm/test_table.py"],
    "_bridge/addressing": ["_bridge/test_addressing.py"],
    "_bridge/validate": ["_bridge/test_validate.py"],
    "_bridge/kernel": ["_bridge/test_kernel.py"],
    "_farm/pipeline": ["_farm/test_pipeline.py", "_farm/test_cluster.py"],
    "_dns/zone_file": ["_dns/test_zone_file.py", "_dns/test_zone_file_writer.py", "_dns/test_zone_collisions.py",
                       "_dns/test_zone_scopes.py", "_dns/test_input_stamp.py"],
    "_dns/planner": ["_dns/test_planner.py", "_dns/test_nsupdate.py", "_dns/test_zone_collisions.py",
                     "_dns/test_zone_input_checks.py", "_dns/test_zone_parser.py", "_dns/test_zone_file_writer.py",
                     "_dns/test_input_stamp.py"],
    "_dns/zone_parser": ["_dns/test_zone_parser.py", "_dns/test_zone_input_checks.py", "_dns/test_zone_scopes.py",
                         "_dns/test_zone_file.py", "_dns/test_zone_collisions.py", "_dns/test_zone_file_writer.py"],
    "_dns/records_input": ["_dns/test_records_input.py"],
    "_bird/config": ["_bird/test_config.py"],
    "_lxd/names": ["_lxd/test_names.py"],
    "_bridge/userfiles": ["_bridge/test_userfiles.py"],
}

# _not_publishable's first test (_dns/zone_parser) answers None early for the first bytes 0x20 to 0x3f, 0xfc and
# 0xfd; every later test needs a first byte of 0xff, 0xfe, 0x00 or 0x01, so an address whose first byte is none of
# those (whichever way a mutant widens or narrows the early answer) gets None either way.
_FAST_LINE = ("if 0x20 <= first <= 0x3F or first in (0xFC, 0xFD):  # 2000::/3 and ULA: nearly every address, "
              "decided here")
_FIRST_BYTE_FAST_PATH = ("a fast path: every test after it needs a first byte of 0xff, 0xfe, 0x00 or 0x01, so the "
                         "addresses it answers (and those near them) get None either way")

# _sorted_owners' test for nibble owners (_dns/zone_parser), whose order a plain reversed-text sort gives.
_NIBBLE_FAST_LINE = ('if names and "@" not in names and all(len(n) == len(names[0]) and n.count(".") * 2 + 1 == '
                     "len(n) for n in names):")

# Mutants that change nothing a caller can see, each with the reason, by core, the stripped source line and the
# change. One still killed by the tests is counted as killed; one that survives counts apart and does not lower
# the score. Keep the reason checkable from the code.
# rejection (_bird/config) words a failed `bird -p`: its exit status is never 0 there, so where 0 falls (signal or
# status) says nothing.
_REJECTION_LINE = ('text = (f"it was killed by signal {-rc}" if rc < 0 else f"it exited with status {rc}") + " and '
                   'printed nothing"')
_REJECTION_FAILED = "rejection is called only for a `bird -p` that failed, whose exit status is never 0"

EQUIVALENT: dict[str, dict[tuple[str, str], str]] = {
    "_farm/placement": {
        ("counts[locations[name]] = counts.get(locations[name], 0) + 1", "0 -> 1"):
            "counts has every listed member already; a member the cluster no longer lists gets one more, which "
            "moves it from one below a listed member to a tie, and ties go to listed members",
        ("counts[locations[name]] = counts.get(locations[name], 0) + 1", "1 -> 2"):
            "every count doubled keeps the same member the largest",
        ("allowed = [m for m in (spec.members if spec.mode == MEMBERS else order) if status.get(m, False)]",
         "False -> True"):
            "the members of a list were checked to be cluster members, and order holds only those: every one "
            "of them is in status",
        ("load[locations[name]] += 1", "1 -> 2"):
            "the instances that stay misplaced sit on a member over its share, which takes no new instance "
            "either way while a member below its share remains, and the shares add up to the farm",
    },
    "_bridge/validate": {
        ("TOOL_TIMEOUT = 60", "60 -> 61"): "a tool's time limit one second longer",
        ("def _write(path: str, text: str, mode: int = 0o600) -> None:", "384 -> 385"):
            "the mode of a file in the private scratch copy, which only the validating tool reads, as root",
        ("os.chmod(path, 0o600)", "384 -> 385"):
            "the mode of a netplan file in the private scratch copy: netplan reads it as root either way",
        ("_write(main, text, 0o644)", "420 -> 421"):
            "the mode of the interfaces file in the private scratch copy, which ifquery reads as root",
        ("os.makedirs(state, exist_ok=True)", "True -> False"):
            "the state directory is made in a fresh scratch copy that holds only etc/network: it never exists",
        ("if nmcli and _nm_version(nmcli, run) >= (1, 40):", "GtE -> Gt"):
            "_nm_version always gives three numbers (or (0,)), and (1, 40, 0) > (1, 40) as well",
    },
    "_bridge/kernel": {
        ("old = current.get(spec.name) or LinkState(spec.name, exists=False)", "False -> True"):
            "the stand-in is read only for its MAC, addresses, routes and sysctls, all empty in a LinkState made "
            "with the name alone, and those are what a bridge that does not exist gives too",
    },
    "_net/netlink": {
        ("NLM_F_DUMP = 0x300", "768 -> 769"):
            "NLM_F_DUMP is only ever or-ed with NLM_F_REQUEST (0x1): the request's flags are 0x301 either way",
        ("RECV_SIZE = 65536", "65536 -> 65537"):
            "a receive buffer one byte larger: the kernel sends a dump in datagrams of at most 32 KiB",
        ('return None if raw is None else raw.split(b"\\0", 1)[0].decode("utf-8", "replace")', "1 -> 2"):
            "the first part of a split is the text before the first NUL whatever maxsplit (one or more)",
    },
    "_net/addresses": {
        ('result[scope].sort(key=lambda a: 0 if a in stable else 1)', "1 -> 2"):
            "a sort key of 0 or 2 orders the addresses as 0 or 1 does: the stable ones first, the rest in their order",
    },
    "_dns/zone_file": {
        ("serial_before: int = 0", "0 -> 1"): "__post_init__ sets serial_before from the zone's SOA every time",
        ("serial_after: int = 0", "0 -> 1"): "__post_init__ sets serial_after every time",
        ("include_exists: bool = True", "True -> False"):
            "the one place that makes a ZoneChange (the writer's plan) always says whether the include exists",
        ("return Records({}, wholly_owned=True)", "True -> False"):
            "read_reverse hands the planner no current record, and wholly_owned only chooses which targets of the "
            "current PTR records plan_reverse may delete: with none, it deletes nothing either way",
        ("if dns_plan.reverse is not None and dns_plan.reverse_zone:", "and -> or"):
            "the planner (_publish_once) sets a DnsPlan's reverse_zone (a zone name, never empty) and reverse "
            "together or leaves both None: the two halves are both true or both false",
        ('reverse = render_include(ptr, "PTR", req.ttl, dns_plan.reverse_zone, in_order=True)', "True -> False"):
            "the reverse plan's owners are in the order render_include sorts into (plan_reverse sorts them, and "
            "test_the_reverse_plan_lists_its_owners_in_the_files_order holds it), so sorting again writes the same "
            "text",
    },
    "_dns/zone_parser": {
        ("if len(text) <= 253 - len(origin) and _LABEL_RE.fullmatch(text):  # one label (a farm's name): itself",
         "LtE -> Lt"):
            "the one-label shortcut only: a name at the bound then takes the general path, which gives it back too",
        ("return False", "return value -> return None"):
            "the callers of _same_path (find_include: if, any) and of _is_in (given_addresses: and, not) use the "
            "truth of the answer only, and None is as false as False",
        ("return ipaddress.IPv6Address(str(address).strip().split(\"%\", maxsplit=1)[0])", "1 -> 2"):
            "the first part of a split is the text before the first '%' whatever maxsplit (one or more)",
        ("return socket.inet_pton(socket.AF_INET6, str(address).strip().split(\"%\", maxsplit=1)[0])", "1 -> 2"):
            "the first part of a split is the text before the first '%' whatever maxsplit (one or more)",
        ("@dataclass(frozen=True)", "True -> False"):
            "no code hashes a Token (a set, a dict key) or assigns to its fields: a mutable Token acts the same",
        (_FAST_LINE, "or -> and"):
            _FIRST_BYTE_FAST_PATH,
        (_FAST_LINE, "LtE -> Lt"):
            _FIRST_BYTE_FAST_PATH,
        (_FAST_LINE, "32 -> 33"):
            _FIRST_BYTE_FAST_PATH,
        (_FAST_LINE, "63 -> 64"):
            _FIRST_BYTE_FAST_PATH,
        (_FAST_LINE, "252 -> 253"):
            _FIRST_BYTE_FAST_PATH,
        ("@functools.lru_cache(maxsize=64)", "64 -> 65"):
            "the size of the cache of a name's canonical form, one entry more: the same answers",
        ("if deprecated and addresses:", "and -> or"):
            "a fast path: filtering by no deprecated address keeps every address, and filtering no address gives none",
        ("return (0 if owner == \"@\" else 1, owner.split(\".\")[::-1])", "1 -> 2"):
            "the apex's 0 sorts before the 1 of every other owner as before a 2 (the line's other 1, the step of "
            "[::-1], made -2 is killed)",
        (_NIBBLE_FAST_LINE, "Eq -> NotEq"):
            "of the line's two, the one on the lengths: names[0] never differs in length from itself, so the fast "
            "path is never taken, and the full sort gives nibble owners the same order (the one on the dots is "
            "killed)",
        (_NIBBLE_FAST_LINE, "Add -> Sub"):
            "a name with c dots has at least 2c + 1 characters, never 2c - 1: the fast path is never taken, and "
            "the full sort gives nibble owners the same order",
        (_NIBBLE_FAST_LINE, "Mult -> FloorDiv"):
            "c // 2 + 1 characters with c dots fits one-character names only (c = 0 and longer names have c + 1 "
            "labels): those take the fast path, and a one-label name reads the same backwards, so the order is the "
            "full sort's",
        ("return sorted(names, key=lambda n: n[::-1])", "1 -> 2"):
            "the nibble owners sorted here are of one length with a dot at every other character, so every second "
            "character from the end is the nibbles in the same order: n[::-2] orders them as n[::-1]",
        ("width = max((len(o) for o in owners), default=1)", "1 -> 2"):
            "the default is the width only when there is no owner, and then no line is padded with it",
    },
    "_dns/records_input": {
        ("published = [ipaddress.IPv6Address(str(a).split(\"%\", maxsplit=1)[0]) for a in "
         "given_addresses(item, scopes)]", "1 -> 2"):
            "the first part of a split is the text before the first '%' whatever maxsplit (one or more)",
        ("known.add(ipaddress.IPv6Address(str(address).split(\"%\", maxsplit=1)[0]))", "1 -> 2"):
            "the first part of a split is the text before the first '%' whatever maxsplit (one or more)",
    },
    "_dns/planner": {
        ("max_delete_percent: float = 100, force: bool = False, state: str = \"present\") -> Plan:", "100 -> 101"):
            "the share of the managed names a plan removes is at most 100, so a bound of 100 or 101 refuses nothing",
        ("prune: bool = False, max_delete_percent: float = 100, force: bool = False,", "100 -> 101"):
            "plan_forward hands its bound to plan, where a share is at most 100: 100 or 101 refuses nothing",
        ('return any(".".join(labels[i:]) in cuts for i in range(len(labels)))', "In -> NotIn"):
            "_suspects only narrows what check_collisions looks at, which finds the cut of each name itself: a name "
            "let through needlessly is checked and passes, so only the time changes",
        ("after[owner] = (ttl if want else now_ttl, want if len(want) < 2 else sorted(set(want)))", "Lt -> LtE"):
            "the wanted PTR targets come from split_ptr_records, sorted and without repeats: a list of two sorted "
            "again is the same list",
        ("after[owner] = (ttl if want else now_ttl, want if len(want) < 2 else sorted(set(want)))", "2 -> 3"):
            "the wanted PTR targets come from split_ptr_records, sorted and without repeats: a list of two sorted "
            "again is the same list",
    },
    "_farm/pipeline": {
        ('keys.sort(key=lambda k: 0 if k == "volatile.eth0.hwaddr" else 1)', "1 -> 2"):
            "a sort key of 0 or 2 orders the keys as 0 or 1 does: eth0's first, the others in their order",
        ("STOP_TIMEOUT = 30", "30 -> 31"): "the seconds LXD is given to stop an instance cleanly, one more",
        ("return False", "return value -> return None"):
            "valid_secret's callers use its truth only, and None is as false as False",
        ("if spec.farm is not None and current.get(FARM_KEY) != spec.farm:", "and -> or"):
            "without a farm, managed_config leaves the label out of current, so the second half is false too; with "
            "one, a wanted config that equals the current one is no change either way",
        ("self.pool.shutdown(wait=True)", "True -> False"):
            "every map of the worker has collected all its results before the worker is left, so no task is "
            "pending when its pool shuts down",
    },
    "_bridge/userfiles": {
        ('if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False) or not node.value:',
         "False -> True"):
            "the default is never taken: a scalar is decided before getattr, and mappings and sequences have "
            "flow_style",
        ("line: int = end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line",
         "Gt -> GtE"):
            "a node that ends at column 0 of the line it starts on is empty and starts that line, which the value of "
            "a key (always after its key and colon) never does",
        ("for ident, path, reading, matched in sorted(shared, key=lambda item: item[:2]):", "2 -> 3"):
            "(id, file) pairs are unique in shared, one per id of a file's ethernets: mapping, so the third item is "
            "never compared",
        ("if os.path.basename(path) < os.path.basename(our_path):", "Lt -> LtE"):
            "networkd_files lists one file per name, so a file with the very name of the module's file for the "
            "port (25-palmfarm-BRIDGE-port-PORT.network) is that file, which the module wrote and skipped above",
    },
    "_bird/config": {
        (_REJECTION_LINE, "Lt -> LtE"): _REJECTION_FAILED,
        (_REJECTION_LINE, "0 -> 1"): _REJECTION_FAILED,
    },
}

SWAP_COMPARE: dict[type, type] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
SWAP_BINOP: dict[type, type] = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.FloorDiv, ast.FloorDiv: ast.Mult}


def mutation_points(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(node index in ast.walk order, line, what the mutant changes), for every node a mutant can change."""
    points = []
    for index, node in enumerate(ast.walk(tree)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare) and type(node.ops[0]) in SWAP_COMPARE:
            points.append((index, line, f"{type(node.ops[0]).__name__} -> {SWAP_COMPARE[type(node.ops[0])].__name__}"))
        elif isinstance(node, ast.BoolOp):
            points.append((index, line, "and -> or" if isinstance(node.op, ast.And) else "or -> and"))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            points.append((index, line, "not dropped"))
        elif isinstance(node, ast.BinOp) and type(node.op) in SWAP_BINOP:
            points.append((index, line, f"{type(node.op).__name__} -> {SWAP_BINOP[type(node.op)].__name__}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
            points.append((index, line, f"{node.value} -> {not node.value}"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, int):  # bools were taken just above
            points.append((index, line, f"{node.value} -> {node.value + 1}"))
        elif isinstance(node, ast.Return) and node.value is not None and not (
                isinstance(node.value, ast.Constant) and node.value.value is None):
            points.append((index, line, "return value -> return None"))
    return points


def mutate(tree: ast.AST, index: int) -> ast.AST:
    """A copy of `tree` with the node at `index` (ast.walk order) changed as mutation_points describes."""
    mutant = copy.deepcopy(tree)
    node = list(ast.walk(mutant))[index]
    if isinstance(node, ast.Compare):
        node.ops[0] = SWAP_COMPARE[type(node.ops[0])]()
    elif isinstance(node, ast.BoolOp):
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif isinstance(node, ast.UnaryOp):
        node.op = ast.UAdd()  # `+x` keeps the operand's value: the `not` is gone
        node.operand = ast.Call(ast.Name("bool", ast.Load()), [node.operand], [])
    elif isinstance(node, ast.BinOp):
        node.op = SWAP_BINOP[type(node.op)]()
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        node.value = not node.value
    elif isinstance(node, ast.Constant):
        node.value = node.value + 1
    elif isinstance(node, ast.Return):
        node.value = None
    return ast.fix_missing_locations(mutant)


def private_copy(work: Path) -> Path:
    """The collection copied to WORK/ansible_collections/palmfarm/ipv6 (plugins and unit tests only)."""
    dest = work / "ansible_collections" / "palmfarm" / "ipv6"
    dest.mkdir(parents=True)
    # The dns tests read the real-shaped zone files kept with the dns_aaaa integration target.
    for part in ("plugins", "tests/unit", "tests/integration/targets/dns_aaaa/files", "galaxy.yml", "meta",
                 "pyproject.toml", "README.md"):
        src = ROOT / part
        target = dest / part
        if src.is_dir():
            shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", "output"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def run_tests(dest: Path, tests: list[str], timeout: float) -> str:
    """'passed', 'failed' or 'timeout': the core's unit tests in the private copy."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    argv = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
            *[f"{UNIT}/{t}" for t in tests]]
    try:
        proc = subprocess.run(argv, cwd=dest, env=env, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return "timeout"
    return "passed" if proc.returncode == 0 else "failed"


def spread(points: list[Any], most: int | None) -> list[Any]:
    if most is None or len(points) <= most:
        return points
    step = len(points) / most
    return [points[int(i * step)] for i in range(most)]


def test_core(core: str, tests: list[str], most: int | None) -> dict[str, Any]:
    source = (ROOT / "plugins" / "module_utils" / f"{core}.py").read_text()
    tree = ast.parse(source)
    lines = source.splitlines()
    equivalent = EQUIVALENT.get(core, {})
    with tempfile.TemporaryDirectory(prefix="palmfarm-mutation-") as work:
        dest = private_copy(Path(work))
        target = dest / "plugins" / "module_utils" / f"{core}.py"
        started = time.monotonic()
        if run_tests(dest, tests, timeout=600) != "passed":
            raise SystemExit(f"mutation: the tests of {core} fail without any mutant; fix them first")
        baseline = time.monotonic() - started
        mutants = []
        for index, line, change in spread(mutation_points(tree), most):
            try:
                target.write_text(ast.unparse(mutate(tree, index)))
            except (ValueError, TypeError, AttributeError, RecursionError) as exc:
                mutants.append({"line": line, "change": change, "outcome": f"not made: {exc}"})
                continue
            outcome = run_tests(dest, tests, timeout=baseline * 5 + 10)
            reason = equivalent.get((lines[line - 1].strip() if line else "", change))
            verdict = f"killed ({outcome})"
            if outcome == "passed":
                verdict = f"equivalent: {reason}" if reason else "survived"
            mutants.append({"line": line, "change": change, "outcome": verdict})
            print(f"mutation: {core}:{line} {change}: {mutants[-1]['outcome']}", flush=True)
        target.write_text(source)
    made = [m for m in mutants if not m["outcome"].startswith("not made")]
    killed = [m for m in made if m["outcome"].startswith("killed")]
    same = [m for m in made if m["outcome"].startswith("equivalent")]
    counted = len(made) - len(same)
    return {"core": core, "tests": tests, "mutants": mutants, "made": len(made), "killed": len(killed),
            "equivalent": len(same), "score": round(len(killed) / counted, 3) if counted else None,
            "python": platform.python_version(), "pytest": _pytest_version(),
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def _pytest_version() -> str:
    import pytest  # pylint: disable=import-outside-toplevel

    return str(pytest.__version__)


def report() -> str:
    rows = []
    for path in sorted(OUT.glob("*.json")):
        data = json.loads(path.read_text())
        survivors = [m for m in data["mutants"] if m["outcome"] == "survived"]
        shown = "; ".join(f"line {m['line']}: {m['change']}" for m in survivors[:6])
        more = f" and {len(survivors) - 6} more" if len(survivors) > 6 else ""
        score = f"{data['score']:.0%}" if data["score"] is not None else "n/a"
        rows.append(f"| `{data['core']}.py` | {data['made']} | {data.get('equivalent', 0)} | {data['killed']} | "
                    f"{score} | {shown + more or 'none'} |")
    return "\n".join([
        "<!-- Generated by scripts/mutation.py --report from docs/mutation/*.json; do not edit. -->",
        "# Mutation testing of the pure cores", "",
        "Each mutant is one small bug made in a core (a comparison turned around, `and` for `or`, a `not`",
        "dropped, a number moved by one, a value returned as None); it is killed when the core's own unit tests",
        "fail. Survivors are bugs the tests would let through: each is either a test to write or an equivalent",
        "mutant (one that changes nothing a caller can see). Equivalent mutants are listed with their reason in",
        "scripts/mutation.py (EQUIVALENT) and left out of the score, killed / (mutants - equivalent). Run",
        "`make mutation` to measure again.", "",
        "| Core | Mutants | Equivalent | Killed | Score | Survivors (first six) |", "|---|---|---|---|---|---|",
        *rows, ""])


def main(argv: list[str]) -> int:
    if "--report" in argv:
        if "--check" in argv:
            if not REPORT.exists() or REPORT.read_text() != report():
                print(f"mutation: {REPORT.relative_to(ROOT)} is not what docs/mutation/*.json render; run "
                      "'scripts/mutation.py --report' and commit it", file=sys.stderr)
                return 1
            print(f"mutation: {REPORT.relative_to(ROOT)} matches docs/mutation/*.json")
            return 0
        REPORT.write_text(report())
        print(f"mutation: wrote {REPORT.relative_to(ROOT)}")
        return 0
    most = None
    if "--max" in argv:
        most = int(argv[argv.index("--max") + 1])
        del argv[argv.index("--max"):argv.index("--max") + 2]
    cores = argv or list(CORES)
    unknown = [c for c in cores if c not in CORES]
    if unknown:
        raise SystemExit(f"mutation: no unit tests are named for {', '.join(unknown)}; add them to CORES "
                         f"in {Path(__file__).name} (known: {', '.join(CORES)})")
    OUT.mkdir(parents=True, exist_ok=True)
    for core in cores:
        data = test_core(core, CORES[core], most)
        (OUT / f"{core.replace('/', '.')}.json").write_text(json.dumps(data, indent=1) + "\n")
        print(f"mutation: {core}: {data['killed']} of {data['made']} killed ({data['score']})")
    REPORT.write_text(report())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
