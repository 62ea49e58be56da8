# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Relative $INCLUDE lines, named's directory, the fast paths of the zone code and their slow twins."""

from __future__ import annotations

import ipaddress
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import zone_file, zone_parser
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request, plan_reverse
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_file import (
    include_base_dirs,
    named_directory,
    publish,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    ZoneError,
    _entries,
    _packed,
    _sort_key,
    _sorted_owners,
    _text,
    ensure_include,
    find_include,
    parse_include,
    ptr_name,
    ptr_records,
    record_set,
    render_include,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

ZONE = "lab.example.net"
FILES = Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
ZONE_TEXT = (FILES / "lab.example.net.zone").read_text()
# The shop's zone pulls the tills in by a relative $INCLUDE of shop.example.org.hosts.
SHOP_TEXT = (FILES / "shop.example.org.zone").read_text()
SHOP_HOSTS = (FILES / "shop.example.org.hosts").read_text()
TILL3 = "2001:db8:5::103"
A1 = "2001:db8:ebbd:2080:216:3eff:fe29:7f8"
HAS_CHECKER = bool(shutil.which("named-checkzone") or shutil.which("kzonecheck"))


# ---------------------------------------------------------------------------------------------------------------
# Relative $INCLUDE
# ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, base_dirs, found", [
    ('$INCLUDE "/etc/bind/lab.farm"', (), True),
    ("$INCLUDE /etc/bind/lab.farm lab.example.net.", (), True),
    ('$INCLUDE "/etc/bind/./zones/../lab.farm"', (), True),
    # Relative to the zone file's directory (Knot) or to named's `directory` (BIND).
    ('$INCLUDE "lab.farm"', ("/etc/bind",), True),
    ("$INCLUDE lab.farm", ("/etc/bind",), True),
    ('$INCLUDE "bind/lab.farm"', ("/var/cache/bind", "/etc"), True),
    ('$INCLUDE "../bind/lab.farm"', ("/etc/knot",), True),
    ('$include "lab.farm"', ("/etc/bind",), True),
    # Not this file.
    ('$INCLUDE "lab.farm"', (), False),
    ('$INCLUDE "lab.farm"', ("/var/cache/bind",), False),
    ('$INCLUDE "other.farm"', ("/etc/bind",), False),
    ('$INCLUDE "/srv/lab.farm"', ("/etc/bind",), False),
    ('; $INCLUDE "lab.farm"', ("/etc/bind",), False),
])
def test_find_include_relative(line: str, base_dirs: tuple, found: bool) -> None:
    text = ZONE_TEXT + line + "\n"
    token = find_include(text, "/etc/bind/lab.farm", base_dirs)
    assert (token is not None) == found
    if found:
        assert text[token.start:token.end] == line.split()[1]
        assert ensure_include(text, "/etc/bind/lab.farm", ZONE, base_dirs) == text
    else:
        added = ensure_include(text, "/etc/bind/lab.farm", ZONE, base_dirs)
        assert added.count("$INCLUDE ") == 1 + ("$INCLUDE" in line)


def test_find_include_through_a_symlink(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "lab.farm").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    text = f'$INCLUDE "{tmp_path}/link/lab.farm"\n'
    assert find_include(text, f"{tmp_path}/real/lab.farm") is not None


@pytest.mark.parametrize("conf, expected", [
    ('options {\n\tdirectory "/var/cache/bind";\n\tdnssec-validation auto;\n};\n', "/var/cache/bind"),
    ('options {\n  // directory "/nowhere";\n  directory "/srv/named" ;\n};\n', "/srv/named"),
    ("options { listen-on-v6 { any; }; };\n", None),
])
def test_named_directory(tmp_path: Path, conf: str, expected: str | None) -> None:
    (tmp_path / "named.conf.options").write_text(conf)
    assert named_directory((str(tmp_path / "missing.conf"), str(tmp_path / "named.conf.options"))) == expected


def test_include_base_dirs(tmp_path: Path) -> None:
    (tmp_path / "named.conf").write_text('options { directory "/var/cache/bind"; };\n')
    confs = (str(tmp_path / "named.conf"),)
    assert include_base_dirs("/etc/bind/db.lab", ["/etc/bind", "/srv"], confs) == (
        "/etc/bind", "/srv", "/var/cache/bind")
    assert include_base_dirs("/etc/knot/lab.zone", None, (str(tmp_path / "none"),)) == ("/etc/knot",)


