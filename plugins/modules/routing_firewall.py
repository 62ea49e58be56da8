#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: routing_firewall
short_description: Let Babel and RIPng through the firewall, from link-local sources only
description:
  - Opens what the routing protocols need and nothing more, Babel UDP port 6696 and RIPng UDP port 521, from
    link-local sources (C(fe80::/10)) to their multicast groups (C(ff02::1:6), C(ff02::9)) and to link-local
    unicast addresses, optionally only on some O(interfaces).
  - With O(backend=nftables) (Debian) it writes an nftables file that declares a regular chain O(chain) in
    the table O(table) (family C(inet)), flushes it and fills it, so C(nft -f) of it is idempotent, and with
    O(apply=true) loads it. An C(accept) in a base chain of another table cannot override the C(drop) of the
    user's input chain (a packet must pass every base chain on the hook), so the user's input chain must
    C(jump) to this chain; with O(jump_from) the module puts that C(jump) at the top of the running input
    chain itself.
  - With O(backend=uci) (OpenWrt) it writes one C(config rule) section per protocol (C(palmfarm_babel),
    C(palmfarm_ripng)) with C(uci batch), then C(uci commit firewall) and C(/etc/init.d/firewall reload).
  - It never drops fragments, and it warns when the running nftables ruleset has a rule that drops every
    IPv6 fragment (C(exthdr frag exists drop), C(meta l4proto ipv6-frag drop)), since routing updates and any
    packet larger than the path MTU arrive as fragments.
author:
  - palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment:
  - palmfarm.ipv6.attributes
options:
  protocols:
    description:
      - The routing protocols to let through.
      - V(bfd) is BFD (UDP 3784, RFC 5881), which RIPng with C(bfd yes) (the V(fast) profile of
        M(palmfarm.ipv6.babel_bird6)) needs between the routers; without it RIPng falls back to its timeout.
    type: list
    elements: str
    choices: [babel, ripng, bfd]
    required: true
  interfaces:
    description:
      - Accept the protocols only on these interfaces. Empty means on every interface.
      - nftables only; on OpenWrt the firewall matches zones, see O(zone).
    type: list
    elements: str
    default: []
  zone:
    description:
      - The source zone of the UCI rules (O(backend=uci)), for example V(lan) or V(wan); V(*) means any zone.
    type: str
    default: '*'
  backend:
    aliases: [method]
    description:
      - V(auto) uses V(uci) when C(/sbin/uci) or C(/etc/config/firewall) exists (OpenWrt), else V(nftables).
    type: str
    choices: [auto, nftables, uci]
    default: auto
  path:
    aliases: [config_file]
    description:
      - The nftables file to write (O(backend=nftables)). Include it from C(/etc/nftables.conf) before the
        table whose input chain jumps to O(chain), so a reload of the whole ruleset keeps it.
    type: path
    default: /etc/nftables.d/palmfarm-routing.nft
  table:
    description:
      - The C(inet) table the chain lives in; the table that holds your input chain, since C(jump) only
        reaches chains of the same table. Debian's stock C(/etc/nftables.conf) calls it C(filter).
        Created when missing.
      - Any name nft takes - a letter, underscore or dot, then letters, digits or C(/ - _ .) (V(my-table)),
        at most 64 characters; the same for O(chain).
    type: str
    default: filter
  chain:
    description:
      - The name of the regular chain holding the rules.
    type: str
    default: palmfarm_routing
  jump_from:
    description:
      - The base input chain of O(table) (for example V(input)) that should C(jump) to O(chain). With
        O(apply=true) the module inserts C(jump CHAIN) at its top in the running ruleset when it is missing
        (and removes it with O(state=absent)). Add the same C(jump) to your own ruleset file so it survives
        a reboot. Omitted, the running input chain is left alone.
    type: str
  apply:
    aliases: [reload]
    description:
      - Load the rules now (C(nft -f PATH), or C(uci commit) and the firewall reload on OpenWrt). A running
        chain that already holds exactly these rules is not loaded again.
    type: bool
    default: true
  state:
    description:
      - V(present) opens the protocols, V(absent) removes the file, chain, jump or UCI sections again.
    type: str
    choices: [present, absent]
    default: present
  backup:
    description:
      - Keep a timestamped copy of the nftables file or of C(/etc/config/firewall) before changing it.
    type: bool
    default: false
