# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The routing firewall core: nft rules as nft prints them, listings read back, fragment drops found, and the
UCI sections for OpenWrt produced, parsed from ``uci show`` output and turned into ``uci batch`` commands."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.firewall import (
    FirewallError,
    apply_uci_batch,
    chain_rules,
    check_interfaces,
    check_nft_name,
    check_protocols,
    check_zone,
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

BABEL_ALL = 'ip6 saddr fe80::/10 ip6 daddr { fe80::/10, ff02::1:6 } udp dport 6696 accept comment "palmfarm babel"'
RIPNG_ALL = 'ip6 saddr fe80::/10 ip6 daddr { fe80::/10, ff02::9 } udp dport 521 accept comment "palmfarm ripng"'

# `nft -a list chain inet filter input` / `nft list table` as nftables 1.0.6 prints them.
LISTING = """table inet filter {
\tchain input { # handle 1
\t\ttype filter hook input priority filter; policy drop;
\t\tjump palmfarm_routing # handle 12
\t\tiifname "lo" accept # handle 2
\t\texthdr frag exists drop # handle 3
\t\tmeta l4proto ipv6-frag counter packets 3 bytes 4200 drop # handle 4
\t\tmeta l4proto ipv6-frag ip6 saddr 2001:db8::/32 drop # handle 5
\t\tjump palmfarm_routing # handle 13
\t}

\tchain palmfarm_routing { # handle 7
\t\tiifname { "eth1", "veth0" } ip6 saddr fe80::/10 ip6 daddr { fe80::/10, ff02::1:6 } udp dport 6696 accept \
comment "palmfarm babel" # handle 14
\t}
}
"""

UCI_SHOW = """firewall.@defaults[0]=defaults
firewall.@defaults[0].input='REJECT'
firewall.palmfarm_babel=rule
firewall.palmfarm_babel.name='Allow-Babel-link-local'
firewall.palmfarm_babel.src='lan'
firewall.palmfarm_babel.proto='udp'
firewall.palmfarm_babel.dest_port='6696'
firewall.palmfarm_babel.family='ipv6'
firewall.palmfarm_babel.src_ip='fe80::/10'
firewall.palmfarm_babel.dest_ip='ff02::1:6' 'fe80::/10'
firewall.palmfarm_babel.target='ACCEPT'
firewall.palmfarm_babel.extra='-m comment --comment '\\''old'\\'''
"""


@pytest.mark.parametrize("protocols, interfaces, expected", [
    (["babel"], [], [BABEL_ALL]),
    (["ripng", "babel"], [], [BABEL_ALL, RIPNG_ALL]),
    (["babel"], ["veth0"], ['iifname "veth0" ' + BABEL_ALL]),
    (["ripng"], ["eth1", "veth0"], ['iifname { "eth1", "veth0" } ' + RIPNG_ALL]),
])
def test_nft_rules(protocols, interfaces, expected):
    assert nft_rules(protocols, interfaces) == expected


def test_render_nft_file_declares_flushes_fills():
    text = render_nft_file("filter", "palmfarm_routing", ["babel"], ["veth0", "eth1", "veth0"])
    lines = [line.strip() for line in text.splitlines()]
    flush = lines.index("flush chain inet filter palmfarm_routing")
    assert lines.index("chain palmfarm_routing {") < flush
    assert lines[flush + 1:flush + 3] == ["table inet filter {", "chain palmfarm_routing {"]
    assert 'iifname { "eth1", "veth0" } ' + BABEL_ALL in lines
    assert not [line for line in lines if line.endswith("drop") or " drop " in line]


def test_chain_rules_and_jumps_from_a_listing():
    assert chain_rules(LISTING, "palmfarm_routing") == ['iifname { "eth1", "veth0" } ' + BABEL_ALL]
    assert chain_rules(LISTING, "input")[0] == "jump palmfarm_routing"
    assert chain_rules(LISTING, "missing") is None
    assert jump_handles(LISTING, "palmfarm_routing") == [12, 13]
    assert jump_handles(LISTING, "palmfarm") == []


def test_fragment_drop_rules_finds_blanket_drops_only():
    assert fragment_drop_rules(LISTING) == [
        "exthdr frag exists drop",
        "meta l4proto ipv6-frag counter packets 3 bytes 4200 drop",
    ]
    assert fragment_drop_rules("meta nexthdr 44 drop\nip6 nexthdr ipv6-frag accept\n") == ["meta nexthdr 44 drop"]


@pytest.mark.parametrize("call, message", [
    (lambda: check_protocols([]), "protocols is empty"),
    (lambda: check_protocols(["babel", "ospf"]), "protocol 'ospf' is unknown"),
    (lambda: check_interfaces(["eth 0"]), "interface name 'eth 0'"),
    (lambda: check_interfaces(["a" * 16]), "1 to 15 characters"),
    (lambda: check_interfaces(['lan"x']), "interface name 'lan\"x'"),
    (lambda: check_nft_name("my table", "table"), "table 'my table' is not an nftables name"),
    (lambda: check_nft_name("1chain", "chain"), "chain '1chain'"),
    (lambda: check_nft_name("-t", "table"), "table '-t' is not an nftables name (a letter, underscore or dot"),
    (lambda: check_nft_name("a;b", "chain"), "chain 'a;b'"),
    (lambda: check_nft_name("t" * 65, "table"), "at most 64"),
    (lambda: check_zone("lan zone"), "zone 'lan zone'"),
    (lambda: choose_backend("iptables", False), "backend 'iptables' is unknown"),
])
def test_bad_input_names_the_value(call, message):
    with pytest.raises(FirewallError, match=message.replace("(", r"\(")):
        call()


