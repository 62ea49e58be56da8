# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.palmfarm.ipv6.plugins.module_utils._dns import nsupdate
from ansible_collections.palmfarm.ipv6.plugins.modules import dns_aaaa
from ansible_collections.palmfarm.ipv6.tests.unit.plugins.module_utils._dns.test_nsupdate import (
    A1,
    PRIVATE_MAC_RECORD,
    REVERSE,
    SECRET,
    ZONE,
    FakeClient,
    zones,
)

ARGS = {"method": "nsupdate", "server": "::1", "port": 53541, "tsig_key_name": "pfns-key", "tsig_key_secret": SECRET,
        "zone": "lab.example.net", "ptr": True, "reverse_zone": "2001:db8:ebbd:2080::/64"}


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        client: FakeClient | None = None) -> dict[str, Any]:
    def connect(server: Any) -> FakeClient:
        if client is None:
            raise AssertionError("the module contacted the server although the input is invalid")
        return client

    monkeypatch.setattr(nsupdate, "Client", connect)
    # Once controller code is imported (other tests import ansible.errors), warnings go to the display
    # instead of the result; the module runs on a target here.
    monkeypatch.setattr(module_utils_internal, "is_controller", False)
    with patch_module_args(args), pytest.raises(SystemExit):
        dns_aaaa.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("args, message", [
    ({"method": "nsupdate", "zone": "lab.example.net"},
     "method is nsupdate but all of the following are missing: server"),
    ({"zone": "lab.example.net"}, "method is file but all of the following are missing: zone_file, include_file"),
    ({k: v for k, v in ARGS.items() if k != "tsig_key_secret"},
     "parameters are required together: tsig_key_name, tsig_key_secret"),
    ({**ARGS, "tsig_algorithm": "hmac-whirlpool"}, "value of tsig_algorithm must be one of"),
    ({k: v for k, v in ARGS.items() if k != "reverse_zone"},
     "ptr is True but all of the following are missing: reverse_zone"),
    ({**ARGS, "records": [{"name": "w1", "addresses": ["192.0.2.1"]}]}, "'192.0.2.1' is not an IPv6 address"),
    ({**ARGS, "tsig_key_secret": "no base64!"}, "tsig_key_secret for key pfns-key is not valid base64"),
])
def test_bad_input_fails_before_contacting_the_server(args: dict[str, Any], message: str,
                                                      capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(args, capsys, monkeypatch)
    assert result["failed"] is True
    assert message in result["msg"]
    assert SECRET not in json.dumps(result)


def test_method_file_does_not_load_dnspython() -> None:
    import subprocess
    import sys
    code = ("import sys; import ansible_collections.palmfarm.ipv6.plugins.modules.dns_aaaa; "
            "print(sorted(m for m in sys.modules if m == 'dns' or m.startswith('dns.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": ":".join(p for p in sys.path if p)})
    assert out.stdout.strip() == "[]"


def test_without_dnspython_the_task_says_what_to_install(capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils import _optional
    monkeypatch.setattr(_optional, "import_dnspython", lambda: (None, "Traceback: No module named 'dns'"))
    result = run({**ARGS, "records": [{"name": "w1", "addresses": [A1]}]}, capsys, monkeypatch)
    assert result["failed"] is True
    assert "Failed to import the required Python library (dnspython)" in result["msg"]


def test_check_mode_diff_then_apply_then_no_change(capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeClient(zones())
    args = {**ARGS, "records": [{"name": "w1", "addresses": [A1]}, PRIVATE_MAC_RECORD], "name_prefix": "lxc"}
    check = run({**args, "_ansible_check_mode": True, "_ansible_diff": True}, capsys, monkeypatch, client)
    assert check["changed"] is True and client.sent == []
    assert check["added"] == ["lxcw1", "lxcw5"]
    assert [d["before_header"] for d in check["diff"]] == [f"{ZONE} at [::1]:53541", f"{REVERSE} at [::1]:53541"]
    assert "lxcw1              3600  IN  AAAA  2001:db8:ebbd:2080::a1" in check["diff"][0]["after"]
    assert check["serial"] == {ZONE: {"before": 1, "after": 1}, REVERSE: {"before": 1, "after": 1}}
    warnings = json.dumps(check["warnings"])  # ansible-core 2.19 wraps each warning in an event
    assert "instance w5: the EUI-64 address 2001:db8:ebbd:2080:216:3eff:fe97:4ec9 of MAC" in warnings
    assert "stable-privacy" in warnings
    assert SECRET not in json.dumps(check)
    apply = run(args, capsys, monkeypatch, client)
    assert apply["changed"] is True and client.sent == [ZONE, REVERSE]
    assert apply["serial"][ZONE] == {"before": 1, "after": 2}
    again = run({**args, "_ansible_check_mode": True}, capsys, monkeypatch, client)
    assert again["changed"] is False
    again = run(args, capsys, monkeypatch, client)
    assert again["changed"] is False and client.sent == [ZONE, REVERSE]


def test_server_failures_become_failed_tasks(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    class Refusing(FakeClient):
        def send(self, update: Any, zone: str) -> None:
            raise nsupdate.NsupdateError(f"server [::1]:53541 refused the update of zone {zone} (REFUSED)")

    result = run({**ARGS, "records": [{"name": "w1", "addresses": [A1]}]}, capsys, monkeypatch, Refusing(zones()))
    assert result["failed"] is True
    assert result["msg"] == f"server [::1]:53541 refused the update of zone {ZONE} (REFUSED)"