@pytest.mark.parametrize("relative", ["lab.inc", "./lab.inc", "sub/../lab.inc"])
def test_publish_keeps_a_relative_include(tmp_path: Path, relative: str) -> None:
    """A zone file that pulls the include file in by a relative path gets no second $INCLUDE line."""
    zone_text = ZONE_TEXT + f'$INCLUDE "{relative}" lab.example.net.\n'
    (tmp_path / "lab.zone").write_text(zone_text)
    (tmp_path / "sub").mkdir()
    req = Request(zone=ZONE, zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.inc"),
                  records=[{"name": "lxcw5", "addresses": [A1]}], serial_format="increment", validate=False)
    outcome = publish(req, check_mode=False, run_command=run_command)
    assert outcome.changed
    assert (tmp_path / "lab.zone").read_text() == zone_text.replace("2024010501", "2024010502")
    assert not publish(req, check_mode=False, run_command=run_command).changed


@pytest.mark.skipif(not HAS_CHECKER, reason="needs named-checkzone (bind9-utils) or kzonecheck (knot)")
def test_publish_validates_with_a_relative_include(tmp_path: Path) -> None:
    """The check of the would-be zone points the relative $INCLUDE at the temporary include file, and the
    check of the zone as it is reads the include from the directory the relative path is relative to."""
    # alias2 is a CNAME made by $GENERATE (which the module does not expand) in a hand-written include: only
    # the checker sees it, and it reads that include by its relative path too.
    zone_text = ZONE_TEXT + '$INCLUDE "aliases.inc"\n$INCLUDE "lab.inc" lab.example.net.\n'
    (tmp_path / "lab.zone").write_text(zone_text)
    (tmp_path / "aliases.inc").write_text("$GENERATE 1-3 alias$ CNAME lxcweb\n")
    (tmp_path / "lab.inc").write_text("")
    req = Request(zone=ZONE, zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.inc"),
                  records=[{"name": "alias2", "addresses": [A1]}])
    with pytest.raises(ZoneError, match="would not validate after the change"):
        publish(req, check_mode=False, run_command=run_command)
    assert (tmp_path / "lab.zone").read_text() == zone_text
    req.records = [{"name": "lxcw5", "addresses": [A1]}]
    assert publish(req, check_mode=False, run_command=run_command).changed
    assert "lxcw5" in (tmp_path / "lab.inc").read_text()


def shop(directory: Path, zone_lines: str = "") -> Path:
    """The shop's zone file (and ``zone_lines`` after it) with its tills' include beside it, in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "shop.example.org.zone").write_text(SHOP_TEXT + zone_lines)
    (directory / "shop.example.org.hosts").write_text(SHOP_HOSTS)
    return directory / "shop.example.org.zone"


def shop_request(zone_file: Path, include_file: Path, name: str = "till3", **kwargs: object) -> Request:
    return Request(zone="shop.example.org", zone_file=str(zone_file), include_file=str(include_file),
                   records=[{"name": name, "addresses": [TILL3]}], serial_format="increment",
                   **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("program", ["named-checkzone", "kzonecheck"])
def test_a_hand_written_relative_include_is_found_when_the_new_zone_is_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, program: str) -> None:
    """The first run adds the module's $INCLUDE line to a zone that includes its tills by a relative path. The
    would-be zone is checked from a private directory, and the tills must still be found: named-checkzone reads
    them from its working directory, kzonecheck from the zone file's directory."""
    if not shutil.which(program):
        pytest.skip(f"needs {program}")
    monkeypatch.setattr(zone_file, "CHECKERS", (program,))
    zone = shop(tmp_path / "zones")
    outcome = publish(shop_request(zone, tmp_path / "zones" / "shop.farm"), check_mode=False, run_command=run_command)
    assert outcome.added == ["till3"]
    assert zone.read_text() == (SHOP_TEXT.replace("2025120401", "2025120402")
                                + f'$INCLUDE "{tmp_path}/zones/shop.farm" shop.example.org.\n')
    assert TILL3 in (tmp_path / "zones" / "shop.farm").read_text()


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="needs named-checkzone (bind9-utils)")
def test_named_checkzone_checks_the_zone_as_named_loads_it_without_asking_the_dns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The targets of MX and NS records outside the zone are not looked up: the check takes no longer where the
    host's resolver is slow or missing. Those inside it are checked, as named does when it loads the zone."""
    monkeypatch.setattr(zone_file, "CHECKERS", ("named-checkzone",))
    asked: list[list[str]] = []

    def recording(argv: list[str], cwd: str | None = None) -> tuple[int, str, str]:
        asked.append(argv)
        return run_command(argv, cwd=cwd)

    zone = shop(tmp_path / "zones", "  IN MX 10 mail.example.invalid.\n")
    req = shop_request(zone, tmp_path / "zones" / "shop.farm")
    assert publish(req, check_mode=False, run_command=recording).added == ["till3"]
    assert asked and all(argv[1:4] == ["-q", "-i", "local"] for argv in asked)
    # A zone named refuses to load is still refused, with the checker's own words (from a second run that
    # prints them, with the same checks).
    asked.clear()
    broken = shop(tmp_path / "broken", "@ IN NS ns9\n")
    with pytest.raises(ZoneError, match="NS 'ns9.shop.example.org' has no address records"):
        publish(shop_request(broken, tmp_path / "broken" / "shop.farm"), check_mode=False, run_command=recording)
    assert asked[-1][1:3] == ["-i", "local"]


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="needs named-checkzone (bind9-utils)")
def test_includes_relative_to_nameds_directory_are_checked_from_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """BIND reads relative $INCLUDE paths from its `directory` (/var/cache/bind on Debian), not from the zone
    file's: the zone file in etc/bind names both the tills and the module's include file relative to it."""
    monkeypatch.setattr(zone_file, "CHECKERS", ("named-checkzone",))
    named = tmp_path / "var" / "cache" / "bind"
    named.mkdir(parents=True)
    (named / "shop.example.org.hosts").write_text(SHOP_HOSTS)
    zone = tmp_path / "etc" / "bind" / "db.shop"
    zone.parent.mkdir(parents=True)
    zone.write_text(SHOP_TEXT + '$INCLUDE "shop.farm" shop.example.org.\n')
    req = shop_request(zone, named / "shop.farm", include_directories=[str(named)])
    assert publish(req, check_mode=False, run_command=run_command).added == ["till3"]
    # The zone file keeps its relative line: BIND reads it from the same place.
    assert zone.read_text() == (SHOP_TEXT.replace("2025120401", "2025120402")
                                + '$INCLUDE "shop.farm" shop.example.org.\n')
    assert TILL3 in (named / "shop.farm").read_text()