notes:
  - Needs root. Runs C(nft) or C(uci) on the managed host.
  - The UCI rendering is covered by unit tests only (Debian has no C(uci) package); the nftables backend is
    tested against the real kernel.
seealso:
  - module: palmfarm.ipv6.babel_bird6
"""

EXAMPLES = r"""
- name: Babel on the ring links, through a default-drop input chain of table inet filter (Debian)
  palmfarm.ipv6.routing_firewall:
    protocols: [babel]
    interfaces: [ring12, ring13]
    jump_from: input

- name: Babel and RIPng from any LAN-side zone on OpenWrt
  palmfarm.ipv6.routing_firewall:
    protocols: [babel, ripng]
    zone: lan

- name: Only write the include file; /etc/nftables.conf jumps to it and is reloaded elsewhere
  palmfarm.ipv6.routing_firewall:
    protocols: [ripng]
    path: /etc/nftables.d/routing.nft
    apply: false
"""

RETURN = r"""
backend:
  description: The backend used.
  returned: always
  type: str
  sample: nftables
path:
  description: The nftables file (O(backend=nftables)).
  returned: when backend is nftables
  type: str
  sample: /etc/nftables.d/palmfarm-routing.nft
rules:
  description: The rules of the chain, as C(nft list) prints them (O(backend=nftables), O(state=present)).
  returned: when backend is nftables
  type: list
  elements: str
  sample: ['ip6 saddr fe80::/10 ip6 daddr { fe80::/10, ff02::1:6 } udp dport 6696 accept comment "palmfarm babel"']
uci_commands:
  description: The C(uci batch) commands run (or that would run in check mode).
  returned: when backend is uci
  type: list
  elements: str
  sample: ["set firewall.palmfarm_babel=rule"]
applied:
  description: Whether the running firewall was changed.
  returned: always
  type: bool
  sample: true
fragment_drops:
  description: Rules of the running ruleset that drop every IPv6 fragment (a warning is given for them).
  returned: always
  type: list
  elements: str
  sample: ["exthdr frag exists drop"]
