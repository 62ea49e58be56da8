# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names that are not the module's to publish: AAAA records made by hand, aliases, names at or below a
delegation; refused in a zone file and in a dynamic zone, taken over in a dynamic zone only when asked."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import dns.flags
import dns.message
import dns.query
import dns.rrset
import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.nsupdate import (
    OWNERSHIP_NAME,
    Client,
    Server,
    nsupdate_publish,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import Request, check_collisions
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_file import publish
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import (
    ZoneError,
    zone_owners,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._dns.test_nsupdate import (
    ZONE,
    FakeClient,
    request,
    zones,
)
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.run_command import run_command

FILES = Path(__file__).resolve().parents[4] / "integration" / "targets" / "dns_aaaa" / "files"
ZONE_TEXT = (FILES / "lab.example.net.zone").read_text()
A5 = "2001:db8:ebbd:2080::5"
DELEGATED = ZONE_TEXT + "shop\tIN\tNS\tns1.shop.lab.example.net.\nns1.shop\tIN\tAAAA\t2001:db8:ebbd:2080::35\n"


def test_zone_owners_reads_names_as_a_server_does() -> None:
    text = ("$TTL 1h\n@ IN SOA ns1 hostmaster 1 2 3 4 5\n  IN NS ns1\nns1 300 IN AAAA 2001:db8::53\n"
            "    IN A 192.0.2.53\nweb IN 300 CNAME ns1\n$ORIGIN shop.lab.example.net.\n@ NS ns1\nns1 AAAA 2001:db8::1\n"
            "printer.lab.example.net. A 192.0.2.9\nelsewhere.example.org. AAAA 2001:db8::9\n"
            "host ( 600 IN\n  AAAA 2001:db8::7 )\n")
    assert zone_owners(text, "lab.example.net") == {
        "@": {"SOA", "NS"}, "ns1": {"AAAA", "A"}, "web": {"CNAME"}, "shop": {"NS"}, "ns1.shop": {"AAAA"},
        "printer": {"A"}, "host.shop": {"AAAA"}}


def test_zone_owners_of_a_crlf_zone() -> None:
    assert zone_owners(ZONE_TEXT.replace("\n", "\r\n"), "lab.example.net") == zone_owners(ZONE_TEXT, "lab.example.net")


def test_zone_owners_follows_includes_eight_levels_deep() -> None:
    """Nested $INCLUDE files are read eight levels deep, so a loop of includes (a file that includes itself, by a
    slip) ends."""
    files = {f"level{i}.inc": f"host{i} IN AAAA 2001:db8:ebbd:2080::{i}\n$INCLUDE level{i + 1}.inc\n"
             for i in range(1, 10)}
    files["level9.inc"] += "$INCLUDE level1.inc\n"
    owners = zone_owners(ZONE_TEXT + '$INCLUDE "level1.inc"\n', "lab.example.net", files.get)
    assert [n for n in owners if n.startswith("host")] == [f"host{i}" for i in range(1, 9)]


def test_zone_owners_leaves_lines_it_cannot_place_to_the_zone_check() -> None:
    """A hand-written include that starts with a line without an owner, and a line without a record type: the
    zone check reports them; the names around them count."""
    hosts = "\tIN\tAAAA\t2001:db8:ebbd:2080::100\ntill1 IN AAAA 2001:db8:ebbd:2080::101\ntill2 3600 IN\n"
    owners = zone_owners(ZONE_TEXT + '$INCLUDE "hosts.inc"\n', "lab.example.net", {"hosts.inc": hosts}.get)
    assert owners["till1"] == {"AAAA"} and "till2" not in owners and owners["lxcweb"] == {"AAAA"}


@pytest.mark.parametrize("name, message", [
    ("lxcweb", "name lxcweb already has AAAA records in zone file Z, not published by this module: remove them from "
               "the zone file"),
    ("www", "name www is an alias (CNAME) in zone file Z"),
    ("shop", "name shop lies at the delegation shop (its NS records in zone file Z)"),
    ("w1.shop", "name w1.shop lies below the delegation shop (its NS records in zone file Z): the server answers for "
                "it with a referral"),
])
def test_names_that_are_not_the_modules_are_refused(name: str, message: str) -> None:
    with pytest.raises(ZoneError, match=f"^{re.escape(message)}"):
        check_collisions([name], zone_owners(DELEGATED, "lab.example.net"), "zone file Z")


@pytest.mark.parametrize("name", ["lxcw5", "printer", "shopping", "w1.noshop", "@"])
def test_free_names_and_names_with_other_records_are_published(name: str) -> None:
    check_collisions([name], zone_owners(DELEGATED, "lab.example.net"), "zone file Z")


@pytest.mark.parametrize("name, message", [
    ("lxcweb", "name lxcweb already has AAAA records in zone file "),
    ("www", "name www is an alias (CNAME) in zone file "),
    ("w1.shop", "name w1.shop lies below the delegation shop"),
])
def test_a_zone_file_refuses_them_and_nothing_is_written(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "lab.zone").write_text(DELEGATED)
    req = Request(zone="lab.example.net", zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.farm"),
                  records=[{"name": name, "addresses": [A5]}],
                  validate=bool(shutil.which("named-checkzone") or shutil.which("kzonecheck")))
    for check_mode in (True, False):
        with pytest.raises(ZoneError) as caught:
            publish(req, check_mode=check_mode, run_command=run_command)
        assert str(caught.value).startswith(message)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]
    assert (tmp_path / "lab.zone").read_text() == DELEGATED


def test_a_zone_file_withdraws_a_name_whatever_the_zone_holds(tmp_path: Path) -> None:
    (tmp_path / "lab.zone").write_text(ZONE_TEXT)
    req = Request(zone="lab.example.net", zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.farm"),
                  records=[{"name": "lxcweb"}], state="absent", validate=False)
    assert publish(req, check_mode=False, run_command=run_command).removed == []
    assert "lxcweb  300\tIN\tAAAA" in (tmp_path / "lab.zone").read_text()


@pytest.mark.parametrize("take_over", [False, True])
def test_a_zone_file_never_takes_over_a_hand_written_name(tmp_path: Path, take_over: bool) -> None:
    """take_over is for dynamic zones: the module never edits the lines written by hand, so a zone file refuses
    the name even with take_over=true, and says how to let the module publish it."""
    (tmp_path / "lab.zone").write_text(ZONE_TEXT)
    req = Request(zone="lab.example.net", zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.farm"),
                  records=[{"name": "lxcweb", "addresses": [A5]}], take_over=take_over, validate=False)
    with pytest.raises(ZoneError) as caught:
        publish(req, check_mode=False, run_command=run_command)
    assert str(caught.value) == (
        f"name lxcweb already has AAAA records in zone file {tmp_path}/lab.zone (or a file it includes), not "
        "published by this module: remove them from the zone file to let the module publish the name (it never "
        "edits the lines written by hand), or choose another name")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lab.zone"]


@pytest.mark.parametrize("transfers", [True, False])
def test_a_dynamic_zone_refuses_a_hand_made_name_unless_taken_over(transfers: bool) -> None:
    client = FakeClient(zones(), transfers)
    with pytest.raises(ZoneError) as caught:
        nsupdate_publish(request([{"name": "router", "addresses": [A5]}]), False, client)
    assert str(caught.value).startswith(
        "name router already has AAAA records in zone lab.example.net. at server [::1]:53541, not published by this "
        "module: set take_over=true to replace them and manage the name from now on, or choose another name")
    assert client.sent == [] and client.zones == zones()
    outcome = nsupdate_publish(request([{"name": "router", "addresses": [A5]}], take_over=True), False, client)
    assert outcome.changed and outcome.added == ["router"]
    assert client.zones[ZONE]["router"]["AAAA"][1] == [A5]
    assert client.zones[ZONE][OWNERSHIP_NAME]["TXT"][1] == ['"router"']
    # Managed from now on: published again without take_over, and withdrawn by name.
    assert not nsupdate_publish(request([{"name": "router", "addresses": [A5]}]), False, client).changed
    assert nsupdate_publish(request([{"name": "router"}], state="absent"), False, client).removed == ["router"]


@pytest.mark.parametrize("records, message", [
    ([{"name": "w1.shop", "addresses": [A5]}], "name w1.shop lies below the delegation shop (its NS records in zone "
                                               "lab.example.net. at server [::1]:53541)"),
    ([{"name": "www", "addresses": [A5]}], "name www is an alias (CNAME) in zone lab.example.net."),
])
def test_a_dynamic_zone_refuses_delegations_and_aliases_even_taken_over(records: list, message: str) -> None:
    data = zones()
    data[ZONE].update({"shop": {"NS": (3600, ["ns1.shop.lab.example.net."])},
                       "www": {"CNAME": (3600, ["router.lab.example.net."])}})
    client = FakeClient(data)
    with pytest.raises(ZoneError) as caught:
        nsupdate_publish(request(records, take_over=True), False, client)
    assert str(caught.value).startswith(message)
    assert client.sent == []


def test_names_of_hand_written_included_files_count_the_modules_own_do_not(tmp_path: Path) -> None:
    (tmp_path / "hosts.inc").write_text("till1 IN AAAA 2001:db8:ebbd:2080::101\n")
    (tmp_path / "eu.inc").write_text("@ IN NS ns1.eu.lab.example.net.\n")
    (tmp_path / "lab.zone").write_text(ZONE_TEXT + '$INCLUDE "hosts.inc"\n'
                                       f'$INCLUDE "{tmp_path}/eu.inc" eu.lab.example.net.\n')
    req = Request(zone="lab.example.net", zone_file=str(tmp_path / "lab.zone"), include_file=str(tmp_path / "lab.farm"),
                  records=[{"name": "till1", "addresses": [A5]}], validate=False)
    with pytest.raises(ZoneError, match=r"^name till1 already has AAAA records in zone file .* \(or a file it inc"):
        publish(req, check_mode=False, run_command=run_command)
    req.records = [{"name": "w1.eu", "addresses": [A5]}]
    with pytest.raises(ZoneError, match="^name w1.eu lies below the delegation eu"):
        publish(req, check_mode=False, run_command=run_command)
    req.records = [{"name": "lxcw5", "addresses": [A5]}]
    assert publish(req, check_mode=False, run_command=run_command).added == ["lxcw5"]
    assert not publish(req, check_mode=False, run_command=run_command).changed


def _answer(monkeypatch: pytest.MonkeyPatch, fill: Any) -> None:
    """The server answers every query with the response ``fill`` makes of it."""
    def tcp(message: Any, *_args: Any, **_kwargs: Any) -> Any:
        response = dns.message.make_response(message)
        fill(response)
        return response
    monkeypatch.setattr(dns.query, "tcp", tcp)


def test_without_a_transfer_a_referral_names_the_delegation(monkeypatch: pytest.MonkeyPatch) -> None:
    def referral(response: Any) -> None:
        response.flags &= ~dns.flags.AA
        response.authority.append(dns.rrset.from_text("shop.lab.example.net.", 3600, "IN", "NS", "ns1.shop.example."))

    _answer(monkeypatch, referral)
    with pytest.raises(ZoneError, match=r"^name w1.shop.lab.example.net. lies below the delegation "
                                        r"shop.lab.example.net. in zone lab.example.net. at server \[::1\]:53541"):
        Client(Server("::1", 53541)).query("w1.shop.lab.example.net.", "AAAA", ZONE)


def test_without_a_transfer_an_alias_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def alias(response: Any) -> None:
        response.flags |= dns.flags.AA
        response.answer.append(dns.rrset.from_text("www.lab.example.net.", 3600, "IN", "CNAME", "router"))

    _answer(monkeypatch, alias)
    with pytest.raises(ZoneError, match=r"^name www.lab.example.net. is an alias \(CNAME\) in zone lab.example.net."):
        Client(Server("::1", 53541)).query("www.lab.example.net.", "AAAA", ZONE)