def test_a_linked_zone_file_reads_relative_includes_beside_the_real_file(tmp_path: Path) -> None:
    """/etc/knot/zones/shop.zone is a link to the zone file in the repository checkout, whose relative $INCLUDE
    lines (Knot reads them from the real file's directory) name the tills and the module's include file: the
    module's line is found (no second one is added) and so are the tills, hand-written names it refuses."""
    real = shop(tmp_path / "checkout", '$INCLUDE "shop.farm" shop.example.org.\n')
    link = tmp_path / "etc" / "knot" / "zones" / "shop.zone"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    with pytest.raises(ZoneError, match=r"^name till1 already has AAAA records in zone file .*/etc/knot/zones/shop"):
        publish(shop_request(link, real.parent / "shop.farm", "till1", validate=HAS_CHECKER), False, run_command)
    outcome = publish(shop_request(link, real.parent / "shop.farm", validate=HAS_CHECKER), False, run_command)
    assert outcome.added == ["till3"] and link.is_symlink()
    assert real.read_text() == (SHOP_TEXT.replace("2025120401", "2025120402")
                                + '$INCLUDE "shop.farm" shop.example.org.\n')
    assert TILL3 in (real.parent / "shop.farm").read_text()


# ---------------------------------------------------------------------------------------------------------------
# Fast paths: the same answers as the slow, general code
# ---------------------------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(0, 2 ** 128 - 1),
                 st.integers(0, 2 ** 32 - 1),  # ::a.b.c.d territory
                 st.integers(0, 2 ** 32 - 1).map(lambda i: (0xFFFF << 32) | i),  # IPv4-mapped
                 st.lists(st.sampled_from([0, 0, 0, 1, 0xFFFF, 0xABC]), min_size=8, max_size=8)
                 .map(lambda words: int("".join(f"{w:04x}" for w in words), 16))))
def test_text_is_what_ipaddress_writes(value: int) -> None:
    address = ipaddress.IPv6Address(value)
    assert _text(address.packed) == str(address)
    assert _packed(str(address)) == address.packed
    assert _packed(address.exploded.upper()) == address.packed


@pytest.mark.parametrize("text", ["192.0.2.1", "2001:db8::1::2", "2001:db8:0:0:0:0:0:0:1", "zz::1", "ü::1"])
def test_packed_rejects_what_ipaddress_rejects(text: str) -> None:
    with pytest.raises(ZoneError, match="is not an IPv6 address"):
        _packed(text)


def test_packed_drops_a_zone_index() -> None:
    assert _packed("fe80::1%eth0") == ipaddress.IPv6Address("fe80::1").packed


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True),
                       st.lists(st.integers(1, 2 ** 64 - 1).map(
                           lambda i: str(ipaddress.IPv6Address((0x20010DB8EBBD2080 << 64) | i))),
                           min_size=1, max_size=3), max_size=10),
       st.integers(0, 86400))
