# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from typing import Any

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import nsupdate
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.nsupdate import (
    OWNERSHIP_NAME,
    Client,
    ConcurrentChange,
    NsupdateError,
    forward_update,
    forward_views,
    nsupdate_publish,
    owned_names,
    render,
    reverse_update,
    tsig_key,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.planner import (
    Request,
    ReversePlan,
    Server,
    plan_forward,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns.zone_parser import ZoneError

ZONE = "lab.example.net."
REVERSE = "0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."
SECRET = "Wc8EFXz4GZ6VU3mjRLcem9qRArrcTgW4QjcMSsbF71U="
A1, A2, B1 = "2001:db8:ebbd:2080::a1", "2001:db8:ebbd:2080::a2", "2001:db8:ebbd:2080::b1"
PTR_A1 = "1.a.0.0" + ".0" * 12
PTR_1 = "1.0.0.0" + ".0" * 12


def sections(message: Any) -> tuple[list[str], list[str]]:
    """The prerequisite and update sections of an update message, one RR per line, sorted."""
    def lines(rrsets: list[Any]) -> list[str]:
        out = []
        for rrset in rrsets:
            text = rrset.to_text()
            out += text.splitlines() if text else []
        return sorted(out)
    return lines(message.prerequisite), lines(message.update)


# ---------------------------------------------------------------------------------------------------------------
# Pure parts
# ---------------------------------------------------------------------------------------------------------------

def test_render_aligns_sorts_and_skips_empty_rrsets() -> None:
    text = render({
        "w10": {"AAAA": (60, [A2, A1])},
        "@": {"AAAA": (3600, [B1])},
        "a.w1": {"AAAA": (3600, [A1])},
        "gone": {"AAAA": (3600, [])},
        OWNERSHIP_NAME: {"TXT": (3600, ['"w10"'])},
    }, "lab.example.net")
    assert text.splitlines() == [
        "; Zone lab.example.net.",
        f"@                  3600  IN  AAAA  {B1}",
        f'{OWNERSHIP_NAME}  3600  IN  TXT  "w10"',
        f"a.w1               3600  IN  AAAA  {A1}",
        f"w10                60  IN  AAAA  {A2}",
        f"w10                60  IN  AAAA  {A1}",
    ]


def test_owned_names_reads_the_txt_strings() -> None:
    assert owned_names(['"w1"', '"W2"', '""', "w3"]) == {"w1", "w2", "w3"}


def test_forward_update_first_publish_requires_no_ownership_record() -> None:
    fwd = plan_forward(set(), {}, {"w1": [A1], "w2": [A2]}, 3600)
    prerequisite, update = sections(forward_update(ZONE, fwd, 3600, None))
    assert prerequisite == [f"{OWNERSHIP_NAME} NONE TXT"]
    assert update == sorted([
        f'{OWNERSHIP_NAME} 3600 IN TXT "w1"', f'{OWNERSHIP_NAME} 3600 IN TXT "w2"',
        "w1 ANY AAAA", f"w1 3600 IN AAAA {A1}", "w2 ANY AAAA", f"w2 3600 IN AAAA {A2}",
    ])


def test_forward_update_prune_requires_the_ownership_record_as_read() -> None:
    fwd = plan_forward({"w1", "w2"}, {"w1": (3600, [A1]), "w2": (3600, [A2])}, {"w1": [B1]}, 3600, prune=True)
    prerequisite, update = sections(forward_update(ZONE, fwd, 3600, None))
    assert prerequisite == [f'{OWNERSHIP_NAME} 0 IN TXT "w1"', f'{OWNERSHIP_NAME} 0 IN TXT "w2"']
    assert update == sorted([
        f'{OWNERSHIP_NAME} 0 NONE TXT "w2"', "w1 ANY AAAA", f"w1 3600 IN AAAA {B1}", "w2 ANY AAAA",
    ])


def test_forward_update_is_none_without_change() -> None:
    fwd = plan_forward({"w1"}, {"w1": (3600, [A1])}, {"w1": [A1]}, 3600)
    assert forward_update(ZONE, fwd, 3600, None) is None


def test_forward_update_is_signed_with_the_key() -> None:
    key = tsig_key(Server("::1", key_name="pfns-key", key_secret=SECRET))
    message = forward_update(ZONE, plan_forward(set(), {}, {"w1": [A1]}, 3600), 3600, key)
    assert message.keyname == dns.name.from_text("pfns-key")
    assert message.keyalgorithm == dns.tsig.HMAC_SHA256


def test_forward_views_show_the_ownership_record() -> None:
    current = {"w1": (3600, [A1])}
    fwd = plan_forward({"w1"}, current, {"w2": [A2]}, 300)
    before, after = forward_views(current, (3600, ['"w1"']), fwd, 300)
    assert before == {"w1": {"AAAA": (3600, [A1])}, OWNERSHIP_NAME: {"TXT": (3600, ['"w1"'])}}
    assert after == {"w1": {"AAAA": (3600, [A1])}, "w2": {"AAAA": (300, [A2])},
                     OWNERSHIP_NAME: {"TXT": (3600, ['"w1"', '"w2"'])}}


def test_reverse_update_deletes_single_records() -> None:
    rev = ReversePlan(delete={PTR_A1: ["w1.lab.example.net."]}, add={PTR_1: ["w2.lab.example.net."]}, after={})
    prerequisite, update = sections(reverse_update(REVERSE, rev, 3600, None))
    assert prerequisite == []
    assert update == [f"{PTR_1} 3600 IN PTR w2.lab.example.net.", f"{PTR_A1} 0 NONE PTR w1.lab.example.net."]
    assert reverse_update(REVERSE, ReversePlan({}, {}, {}), 3600, None) is None


@pytest.mark.parametrize("server, message", [
    (Server("::1", key_name="k"), "tsig_key_name and tsig_key_secret go together"),
    (Server("::1", key_secret=SECRET), "tsig_key_name and tsig_key_secret go together"),
    (Server("::1", key_name="k", key_secret="not base64!"), "tsig_key_secret for key k is not valid base64"),
    (Server("::1", key_name="k", key_secret=SECRET, algorithm="hmac-whirlpool"), "tsig_algorithm 'hmac-whirlpool'"),
])
def test_bad_keys(server: Server, message: str) -> None:
    with pytest.raises(NsupdateError, match=message):
        tsig_key(server)


def test_a_bad_secret_is_not_in_the_message() -> None:
    with pytest.raises(NsupdateError) as info:
        tsig_key(Server("::1", key_name="k", key_secret="s3cr3t!!"))
    assert "s3cr3t" not in str(info.value)


def test_server_label() -> None:
    assert Server("::1", 53541).label == "[::1]:53541"
    assert Server("192.0.2.53").label == "192.0.2.53:53"


# ---------------------------------------------------------------------------------------------------------------
# The server's answers become messages with the fix
# ---------------------------------------------------------------------------------------------------------------

def answer_with(monkeypatch: pytest.MonkeyPatch, rcode: int | None = None, exc: BaseException | None = None) -> None:
    def tcp(message: Any, *_args: Any, **_kwargs: Any) -> Any:
        if exc is not None:
            raise exc
        response = dns.message.make_response(message)
        response.set_rcode(rcode)
        return response
    monkeypatch.setattr(dns.query, "tcp", tcp)


@pytest.mark.parametrize("rcode, message", [
    (dns.rcode.REFUSED, r"server \[::1\]:53541 refused the update of zone lab.example.net. \(REFUSED\): is "
                        r"`allow-update \{ key pfns-key; \};`"),
    (dns.rcode.NOTAUTH, r"server \[::1\]:53541 is not authoritative for zone lab.example.net. \(NOTAUTH\)"),
    (dns.rcode.SERVFAIL, r"failed to apply the update of zone lab.example.net. \(SERVFAIL\): see its log"),
    (dns.rcode.NOTZONE, r"lies outside zone lab.example.net."),
    (dns.rcode.FORMERR, r"answered FORMERR to the update of zone lab.example.net."),
])
def test_update_failures(monkeypatch: pytest.MonkeyPatch, rcode: int, message: str) -> None:
    answer_with(monkeypatch, rcode)
    client = Client(Server("::1", 53541, "pfns-key", SECRET))
    update = forward_update(ZONE, plan_forward(set(), {}, {"w1": [A1]}, 3600), 3600, None)
    with pytest.raises(NsupdateError, match=message):
        client.send(update, ZONE)


@pytest.mark.parametrize("rcode", [dns.rcode.NXRRSET, dns.rcode.YXRRSET])
def test_a_failed_prerequisite_is_a_concurrent_change(monkeypatch: pytest.MonkeyPatch, rcode: int) -> None:
    answer_with(monkeypatch, rcode)
    client = Client(Server("::1", 53541))
    with pytest.raises(ConcurrentChange):
        client.send(forward_update(ZONE, plan_forward(set(), {}, {"w1": [A1]}, 3600), 3600, None), ZONE)


def test_an_update_refused_without_a_key_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_with(monkeypatch, dns.rcode.REFUSED)
    with pytest.raises(NsupdateError, match="signs it with no TSIG key; give tsig_key_name and tsig_key_secret"):
        Client(Server("::1", 53541)).send(
            forward_update(ZONE, plan_forward(set(), {}, {"w1": [A1]}, 3600), 3600, None), ZONE)


@pytest.mark.parametrize("exc, message", [
    (dns.tsig.PeerBadKey(), r"does not know key pfns-key \(hmac-sha256\) \(BADKEY\) for the SOA query"),
    (dns.tsig.PeerBadSignature(), r"\(BADSIG\) .* tsig_key_secret differs from the secret of the server's key"),
    (dns.tsig.PeerBadTime(), r"\(BADTIME\) .* clocks"),
    (dns.exception.Timeout(), r"server \[::1\]:53541 did not answer within 5 s .* is the DNS server running"),
    (ConnectionRefusedError(), r"server \[::1\]:53541 refused the TCP connection"),
    (OSError("no route"), r"the SOA query for lab.example.net. in zone lab.example.net. at server \[::1\]:53541 "
                          "failed"),
])
def test_exchange_failures(monkeypatch: pytest.MonkeyPatch, exc: BaseException, message: str) -> None:
    answer_with(monkeypatch, exc=exc)
    client = Client(Server("::1", 53541, "pfns-key", SECRET, timeout=5))
    with pytest.raises(NsupdateError, match=message):
        client.serial(ZONE)


@pytest.mark.parametrize("rcode, message", [
    (dns.rcode.REFUSED, r"refused the SOA query for lab.example.net. in zone lab.example.net. \(REFUSED\): does it "
                        "serve zone"),
    (dns.rcode.NOTAUTH, r"is not authoritative for zone lab.example.net. \(NOTAUTH"),
])
def test_query_failures(monkeypatch: pytest.MonkeyPatch, rcode: int, message: str) -> None:
    answer_with(monkeypatch, rcode)
    with pytest.raises(NsupdateError, match=message):
        Client(Server("::1", 53541)).serial(ZONE)


def test_a_non_authoritative_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_with(monkeypatch, dns.rcode.NOERROR)  # make_response sets no AA flag
    with pytest.raises(NsupdateError, match="lacks the AA flag"):
        Client(Server("::1", 53541)).serial(ZONE)


# ---------------------------------------------------------------------------------------------------------------
# The whole task against an in-memory server that applies the updates
# ---------------------------------------------------------------------------------------------------------------

class FakeClient:
    """A primary server for two zones, in memory: RFC 2136 prerequisites and updates applied as named would."""

    def __init__(self, zones: dict[str, dict[str, dict[str, tuple[int, list[str]]]]], transfers: bool = True,
                 interfere: int = 0) -> None:
        self.zones = zones
        self.transfers = transfers
        self.interfere = interfere  # updates whose prerequisite another run breaks first
        self.key = None
        self.sent: list[str] = []
        self.serials = dict.fromkeys(zones, 1)

    def serial(self, zone: str) -> int:
        return self.serials[zone]

    def transfer(self, zone: str) -> dict[str, dict[str, tuple[int, list[str]]]] | None:
        return {o: dict(t) for o, t in self.zones[zone].items()} if self.transfers else None

    def rrsets(self, zone: str, owners: Any, rtype: str, transferred: Any) -> dict[str, tuple[int, list[str]]]:
        data = transferred if transferred is not None else self.zones[zone]
        return {o: data[o][rtype] for o in owners if rtype in data.get(o, {}) and data[o][rtype][1]}

    def send(self, update: Any, zone: str) -> None:
        if self.interfere:
            self.interfere -= 1
            txt = self.zones[zone].setdefault(OWNERSHIP_NAME, {}).setdefault("TXT", (3600, []))
            self.zones[zone][OWNERSHIP_NAME]["TXT"] = (3600, sorted(txt[1] + ['"other"']))
            self.zones[zone].setdefault("other", {})["AAAA"] = (3600, [A2])
        data = self.zones[zone]
        origin = dns.name.from_text(zone)

        def owner(name: Any) -> str:
            return name.relativize(origin).to_text() if name.is_absolute() else name.to_text()

        required: dict[tuple[str, str, int], list[str]] = {}  # RFC 2136 3.2.5: compare whole RRsets
        for rrset in update.prerequisite:
            key = (owner(rrset.name), dns.rdatatype.to_text(rrset.rdtype), rrset.deleting or rrset.rdclass)
            required.setdefault(key, []).extend(r.to_text() for r in rrset)
        for (name, rtype, rdclass), values in required.items():
            now = data.get(name, {}).get(rtype, (0, []))[1]
            if rdclass == dns.rdataclass.NONE and now:
                raise ConcurrentChange("YXRRSET")
            if rdclass == dns.rdataclass.IN and sorted(values) != now:
                raise ConcurrentChange("NXRRSET")
        for rrset in update.update:
            name, rtype = owner(rrset.name), dns.rdatatype.to_text(rrset.rdtype)
            ttl, now = data.get(name, {}).get(rtype, (rrset.ttl, []))
            values = [nsupdate._value(r, rtype) if rtype in ("AAAA", "PTR") else r.to_text() for r in rrset]
            deleting = rrset.deleting or rrset.rdclass  # dnspython keeps the class of a deletion apart
            if deleting == dns.rdataclass.ANY:
                now = []
            elif deleting == dns.rdataclass.NONE:
                now = [v for v in now if v not in values]
            else:
                now, ttl = sorted(set(now) | set(values)), rrset.ttl
            data.setdefault(name, {})[rtype] = (ttl, now)
        self.serials[zone] += 1
        self.sent.append(zone)


def zones() -> dict[str, dict[str, dict[str, tuple[int, list[str]]]]]:
    return {
        ZONE: {"router": {"AAAA": (3600, ["2001:db8:ebbd:2080::1"])}},
        REVERSE: {PTR_1: {"PTR": (3600, ["router.lab.example.net."])}},
    }


def request(records: list[dict[str, Any]], **kwargs: Any) -> Request:
    kwargs = {"ptr": True, "reverse_zone": "2001:db8:ebbd:2080::/64", **kwargs}
    return Request(zone="lab.example.net", records=records, server=Server("::1", 53541), **kwargs)


RECORDS = [{"name": "w1", "addresses": [A1]}, {"name": "w2", "mac": "00:16:3e:97:4e:c9",
                                               "prefix": "2001:db8:ebbd:2080::/64"}]


@pytest.mark.parametrize("transfers", [True, False])
def test_check_mode_sends_nothing_then_apply_then_nothing_to_do(transfers: bool) -> None:
    client = FakeClient(zones(), transfers)
    check = nsupdate_publish(request(RECORDS), True, client)
    assert check.changed and client.sent == [] and client.zones == zones()
    apply = nsupdate_publish(request(RECORDS), False, client)
    assert apply.changed and client.sent == [ZONE, REVERSE]
    assert [u.after for u in apply.changes] == [u.after for u in check.changes]
    assert client.zones[ZONE]["w1"]["AAAA"] == (3600, [A1])
    assert client.zones[ZONE][OWNERSHIP_NAME]["TXT"] == (3600, ['"w1"', '"w2"'])
    assert client.zones[REVERSE][PTR_A1]["PTR"] == (3600, ["w1.lab.example.net."])
    assert apply.changes[0].serial_before == 1 and apply.changes[0].serial_after == 2
    again = nsupdate_publish(request(RECORDS), False, client)
    assert not again.changed and client.sent == [ZONE, REVERSE]
    assert again.changes[0].before == again.changes[0].after


def test_an_address_moves_and_its_old_ptr_goes() -> None:
    client = FakeClient(zones())
    nsupdate_publish(request(RECORDS), False, client)
    outcome = nsupdate_publish(request([{"name": "w1", "addresses": [B1]}, RECORDS[1]]), False, client)
    assert outcome.updated == ["w1"]
    assert client.zones[REVERSE][PTR_A1]["PTR"][1] == []
    assert client.zones[REVERSE]["1.b.0.0" + ".0" * 12]["PTR"][1] == ["w1.lab.example.net."]
    assert client.zones[REVERSE][PTR_1]["PTR"][1] == ["router.lab.example.net."]


def test_prune_and_absent_never_touch_unmanaged_names() -> None:
    client = FakeClient(zones())
    nsupdate_publish(request(RECORDS), False, client)
    outcome = nsupdate_publish(request([], prune=True, max_delete_percent=100), False, client)
    assert outcome.removed == ["w1", "w2"]
    assert client.zones[ZONE]["router"]["AAAA"][1] == ["2001:db8:ebbd:2080::1"]
    assert client.zones[ZONE][OWNERSHIP_NAME]["TXT"][1] == []
    outcome = nsupdate_publish(request([{"name": "router"}], state="absent"), False, client)
    assert not outcome.changed and outcome.removed == []
    assert client.zones[REVERSE][PTR_1]["PTR"][1] == ["router.lab.example.net."]


def test_a_concurrent_run_is_retried_and_its_names_kept() -> None:
    client = FakeClient(zones(), interfere=1)
    outcome = nsupdate_publish(request(RECORDS), False, client)
    assert outcome.changed
    assert client.zones[ZONE][OWNERSHIP_NAME]["TXT"][1] == ['"other"', '"w1"', '"w2"']
    assert client.zones[ZONE]["other"]["AAAA"][1] == [A2]


def test_a_zone_that_keeps_changing_fails() -> None:
    client = FakeClient(zones(), interfere=100)
    with pytest.raises(NsupdateError, match="kept changing during 5 attempts"):
        nsupdate_publish(request(RECORDS), False, client)


@pytest.mark.parametrize("kwargs, records, message", [
    ({"ttl": -1}, RECORDS, "ttl -1 is out of range"),
    ({"max_delete_percent": 101}, RECORDS, "max_delete_percent 101 is not a share"),
    ({}, [{"name": OWNERSHIP_NAME, "addresses": [A1]}], "label '_palmfarm-managed' is not a valid host name"),
    ({}, [{"name": "w1", "addresses": ["192.0.2.1"]}], "'192.0.2.1' is not an IPv6 address"),
    ({"reverse_zone": "2001:db8::/62"}, RECORDS, "/62 is not a multiple of 4"),
])
def test_bad_input_is_rejected_before_any_query(kwargs: dict[str, Any], records: list[Any], message: str) -> None:
    client = FakeClient({})  # any query would fail with a KeyError
    with pytest.raises(ZoneError, match=message):
        nsupdate_publish(request(records, **kwargs), False, client)


def test_bad_port_and_timeout() -> None:
    with pytest.raises(NsupdateError, match="port 0 is not a TCP port"):
        nsupdate_publish(Request(zone=ZONE, records=[], server=Server("::1", 0)), True, FakeClient({}))
    with pytest.raises(NsupdateError, match="timeout 0 is not a positive number"):
        nsupdate_publish(Request(zone=ZONE, records=[], server=Server("::1", timeout=0)), True, FakeClient({}))


# An instance as lxd_farm returns it, with an RFC 7217 stable-privacy address instead of its EUI-64 one.
PRIVATE_MAC_RECORD = {"name": "w5", "state": "Running", "mac": "00:16:3e:97:4e:c9",
                      "address": "2001:db8:ebbd:2080:1c4f:9a2e:7b31:d05e",
                      "ipv6": {"global": ["2001:db8:ebbd:2080:1c4f:9a2e:7b31:d05e"], "ula": [], "link_local": []}}


def test_a_refused_reverse_update_says_the_forward_one_was_applied() -> None:
    class RefusingReverse(FakeClient):
        def send(self, update: Any, zone: str) -> None:
            if zone == REVERSE:
                raise NsupdateError(f"server [::1]:53541 refused the update of zone {zone} (REFUSED)")
            super().send(update, zone)

    client = RefusingReverse(zones())
    with pytest.raises(NsupdateError, match=rf"refused the update of zone {REVERSE} \(REFUSED\) \(the update of "
                                            rf"zone {ZONE} was applied; run the task again once this is fixed\)"):
        nsupdate_publish(request(RECORDS), False, client)
    assert client.sent == [ZONE]


def test_scopes_publish_ula_addresses_whose_ptr_is_left_out_with_a_warning() -> None:
    client = FakeClient(zones())
    ula = "fd6a:c19d:b07:2080:216:3eff:fe97:4ec9"
    instance = {"name": "w5", "state": "Running", "mac": "00:16:3e:97:4e:c9", "address": A1,
                "ipv6": {"global": [A1, B1], "ula": [ula], "deprecated": [B1]}}
    outcome = nsupdate_publish(request([instance], scopes=["global", "ula"]), False, client)
    assert client.zones[ZONE]["w5"]["AAAA"] == (3600, sorted([A1, ula]))
    assert client.zones[REVERSE][PTR_A1]["PTR"] == (3600, ["w5.lab.example.net."])
    assert len(outcome.warnings) == 1 and f"1 address outside the reverse zone {REVERSE}" in outcome.warnings[0]
    assert f"{ula} (w5)" in outcome.warnings[0]
    again = nsupdate_publish(request([instance], scopes=["global", "ula"]), False, client)
    assert not again.changed and len(again.warnings) == 1
