# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The bridge file validator with the real tools, each in a scratch root: `netplan generate` (Debian package
netplan.io), ifupdown's `ifquery` and NetworkManager's `nmcli --offline`, plus libnm's keyfile reader
(python3-gi, gir1.2-nm-1.0, libnm0).

ifquery and nmcli come from scripts/fetch_net_tools.sh (unpacked, not installed: installing ifupdown or
network-manager would reconfigure this machine's network) in $PALMFARM_NET_TOOLS, default
$PALMFARM_TEST_DIR/net-tools (/tmp/palmfarm-ipv6-test/net-tools). A test is skipped, saying why, only when its
tool is absent. Each tool is also shown an invalid file and must reject it with its own message.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.addressing import ini_entries, networkd_matches
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.persist import inherited_spec, plan_files
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import (
    BridgeError,
    BridgeRequest,
    BridgeSpec,
    FileChange,
)
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.validate import parse_ini, validate

GOLDEN = Path(__file__).parent / "golden"
NET_TOOLS = Path(os.environ.get("PALMFARM_NET_TOOLS")
                 or Path(os.environ.get("PALMFARM_TEST_DIR", "/tmp/palmfarm-ipv6-test")) / "net-tools")
FETCH = "run scripts/fetch_net_tools.sh"


def runnable(path: str | Path | None, *args: str) -> str | None:
    if not path or not os.access(path, os.X_OK):
        return None
    try:
        proc = subprocess.run([str(path), *args], capture_output=True, timeout=30, check=False)
    except OSError:
        return None
    return str(path) if proc.returncode == 0 else None


NETPLAN = shutil.which("netplan")
IFQUERY = runnable(NET_TOOLS / "sbin" / "ifquery", "--version") or runnable(shutil.which("ifquery"), "--version")
NMCLI = runnable(NET_TOOLS / "usr" / "bin" / "nmcli", "--version") or runnable(shutil.which("nmcli"), "--version")
SYSTEM_PYTHON = "/usr/bin/python3"
LIBNM_IMPORT = "import gi; gi.require_version('NM', '1.0'); from gi.repository import NM"
LIBNM = os.path.exists(SYSTEM_PYTHON) and subprocess.run(
    [SYSTEM_PYTHON, "-c", LIBNM_IMPORT], capture_output=True, check=False).returncode == 0

needs_netplan = pytest.mark.skipif(not NETPLAN, reason="netplan is not installed (apt-get install netplan.io)")
needs_ifquery = pytest.mark.skipif(not IFQUERY, reason=f"ifquery not found in {NET_TOOLS}; {FETCH}")
needs_nmcli = pytest.mark.skipif(not NMCLI, reason=f"nmcli not found or not runnable in {NET_TOOLS}; {FETCH} and "
                                 "apt-get install libnm0")
needs_libnm = pytest.mark.skipif(not LIBNM, reason="libnm's introspection data is missing (apt-get install "
                                 "python3-gi gir1.2-nm-1.0)")


def golden_case(case: str, root: Path) -> tuple[str, BridgeSpec]:
    """The case's backend and spec, completed from the files under root as the module does (cases with a
    request)."""
    data = json.loads((GOLDEN / "cases.json").read_text())[case]
    spec = BridgeSpec(**dict(data["spec"], ports=tuple(data["spec"]["ports"])))
    if data.get("request") is not None:
        spec = inherited_spec(spec, data["backend"], str(root), request=BridgeRequest(**data["request"]))[0]
    return data["backend"], spec


def tools(**found: str | None):
    """A `which` that finds exactly the tools given (name -> path)."""
    return found.get


def root_from(tmp_path: Path, case: str | None = None, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "root"
    before = GOLDEN / case / "before" if case else None
    if before is not None and before.is_dir():
        shutil.copytree(before, root)
    root.mkdir(exist_ok=True)
    for rel, text in (files or {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def replace(changes: list[FileChange], old: str, new: str) -> list[FileChange]:
    edited = [FileChange(c.path, c.before, c.after.replace(old, new) if c.after else c.after) for c in changes]
    assert edited != changes, f"the test edit {old!r} did not apply"
    return edited


MAC = "dc:a6:32:01:02:03"
SPEC = BridgeSpec("br0", ("eth0",), mac=MAC, dhcp4=True)


# ---------------------------------------------------------------------------------------------- netplan


@needs_netplan
@pytest.mark.parametrize("case", ["netplan_cloudinit", "netplan_empty", "netplan_pi", "netplan_static_bridge",
                                  "netplan_pi_lan0", "netplan_ubuntu_pi", "netplan_flow_values",
                                  "netplan_match_mac"])
def test_netplan_accepts_golden(tmp_path: Path, case: str) -> None:
    root = root_from(tmp_path, case)
    backend, spec = golden_case(case, root)
    before = sorted((str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file())
    changes = plan_files(spec, backend, str(root))
    warnings = validate(backend, changes, str(root), which=tools(netplan=NETPLAN))
    assert all("netplan" in w for w in warnings)
    if not any("ipv6-address-generation:" in (c.after or "") for c in changes):
        assert not any("ipv6-address-generation" in w for w in warnings), warnings
    # Only the scratch copy saw the planned file: the tree under root is as it was.
    assert sorted((str(p), p.read_bytes()) for p in root.rglob("*") if p.is_file()) == before


@needs_netplan
@pytest.mark.parametrize("case, port, mac, renamed", [
    ("netplan_pi", "eth0", "e4:5f:01:aa:bb:cc", {"MACAddress": "e4:5f:01:aa:bb:cc", "Name": "eth0"}),
    ("netplan_pi_lan0", "lan0", "e4:5f:01:aa:bb:cc", {"MACAddress": "e4:5f:01:aa:bb:cc", "Name": "lan0"}),
    ("netplan_ubuntu_pi", "eth0", None, None),
    # match: macaddress: without set-name, under an id (lan) that is no interface's name.
    ("netplan_match_mac", "eth0", "dc:a6:32:5e:01:02", None),
])
def test_netplan_renders_the_port_into_the_bridge(tmp_path: Path, case: str, port: str, mac: str | None,
                                                  renamed: dict[str, str] | None) -> None:
    """What systemd-networkd gets from `netplan generate` on the written files: the first .network file that
    matches the port (its kernel name and MAC; the only one networkd uses) puts it in the bridge and gives it no
    address of its own, and the users' match/set-name still names the port."""
    root = root_from(tmp_path, case)
    backend, spec = golden_case(case, root)
    for change in plan_files(spec, backend, str(root)):
        Path(change.path).write_text(change.after or "")
        Path(change.path).chmod(0o600)
    subprocess.run([NETPLAN, "generate", "--root-dir", str(root)], check=True, capture_output=True)
    rendered = root / "run/systemd/network"
    first = next(p for p in sorted(rendered.glob("*.network")) if networkd_matches(p.read_text(), port, mac))
    network = parse_ini(first.read_text())
    assert network["Network"].get("Bridge") == "br0", first.read_text()
    assert "DHCP" not in network["Network"] and "Address" not in network["Network"]
    links = [parse_ini(p.read_text()) for p in sorted(rendered.glob("*.link"))]
    if renamed:
        assert [{"MACAddress": link["Match"].get("PermanentMACAddress") or link["Match"].get("MACAddress"),
                 "Name": link["Link"]["Name"]} for link in links] == [renamed]


@needs_netplan
def test_netplan_rejects_undefined_port_with_its_message(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    changes = replace(plan_files(SPEC, "netplan", str(root)), "interfaces: [eth0]", "interfaces: [eth9]")
    with pytest.raises(BridgeError) as info:
        validate("netplan", changes, str(root), which=tools(netplan=NETPLAN))
    message = str(info.value)
    assert message.startswith("netplan generate rejected the configuration: ")
    assert "br0: interface 'eth9' is not defined" in message
    # The message names the file where it will live, not the scratch copy.
    assert str(root / "etc/netplan/60-palmfarm-br0.yaml") in message


@needs_netplan
def test_netplan_rejects_bad_value(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    changes = replace(plan_files(SPEC, "netplan", str(root)), "stp: false", "stp: maybe")
    with pytest.raises(BridgeError, match="invalid boolean value 'maybe'"):
        validate("netplan", changes, str(root), which=tools(netplan=NETPLAN))


@needs_netplan
def test_netplan_later_file_overriding_the_mac_is_an_error(tmp_path: Path) -> None:
    root = root_from(tmp_path, "netplan_cloudinit", {
        "etc/netplan/70-late.yaml":
            'network:\n  version: 2\n  bridges:\n    br0:\n      macaddress: "02:00:00:00:00:99"\n'})
    with pytest.raises(BridgeError, match=r"MACAddress=02:00:00:00:00:99 \(wanted dc:a6:32:01:02:03\); another file"):
        validate("netplan", plan_files(SPEC, "netplan", str(root)), str(root), which=tools(netplan=NETPLAN))


@needs_netplan
def test_netplan_rendering_nothing_for_the_bridge_is_an_error(tmp_path: Path) -> None:
    root = root_from(tmp_path, "netplan_cloudinit")
    changes = plan_files(SPEC, "netplan", str(root), config_file="/etc/palmfarm/br0.yaml")
    with pytest.raises(BridgeError, match="netplan generate rendered nothing for bridge br0"):
        validate("netplan", changes, str(root), which=tools(netplan=NETPLAN))


@needs_netplan
def test_netplan_with_networkmanager_renderer(tmp_path: Path) -> None:
    root = root_from(tmp_path, files={"etc/netplan/01-network-manager-all.yaml":
                                      "network:\n  version: 2\n  renderer: NetworkManager\n"})
    validate("netplan", plan_files(SPEC, "netplan", str(root)), str(root), which=tools(netplan=NETPLAN))


@needs_netplan
def test_netplan_removal_leaves_a_valid_configuration(tmp_path: Path) -> None:
    root = root_from(tmp_path, "netplan_cloudinit")
    for change in plan_files(SPEC, "netplan", str(root)):
        Path(change.path).write_text(change.after)
    removal = plan_files(SPEC, "netplan", str(root), state="absent")
    cloud_init = GOLDEN / "netplan_cloudinit/before/etc/netplan/50-cloud-init.yaml"
    assert [(os.path.basename(c.path), c.after) for c in removal] == [
        ("50-cloud-init.yaml", cloud_init.read_text()), ("60-palmfarm-br0.yaml", None)]
    assert validate("netplan", removal, str(root), which=tools(netplan=NETPLAN)) == []


@pytest.mark.parametrize(("stderr", "warnings"), [
    # netplan 1.x in a container, where no udevd runs to reload its rules.
    ("Failed to send reload request: No such file or directory\n", []),
    ("Failed to send reload request: No such file or directory\nsomething else\n",
     ["netplan generate warned: something else"]),
])
def test_netplan_udev_reload_complaint_is_no_warning(tmp_path: Path, stderr: str, warnings: list[str]) -> None:
    def run(argv, **kwargs):
        return subprocess.CompletedProcess(argv, 0, "", stderr)
    assert validate("netplan", [], str(tmp_path), run=run, which=lambda name: "/usr/sbin/netplan") == warnings


def rendering(netdev: str, network: str):
    """A `netplan generate` stand-in that renders br0 for systemd-networkd as given (netdev, network)."""
    def run(argv, **kwargs):
        out = Path(argv[argv.index("--root-dir") + 1]) / "run/systemd/network"
        out.mkdir(parents=True)
        (out / "10-netplan-br0.netdev").write_text(netdev)
        (out / "10-netplan-br0.network").write_text(network)
        return subprocess.CompletedProcess(argv, 0, "", "")
    return run


PLANNED_BR0 = FileChange("/etc/netplan/60-palmfarm-br0.yaml", None,
                         "network:\n  bridges:\n    br0:\n      stp: true\n      ipv6-address-generation: eui64\n")


@pytest.mark.parametrize("network,warnings", [
    ("[Network]\nIPv6LinkLocalAddressGenerationMode=eui64\n", []),
    ("[Network]\n", ["this netplan does not pass ipv6-address-generation to systemd-networkd; set addr_gen_mode"]),
])
def test_netplan_dropping_the_address_generation_is_a_warning(tmp_path: Path, network: str,
                                                              warnings: list[str]) -> None:
    run = rendering("[NetDev]\nName=br0\nKind=bridge\n\n[Bridge]\nSTP=true\n", network)
    got = validate("netplan", [PLANNED_BR0], "/", run=run, which=lambda name: "/usr/sbin/netplan")
    assert len(got) == len(warnings) and all(got[n].startswith(start) for n, start in enumerate(warnings)), got


def test_netplan_rendering_the_bridge_without_its_stp_is_an_error() -> None:
    run = rendering("[NetDev]\nName=br0\nKind=bridge\n\n[Bridge]\nSTP=false\n", "")
    with pytest.raises(BridgeError, match=r"rendered bridge br0 differently from the planned file: STP=false "
                                          r"\(wanted true\); another file in /etc/netplan overrides it"):
        validate("netplan", [PLANNED_BR0], "/", run=run, which=lambda name: "/usr/sbin/netplan")


# ---------------------------------------------------------------------------------------------- ifupdown


@needs_ifquery
@pytest.mark.parametrize("case", ["ifupdown_two_ports", "ifupdown_no_ra", "ifupdown_debian", "ifupdown_static"])
def test_ifquery_accepts_golden(tmp_path: Path, case: str) -> None:
    root = root_from(tmp_path, case)
    backend, spec = golden_case(case, root)
    assert validate(backend, plan_files(spec, backend, str(root)), str(root), which=tools(ifquery=IFQUERY)) == []


@needs_ifquery
@pytest.mark.parametrize("interfaces", [None, "auto lo\niface lo inet loopback\n"])
def test_ifquery_refuses_our_file_when_ifup_does_not_read_it(tmp_path: Path, interfaces: str | None) -> None:
    """What ifquery is shown is exactly what ifup reads: no source line, no bridge (ifup br0 would fail)."""
    root = root_from(tmp_path, files={"etc/network/interfaces": interfaces} if interfaces else None)
    with pytest.raises(BridgeError) as info:
        validate("ifupdown", plan_files(SPEC, "ifupdown", str(root)), str(root), which=tools(ifquery=IFQUERY))
    message = str(info.value)
    if interfaces:
        assert f"{root}/etc/network/interfaces does not read {root}/etc/network/interfaces.d/palmfarm-br0" in message
        assert "add the line 'source /etc/network/interfaces.d/*'" in message
        assert "config_file: /etc/network/interfaces" in message
    else:
        assert message.startswith("ifquery")


@needs_ifquery
def test_ifquery_rejects_unknown_method_with_its_message(tmp_path: Path) -> None:
    root = root_from(tmp_path, "ifupdown_two_ports")
    changes = replace(plan_files(SPEC, "ifupdown", str(root)), "iface br0 inet dhcp", "iface br0 inet bogus")
    with pytest.raises(BridgeError) as info:
        validate("ifupdown", changes, str(root), which=tools(ifquery=IFQUERY))
    assert "ifquery rejected the configuration" in str(info.value)
    assert "unknown or no method" in str(info.value)


@needs_ifquery
def test_ifquery_bridge_without_ports_is_an_error(tmp_path: Path) -> None:
    root = root_from(tmp_path, "ifupdown_two_ports")
    changes = replace(plan_files(SPEC, "ifupdown", str(root)), "    bridge_ports eth0\n", "")
    with pytest.raises(BridgeError, match="ifquery br0 shows no bridge_ports"):
        validate("ifupdown", changes, str(root), which=tools(ifquery=IFQUERY))


# ---------------------------------------------------------------------------------------------- NetworkManager


@needs_nmcli
@needs_libnm
@pytest.mark.parametrize("case", ["nm_dhcp", "nm_stp_no_mac", "nm_static"])
def test_nm_accepts_golden(tmp_path: Path, case: str) -> None:
    root = root_from(tmp_path, case)
    backend, spec = golden_case(case, root)
    assert validate(backend, plan_files(spec, backend, str(root)), str(root),
                    which=tools(nmcli=NMCLI, **{"/usr/bin/python3": SYSTEM_PYTHON})) == []


@needs_nmcli
def test_nmcli_rejects_forward_delay_out_of_range(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    spec = BridgeSpec("br0", ("eth0",), stp=True, forward_delay=0)
    with pytest.raises(BridgeError) as info:
        validate("nm", plan_files(spec, "nm", str(root)), str(root), which=tools(nmcli=NMCLI))
    assert "nmcli --offline rejected %s" % (root / "etc/NetworkManager/system-connections/palmfarm-br0.nmconnection") \
        in str(info.value)
    assert "bridge.forward-delay: value '0' is out of range <2-30>" in str(info.value)


@needs_nmcli
def test_nmcli_alone_lets_unknown_values_pass_and_says_so(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    changes = replace(plan_files(SPEC, "nm", str(root)), "method=auto\n", "method=auto\naddr-gen-mode=bogus\n")
    warnings = validate("nm", changes, str(root), which=tools(nmcli=NMCLI))
    assert len(warnings) == 1 and "nmcli --offline checked the NetworkManager profiles but ignores" in warnings[0]


@needs_libnm
def test_libnm_rejects_unknown_value_with_its_message(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    changes = replace(plan_files(SPEC, "nm", str(root)), "method=auto\n", "method=auto\naddr-gen-mode=bogus\n")
    with pytest.raises(BridgeError) as info:
        validate("nm", changes, str(root), which=tools(nmcli=NMCLI, **{"/usr/bin/python3": SYSTEM_PYTHON}))
    message = str(info.value)
    assert message.startswith("NetworkManager's keyfile reader (libnm) rejected the profile: ")
    assert "palmfarm-br0.nmconnection: [ipv6] addr-gen-mode: invalid option 'bogus'" in message


@needs_libnm
def test_libnm_rejects_profile_without_type(tmp_path: Path) -> None:
    root = root_from(tmp_path)
    changes = replace(plan_files(SPEC, "nm", str(root)), "type=bridge\n", "")
    with pytest.raises(BridgeError, match="rejected the profile: .*palmfarm-br0.nmconnection: "):
        validate("nm", changes, str(root), which=tools(**{"/usr/bin/python3": SYSTEM_PYTHON}))


# ---------------------------------------------------------------------------------------------- missing tools


@pytest.mark.parametrize("backend,package", [
    ("netplan", "netplan.io"), ("ifupdown", "package ifupdown"), ("nm", "python3-gi and gir1.2-nm-1.0")])
def test_missing_tool_is_a_warning_naming_the_package(tmp_path: Path, backend: str, package: str) -> None:
    root = root_from(tmp_path)
    warnings = validate(backend, plan_files(SPEC, backend, str(root)), str(root), which=tools())
    assert len(warnings) == 1 and package in warnings[0] and "not" in warnings[0]


# ---------------------------------------------------------------------------------------------- networkd


def test_networkd_golden_passes_the_parser_and_says_no_tool_exists(tmp_path: Path) -> None:
    root = root_from(tmp_path, "networkd_stp")
    backend, spec = golden_case("networkd_stp", root)
    assert validate(backend, plan_files(spec, backend, str(root)), str(root)) == [
        "systemd-networkd has no offline checker; the .netdev/.network files were checked by this collection's "
        "parser of the keys it writes"]


@pytest.mark.parametrize("old,new,message", [
    ("STP=no", "STP=maybe", r"STP=maybe in \[Bridge\] is not valid"),
    ("MACAddress=dc:a6:32:01:02:03", "MACAddress=dc:a6:32", r"MACAddress=dc:a6:32 in \[NetDev\] is not valid"),
    ("ForwardDelaySec=0", "ForwardDelay=0", r"unknown key ForwardDelay= in \[Bridge\]"),
    ("[Bridge]", "[Bridges]", r"unknown section \[Bridges\]"),
    ("DHCP=ipv4", "DHCP=v4", r"DHCP=v4 in \[Network\] is not valid"),
    ("Kind=bridge", "Kind bridge", r"line \d+ 'Kind bridge' is neither"),
])
def test_networkd_parser_rejects(tmp_path: Path, old: str, new: str, message: str) -> None:
    changes = replace(plan_files(SPEC, "networkd", str(tmp_path)), old, new)
    with pytest.raises(BridgeError, match=message):
        validate("networkd", changes, str(tmp_path))


def test_parse_ini() -> None:
    assert parse_ini("# c\n[A]\nx = 1\n\n[B]\ny=2\ny=3\n") == {"A": {"x": "1"}, "B": {"y": "3"}}
    assert parse_ini("[Match]\n[Network]\nBridge=br0\n") == {"Match": {}, "Network": {"Bridge": "br0"}}
    # A value in brackets, or a line that only ends with one, names no section.
    assert parse_ini("[Network]\nAddress=[2001:db8::1]\n") == {"Network": {"Address": "[2001:db8::1]"}}
    assert parse_ini("[Link]\n# [Old]\n") == {"Link": {}}


def test_validate_refuses_kernel() -> None:
    with pytest.raises(BridgeError, match="backend 'kernel' has no files to validate"):
        validate("kernel", [])


@pytest.mark.parametrize("case", ["networkd_static", "networkd_stp"])
def test_networkd_inherited_golden_passes_the_parser(tmp_path: Path, case: str) -> None:
    root = root_from(tmp_path, case)
    backend, spec = golden_case(case, root)
    assert len(validate(backend, plan_files(spec, backend, str(root)), str(root))) == 1


def addressing_keys(text: str) -> list[tuple[str, str, str]]:
    keys = {("Network", "Address"), ("Network", "DNS"), ("Network", "Domains"), ("Network", "DHCP"),
            ("Route", "Gateway"), ("Route", "Destination")}
    found = sorted((s, k, v) for s, k, v in ini_entries(text) if (s, k) in keys)
    # netplan spells a default route out (systemd-networkd takes a [Route] without Destination= as one), and
    # leaves DHCP=no, the default, unsaid.
    return [e for e in found if e[2] not in ("0.0.0.0/0", "::/0") and e != ("Network", "DHCP", "no")]


@needs_netplan
@pytest.mark.parametrize("case", ["networkd_static", "nm_static", "ifupdown_static"])
def test_networkd_addressing_matches_what_netplan_renders(tmp_path: Path, case: str) -> None:
    """systemd-networkd has no offline checker: the bridge's .network file is compared with the one netplan
    generate renders from our netplan file for the same inherited addressing."""
    root = root_from(tmp_path, case)
    dummy, spec = golden_case(case, root)
    # The SLAAC address generation NetworkManager's profile has (nm_static) is not netplan's to render for
    # networkd; only the addresses, routes and DNS are compared.
    spec = dataclasses.replace(spec, addr_gen_mode=None)
    (ours,) = [c.after for c in plan_files(spec, "networkd", str(tmp_path / "n"))
               if c.path.endswith("25-palmfarm-br0.network")]
    scratch = tmp_path / "netplan"
    (planned,) = plan_files(spec, "netplan", str(scratch))
    Path(planned.path).parent.mkdir(parents=True)
    Path(planned.path).write_text(planned.after)
    os.chmod(planned.path, 0o600)
    subprocess.run([NETPLAN, "generate", "--root-dir", str(scratch)], check=True, capture_output=True)
    rendered = (scratch / "run/systemd/network/10-netplan-br0.network").read_text()
    assert spec.addresses and addressing_keys(ours) == addressing_keys(rendered)


@needs_netplan
@pytest.mark.parametrize("case,config_file", [("netplan_pi", "/etc/netplan/50-cloud-init.yaml"),
                                              ("netplan_cloudinit", "/etc/netplan/50-cloud-init.yaml")])
def test_netplan_accepts_config_file_edited_in_place(tmp_path: Path, case: str, config_file: str) -> None:
    root = root_from(tmp_path, case)
    dummy, spec = golden_case(case, root)
    changes = plan_files(spec, "netplan", str(root), config_file=config_file)
    warnings = validate("netplan", changes, str(root), which=tools(netplan=NETPLAN))
    assert all("ipv6-address-generation" in w for w in warnings)


@needs_netplan
def test_netplan_checks_the_bridge_added_in_place(tmp_path: Path) -> None:
    root = root_from(tmp_path, "netplan_cloudinit", {
        "etc/netplan/70-late.yaml":
            'network:\n  version: 2\n  bridges:\n    br0:\n      macaddress: "02:00:00:00:00:99"\n'})
    changes = plan_files(SPEC, "netplan", str(root), config_file="/etc/netplan/50-cloud-init.yaml")
    with pytest.raises(BridgeError, match=r"MACAddress=02:00:00:00:00:99 \(wanted dc:a6:32:01:02:03\); another file"):
        validate("netplan", changes, str(root), which=tools(netplan=NETPLAN))


@needs_ifquery
@pytest.mark.parametrize("case", ["ifupdown_debian", "ifupdown_static"])
def test_ifquery_accepts_config_file_edited_in_place(tmp_path: Path, case: str) -> None:
    root = root_from(tmp_path, case)
    dummy, spec = golden_case(case, root)
    changes = plan_files(spec, "ifupdown", str(root), config_file="/etc/network/interfaces")
    assert validate("ifupdown", changes, str(root), which=tools(ifquery=IFQUERY)) == []


def test_parse_ini_names_the_line_it_cannot_read() -> None:
    with pytest.raises(BridgeError, match=r"line 3 'bogus' is neither \[Section\] nor Key=Value"):
        parse_ini("[Match]\nName=eth0\nbogus\n")
    with pytest.raises(BridgeError, match=r"line 1 '\[Match' is neither"):
        parse_ini("[Match\nName=eth0\n")
    with pytest.raises(BridgeError, match="line 1 'Name=eth0' is neither"):
        parse_ini("Name=eth0\n")


@pytest.mark.parametrize("version, parsed", [
    ("nmcli tool, version 1.42.4\n", (1, 42, 4)),
    ("nmcli tool, version 1.40\n", (1, 40, 0)),
    ("something else\n", (0,)),
])
def test_nm_version(version: str, parsed: tuple[int, ...]) -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import validate as module

    def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(argv, 0, version, "")

    assert module._nm_version("nmcli", run) == parsed


def test_nmcli_offline_is_used_from_version_1_40_on(tmp_path: Path) -> None:
    """nmcli 1.40.0 has --offline: the keyfile is shown to it (and found wanting here)."""
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        if argv[1:] == ["--version"]:
            return subprocess.CompletedProcess(argv, 0, "nmcli tool, version 1.40.0\n", "")
        return subprocess.CompletedProcess(argv, 2, "", "Error: invalid connection\n")

    change = FileChange("/etc/NetworkManager/system-connections/br0.nmconnection", None,
                        "[connection]\nid=br0\ntype=bridge\n")
    with pytest.raises(BridgeError, match="invalid connection"):
        validate("nm", [change], str(tmp_path), run=run, which=lambda tool: f"/usr/bin/{tool}")
    assert ["/usr/bin/nmcli", "--offline", "connection", "modify", "connection.autoconnect", "yes"] in calls


def test_nm_removal_has_nothing_to_check(tmp_path: Path) -> None:
    change = FileChange("/etc/NetworkManager/system-connections/br0.nmconnection", "[connection]\n", None)
    assert validate("nm", [change], str(tmp_path), which=lambda tool: None) == []


@needs_ifquery
def test_ifquery_copes_with_a_dangling_symlink_in_etc_network(tmp_path: Path) -> None:
    """An /etc/network holding a link to nowhere (a removed file's link in interfaces.d) is copied as it is."""
    root = root_from(tmp_path, "ifupdown_debian")
    backend, spec = golden_case("ifupdown_debian", root)
    (root / "etc/network/interfaces.d").mkdir(parents=True, exist_ok=True)
    (root / "etc/network/interfaces.d/old").symlink_to("/nonexistent/old-interfaces")
    assert validate(backend, plan_files(spec, backend, str(root)), str(root), which=tools(ifquery=IFQUERY)) == []


def test_tool_message_falls_back_from_stderr_to_stdout_to_the_status() -> None:
    from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import validate as module

    def done(stdout: str, stderr: str) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess([], 1, stdout, stderr)

    assert module._tool_message(done("out /s/etc/x", ""), "/s/", "/r") == "out /r/etc/x"
    assert module._tool_message(done("out", "err"), "/s", "/r") == "err"
    assert module._tool_message(done("", ""), "/s", "/r") == "exit status 1"


def test_libnm_is_tried_with_the_next_python_when_one_lacks_gi(tmp_path: Path) -> None:
    """Exit status 3 of the keyfile check means 'no gi here': the next Python is asked, and its yes counts."""
    asked: list[str] = []

    def run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        asked.append(argv[0])
        return subprocess.CompletedProcess(argv, 3 if argv[0] == "/usr/bin/python3" else 0, "", "")

    change = FileChange("/etc/NetworkManager/system-connections/br0.nmconnection", None,
                        "[connection]\nid=br0\ntype=bridge\n")
    found = {"/usr/bin/python3": "/usr/bin/python3", "python3": "/opt/venv/bin/python3"}
    assert validate("nm", [change], str(tmp_path), run=run, which=found.get) == []
    assert asked == ["/usr/bin/python3", "/opt/venv/bin/python3"]