def test_parse_include_fast_path_equals_the_tokenizer(names: dict, ttl: int) -> None:
    text = render_include(record_set([{"name": n, "addresses": a} for n, a in names.items()], ZONE).names,
                          "AAAA", ttl, ZONE)
    slow: dict[str, set[str]] = {}
    for tokens in _entries(text):
        slow.setdefault(tokens[0].text, set()).add(tokens[4].text)
    fast, fast_ttl = parse_include(text)
    assert fast == {owner: sorted(values) for owner, values in slow.items()}
    assert fast_ttl == (ttl if names else None)


@pytest.mark.parametrize("text, expected", [
    # Hand-edited files take the tokenizer: parentheses, quotes and trailing comments.
    ("a 300 IN AAAA ( 2001:db8::1 )\n", {"a": ["2001:db8::1"]}),
    ("a 300 IN AAAA 2001:db8::1 ; by hand\n", {"a": ["2001:db8::1"]}),
    ("; only a comment ( here\nb 300 IN AAAA 2001:db8::2\n", {"b": ["2001:db8::2"]}),
    ("B\t300\tin\tAAAA\t2001:db8::2\r\n", {"b": ["2001:db8::2"]}),
])
def test_parse_include_hand_edited(text: str, expected: dict) -> None:
    assert parse_include(text)[0] == expected


def test_ptr_fast_path_matches_ipaddress() -> None:
    address = ipaddress.IPv6Address(A1)
    assert ptr_name(A1) == address.reverse_pointer + "."
    assert ptr_records({"x": [A1]}, ZONE, "2001:db8:ebbd:2080::/64") == {
        address.reverse_pointer[:-len(".0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa")]: ["x.lab.example.net."]}
    with pytest.raises(ZoneError, match="2001:db8:1::1 is outside the reverse zone"):
        ptr_records({"x": ["2001:db8:1::1"]}, ZONE, "2001:db8:ebbd:2080::/64")


def test_record_set_scales_linearly() -> None:
    """10,000 records: no quadratic step (a generous bound, so a loaded machine passes)."""
    import time
    records = [{"name": f"lxcw{i}", "addresses": [str(ipaddress.IPv6Address((0x20010DB8EBBD2080 << 64) | i))]}
               for i in range(1, 10001)]
    start = time.monotonic()
    names = record_set(records, ZONE).names
    ptr = ptr_records(names, ZONE, "2001:db8:ebbd:2080::/64")
    text = render_include(names, "AAAA", 3600, ZONE)
    assert parse_include(text)[0] == names
    assert len(ptr) == 10000
    assert time.monotonic() - start < 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from("0123456789abcdef"), min_size=4, max_size=4), max_size=30),
       st.lists(st.lists(st.sampled_from("0123456789abcdef"), min_size=4, max_size=4), max_size=10))
def test_the_reverse_plan_lists_its_owners_in_the_files_order(wanted: list[list[str]], now: list[list[str]]) -> None:
    """ZoneFiles.apply writes the reverse plan's owners as they come (render_include in_order): they must be in
    the order render_include would sort them into."""
    plan = plan_reverse({".".join(n): (300, ["old.lab.example.net."]) for n in now},
                        {".".join(n): ["w.lab.example.net."] for n in wanted}, {"old.lab.example.net."}, 300)
    assert list(plan.after) == _sorted_owners(plan.after)


def test_zone_name_cache_keeps_errors() -> None:
    with pytest.raises(ZoneError, match="not a zone name"):
        zone_parser.zone_name(".")
    with pytest.raises(ZoneError, match="not a zone name"):
        zone_parser.zone_name(".")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from("0123456789abcdef"), min_size=4, max_size=4), max_size=30),
       st.lists(st.text("abc0-.", min_size=1, max_size=6).filter(lambda t: "." not in (t[0], t[-1]) and ".." not in t),
                max_size=10))
def test_sorted_owners_is_the_hierarchical_order(nibbles: list[list[str]], names: list[str]) -> None:
    """The fast order of nibble owners (their reversed text) is the hierarchical order, and any other set of
    names is sorted the slow way."""
    ptr_owners = list(dict.fromkeys(".".join(n) for n in nibbles))
    assert _sorted_owners(ptr_owners) == sorted(ptr_owners, key=_sort_key)
    mixed = list(dict.fromkeys(ptr_owners + names + ["@"]))
    assert _sorted_owners(mixed) == sorted(mixed, key=_sort_key)
    assert _sorted_owners(list(dict.fromkeys(names))) == sorted(dict.fromkeys(names), key=_sort_key)
