# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request, plan
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_file import publish
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    HEADER,
    ZoneError,
    ensure_include,
    find_include,
    find_serial,
    include_tokens,
    next_serial,
    owner_name,
    parse_include,
    ptr_name,
    ptr_records,
    record_set,
    render_include,
    replace_serial,
    reverse_zone_name,
    reverse_zone_prefix,
    serial_gt,
    soa_owner,
    zone_name,
    zone_owners,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

ZONE_TEXT = (Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
             / "lab.example.net.zone").read_text()
ZONE = "lab.example.net"
NOW = datetime.datetime(2026, 11, 28, 3, 0, tzinfo=datetime.UTC)
REV64 = "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."
A1 = "2001:db8:ebbd:2080:216:3eff:fe29:7f8"


@pytest.mark.parametrize("text, serial", [
    (ZONE_TEXT, "2024010501"),
    ("@ IN SOA ns. host. 1 2 3 4 5\n", "1"),
    ("$ORIGIN x.\n$TTL 60\nx. 3600 IN SOA ns.x. h.x. ( 42 ; serial\n 1 1 1 1 )\n", "42"),
    ("; SOA 99 in a comment\n  IN SOA ns. h. (\n ; 77\n 2026 1 1 1 1)\n", "2026"),
    ("@ 1h IN soa ns. \"h\". 7 1 1 1 1\n", "7"),
    # The serial is the last word needed: the timers may be missing.
    ("@ IN SOA ns. h. 5\n", "5"),
    # A record whose text is the word SOA, before the SOA record: its type is TXT.
    ("$TTL 3600\nnote TXT SOA\n@ IN SOA ns. h. 42 1 1 1 1\n", "42"),
])
def test_find_serial(text: str, serial: str) -> None:
    token = find_serial(text)
    assert token.text == serial
    assert text[token.start:token.end] == serial


@pytest.mark.parametrize("text, message", [
    ("@ IN NS ns.\n", "no SOA record"),
    # SOA can follow at most an owner, a TTL and a class: as the fifth word it is no record type.
    ("@ IN 3600 IN SOA ns. h. 5 1 1 1 1\n", "no SOA record"),
    ("@ IN SOA ns. h.\n", "the SOA record has no serial"),
    ("@ IN SOA ns. h. ( x 1 1 1 1 )\n", "'x' is not a number"),
    ("@ IN SOA ns. h. ( 1 1 1 1 1\n", "unclosed"),
    ("@ IN SOA ns. h. 1 1 1 1 1 )\n", "unbalanced"),
    ("@ IN SOA ns. h. 4294967296 1 1 1 1\n", "not a number"),
])
def test_find_serial_errors(text: str, message: str) -> None:
    with pytest.raises(ZoneError, match=message):
        find_serial(text)


def test_replace_serial_changes_only_the_serial() -> None:
    new = replace_serial(ZONE_TEXT, 2026112800)
    assert new == ZONE_TEXT.replace("2024010501", "2026112800", 1)


@pytest.mark.parametrize("current, fmt, expected", [
    (2024010501, "date", 2026112800),
    (2026112800, "date", 2026112801),
    (2026112899, "date", 2026112900),
    (2099010100, "date", 2099010101),
    (5, "increment", 6),
    (4294967295, "increment", 0),
    (1, "unixtime", int(NOW.timestamp())),
    (int(NOW.timestamp()) + 10, "unixtime", int(NOW.timestamp()) + 11),
    # RFC 1982: 4294967290 is "less" than today's date serial, which is therefore taken.
    (4294967290, "date", 2026112800),
])
def test_next_serial(current: int, fmt: str, expected: int) -> None:
    assert next_serial(current, fmt, NOW) == expected
    assert serial_gt(expected, current)


def test_next_serial_unknown_format() -> None:
    with pytest.raises(ZoneError, match="'weekly' is unknown"):
        next_serial(1, "weekly", NOW)


@given(st.integers(0, 2 ** 32 - 1), st.sampled_from(["date", "increment", "unixtime"]))
def test_next_serial_is_always_greater(current: int, fmt: str) -> None:
    assert serial_gt(next_serial(current, fmt, NOW), current)