@pytest.mark.parametrize("name", ["my-table", "my.table", "_t", ".t", "t/x", "filter"])
def test_names_nft_takes_are_taken(name):
    assert check_nft_name(name, "table") == name


NFT = shutil.which("nft")


@pytest.mark.skipif(NFT is None, reason="nft is absent: apt-get install nftables")
@pytest.mark.parametrize("name, ok", [("my-table", True), ("my.table", True), ("t/x", True), ("_t", True),
                                      ("1t", False), ("-t", False)])
def test_nft_itself_agrees_on_names(name, ok, tmp_path):
    """`nft -c` (a parse, nothing loaded) on a file with that table and chain name: the same verdict as the check."""
    try:
        text = render_nft_file(check_nft_name(name, "table"), check_nft_name(name, "chain"), ["babel"], [])
    except FirewallError:
        text = f"table inet {name} {{\n  chain c {{\n  }}\n}}\n"
        assert not ok
    (tmp_path / "rules.nft").write_text(text)
    result = subprocess.run([NFT or "nft", "-c", "-f", str(tmp_path / "rules.nft")], capture_output=True, text=True,
                            check=False)
    assert (result.returncode == 0) is ok, result.stderr + text


@pytest.mark.parametrize("requested, uci_present, expected", [
    ("auto", True, "uci"), ("auto", False, "nftables"), ("nftables", True, "nftables"), ("uci", False, "uci"),
])
def test_choose_backend(requested, uci_present, expected):
    assert choose_backend(requested, uci_present) == expected


def test_parse_uci_show():
    sections = parse_uci_show(UCI_SHOW)
    assert sections["@defaults[0]"] == {".type": "defaults", "input": "REJECT"}
    babel = sections["palmfarm_babel"]
    assert babel["dest_ip"] == ["ff02::1:6", "fe80::/10"]
    assert babel["extra"] == "-m comment --comment 'old'"
    with pytest.raises(FirewallError, match="unexpected line"):
        parse_uci_show("network.lan=interface\n")


def test_uci_show_round_trip():
    sections = parse_uci_show(UCI_SHOW)
    assert parse_uci_show(format_uci_show(sections)) == sections


def test_uci_batch_from_nothing_creates_both_sections():
    wanted = uci_rules(["babel", "ripng"], "*")
    cmds = uci_batch({}, wanted)
    assert cmds[:2] == ["set firewall.palmfarm_babel=rule", "set firewall.palmfarm_babel.name='Allow-Babel-link-local'"]
    assert "add_list firewall.palmfarm_ripng.dest_ip='ff02::9'" in cmds
    assert "set firewall.palmfarm_ripng.dest_port='521'" in cmds
    assert "set firewall.palmfarm_babel.src='*'" in cmds
    after = apply_uci_batch({}, cmds)
    assert after == wanted
    assert uci_batch(after, wanted) == []


def test_uci_batch_changes_only_what_differs():
    current = parse_uci_show(UCI_SHOW)
    wanted = uci_rules(["babel"], "wan")
    cmds = uci_batch(current, wanted)
    assert cmds == ["set firewall.palmfarm_babel.src='wan'", "delete firewall.palmfarm_babel.extra"]
    after = apply_uci_batch(current, cmds)
    assert managed_sections(after, ["babel", "ripng"]) == wanted
    assert after["@defaults[0]"] == current["@defaults[0]"]


def test_uci_batch_removes_and_is_idempotent():
    current = parse_uci_show(UCI_SHOW)
    cmds = uci_batch(current, {}, remove=["palmfarm_babel", "palmfarm_ripng"])
    assert cmds == ["delete firewall.palmfarm_babel"]
    assert uci_batch(apply_uci_batch(current, cmds), {}, remove=["palmfarm_babel", "palmfarm_ripng"]) == []


def test_uci_batch_replaces_a_section_of_another_type():
    current = {"palmfarm_babel": {".type": "redirect", "src": "lan"}}
    cmds = uci_batch(current, uci_rules(["babel"], "lan"))
    assert cmds[:2] == ["delete firewall.palmfarm_babel", "set firewall.palmfarm_babel=rule"]


def test_uci_rules_shape():
    rule = uci_rules(["ripng"], "lan")["palmfarm_ripng"]
    assert rule == {".type": "rule", "name": "Allow-Ripng-link-local", "src": "lan", "proto": "udp",
                    "dest_port": "521", "family": "ipv6", "src_ip": "fe80::/10", "dest_ip": ["ff02::9", "fe80::/10"],
                    "target": "ACCEPT"}


def test_listed_sets_compare_equal_whatever_order_nft_prints() -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.firewall import chain_rules, nft_rules
    listing = (
        "table inet filter {\n\tchain palmfarm_routing { # handle 3\n"
        '\t\tiifname { "ring31", "ring12" } ip6 saddr fe80::/10 ip6 daddr { ff02::1:6, fe80::/10 } '
        'udp dport 6696 accept comment "palmfarm babel" # handle 7\n\t}\n}\n'
    )
    assert chain_rules(listing, "palmfarm_routing") == nft_rules(["babel"], ["ring31", "ring12"])


def test_bfd_is_unicast_link_local_only() -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils._net.firewall import nft_rules, uci_rules
    assert nft_rules(["bfd"], []) == [
        'ip6 saddr fe80::/10 ip6 daddr fe80::/10 udp dport 3784 accept comment "palmfarm bfd"']
    assert uci_rules(["bfd"], "lan")["palmfarm_bfd"]["dest_ip"] == "fe80::/10"