backup_file:
  description: The copy of the file changed, with O(backup=true).
  returned: changed and backup is true
  type: str
  sample: /etc/nftables.d/palmfarm-routing.nft.1234.2026-11-28@05:00:00~
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.palmfarm.ipv6.plugins.module_utils._files import FilesError, Write, replace_all
from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.firewall import (
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

ARGUMENT_SPEC = dict(
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


def _run(module: AnsibleModule, cmd: list[str], data: str | None = None, what: str = "") -> str:
    rc, out, err = module.run_command(cmd, data=data, binary_data=data is not None)
    if rc != 0:
        raise FirewallError(f"'{' '.join(cmd)}' failed{what}: {(err or out).strip()}")
    return out


def _listing(module: AnsibleModule, nft: str, *args: str) -> str | None:
    """``nft ARGS``, or None when the object is not there."""
    rc, out, err = module.run_command([nft, *args])
    return out if rc == 0 else None


def _lines(rules: list[str] | None) -> str:
    return "" if not rules else "\n".join(rules) + "\n"


def warn_fragments(module: AnsibleModule, result: dict) -> None:
    nft = module.get_bin_path("nft")
    ruleset = _listing(module, nft, "list", "ruleset") if nft else None
    result["fragment_drops"] = fragment_drop_rules(ruleset or "")
    for rule in result["fragment_drops"]:
        module.warn(f"the running nftables ruleset drops every IPv6 fragment ({rule!r}): large routing updates "
                    f"and packets above the path MTU are lost; drop only what you must, not all fragments")


def run_nftables(module: AnsibleModule, protocols: list[str], interfaces: list[str]) -> dict:  # noqa: C901
    params = module.params
    table = check_nft_name(params["table"], "table")
    chain = check_nft_name(params["chain"], "chain")
    jump_from = check_nft_name(params["jump_from"], "jump_from") if params["jump_from"] else None
    if jump_from == chain:
        raise FirewallError(f"jump_from {jump_from!r} is the chain itself; name your input chain, e.g. input")
    path = params["path"]
    present = params["state"] == "present"
    wanted_file = render_nft_file(table, chain, protocols, interfaces) if present else ""
    wanted_rules = nft_rules(protocols, interfaces) if present else None
    exists = os.path.exists(path)
    before_file = ""
    if exists:
        with open(path, "rb") as handle:
            before_file = to_text(handle.read(), errors="surrogate_or_strict")
    file_changed = (before_file != wanted_file or not exists) if present else exists

    nft = module.get_bin_path("nft", required=params["apply"])
    running_rules: list[str] | None = None
    jumps: list[int] = []
    if params["apply"]:
        listing = _listing(module, nft, "list", "chain", "inet", table, chain)
        running_rules = chain_rules(listing, chain) if listing is not None else None
        if jump_from:
            input_listing = _listing(module, nft, "-a", "list", "chain", "inet", table, jump_from)
            if input_listing is None and present:
                raise FirewallError(f"jump_from: there is no chain {jump_from!r} in table inet {table}; name "
                                    f"the input chain of that table, or set table to the table that holds it")
            jumps = jump_handles(input_listing or "", chain)
    rules_changed = params["apply"] and running_rules != wanted_rules
    jump_changed = bool(params["apply"] and jump_from and (bool(jumps) != present or len(jumps) > 1))

    changed = file_changed or rules_changed or jump_changed
    result: dict = dict(changed=changed, backend="nftables", path=path, rules=wanted_rules or [], applied=False)
    if module._diff:
        diffs = [dict(before=before_file, after=wanted_file, before_header=path, after_header=path)]
        if params["apply"]:
            header = f"running chain inet {table} {chain}"
            jump = f"jump {chain} (from chain {jump_from})\n"
            diffs.append(dict(before=_lines(running_rules) + jump * len(jumps),
                              after=_lines(wanted_rules) + (jump if jump_from and present else ""),
                              before_header=header, after_header=header))
        result["diff"] = diffs
    if not changed or module.check_mode:
        return result

    if file_changed:
        def check(staged: dict[str, str]) -> None:
            # Parsed before it goes live: a file nft rejects is never installed.
            if nft and present:
                _run(module, [nft, "-c", "-f", staged[path]], what="; the file was not installed")

        try:
            backups = replace_all([Write(path, wanted_file if present else None, make_dirs=True)],
                                  module.backup_local if params["backup"] else None, check)
        except FilesError as exc:
            raise FirewallError(str(exc)) from exc
        if backups:
            result["backup_file"] = backups[0]
    if present and params["apply"]:
        if rules_changed:
            _run(module, [nft, "-f", path])
        if jump_from and not jumps:
            _run(module, [nft, "insert", "rule", "inet", table, jump_from, "jump", chain])
        for handle in jumps[1:]:
            _run(module, [nft, "delete", "rule", "inet", table, jump_from, "handle", str(handle)])
        result["applied"] = bool(rules_changed or jump_changed)
    elif params["apply"]:
        for handle in jumps:
            _run(module, [nft, "delete", "rule", "inet", table, jump_from, "handle", str(handle)])
        if running_rules is not None:
            _run(module, [nft, "delete", "chain", "inet", table, chain],
                 what=f" (does another chain still jump to {chain}? remove that jump, or set jump_from)")
        result["applied"] = bool(rules_changed or jump_changed)
    return result


def run_uci(module: AnsibleModule, protocols: list[str]) -> dict:
    params = module.params
    uci = module.get_bin_path("uci", required=True)
    present = params["state"] == "present"
    wanted = uci_rules(protocols, params["zone"]) if present else {}
    current = parse_uci_show(_run(module, [uci, "-q", "show", "firewall"]))
    before = managed_sections(current, protocols)
    cmds = uci_batch(current, wanted, remove=[] if present else [UCI_PREFIX + name for name in protocols])
    after = managed_sections(apply_uci_batch(current, cmds), protocols)
    changed = bool(cmds)
    result: dict = dict(changed=changed, backend="uci", uci_commands=cmds, applied=False)
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


def run(module: AnsibleModule) -> dict:
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


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    try:
        module.exit_json(**run(module))
    except FirewallError as exc:
        module.fail_json(msg=str(exc))


if __name__ == "__main__":
    main()