def test_ensure_include_once() -> None:
    once = ensure_include(ZONE_TEXT, "/etc/bind/lab.inc", ZONE)
    assert once == ZONE_TEXT + '$INCLUDE "/etc/bind/lab.inc" lab.example.net.\n'
    assert ensure_include(once, "/etc/bind/lab.inc", ZONE) == once
    token = find_include(once, "/etc/bind/lab.inc")
    assert token is not None and once[token.start:token.end] == '"/etc/bind/lab.inc"'
    assert ensure_include("@ IN SOA a. b. 1 1 1 1 1", "/i", "x") == '@ IN SOA a. b. 1 1 1 1 1\n$INCLUDE "/i" x.\n'
    # A hand-written $INCLUDE of the same file, unquoted, counts.
    assert ensure_include("$INCLUDE /i\n", "/i", "x") == "$INCLUDE /i\n"


@pytest.mark.parametrize("name, expected", [
    ("lxcw5", "lxcw5"),
    ("LXCW5", "lxcw5"),
    ("a.b", "a.b"),
    ("lxcw5.lab.example.net.", "lxcw5"),
    ("lab.example.net.", "@"),
    ("@", "@"),
    ("bücher", "xn--bcher-kva"),
    ("web-1", "web-1"),
])
def test_owner_name(name: str, expected: str) -> None:
    assert owner_name(name, ZONE) == expected


@pytest.mark.parametrize("name, message", [
    ("lxc_w5", "'lxc_w5' is not a valid host name label"),
    ("-web", "not a valid host name label"),
    ("web-", "not a valid host name label"),
    ("a..b", "empty label"),
    ("", "is empty"),
    ("www.example.org.", "outside the zone lab.example.net."),
    ("x" * 64, "at most 63"),
    ("a b", "not a valid host name label"),
])
def test_owner_name_errors(name: str, message: str) -> None:
    with pytest.raises(ZoneError, match=message):
        owner_name(name, ZONE)


def test_a_name_of_253_characters_is_the_longest() -> None:
    """253 characters without the final dot (RFC 1035's 255 octets on the wire): the longest name a zone can hold,
    relative or absolute."""
    longest = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 45])  # 237 + len(".lab.example.net") = 253
    assert owner_name(longest, ZONE) == longest
    assert owner_name(f"{longest}.lab.example.net.", ZONE) == longest
    with pytest.raises(ZoneError) as caught:
        owner_name(longest + "d", ZONE)
    assert str(caught.value) == f"name {longest}d.lab.example.net. is longer than 253 characters"


def test_zone_name() -> None:
    assert zone_name("Lab.Example.NET") == "lab.example.net."
    with pytest.raises(ZoneError, match="not a zone name"):
        zone_name(".")


@pytest.mark.parametrize("zone, expected", [
    ("2001:db8:ebbd:2080::/64", REV64),
    ("2001:db8:ebbd:2080::/60", "8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."),
    (REV64.upper(), REV64),
    ("8.b.d.0.1.0.0.2.ip6.arpa", "8.b.d.0.1.0.0.2.ip6.arpa."),
    ("2.ip6.arpa", "2.ip6.arpa."),  # 2000::/4, the shortest nibble zone
])
def test_reverse_zone_name(zone: str, expected: str) -> None:
    assert reverse_zone_name(zone) == expected


@pytest.mark.parametrize("zone, message", [
    ("2001:db8:ebbd:2080::/62", "/62 is not a multiple of 4"),
    ("2001:db8::zz/64", "not an IPv6 prefix"),
    ("lab.example.net", "not a nibble ip6.arpa zone"),
    ("10.in-addr.arpa", "not a nibble ip6.arpa zone"),
    ("ip6.arpa", "'ip6.arpa' is not a nibble ip6.arpa zone; give e.g. 0.8.0.2"),
])
def test_reverse_zone_name_errors(zone: str, message: str) -> None:
    with pytest.raises(ZoneError, match=message):
        reverse_zone_name(zone)


