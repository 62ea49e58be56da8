# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Firewall openings for the routing protocols: Babel (UDP 6696), RIPng (UDP 521) and BFD (UDP 3784),
link-local only.

Two renderings of one rule set:

* nftables (Debian): a regular chain (default ``palmfarm_routing``) in the table that holds the user's input
  chain (default ``inet filter``, Debian's stock ``/etc/nftables.conf``). An ``accept`` in a base chain of a
  table of its own would not help: a packet passes only when every base chain on the hook accepts it, so a
  default-drop input chain elsewhere still drops it. The user's input chain ``jump``s to ours instead.
  The file declares the chain, flushes it and fills it, so loading it again (``nft -f``) changes nothing.
* UCI (OpenWrt): one ``config rule`` section per protocol (``palmfarm_babel``, ``palmfarm_ripng``).

No fragment is ever dropped here; :func:`fragment_drop_rules` finds rules in the running ruleset that drop
every IPv6 fragment, which breaks large routing updates and PMTU-sized traffic.
"""

from __future__ import annotations

import re
import shlex
from typing import Any, Mapping, Sequence

# protocol -> (UDP port, its link-local multicast group, or None for a unicast-only protocol). BFD (RFC 5881,
# single hop) is what RIPng's `bfd yes` (the fast profile) runs between neighbours' link-local addresses.
PROTOCOLS: dict[str, tuple[int, str | None]] = {
    "babel": (6696, "ff02::1:6"),
    "ripng": (521, "ff02::9"),
    "bfd": (3784, None),
}
LINK_LOCAL = "fe80::/10"
BACKENDS = ("auto", "nftables", "uci")
UCI_PREFIX = "palmfarm_"
MANAGED_COMMENT = "# Managed by palmfarm.ipv6.routing_firewall: local changes are overwritten."

# nft's own grammar for a name (its scanner's "string"): a letter, underscore or dot, then letters, digits and
# / - _ . ("my-table" is a table name nft takes); at most 64 here.
_NFT_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9/_.-]{0,63}$")
_IFNAME_BAD = re.compile(r'["\\\s/:;{},]')
_ZONE = re.compile(r"^(\*|[A-Za-z0-9_][A-Za-z0-9_.-]{0,63})$")
_HANDLE = re.compile(r"\s+# handle \d+$")
# A rule whose only match is "this is a fragment" and whose verdict is drop (a counter may sit in between).
_FRAG_DROP = re.compile(
    r"^\s*(?:exthdr frag exists|frag \S+ exists|meta (?:l4proto|nexthdr) (?:ipv6-frag|44)|"
    r"ip6 nexthdr (?:ipv6-frag|44))(?:\s+counter(?: packets \d+ bytes \d+)?)?\s+drop\b")


class FirewallError(ValueError):
    """Options that cannot become a firewall rule; the message names the value and the fix."""


def check_protocols(protocols: Any) -> list[str]:
    """The protocols, each once, in a fixed order (babel, ripng)."""
    if not protocols:
        raise FirewallError("protocols is empty; list at least one of " + ", ".join(PROTOCOLS))
    for name in protocols:
        if name not in PROTOCOLS:
            raise FirewallError(f"protocol {name!r} is unknown; use one of {', '.join(PROTOCOLS)}")
    return [name for name in PROTOCOLS if name in protocols]


def check_interfaces(interfaces: Any) -> list[str]:
    """Interface names, sorted and each once (nft prints sets sorted; so the chain compares equal)."""
    names = []
    for name in interfaces or []:
        text = str(name)
        if not text or len(text) > 15 or _IFNAME_BAD.search(text):
            raise FirewallError(f"interface name {text!r} is not a Linux interface name (1 to 15 characters, no "
                                f"blanks, quotes, slashes, colons, commas or braces); fix the interfaces list")
        names.append(text)
    return sorted(set(names))


def check_nft_name(value: Any, what: str) -> str:
    text = str(value)
    if not _NFT_NAME.match(text):
        raise FirewallError(f"{what} {text!r} is not an nftables name (a letter, underscore or dot, then letters, "
                            f"digits or / - _ ., at most 64); choose another {what}")
    return text


def check_zone(value: Any) -> str:
    text = str(value)
    if not _ZONE.match(text):
        raise FirewallError(f"zone {text!r} is not a firewall zone name; use a zone such as lan or wan, or *")
    return text


def choose_backend(requested: str, uci_present: bool) -> str:
    """auto: uci where OpenWrt's uci (or /etc/config/firewall) is, nftables elsewhere."""
    if requested not in BACKENDS:
        raise FirewallError(f"backend {requested!r} is unknown; use one of {', '.join(BACKENDS)}")
    if requested == "auto":
        return "uci" if uci_present else "nftables"
    return requested


# --- nftables -------------------------------------------------------------------------------------------

def _nft_set(items: Sequence[str], quote: bool = False) -> str:
    shown = sorted(f'"{item}"' if quote else item for item in items)
    return shown[0] if len(shown) == 1 else "{ " + ", ".join(shown) + " }"


_SET = re.compile(r"\{ ([^{}]*) \}")


def sorted_sets(rule: str) -> str:
    """nft lists an anonymous set's elements in its own order: sort them, so equal rules compare equal."""
    return _SET.sub(lambda m: "{ " + ", ".join(sorted(m.group(1).split(", "))) + " }", rule)


def nft_rules(protocols: Sequence[str], interfaces: Sequence[str]) -> list[str]:
    """The chain's rules, written as ``nft list`` prints them (sets sorted), so a listing compares equal."""
    rules = []
    for name in check_protocols(protocols):
        port, group = PROTOCOLS[name]
        match = f"iifname {_nft_set(interfaces, quote=True)} " if interfaces else ""
        daddr = _nft_set([LINK_LOCAL] + ([group] if group else []))
        rules.append(f"{match}ip6 saddr {LINK_LOCAL} ip6 daddr {daddr} udp dport {port} accept "
                     f'comment "palmfarm {name}"')
    return rules


def render_nft_file(table: str, chain: str, protocols: Sequence[str], interfaces: Sequence[str]) -> str:
    """The include file: declare the chain, flush it, fill it. Loading it twice leaves one copy of each rule."""
    table = check_nft_name(table, "table")
    chain = check_nft_name(chain, "chain")
    rules = nft_rules(protocols, check_interfaces(interfaces))
    lines = [
        MANAGED_COMMENT,
        f"# Babel and RIPng from link-local sources. Jump here from the input chain of table inet {table},",
        f"# before its final drop:  jump {chain}",
        f"table inet {table} {{",
        f"\tchain {chain} {{",
        "\t}",
        "}",
        f"flush chain inet {table} {chain}",
        f"table inet {table} {{",
        f"\tchain {chain} {{",
    ]
    lines += [f"\t\t{rule}" for rule in rules]
    lines += ["\t}", "}"]
    return "\n".join(lines) + "\n"


def chain_rules(listing: str, chain: str) -> list[str] | None:
    """The rules of ``chain`` in an ``nft list`` output (handles stripped), or None when it is not there."""
    rules: list[str] | None = None
    for raw in listing.splitlines():
        line = _HANDLE.sub("", raw).strip()
        if rules is None:
            if re.match(rf"^chain {re.escape(chain)} \{{$", line):
                rules = []
            continue
        if line == "}":
            return rules
        if line and not line.startswith(("type ", "policy ")):
            rules.append(sorted_sets(line))
    return rules


def jump_handles(listing: str, chain: str) -> list[int]:
    """Handles of the ``jump CHAIN`` rules in an ``nft -a list chain`` output."""
    found = []
    for raw in listing.splitlines():
        match = re.match(rf"^\s*jump {re.escape(chain)}\b.*# handle (\d+)\s*$", raw)
        if match:
            found.append(int(match.group(1)))
    return found


def fragment_drop_rules(ruleset: str) -> list[str]:
    """Rules of a ruleset listing that drop every IPv6 fragment (and nothing narrower)."""
    return [_HANDLE.sub("", line).strip() for line in ruleset.splitlines() if _FRAG_DROP.match(line)]


# --- UCI (OpenWrt) --------------------------------------------------------------------------------------

UciSections = dict[str, dict[str, Any]]


def _uci_values(text: str) -> list[str]:
    """The values of one ``uci show`` right-hand side: ``'a'`` or ``'a' 'b'``, with ``'\\''`` for a quote."""
    try:
        return shlex.split(text, posix=True)
    except ValueError as exc:
        raise FirewallError(f"cannot read the uci value {text!r}: {exc}") from None


def parse_uci_show(text: str, config: str = "firewall") -> UciSections:
    """``uci -q show firewall`` as {section: {'.type': type, option: value or [values]}}, in file order."""
    sections: UciSections = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        parts = key.split(".")
        if not sep or parts[0] != config or len(parts) not in (2, 3):
            raise FirewallError(f"unexpected line in 'uci show {config}': {line!r}")
        if len(parts) == 2:
            sections.setdefault(parts[1], {})[".type"] = value
            continue
        values = _uci_values(value)
        # uci show quotes each list element; a single-element list and an option look alike, which is
        # harmless here: lists are only compared with lists we render.
        sections.setdefault(parts[1], {})[parts[2]] = values[0] if len(values) == 1 else values
    return sections


def _uci_quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"


def format_uci_show(sections: Mapping[str, Mapping[str, Any]], config: str = "firewall") -> str:
    """Sections written back the way ``uci show`` prints them (for diffs)."""
    out = []
    for name, options in sections.items():
        out.append(f"{config}.{name}={options.get('.type', 'rule')}")
        for option, value in options.items():
            if option == ".type":
                continue
            shown = " ".join(_uci_quote(v) for v in value) if isinstance(value, list) else _uci_quote(value)
            out.append(f"{config}.{name}.{option}={shown}")
    return "\n".join(out) + ("\n" if out else "")


def uci_rules(protocols: Sequence[str], zone: str) -> UciSections:
    """The wanted ``config rule`` sections, one per protocol."""
    zone = check_zone(zone)
    wanted: UciSections = {}
    for name in check_protocols(protocols):
        port, group = PROTOCOLS[name]
        wanted[UCI_PREFIX + name] = {
            ".type": "rule",
            "name": f"Allow-{name.capitalize()}-link-local",
            "src": zone,
            "proto": "udp",
            "dest_port": str(port),
            "family": "ipv6",
            "src_ip": LINK_LOCAL,
            "dest_ip": [group, LINK_LOCAL] if group else LINK_LOCAL,
            "target": "ACCEPT",
        }
    return wanted


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _same(current: Any, wanted: Any) -> bool:
    return _as_list(current) == _as_list(wanted)


def uci_batch(current: Mapping[str, Mapping[str, Any]], wanted: Mapping[str, Mapping[str, Any]],
              remove: Sequence[str] = (), config: str = "firewall") -> list[str]:
    """``uci batch`` commands turning ``current`` into ``wanted`` (and deleting ``remove``); [] when equal."""
    cmds: list[str] = []
    for name, options in wanted.items():
        have = current.get(name)
        if have is not None and have.get(".type") != options[".type"]:
            cmds.append(f"delete {config}.{name}")
            have = None
        if have is None:
            cmds.append(f"set {config}.{name}={options['.type']}")
            have = {}
        for option, value in options.items():
            if option == ".type" or (option in have and _same(have[option], value)):
                continue
            if isinstance(value, list):
                if option in have:
                    cmds.append(f"delete {config}.{name}.{option}")
                cmds += [f"add_list {config}.{name}.{option}={_uci_quote(v)}" for v in value]
            else:
                cmds.append(f"set {config}.{name}.{option}={_uci_quote(value)}")
        cmds += [f"delete {config}.{name}.{option}" for option in have if option not in options]
    cmds += [f"delete {config}.{name}" for name in remove if name in current]
    return cmds


def apply_uci_batch(current: Mapping[str, Mapping[str, Any]], cmds: Sequence[str],
                    config: str = "firewall") -> UciSections:
    """What ``uci show`` prints after ``cmds`` (the 'after' of a diff, and a check of :func:`uci_batch`)."""
    state: UciSections = {name: dict(options) for name, options in current.items()}
    for cmd in cmds:
        verb, _sep, rest = cmd.partition(" ")
        key, _eq, value = rest.partition("=")
        parts = key.split(".")[1:]
        val = _uci_values(value)[0] if value else ""
        if verb == "delete" and len(parts) == 1:
            state.pop(parts[0], None)
        elif verb == "delete":
            state.get(parts[0], {}).pop(parts[1], None)
        elif verb == "set" and len(parts) == 1:
            state[parts[0]] = {".type": val}
        elif verb == "set":
            state[parts[0]][parts[1]] = val
        elif verb == "add_list":
            old = state[parts[0]].get(parts[1], [])
            state[parts[0]][parts[1]] = (old if isinstance(old, list) else [old]) + [val]
        else:
            raise FirewallError(f"unknown uci batch command {cmd!r}")
    return state


def managed_sections(sections: Mapping[str, Mapping[str, Any]], protocols: Sequence[str]) -> UciSections:
    """Only the palmfarm_* sections of the given protocols that exist."""
    return {UCI_PREFIX + name: dict(sections[UCI_PREFIX + name])
            for name in protocols if UCI_PREFIX + name in sections}
