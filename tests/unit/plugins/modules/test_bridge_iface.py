# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface's main(): bad input fails before the kernel is read or anything is changed; the order of the
persistent backends' commands and file changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import flow
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.kernel import LinkState
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import FileChange, LinkInfo
from ansible_collections.palmfarm.ipv6.plugins.modules import bridge_iface

LINKS = {
    "eth0": LinkInfo("eth0", address="02:aa:bb:cc:dd:01"),
    "eth1": LinkInfo("eth1", address="02:aa:bb:cc:dd:02", master="br9", master_kind="bridge"),
}


def run(args: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    def no_state(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the module read the running state although the input is invalid")

    monkeypatch.setattr(flow.netlink, "read_links", lambda: dict(LINKS))
    monkeypatch.setattr(flow.netlink, "read_state", no_state)
    monkeypatch.setattr(flow.rollback, "arm", no_state)
    with patch_module_args(args), pytest.raises(SystemExit):
        bridge_iface.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("args, message", [
    ({"name": "pfbr-toolong-16c", "ports": ["eth0"]}, "bridge name 'pfbr-toolong-16c' is 16 characters"),
    ({"name": "pfbr-toolong-16c", "state": "confirmed"}, "is 16 characters"),
    ({"ports": ["eth9"], "backend": "kernel"}, "port eth9 does not exist on this host (interfaces: eth0, eth1)"),
    ({"ports": ["eth1"], "backend": "kernel"}, "port eth1 is already a port of bridge br9"),
    ({"ports": ["eth0"], "backend": "kernel", "mac": "nope"}, "MAC 'nope' is not a MAC address"),
    ({"ports": ["eth0"], "backend": "kernel", "rollback_timeout": -1}, "rollback_timeout -1 is negative"),
    ({"ports": ["eth0"], "backend": "kernel", "connectivity_check": ["gw"]}, "entry 'gw' is not an IP address"),
    ({"ports": ["eth0"], "backend": "bogus"}, "value of backend must be one of: auto, netplan"),
    ({"ports": ["eth0"], "addr_gen_mode": "random"}, "value of addr_gen_mode must be one of: eui64, stable-privacy"),
])
def test_bad_input(args, message, capsys, monkeypatch):
    result = run(args, capsys, monkeypatch)
    assert result["failed"]
    assert message in result["msg"]


@pytest.mark.parametrize("state,before,after,expected", [
    # absent: br0 goes down while its stanza is still there (ifdown reads it), what ifdown left of it is deleted,
    # then the port comes up.
    ("absent", "stanza", None, [("ifdown --force br0", "stanza"), ("ip link delete br0", None), ("ifup eth0", None)]),
    # present: the port goes down while the user's stanza for it is still there, then the bridge comes up.
    ("present", "iface eth0 inet dhcp", "moved",
     [("ifdown --force eth0", "iface eth0 inet dhcp"), ("ifup br0", "moved")]),
])
def test_ifupdown_ifdown_runs_before_the_stanza_changes(state, before, after, expected, capsys, monkeypatch,
                                                        tmp_path):
    path = tmp_path / "interfaces"
    path.write_text(before)
    seen = []

    def run_command(self, argv, **kwargs):
        seen.append((" ".join(argv), path.read_text() if path.exists() else None))
        return 0, "", ""

    enslaved = state == "absent"
    monkeypatch.setattr(flow.netlink, "read_links", lambda: {
        "br0": LinkInfo("br0", kind="bridge"),
        "eth0": LinkInfo("eth0", address="02:aa:bb:cc:dd:01", master="br0" if enslaved else None,
                         master_kind="bridge" if enslaved else None)})
    monkeypatch.setattr(flow.netlink, "read_state", lambda names: {
        "br0": LinkState("br0", exists=enslaved, kind="bridge"),
        "eth0": LinkState("eth0", mac="02:aa:bb:cc:dd:01", master="br0" if enslaved else None)})
    monkeypatch.setattr(flow.netlink, "forwarding", lambda: False)
    monkeypatch.setattr(flow.netlink, "default_route_links", list)
    persist = flow._persist()
    monkeypatch.setattr(persist, "preflight", lambda *args: None)
    monkeypatch.setattr(persist, "plan_files", lambda *args, **kwargs: [FileChange(str(path), before, after)])
    monkeypatch.setattr(flow, "_validate", lambda backend, changes: [])
    monkeypatch.setattr(bridge_iface.AnsibleModule, "run_command", run_command)
    with patch_module_args({"ports": ["eth0"], "state": state, "backend": "ifupdown", "rollback_timeout": 0,
                            "inherit_addressing": False}), pytest.raises(SystemExit):
        bridge_iface.main()
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] and not result.get("failed"), result
    assert seen == expected
    assert result["commands"] == [command for command, dummy in expected]


@pytest.mark.parametrize("errors,message", [
    ([], "no file was changed; the previous state was restored at T"),
    (["/etc/x: boom"], "no file was changed; the revert at T could not restore everything: /etc/x: boom"),
])
def test_a_file_that_cannot_be_written_changes_none_and_the_message_tells_the_revert(
        errors, message, capsys, monkeypatch, tmp_path):
    first = tmp_path / "first.yaml"
    first.write_text("user's\n")
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    monkeypatch.setattr(flow.netlink, "read_links", lambda: dict(LINKS))
    monkeypatch.setattr(flow.netlink, "read_state", lambda names: {
        "br0": LinkState("br0", exists=False), "eth0": LinkState("eth0", mac="02:aa:bb:cc:dd:01")})
    monkeypatch.setattr(flow.netlink, "forwarding", lambda: False)
    persist = flow._persist()
    monkeypatch.setattr(persist, "inherited_spec", lambda spec, *args: (spec, persist.Addressing()))
    monkeypatch.setattr(persist, "plan_files", lambda *args, **kwargs: [
        FileChange(str(first), "user's\n", "edited\n"), FileChange(str(blocked / "br0.yaml"), None, "ours\n")])
    monkeypatch.setattr(flow, "_validate", lambda backend, changes: [])
    monkeypatch.setattr(flow.rollback, "state_dir", lambda name: str(tmp_path / "state"))
    monkeypatch.setattr(flow.rollback, "arm", lambda *args: {"armed": True, "confirmed": False,  # arm's shape
                                                             "deadline": "T", "state_dir": str(tmp_path / "state")})
    monkeypatch.setattr(flow.rollback, "fire", lambda directory: {"at": "T", "errors": errors})
    with patch_module_args({"ports": ["eth0"], "backend": "netplan"}), pytest.raises(SystemExit):
        bridge_iface.main()
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and result["msg"].startswith(f"cannot write {blocked}/br0.yaml: ")
    assert result["msg"].endswith(message)
    assert first.read_text() == "user's\n" and sorted(p.name for p in tmp_path.iterdir()) == ["first.yaml",
                                                                                              "not-a-dir"]


@pytest.mark.parametrize("still_there,expected", [
    # netplan apply leaves the bridge (eth0 free, br0 empty): it is deleted after netplan has its new files.
    (True, ["netplan apply", "ip link delete br0"]),
    # The network tool removed it already: nothing to delete, and no failure.
    (False, ["netplan apply"]),
])
def test_netplan_absent_deletes_the_bridge_it_leaves(still_there, expected, capsys, monkeypatch, tmp_path):
    path = tmp_path / "60-palmfarm-br0.yaml"
    seen = []
    links = {"br0": LinkInfo("br0", kind="bridge"), "eth0": LinkInfo("eth0", address="02:aa:bb:cc:dd:01",
                                                                     master="br0", master_kind="bridge")}

    def run_command(self, argv, **kwargs):
        seen.append(" ".join(argv))
        if argv == ["netplan", "apply"] and not still_there:
            del links["br0"]
        return 0, "", ""

    monkeypatch.setattr(flow.netlink, "read_links", lambda: dict(links))
    monkeypatch.setattr(flow.netlink, "read_state", lambda names: {
        "br0": LinkState("br0", exists="br0" in links, kind="bridge"),
        "eth0": LinkState("eth0", mac="02:aa:bb:cc:dd:01", master="br0" if "br0" in links else None)})
    monkeypatch.setattr(flow.netlink, "default_route_links", list)
    persist = flow._persist()
    monkeypatch.setattr(persist, "plan_files", lambda *args, **kwargs: [FileChange(str(path), "ours\n", None)])
    monkeypatch.setattr(flow, "_validate", lambda backend, changes: [])
    monkeypatch.setattr(bridge_iface.AnsibleModule, "run_command", run_command)
    with patch_module_args({"state": "absent", "backend": "netplan", "rollback_timeout": 0}), \
            pytest.raises(SystemExit):
        bridge_iface.main()
    result = json.loads(capsys.readouterr().out)
    assert result["changed"] and not result.get("failed"), result
    assert seen == expected
    assert result["ports"] == ["eth0"]