def test_ptr_name() -> None:
    assert ptr_name(A1) == "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0." + REV64
    assert ptr_name(A1, "2001:db8:ebbd:2080::/64") == "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0"
    with pytest.raises(ZoneError, match="outside the reverse zone"):
        ptr_name("2001:db8:1::1", "2001:db8:ebbd:2080::/64")
    with pytest.raises(ZoneError, match="'192.0.2.1' is not an IPv6 address"):
        ptr_name("192.0.2.1")


def test_record_set() -> None:
    result = record_set([
        {"name": "lxcweb", "addresses": [A1]},
        {"name": "lxcw5", "mac": "00-16-3E-97-4E-C9", "prefix": "2001:db8:ebbd:2080::/64"},
        {"name": "lxcw6", "addresses": "2001:db8:ebbd:2080::6", "mac": "00:16:3e:00:00:06",
         "prefix": "2001:db8:ebbd:2080::/64"},
        {"name": "LXCWEB", "addresses": ["2001:DB8:ebbd:2080::2"]},
    ], ZONE)
    assert result.names == {
        "lxcweb": ["2001:db8:ebbd:2080::2", A1],
        "lxcw5": ["2001:db8:ebbd:2080:216:3eff:fe97:4ec9"],
        "lxcw6": ["2001:db8:ebbd:2080::6"],
    }
    assert len(result.warnings) == 1 and "lxcw6" in result.warnings[0] and "fe00:6" in result.warnings[0]


@pytest.mark.parametrize("item, message", [
    ({"name": "a", "addresses": ["192.0.2.1"]}, "'192.0.2.1' is not an IPv6 address"),
    ({"name": "a", "mac": "00:16:3e:00:00:06", "prefix": "2001:db8::/56"}, "not a /64"),
    ({"name": "a", "mac": "00:16:3e:00:00", "prefix": "2001:db8::/64"}, "is not a MAC address"),
    ({"name": "a", "prefix": "2001:db8::/64"}, "a prefix needs a mac"),
    ({"name": "a", "mac": "00:16:3e:00:00:06"}, "has no address"),
    ({"name": "a"}, "has no address"),
    ({"addresses": [A1]}, "has no name"),
    ({"name": "a!", "addresses": [A1]}, "not a valid host name label"),
])
def test_record_set_errors(item: dict, message: str) -> None:
    with pytest.raises(ZoneError, match=message):
        record_set([item], ZONE)


def test_record_set_of_lxd_farm_instances() -> None:
    instances = [
        {"name": "w2", "address": A1, "mac": "00:16:3e:29:07:f8", "ipv6": {"global": [A1, "2001:db8:ebbd:2080::9"]}},
        {"name": "w3", "address": None, "mac": "00:16:3e:00:00:03", "ipv6": {"global": ["2001:db8:ebbd:2080::3"]}},
    ]
    assert record_set(instances, ZONE, name_prefix="lxc").names == {
        "lxcw2": [A1], "lxcw3": ["2001:db8:ebbd:2080::3"]}


def test_ptr_records() -> None:
    assert ptr_records({"lxcweb": [A1], "@": ["2001:db8:ebbd:2080::1"]}, ZONE, REV64) == {
        "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0": ["lxcweb.lab.example.net."],
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0": ["lab.example.net."],
    }


def test_render_and_parse_include() -> None:
    names = {"lxcw10": ["2001:db8:ebbd:2080::10"], "b": ["2001:db8:ebbd:2080::b", "2001:db8:ebbd:2080::c"],
             "@": ["2001:db8:ebbd:2080::1"]}
    text = render_include(names, "AAAA", 300, ZONE)
    assert text.splitlines() == [
        HEADER,
        "; Zone lab.example.net. AAAA records, 4 in all.",
        "@       300  IN  AAAA  2001:db8:ebbd:2080::1",
        "b       300  IN  AAAA  2001:db8:ebbd:2080::b",
        "b       300  IN  AAAA  2001:db8:ebbd:2080::c",
        "lxcw10  300  IN  AAAA  2001:db8:ebbd:2080::10",
    ]
    assert parse_include(text) == (names | {"b": ["2001:db8:ebbd:2080::b", "2001:db8:ebbd:2080::c"]}, 300)
    assert parse_include(render_include({}, "AAAA", 300, ZONE)) == ({}, None)
    # in_order: the owners are written in the order given (a plan that sorted them), not sorted again.
    assert [line.split()[0] for line in render_include(names, "AAAA", 300, ZONE, in_order=True).splitlines()[2:]] \
        == ["lxcw10", "b", "b", "@"]
    with pytest.raises(ZoneError, match="not one this module writes"):
        parse_include("www IN CNAME lxcweb\n")


