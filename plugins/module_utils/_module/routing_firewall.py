# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The routing_firewall module's adapter: its options, and the nftables file and chain or the OpenWrt firewall's
UCI rules on the host, planned by the firewall core (_net/firewall.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from .._files import FilesError, Write, replace_all
from .._net.firewall import (
    UCI_PREFIX,
    FirewallError,
    apply_uci_batch,
    chain_rules,
    check_interfaces,
    check_nft_name,
    check_protocols,
    choose_backend,
    format_uci_show,
    fragment_drop_rules,
    jump_handles,
    managed_sections,
    nft_rules,
    parse_uci_show,
    render_nft_file,
    uci_batch,
    uci_rules,
)

ARGUMENT_SPEC: dict[str, Any] = dict(
    protocols=dict(type="list", elements="str", choices=["babel", "ripng", "bfd"], required=True),
    interfaces=dict(type="list", elements="str", default=[]),
    zone=dict(type="str", default="*"),
    backend=dict(type="str", choices=["auto", "nftables", "uci"], default="auto", aliases=["method"]),
    path=dict(type="path", default="/etc/nftables.d/palmfarm-routing.nft", aliases=["config_file"]),
    table=dict(type="str", default="filter"),
    chain=dict(type="str", default="palmfarm_routing"),
    jump_from=dict(type="str"),
    apply=dict(type="bool", default=True, aliases=["reload"]),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    backup=dict(type="bool", default=False),
)
RULES: dict[str, Any] = {}


def _run(module: AnsibleModule, cmd: list[str], data: str | None = None, what: str = "") -> str:
    rc, out, err = module.run_command(cmd, data=data, binary_data=data is not None)
    if rc != 0:
        raise FirewallError(f"'{' '.join(cmd)}' failed{what}: {(err or out).strip()}")
    return str(out)


def _listing(module: AnsibleModule, nft: str | None, *args: str) -> str | None:
    """``nft ARGS``, or None when the object is not there (or there is no nft)."""
    if not nft:
        return None
    rc, out, _err = module.run_command([nft, *args])
    return str(out) if rc == 0 else None


def _lines(rules: list[str] | None) -> str:
    return "" if not rules else "\n".join(rules) + "\n"


def warn_fragments(module: AnsibleModule, result: dict[str, Any]) -> None:
    nft = module.get_bin_path("nft")
    ruleset = _listing(module, nft, "list", "ruleset") if nft else None
    result["fragment_drops"] = fragment_drop_rules(ruleset or "")
    for rule in result["fragment_drops"]:
        module.warn(f"the running nftables ruleset drops every IPv6 fragment ({rule!r}): large routing updates "
                    f"and packets above the path MTU are lost; drop only what you must, not all fragments")


@dataclass
class _NftPlan:
    """The nftables backend's change: the file, the running chain and the jump into it, before and after."""

    path: str
    table: str
    chain: str
    jump_from: str | None
    present: bool
    nft: str | None
    before_file: str = ""
    wanted_file: str = ""
    file_changed: bool = False
    running_rules: list[str] | None = None
    wanted_rules: list[str] | None = None
    jumps: list[int] = field(default_factory=list)
    rules_changed: bool = False
    jump_changed: bool = False


def _nft_plan(module: AnsibleModule, protocols: list[str], interfaces: list[str]) -> _NftPlan:
    params = module.params
    chain = check_nft_name(params["chain"], "chain")
    jump_from = check_nft_name(params["jump_from"], "jump_from") if params["jump_from"] else None
    if jump_from == chain:
        raise FirewallError(f"jump_from {jump_from!r} is the chain itself; name your input chain, e.g. input")
    plan = _NftPlan(params["path"], check_nft_name(params["table"], "table"), chain, jump_from,
                    params["state"] == "present", module.get_bin_path("nft", required=params["apply"]))
    if plan.present:
        plan.wanted_file = render_nft_file(plan.table, chain, protocols, interfaces)
        plan.wanted_rules = nft_rules(protocols, interfaces)
    exists = os.path.exists(plan.path)
    if exists:
        with open(plan.path, "rb") as handle:
            plan.before_file = to_text(handle.read(), errors="surrogate_or_strict")
    plan.file_changed = (plan.before_file != plan.wanted_file or not exists) if plan.present else exists
    if params["apply"]:
        listing = _listing(module, plan.nft, "list", "chain", "inet", plan.table, chain)
        plan.running_rules = chain_rules(listing, chain) if listing is not None else None
        if jump_from:
            input_listing = _listing(module, plan.nft, "-a", "list", "chain", "inet", plan.table, jump_from)
            if input_listing is None and plan.present:
                raise FirewallError(f"jump_from: there is no chain {jump_from!r} in table inet {plan.table}; name "
                                    f"the input chain of that table, or set table to the table that holds it")
            plan.jumps = jump_handles(input_listing or "", chain)
        plan.rules_changed = plan.running_rules != plan.wanted_rules
        plan.jump_changed = bool(jump_from and (bool(plan.jumps) != plan.present or len(plan.jumps) > 1))
    return plan


def _nft_diff(plan: _NftPlan, apply: bool) -> list[dict[str, str]]:
    diffs = [dict(before=plan.before_file, after=plan.wanted_file, before_header=plan.path, after_header=plan.path)]
    if apply:
        header = f"running chain inet {plan.table} {plan.chain}"
        jump = f"jump {plan.chain} (from chain {plan.jump_from})\n"
        diffs.append(dict(before=_lines(plan.running_rules) + jump * len(plan.jumps),
                          after=_lines(plan.wanted_rules) + (jump if plan.jump_from and plan.present else ""),
                          before_header=header, after_header=header))
    return diffs


def _nft_write(module: AnsibleModule, plan: _NftPlan) -> str | None:
    """Install (or remove) the file, parsed by nft before it goes live; the backup's path."""
    def check(staged: dict[str, str]) -> None:
        # Parsed before it goes live: a file nft rejects is never installed.
        if plan.nft and plan.present:
            _run(module, [plan.nft, "-c", "-f", staged[plan.path]], what="; the file was not installed")

    try:
        backups = replace_all([Write(plan.path, plan.wanted_file if plan.present else None, make_dirs=True)],
                              module.backup_local if module.params["backup"] else None, check)
    except FilesError as exc:
        raise FirewallError(str(exc)) from exc
    return backups[0] if backups else None


def _nft_apply(module: AnsibleModule, plan: _NftPlan) -> None:
    """Bring the running chain and the jump into it in line with the plan."""
    nft, table, chain, jump_from = str(plan.nft), plan.table, plan.chain, plan.jump_from
    delete_jumps = plan.jumps[1:] if plan.present else plan.jumps
    if plan.present and plan.rules_changed:
        _run(module, [nft, "-f", plan.path])
    if plan.present and jump_from and not plan.jumps:
        _run(module, [nft, "insert", "rule", "inet", table, jump_from, "jump", chain])
    for handle in delete_jumps:
        _run(module, [nft, "delete", "rule", "inet", table, str(jump_from), "handle", str(handle)])
    if not plan.present and plan.running_rules is not None:
        _run(module, [nft, "delete", "chain", "inet", table, chain],
             what=f" (does another chain still jump to {chain}? remove that jump, or set jump_from)")


def run_nftables(module: AnsibleModule, protocols: list[str], interfaces: list[str]) -> dict[str, Any]:
    apply = module.params["apply"]
    plan = _nft_plan(module, protocols, interfaces)
    changed = plan.file_changed or plan.rules_changed or plan.jump_changed
    result: dict[str, Any] = dict(changed=changed, backend="nftables", path=plan.path,
                                  rules=plan.wanted_rules or [], applied=False)
    if module._diff:
        result["diff"] = _nft_diff(plan, apply)
    if not changed or module.check_mode:
        return result
    if plan.file_changed:
        backup_file = _nft_write(module, plan)
        if backup_file:
            result["backup_file"] = backup_file
    if apply:
        _nft_apply(module, plan)
        result["applied"] = bool(plan.rules_changed or plan.jump_changed)
    return result


def run_uci(module: AnsibleModule, protocols: list[str]) -> dict[str, Any]:
    params = module.params
    uci = module.get_bin_path("uci", required=True)
    present = params["state"] == "present"
    wanted = uci_rules(protocols, params["zone"]) if present else {}
    current = parse_uci_show(_run(module, [uci, "-q", "show", "firewall"]))
    before = managed_sections(current, protocols)
    cmds = uci_batch(current, wanted, remove=[] if present else [UCI_PREFIX + name for name in protocols])
    after = managed_sections(apply_uci_batch(current, cmds), protocols)
    changed = bool(cmds)
    result: dict[str, Any] = dict(changed=changed, backend="uci", uci_commands=cmds, applied=False)
    if module._diff:
        result["diff"] = dict(before=format_uci_show(before), after=format_uci_show(after),
                              before_header="uci show firewall", after_header="uci show firewall")
    if not changed or module.check_mode:
        return result
    if params["backup"] and os.path.exists("/etc/config/firewall"):
        result["backup_file"] = module.backup_local("/etc/config/firewall")
    _run(module, [uci, "batch"], data="\n".join(cmds) + "\n")
    _run(module, [uci, "commit", "firewall"])
    if params["apply"]:
        _run(module, ["/etc/init.d/firewall", "reload"])
        result["applied"] = True
    return result


def run(module: AnsibleModule) -> dict[str, Any]:
    params = module.params
    protocols = check_protocols(params["protocols"])
    interfaces = check_interfaces(params["interfaces"])
    uci_present = os.path.exists("/sbin/uci") or os.path.exists("/etc/config/firewall")
    backend = choose_backend(params["backend"], uci_present)
    if backend == "uci":
        if interfaces:
            raise FirewallError(f"interfaces {interfaces} cannot be matched by the OpenWrt firewall, which works "
                                f"with zones; drop interfaces and set zone (for example lan) instead")
        result = run_uci(module, protocols)
    else:
        result = run_nftables(module, protocols, interfaces)
    warn_fragments(module, result)
    return result


def run_module(module: AnsibleModule) -> None:
    """Run routing_firewall on this host and exit with its result."""
    try:
        module.exit_json(**run(module))
    except FirewallError as exc:
        module.fail_json(msg=str(exc))
