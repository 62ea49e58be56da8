# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bridge_iface's persistent backends: backend detection, the exact files (golden trees), removal of only our
files, warnings about the host's other configuration, and the apply commands.

Golden trees: golden/<case>/before/ is the host's configuration before the change (missing: empty),
golden/<case>/after/ the whole tree after the planned files are written. To rewrite the after/ trees
from the renderer (then review the diff): PALMFARM_REGEN_GOLDEN=1 pytest tests/unit/.../test_bridge_persist.py
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.persist import (
    apply_commands,
    deleted_link,
    detect_backend,
    file_mode,
    inherited_spec,
    marker,
    plan_files,
    plan_warnings,
    pre_commands,
    preflight,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import (
    BridgeError,
    BridgeRequest,
    BridgeSpec,
    FileChange,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.userfiles import restore

GOLDEN = Path(__file__).parent / "golden"


def golden_cases() -> dict[str, tuple[str, BridgeSpec, BridgeRequest | None]]:
    """case -> (backend, spec, request), from golden/cases.json (shared with test_validate.py); the request
    (None: the spec is complete) is the task's, for inherited_spec."""
    cases = json.loads((GOLDEN / "cases.json").read_text())
    return {case: (data["backend"], BridgeSpec(**dict(data["spec"], ports=tuple(data["spec"]["ports"]))),
                   None if data.get("request") is None else BridgeRequest(**data["request"]))
            for case, data in cases.items() if not case.startswith("_")}


def golden_spec(case: str, root: Path) -> tuple[str, BridgeSpec]:
    backend, spec, request = GOLDEN_CASES[case]
    if request is not None:
        spec = inherited_spec(spec, backend, str(root), request=request)[0]
    return backend, spec


GOLDEN_CASES = golden_cases()


def tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


def make_root(tmp_path: Path, case: str) -> Path:
    root = tmp_path / "root"
    before = GOLDEN / case / "before"
    if before.is_dir():
        shutil.copytree(before, root)
    else:
        root.mkdir()
    return root


def write(changes: list[FileChange]) -> None:
    for change in changes:
        if change.after is None:
            os.unlink(change.path)
        else:
            os.makedirs(os.path.dirname(change.path), exist_ok=True)
            Path(change.path).write_text(change.after)


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_tree(tmp_path: Path, case: str) -> None:
    root = make_root(tmp_path, case)
    backend, spec = golden_spec(case, root)
    before = tree(root)
    changes = plan_files(spec, backend, str(root))
    assert changes and all(c.changed for c in changes)
    assert all(c.path.startswith(str(root) + "/") for c in changes)
    assert all(c.before is None for c in changes if os.path.relpath(c.path, root) not in before)
    write(changes)
    after = tree(root)
    golden = GOLDEN / case / "after"
    if os.environ.get("PALMFARM_REGEN_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(root, golden)
    assert after == tree(golden)
    # Files of the host that were there only have lines commented out (moved to the bridge), and every new
    # file carries the marker.
    assert {k: restore(after[k], spec.name) for k in before} == before
    assert all(after[k].startswith(marker(spec.name) + "\n") for k in after if k not in before)
    # Idempotent: planning again on the written tree (inheritance included) changes nothing.
    assert golden_spec(case, root)[1] == spec
    assert not [c for c in plan_files(spec, backend, str(root)) if c.changed]
    # absent removes exactly what was written and uncomments what was moved, nothing else of the host's.
    removal = plan_files(spec, backend, str(root), state="absent")
    assert sorted(c.path for c in removal) == sorted(str(root / k) for k in after if after[k] != before.get(k))
    assert all(c.before == after[os.path.relpath(c.path, root)] for c in removal)
    write(removal)
    assert tree(root) == before


def test_netplan_file_sorts_after_cloud_init(tmp_path: Path) -> None:
    spec = GOLDEN_CASES["netplan_cloudinit"][1]
    (path,) = [c.path for c in plan_files(spec, "netplan", str(tmp_path))]
    assert path == str(tmp_path / "etc/netplan/60-palmfarm-br0.yaml")
    assert sorted(["50-cloud-init.yaml", os.path.basename(path)])[-1] == os.path.basename(path)


def test_port_leaving_the_bridge_removes_its_file(tmp_path: Path) -> None:
    write(plan_files(BridgeSpec("br0", ("eth0", "eth1")), "networkd", str(tmp_path)))
    changes = plan_files(BridgeSpec("br0", ("eth0",)), "networkd", str(tmp_path))
    removed = [c.path for c in changes if c.after is None]
    assert removed == [str(tmp_path / "etc/systemd/network/25-palmfarm-br0-port-eth1.network")]
    assert [c.path for c in changes if c.changed] == removed


def test_other_bridges_and_foreign_files_are_never_removed(tmp_path: Path) -> None:
    write(plan_files(BridgeSpec("br0", ("eth0",)), "nm", str(tmp_path)))
    write(plan_files(BridgeSpec("br0-x", ("eth1",)), "nm", str(tmp_path)))
    foreign = tmp_path / "etc/NetworkManager/system-connections/palmfarm-br0-eth9.nmconnection"
    foreign.write_text("[connection]\nid=hand made\n")
    removal = plan_files(BridgeSpec("br0", ()), "nm", str(tmp_path), state="absent")
    assert sorted(os.path.basename(c.path) for c in removal) == [
        "palmfarm-br0-eth0.nmconnection", "palmfarm-br0.nmconnection"]


def test_config_file_moves_the_netplan_file_and_removes_the_old_one(tmp_path: Path) -> None:
    spec = BridgeSpec("br0", ("eth0",))
    write(plan_files(spec, "netplan", str(tmp_path)))
    changes = plan_files(spec, "netplan", str(tmp_path), config_file="/etc/netplan/90-lab.yaml")
    assert [(os.path.basename(c.path), c.after is None) for c in changes] == [
        ("90-lab.yaml", False), ("60-palmfarm-br0.yaml", True)]


@pytest.mark.parametrize("backend", ["networkd", "nm"])
def test_config_file_refused_for_multi_file_backends(tmp_path: Path, backend: str) -> None:
    with pytest.raises(BridgeError, match=r"config_file '/etc/x' is for the netplan and ifupdown backends"):
        plan_files(BridgeSpec("br0", ("eth0",)), backend, str(tmp_path), config_file="/etc/x")


@pytest.mark.parametrize("backend,state,message", [
    ("kernel", "present", r"backend 'kernel' writes no files; use one of netplan"),
    ("auto", "present", r"backend 'auto' writes no files"),
    ("netplan", "confirmed", r"state 'confirmed' cannot be planned as files; use present or absent"),
])
def test_plan_refuses(tmp_path: Path, backend: str, state: str, message: str) -> None:
    with pytest.raises(BridgeError, match=message):
        plan_files(BridgeSpec("br0", ("eth0",)), backend, str(tmp_path), state=state)


def layout(root: Path, files: dict[str, str], dirs: tuple[str, ...] = ()) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    for rel in dirs:
        (root / rel).mkdir(parents=True, exist_ok=True)


@pytest.mark.parametrize("files,dirs,binaries,expected", [
    ({"etc/netplan/50-cloud-init.yaml": "network: {version: 2}\n", "etc/network/interfaces": ""},
     ("run/NetworkManager",), {"netplan", "NetworkManager"}, "netplan"),
    # netplan YAML without netplan installed: the next backend in line.
    ({"etc/netplan/50-cloud-init.yaml": "", "etc/network/interfaces": ""}, (), set(), "ifupdown"),
    ({"etc/network/interfaces": ""}, ("run/NetworkManager",), {"NetworkManager"}, "nm"),
    # NetworkManager installed but not running (no /run/NetworkManager): not NM.
    ({"etc/network/interfaces": ""}, (), {"NetworkManager"}, "ifupdown"),
    ({"etc/systemd/network/10-eth.network": "", "etc/network/interfaces": ""}, (), set(), "networkd"),
    ({"etc/network/interfaces": "", "run/systemd/netif/state": "OPER_STATE=routable\n"}, (), set(), "networkd"),
    # An empty /etc/systemd/network (systemd ships it), only .link files (udev's), or a /run/systemd/netif with
    # old leases and no state file (networkd not running): not networkd.
    ({"etc/network/interfaces": "", "etc/systemd/network/10-eth.link": ""},
     ("etc/systemd/network", "run/systemd/netif/leases"), set(), "ifupdown"),
])
def test_detect_backend(tmp_path: Path, files: dict[str, str], dirs: tuple[str, ...], binaries: set[str],
                        expected: str) -> None:
    layout(tmp_path, files, dirs)
    assert detect_backend(str(tmp_path), which=lambda name: "/usr/sbin/" + name if name in binaries else None) \
        == expected


def test_detect_backend_names_what_it_looked_at(tmp_path: Path) -> None:
    with pytest.raises(BridgeError) as info:
        detect_backend(str(tmp_path), which=lambda name: None)
    message = str(info.value)
    assert str(tmp_path / "etc/netplan") in message and str(tmp_path / "etc/network/interfaces") in message
    assert "set backend to one of netplan, networkd, ifupdown, nm, or to kernel" in message


@pytest.mark.parametrize("backend,files,config_file,expected", [
    ("netplan", {"etc/netplan/50-cloud-init.yaml": "network:\n  ethernets:\n    eth0: {}\n"}, None, []),
    ("netplan", {"etc/netplan/99-late.yaml": "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n"}, None,
     ["99-late.yaml sorts after {root}/etc/netplan/60-palmfarm-br0.yaml and also names eth0; netplan lets the "
      "later file win"]),
    # eth00 is another interface: no warning.
    ("netplan", {"etc/netplan/99-late.yaml": "network:\n  ethernets:\n    eth00: {}\n"}, None, []),
    ("netplan", {}, "/etc/palmfarm.yaml", ["netplan reads only /etc/netplan/*.yaml, so {root}/etc/palmfarm.yaml"]),
    ("ifupdown", {"etc/network/interfaces": "source /etc/network/interfaces.d/*\nauto lo\n"}, None, []),
    ("ifupdown", {"etc/network/interfaces": "source-directory /etc/network/interfaces.d\n"}, None, []),
    # The port's own stanza is moved to the bridge, not warned about.
    ("ifupdown", {"etc/network/interfaces": "auto lo eth0\niface eth0 inet dhcp\n"}, None,
     ["{root}/etc/network/interfaces has no 'source /etc/network/interfaces.d/*' line"]),
    ("ifupdown", {}, None, ["{root}/etc/network/interfaces does not exist, so ifupdown will not read"]),
    # Sorting after ours: ours wins, no warning.
    ("networkd", {"etc/systemd/network/80-eth0.network": "[Match]\nName=eth0\n"}, None, []),
    ("nm", {"etc/NetworkManager/system-connections/Wired.nmconnection": "[connection]\ninterface-name=eth0\n"},
     None, ["NetworkManager profile {root}/etc/NetworkManager/system-connections/Wired.nmconnection is also bound "
            "to eth0 and may activate instead of palmfarm-br0"]),
    # networkd: a NetworkManager profile still bound to the port is named too.
    ("networkd", {"etc/NetworkManager/system-connections/Wired.nmconnection": "[connection]\ninterface-name=eth0\n"},
     None, ["NetworkManager profile {root}/etc/NetworkManager/system-connections/Wired.nmconnection is also bound "
            "to eth0"]),
    # Bound by the port's MAC only, as NetworkManager writes its own profiles: named too; another NIC's: not.
    ("nm", {"sys/class/net/eth0/address": "dc:a6:32:01:02:03\n",
            "etc/NetworkManager/system-connections/Wired connection 1.nmconnection":
            "[connection]\ntype=ethernet\n[ethernet]\nmac-address=DC:A6:32:01:02:03\n"},
     None, ["NetworkManager profile {root}/etc/NetworkManager/system-connections/Wired connection 1.nmconnection is "
            "also bound to eth0"]),
    ("nm", {"sys/class/net/eth0/address": "dc:a6:32:01:02:03\n",
            "etc/NetworkManager/system-connections/Wired connection 2.nmconnection":
            "[connection]\ntype=ethernet\n[ethernet]\nmac-address=02:00:00:00:00:09\n"}, None, []),
])
def test_plan_warnings(tmp_path: Path, backend: str, files: dict[str, str], config_file: str | None,
                       expected: list[str]) -> None:
    layout(tmp_path, files)
    warnings = plan_warnings(BridgeSpec("br0", ("eth0",)), backend, str(tmp_path), config_file)
    assert len(warnings) == len(expected), warnings
    for warning, start in zip(warnings, expected, strict=False):
        assert start.format(root=tmp_path) in warning


@pytest.mark.parametrize("name,match", [("10-eth0.network", "Name=eth0"), ("05-all.network", "Name=e* !lo"),
                                        ("10-br.network", "Name=br0"),
                                        ("10-lan.network", "MACAddress=DC:A6:32:01:02:03")])
def test_networkd_file_that_would_win_is_refused(tmp_path: Path, name: str, match: str) -> None:
    layout(tmp_path, {f"etc/systemd/network/{name}": f"[Match]\n{match}\n\n[Network]\nDHCP=yes\n",
                      "sys/class/net/eth0/address": "dc:a6:32:01:02:03\n"})
    spec = BridgeSpec("br0", ("eth0",))
    with pytest.raises(BridgeError) as info:
        plan_files(spec, "networkd", str(tmp_path))
    message = str(info.value)
    assert f"{tmp_path}/etc/systemd/network/{name} matches " in message
    assert "sorts before " in message and "Rename it to sort after " in message
    # The same file sorting after ours is read (the bridge inherits its DHCP), not refused.
    (tmp_path / f"etc/systemd/network/{name}").rename(tmp_path / "etc/systemd/network/90-late.network")
    assert inherited_spec(spec, "networkd", str(tmp_path))[0].dhcp4 is (match != "Name=br0")


def test_no_warnings_when_removing(tmp_path: Path) -> None:
    assert plan_warnings(BridgeSpec("br0", ("eth0",)), "ifupdown", str(tmp_path), state="absent") == []


@pytest.mark.parametrize("backend,mode", [("netplan", 0o600), ("nm", 0o600), ("networkd", 0o644),
                                          ("ifupdown", 0o644)])
def test_file_mode(backend: str, mode: int) -> None:
    assert file_mode(backend) == mode


def test_file_mode_refuses_kernel() -> None:
    with pytest.raises(BridgeError, match="backend 'kernel' writes no files"):
        file_mode("kernel")


SPEC2 = BridgeSpec("br0", ("eth0", "eth1"))


@pytest.mark.parametrize("backend,state,expected", [
    ("netplan", "present", [["netplan", "apply"]]),
    # netplan apply leaves the bridge that left its files: deleted after it.
    ("netplan", "absent", [["netplan", "apply"], ["ip", "link", "delete", "br0"]]),
    ("networkd", "present", [["networkctl", "reload"], ["networkctl", "reconfigure", "br0", "eth0", "eth1"]]),
    ("networkd", "absent", [["networkctl", "reload"], ["networkctl", "delete", "br0"],
                            ["networkctl", "reconfigure", "eth0", "eth1"]]),
    ("ifupdown", "present", [["ifup", "br0"]]),
    # ifdown (a pre-command) can leave the bridge up, so not deleted: what is left is deleted.
    ("ifupdown", "absent", [["ip", "link", "delete", "br0"], ["ifup", "eth0"], ["ifup", "eth1"]]),
    ("nm", "present", [["nmcli", "connection", "reload"], ["nmcli", "connection", "up", "palmfarm-br0"]]),
    ("nm", "absent", [["nmcli", "connection", "reload"]]),
])
def test_apply_commands(backend: str, state: str, expected: list[list[str]]) -> None:
    assert apply_commands(backend, SPEC2, state) == expected


@pytest.mark.parametrize("command,link", [
    (["networkctl", "delete", "br0"], "br0"), (["ip", "link", "delete", "br0"], "br0"),
    (["networkctl", "reload"], None), (["netplan", "apply"], None), (["ip", "link", "set", "br0", "up"], None),
    (["ifdown", "--force", "br0"], None),
])
def test_deleted_link(command: list[str], link: str | None) -> None:
    assert deleted_link(command) == link


def test_apply_commands_without_ports() -> None:
    # Removing a bridge whose ports are unknown: nothing to reconfigure or bring up besides the bridge.
    assert apply_commands("networkd", BridgeSpec("br0", ()), "absent") == [
        ["networkctl", "reload"], ["networkctl", "delete", "br0"]]
    assert apply_commands("ifupdown", BridgeSpec("br0", ()), "absent") == [["ip", "link", "delete", "br0"]]


@pytest.mark.parametrize("backend,state,expected", [
    # ifdown needs the stanza it brought the interface up with: it runs before the files change.
    ("ifupdown", "present", [["ifdown", "--force", "eth0"], ["ifdown", "--force", "eth1"]]),
    ("ifupdown", "absent", [["ifdown", "--force", "br0"]]),
    ("netplan", "absent", []), ("networkd", "present", []), ("nm", "absent", []),
])
def test_pre_commands(backend: str, state: str, expected: list[list[str]]) -> None:
    assert pre_commands(backend, SPEC2, state) == expected


def test_preflight_refuses_ifupdown_without_bridge_utils(tmp_path: Path) -> None:
    with pytest.raises(BridgeError) as info:
        preflight(SPEC2, "ifupdown", str(tmp_path))
    assert "bridge-utils package" in str(info.value) and "apt-get install bridge-utils" in str(info.value)
    assert f"{tmp_path}/etc/network/if-pre-up.d/bridge is missing" in str(info.value)
    layout(tmp_path, {"etc/network/if-pre-up.d/bridge": "#!/bin/sh\n"})
    preflight(SPEC2, "ifupdown", str(tmp_path))
    preflight(SPEC2, "ifupdown", str(tmp_path / "nothing"), state="absent")  # removing needs no hook
    preflight(SPEC2, "netplan", str(tmp_path / "nothing"))


@pytest.mark.parametrize("case,config_file", [("netplan_pi", "/etc/netplan/50-cloud-init.yaml"),
                                              ("ifupdown_debian", "/etc/network/interfaces"),
                                              ("ifupdown_static", "/etc/network/interfaces")])
def test_config_file_naming_a_users_file_is_edited_in_place(tmp_path: Path, case: str, config_file: str) -> None:
    root = make_root(tmp_path, case)
    backend, spec = GOLDEN_CASES[case][:2]
    spec = inherited_spec(spec, backend, str(root), config_file)[0]
    path = root / config_file.lstrip("/")
    before = path.read_text()
    changes = plan_files(spec, backend, str(root), config_file=config_file)
    assert [c.path for c in changes] == [str(path)]  # no file of our own, nothing else touched
    write(changes)
    after = path.read_text()
    # Everything of the user's is still there (cloud-init's match/set-name and header; the lo stanza and the
    # source line), the port's lines are commented out, the bridge added.
    assert restore(after, spec.name) == before
    for kept in ("match:", "set-name: eth0", "# This file is generated", "source /etc/network/interfaces.d/*",
                 "iface lo inet loopback"):
        assert (kept in before) == (kept in after.replace(restore(after, spec.name), before))
    assert "br0" in after and "bridge_iface" in after
    # Idempotent, also for what it inherits.
    assert inherited_spec(GOLDEN_CASES[case][1], backend, str(root), config_file)[0] == spec
    assert not [c for c in plan_files(spec, backend, str(root), config_file=config_file) if c.changed]
    # absent gives the file back as it was, and does not delete it.
    removal = plan_files(spec, backend, str(root), config_file=config_file, state="absent")
    assert [(c.path, c.after) for c in removal] == [(str(path), before)]


def test_config_file_in_place_refuses_a_bridge_defined_there(tmp_path: Path) -> None:
    root = make_root(tmp_path, "netplan_static_bridge")
    with pytest.raises(BridgeError, match=r"01-netcfg.yaml already defines bridge br0; remove that definition"):
        plan_files(BridgeSpec("br0", ("eth0",)), "netplan", str(root), config_file="/etc/netplan/01-netcfg.yaml")