@pytest.mark.parametrize("line", [
    "lxcw9 IN AAAA 2001:db8:ebbd:2080::9",  # no TTL
    "lxcw9 300 CH AAAA 2001:db8:ebbd:2080::9",  # another class
    "lxcw9 1h IN AAAA 2001:db8:ebbd:2080::9",  # a TTL with a unit
    "lxcw9 300 IN AAAA ( 2001:db8:ebbd:2080::9 ) ; by hand",
])
def test_a_line_added_to_the_include_by_hand_is_refused(line: str) -> None:
    """The include file is rewritten on every change: a line added to it by hand that is not in the form the
    module writes is refused, naming the line (a record in that form is simply the module's)."""
    text = render_include({"lxcw5": ["2001:db8:ebbd:2080::5"]}, "AAAA", 300, ZONE) + line + "\r\n"
    if line.endswith("by hand"):
        assert parse_include(text) == ({"lxcw5": ["2001:db8:ebbd:2080::5"], "lxcw9": ["2001:db8:ebbd:2080::9"]}, 300)
        return
    with pytest.raises(ZoneError) as caught:
        parse_include(text)
    assert str(caught.value) == (f"include file line {line!r} is not one this module writes; the include file "
                                 "belongs to the module, move hand-written records to the zone file")


CURRENT = {"a": ["2001:db8::a"], "b": ["2001:db8::b"], "c": ["2001:db8::c"], "d": ["2001:db8::d"]}


@pytest.mark.parametrize("wanted, kwargs, add, remove, change, result_names", [
    (CURRENT, {}, [], [], [], "abcd"),
    ({"a": ["2001:db8::a"], "e": ["2001:db8::e"]}, {}, ["e"], [], [], "abcde"),
    ({"a": ["2001:db8::1"]}, {}, [], [], ["a"], "abcd"),
    ({"a": ["2001:db8::a"], "b": ["2001:db8::b"], "c": ["2001:db8::c"]}, {"prune": True}, [], ["d"], [], "abc"),
    ({"a": ["2001:db8::a"]}, {"prune": True, "max_delete_percent": 75}, [], ["b", "c", "d"], [], "a"),
    ({}, {"prune": True, "max_delete_percent": 0, "force": True}, [], ["a", "b", "c", "d"], [], ""),
    ({"a": [], "z": []}, {"state": "absent"}, [], ["a"], [], "bcd"),
])
def test_plan(wanted: dict, kwargs: dict, add: list, remove: list, change: list, result_names: str) -> None:
    result = plan(CURRENT, wanted, **kwargs)
    assert (result.add, result.remove, result.change) == (add, remove, change)
    assert sorted(result.result) == list(result_names)
    assert result.changed == bool(add or remove or change)


def test_plan_guard() -> None:
    with pytest.raises(ZoneError, match=r"removing 2 of 4 managed names \(50%\) exceeds max_delete_percent=25"):
        plan(CURRENT, {"a": ["2001:db8::a"], "b": ["2001:db8::b"]}, prune=True, max_delete_percent=25)


_label = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
_address = st.integers(1, 2 ** 64 - 1).map(lambda i: str(ipaddress.IPv6Address((0x20010db8ebbd2080 << 64) | i)))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(_label, st.lists(_address, min_size=1, max_size=3), max_size=8),
       st.dictionaries(_label, st.lists(_address, min_size=1, max_size=3), max_size=8),
       st.sampled_from(["date", "increment", "unixtime"]), st.booleans())
