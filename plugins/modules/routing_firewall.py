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
author: palmfarm.ipv6 contributors (@palmfarm)
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

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.routing_firewall import (
    ARGUMENT_SPEC,
    RULES,
    run_module,
)


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