def test_editing_the_include_keeps_the_zone_but_its_serial(first: dict, second: dict, fmt: str, prune: bool) -> None:
    zone_text = ZONE_TEXT
    include_text = ""
    for wanted in (first, second):
        current, _ttl = parse_include(include_text) if include_text else ({}, None)
        wanted = record_set([{"name": n, "addresses": a} for n, a in wanted.items()], ZONE).names
        step = plan(current, wanted, prune=prune, force=True)
        new_include = render_include(step.result, "AAAA", 300, ZONE)
        new_zone = zone_text
        if new_include != include_text:
            serial = next_serial(int(find_serial(zone_text).text), fmt, NOW)
            new_zone = replace_serial(ensure_include(zone_text, "/z/lab.inc", ZONE), serial)
            token = find_serial(new_zone)
            assert new_zone[:token.start] == ZONE_TEXT[:token.start]
            rest = new_zone[token.end:]
            assert rest.startswith(ZONE_TEXT[find_serial(ZONE_TEXT).end:])
            tail = rest[len(ZONE_TEXT) - find_serial(ZONE_TEXT).end:]
            assert tail in ("", '$INCLUDE "/z/lab.inc" lab.example.net.\n')
        assert parse_include(new_include)[0] == step.result
        zone_text, include_text = new_zone, new_include


# ---------------------------------------------------------------------------------------------------------------
# On disk: zone_file.publish, with named-checkzone when it is installed
# ---------------------------------------------------------------------------------------------------------------

def _request(tmp_path: Path, records: list, **kwargs) -> Request:
    zone_file = tmp_path / "lab.zone"
    if not zone_file.exists():
        zone_file.write_text(ZONE_TEXT)
    return Request(zone=ZONE, zone_file=str(zone_file), include_file=str(tmp_path / "lab.inc"), records=records,
                   validate=kwargs.pop("validate", bool(shutil.which("named-checkzone"))), **kwargs)


def test_publish_then_nothing_to_do(tmp_path: Path) -> None:
    req = _request(tmp_path, [{"name": "lxcw5", "addresses": [A1]}], serial_format="increment")
    check = publish(req, check_mode=True, run_command=run_command)
    assert check.changed and not (tmp_path / "lab.inc").exists()
    assert (tmp_path / "lab.zone").read_text() == ZONE_TEXT
    first = publish(req, check_mode=False, run_command=run_command)
    assert first.changed and first.added == ["lxcw5"]
    zone_after = (tmp_path / "lab.zone").read_text()
    assert zone_after == ZONE_TEXT.replace("2024010501", "2024010502") + \
        f'$INCLUDE "{tmp_path}/lab.inc" lab.example.net.\n'
    stats = [os.stat(tmp_path / name).st_mtime_ns for name in ("lab.zone", "lab.inc")]
    again = publish(req, check_mode=False, run_command=run_command)
    assert not again.changed
    assert [os.stat(tmp_path / name).st_mtime_ns for name in ("lab.zone", "lab.inc")] == stats
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.inc", "lab.zone"]


def test_publish_backup(tmp_path: Path) -> None:
    made = []

    def backup(path: str) -> str:
        made.append(path)
        return path + ".bak"

    req = _request(tmp_path, [{"name": "lxcw5", "addresses": [A1]}])
    outcome = publish(req, check_mode=False, run_command=run_command, backup=backup)
    assert outcome.backups == [str(tmp_path / "lab.zone") + ".bak"]
    assert made == [str(tmp_path / "lab.zone")]


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="needs named-checkzone (bind9-utils)")
def test_publish_refuses_a_zone_that_does_not_load(tmp_path: Path) -> None:
    broken = ZONE_TEXT + "www IN AAAA 2001:db8::80\n"  # CNAME and other data
    (tmp_path / "lab.zone").write_text(broken)
    with pytest.raises(ZoneError, match="does not validate before the change, so it was not touched"):
        publish(_request(tmp_path, [{"name": "lxcw5", "addresses": [A1]}]), check_mode=False, run_command=run_command)
    assert (tmp_path / "lab.zone").read_text() == broken
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="needs named-checkzone (bind9-utils)")
def test_publish_refuses_a_result_that_does_not_load(tmp_path: Path) -> None:
    # alias2 is a CNAME made by $GENERATE, which the module does not expand: an AAAA record for it would break
    # the zone, and the check of the would-be zone stops it.
    (tmp_path / "lab.zone").write_text(ZONE_TEXT + f'$INCLUDE "{tmp_path}/aliases.inc"\n')
    (tmp_path / "aliases.inc").write_text("$GENERATE 1-3 alias$ CNAME lxcweb\n")
    with pytest.raises(ZoneError, match="would not validate after the change, so nothing was written"):
        publish(_request(tmp_path, [{"name": "alias2", "addresses": [A1]}]), check_mode=False, run_command=run_command)
    assert (tmp_path / "lab.zone").read_text() == ZONE_TEXT + f'$INCLUDE "{tmp_path}/aliases.inc"\n'
    assert not (tmp_path / "lab.inc").exists()


def test_concurrent_runs_lose_nothing(tmp_path: Path) -> None:
    names = [f"lxcw{i}" for i in range(12)]
    _request(tmp_path, [])
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda n: publish(_request(tmp_path, [{"name": n, "addresses": [A1]}], validate=False,
                                                 serial_format="increment"), check_mode=False,
                                        run_command=run_command), names))
    assert sorted(parse_include((tmp_path / "lab.inc").read_text())[0]) == sorted(names)
    assert find_serial((tmp_path / "lab.zone").read_text()).text == str(2024010501 + len(names))


# ---------------------------------------------------------------------------------------------------------------
# Zone text as BIND, Knot and people write it
# ---------------------------------------------------------------------------------------------------------------

# A zone file without a final newline, in the shapes the servers read: directives with comments, an SOA record
# without TTL or class whose '(' touches the serial and whose ')' ends the line, an owner-less line, quoted strings
# that start and end with an escaped quote, an empty one, an escaped ';' at the end of a line, a \DDD owner.
WRITTEN = ("$TTL 1h ; default\n"
           "$ORIGIN lab.example.net. ; the zone\n"
           "@ SOA ns1 hostmaster (2026120601 7200 3600 1209600 300)\n"
           "  NS ns1\n"
           "ns1 AAAA 2001:db8:ebbd:2080::53\n"
           'quote TXT "\\"hi\\", she said \\"bye\\""\n'
           'empty TXT ""\n'
           "semi TXT v=1\\;\n"
           "caf\\195\\169 AAAA 2001:db8:ebbd:2080::c\n"
           "last AAAA 2001:db8:ebbd:2080::1 ; no newline after this comment")
WRITTEN_OWNERS = {"@": {"SOA", "NS"}, "ns1": {"AAAA"}, "quote": {"TXT"}, "empty": {"TXT"}, "semi": {"TXT"},
                  "caf\\195\\169": {"AAAA"}, "last": {"AAAA"}}


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_zone_text_as_the_servers_read_it(newline: str) -> None:
    text = WRITTEN.replace("\n", newline)
    assert find_serial(text).text == "2026120601"
    assert soa_owner(text) == "lab.example.net."
    assert zone_owners(text, ZONE) == WRITTEN_OWNERS


@pytest.mark.skipif(not shutil.which("named-checkzone"), reason="needs named-checkzone (bind9-utils)")
def test_the_zone_text_loads_in_bind(tmp_path: Path) -> None:
    """WRITTEN is a zone BIND loads (it warns of the missing final newline): the shapes above are real."""
    (tmp_path / "lab.zone").write_text(WRITTEN)
    result = subprocess.run(["named-checkzone", ZONE, str(tmp_path / "lab.zone")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_directive_left_without_its_value_is_skipped() -> None:
    """A hand edit that leaves $TTL, $ORIGIN or $INCLUDE without its value (the value moved into a comment) is the
    zone check's to report, with its line; reading the zone goes on as if the line were not there."""
    text = "$TTL ; set on each record\n$ORIGIN\n$INCLUDE ; hosts.inc merged into this file\n" + ZONE_TEXT
    assert find_serial(text).text == "2024010501"
    assert soa_owner(text) == "lab.example.net."
    assert include_tokens(text) == []
    assert zone_owners(text, ZONE, {}.get) == zone_owners(ZONE_TEXT, ZONE)
    assert ensure_include(text, "/etc/bind/lab.inc", ZONE) == text + '$INCLUDE "/etc/bind/lab.inc" lab.example.net.\n'


def test_an_included_file_without_a_final_newline() -> None:
    owners = zone_owners(ZONE_TEXT + '$INCLUDE "hosts.inc"\n', ZONE,
                         {"hosts.inc": "till1 IN AAAA 2001:db8:ebbd:2080::101"}.get)
    assert owners["till1"] == {"AAAA"}


@pytest.mark.parametrize("tail", ['note IN TXT "5 inch\nlast IN AAAA 2001:db8:ebbd:2080::1\n', 'note IN TXT "5 inch'])
def test_a_quoted_string_left_open_is_refused_with_its_line(tail: str) -> None:
    """A quoted string ends on its line (BIND: unbalanced quotes); one left open used to run on into the lines
    after it, hiding their records and $INCLUDE lines."""
    line = ZONE_TEXT.count("\n") + 1
    for read in (include_tokens, lambda text: zone_owners(text, ZONE)):
        with pytest.raises(ZoneError) as caught:
            read(ZONE_TEXT + tail)
        assert str(caught.value) == (f"line {line} of the zone file has unbalanced quotes: a quoted string ends on "
                                     "the line it starts on (BIND and Knot refuse the file); close it there")


def test_a_zone_from_windows_with_lines_added_on_linux_keeps_crlf() -> None:
    """CRLF when at least half of the lines end so: the include line goes in as the file's own lines were."""
    text = "$TTL 1h\r\n@ IN SOA ns1 hostmaster 1 2 3 4 5\r\n@ IN NS ns1\nns1 IN AAAA 2001:db8:ebbd:2080::53\n"
    assert ensure_include(text, "/i", ZONE) == text + '$INCLUDE "/i" lab.example.net.\r\n'


def test_an_soa_record_cut_short_before_its_serial() -> None:
    with pytest.raises(ZoneError, match=r"^the SOA record has no serial \(it needs MNAME RNAME SERIAL"):
        find_serial("$ORIGIN lab.example.net.\n@ IN SOA ns1 hostmaster\n")


@pytest.mark.parametrize("origin, prefix", [
    (REV64, "2001:db8:ebbd:2080::/64"),
    ("2.ip6.arpa.", "2000::/4"),  # the shortest nibble zone
    (".".join("1000000000000000000000008bd01002") + ".ip6.arpa.", "2001:db8::1/128"),  # one address
    ("0." + ".".join("1000000000000000000000008bd01002") + ".ip6.arpa.", None),  # a nibble too many
    ("ip6.arpa.", None),
    ("home.ip6.arpa.", None),
    ("8.b.d.0.1.0.0.2.ip6.int.", None),
    ("lab.example.net.", None),
])
def test_reverse_zone_prefix(origin: str, prefix: str | None) -> None:
    """The prefix a zone file's SOA owner covers when it is a nibble ip6.arpa zone (the hint of a zone file that
    holds another reverse zone), None for any other name."""
    assert reverse_zone_prefix(origin) == prefix


@pytest.mark.parametrize("zone, expected", [
    ("2001:db8:ebbd:2080:216:3eff:fe29:7f8/64", REV64),  # an address with its prefix length, as ip -6 addr shows it
    ("2001:db8::1/124", ".".join("000000000000000000000008bd01002") + ".ip6.arpa."),
    # A /124 given by its 31 nibbles: the longest nibble reverse zone.
    (".".join("000000000000000000000008bd01002") + ".ip6.arpa", ".".join("000000000000000000000008bd01002")
     + ".ip6.arpa."),
])
def test_reverse_zone_of_an_address_with_its_prefix_length(zone: str, expected: str) -> None:
    assert reverse_zone_name(zone) == expected


@pytest.mark.parametrize("zone, message", [
    ("::/0", r"^reverse_zone ::/0: prefix length /0 is not a multiple of 4 from 4 to 124"),
    # A /128 zone has no name below it for a PTR record, given as a prefix or as its 32 nibbles.
    ("2001:db8::1/128", r"^reverse_zone 2001:db8::1/128: prefix length /128 is not a multiple of 4 from 4 to 124; "
                        r"nibble reverse zones need /4, /8, \.\.\. /124"),
    (".".join("1000000000000000000000008bd01002") + ".ip6.arpa",
     r"^reverse_zone '1\.0\.0.*' has 32 nibbles; a nibble reverse zone has 1 to 31 \(a /4 to a /124\)"),
    ("home.ip6.arpa", r"^reverse_zone 'home.ip6.arpa' is not a nibble ip6.arpa zone"),
    ("8.x.ip6.arpa", r"^reverse_zone '8.x.ip6.arpa' is not a nibble ip6.arpa zone"),
])
def test_reverse_zones_that_are_not_nibble_zones(zone: str, message: str) -> None:
    with pytest.raises(ZoneError, match=message):
        reverse_zone_name(zone)


def test_an_idn_label_is_converted_non_transitional() -> None:
    """IDNA 2008 with the UTS #46 mapping, non-transitional, as registries convert: faß stays faß (xn--fa-hia), it
    does not become fass as IDNA 2003 (transitional) made it. Newer idna releases ignore transitional=True with a
    DeprecationWarning, older ones (Debian's python3-idna) convert faß to fass: neither happens."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert owner_name("faß", ZONE) == "xn--fa-hia"
        assert owner_name("Straße.lab.example.net.", ZONE) == "xn--strae-oqa"


def test_a_malformed_address_beside_deprecated_ones_is_named() -> None:
    """The deprecated addresses of an instance filter the given ones; an address that is no address is not
    filtered away but refused by name."""
    item = {"name": "lxcw5", "addresses": ["2001:db8:ebbd:2080::5", "2001:db8:ebbd:2080::5g"],
            "ipv6": {"deprecated": ["2001:db8:ebbd:2081::5"]}}
    with pytest.raises(ZoneError, match=r"address '2001:db8:ebbd:2080::5g' is not an IPv6 address"):
        record_set([item], ZONE)


@pytest.mark.parametrize("names, order", [
    ({"w.eu": ["2001:db8:ebbd:2080::e"], "a.us": ["2001:db8:ebbd:2080::a"]}, ["w.eu", "a.us"]),
    ({"ns": ["2001:db8:ebbd:2080::53"], "gw": ["2001:db8:ebbd:2080::1"]}, ["gw", "ns"]),
    ({"db2": ["2001:db8:ebbd:2080::2"], "ns1": ["2001:db8:ebbd:2080::53"]}, ["db2", "ns1"]),
])
def test_owners_of_one_length_sort_by_their_labels_from_the_right(names: dict, order: list) -> None:
    """Names of the same length that are not nibble owners are sorted by their labels from the right (eu before
    us), not by their text read backwards, as nibble PTR owners may be."""
    lines = render_include(names, "AAAA", 300, ZONE).splitlines()[2:]
    assert [line.split()[0] for line in lines] == order


def test_a_one_label_name_fits_the_253_characters_with_its_zone_or_is_refused() -> None:
    zone = ".".join(c * 63 for c in "abc") + ".net"  # 195 characters, 196 with the root's dot
    assert owner_name("w" * 57, zone) == "w" * 57  # 57 + 1 + 196 = 254 with the dots: the most a name may be
    with pytest.raises(ZoneError, match="longer than 253 characters"):
        owner_name("w" * 58, zone)


def test_an_empty_quoted_include_path_names_no_file() -> None:
    assert find_include('$INCLUDE ""\n', '""') is None
    assert find_include('$INCLUDE "farm.inc"\n', "farm.inc") is not None
