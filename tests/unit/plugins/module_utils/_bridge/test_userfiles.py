# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The users' own network files as bridge_iface reads and edits them, in trees laid out like a host's root: which
files are read and in which order (netplan, ifupdown's source lines, systemd-networkd's directories,
NetworkManager's profiles), the ports' MACs under sys/class/net, the reversible edit that comments a port's
addressing out and gives it back, and the bridge added to a user's netplan file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge import userfiles
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.addressing import Addressing
from ansible_collections.palmfarm.ipv6.plugins.module_utils._bridge.spec import BridgeError

MOVED = "# moved to br0 by palmfarm.ipv6 bridge_iface: "
ADDED = "  # added for br0 by palmfarm.ipv6 bridge_iface"

# /etc/netplan/50-cloud-init.yaml as cloud-init writes it on a Raspberry Pi image.
CLOUD_INIT = """\
# This file is generated from information provided by the datasource.  Changes
# to it will not persist across an instance reboot.  To disable cloud-init's
# network configuration capabilities, write a file
# /etc/cloud/cloud.cfg.d/99-disable-network-config.cfg with the following:
# network: {config: disabled}
---
network:
    ethernets:
        eth0:
            dhcp4: true
            match:
                macaddress: dc:a6:32:01:02:03
            optional: true
            set-name: eth0
    version: 2
"""

# /etc/network/interfaces as the Debian installer writes it.
DEBIAN_INTERFACES = """\
# This file describes the network interfaces available on your system
# and how to activate them. For more information, see interfaces(5).

source /etc/network/interfaces.d/*

# The loopback network interface
auto lo
iface lo inet loopback
"""


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def netplan_root(tmp_path: Path, text: str) -> Path:
    write(tmp_path, "etc/netplan/10-x.yaml", text)
    return tmp_path


def edited(root: Path) -> str:
    """The text of the one netplan file under ``root`` after bridge_iface takes eth0's addressing to br0."""
    return list(userfiles.netplan(str(root), ("eth0",), "br0", set()).edits.values())[0][1]


def moved(text: str) -> list[str]:
    """The lines of ``text`` commented out as moved to br0, as they were."""
    return [line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("# moved to br0")]


# ---- the marks and the reversible edit -----------------------------------------------------------------------------

def test_the_marks_name_the_bridge() -> None:
    assert userfiles.marker("br0") == "# Managed by palmfarm.ipv6 bridge_iface; edits are overwritten. Bridge: br0"
    assert userfiles.marker("br0").startswith(userfiles.OURS)
    assert userfiles.block_end("lan0") == "# End of the lines palmfarm.ipv6 bridge_iface manages for bridge lan0"
    assert userfiles.taken_prefix("br0") == MOVED
    assert userfiles.added_suffix("br0") == ADDED


def test_take_and_restore_round_trip() -> None:
    text = "a\n  b\nc\n"
    taken = userfiles.take(text, {1}, "br0", {2: ["  d: 1"]})
    assert taken == "a\n# moved to br0 by palmfarm.ipv6 bridge_iface:   b\nc\n  d: 1  # added for br0 by " \
        "palmfarm.ipv6 bridge_iface\n"
    assert userfiles.restore(taken, "br0") == text
    assert userfiles.restore(taken, "br1") == taken  # another bridge's marks are not ours


def test_restore_removes_the_bridges_block_and_the_blank_line_before_it() -> None:
    block = (userfiles.marker("br0") + "\nauto br0\niface br0 inet dhcp\n    bridge_ports eth0\n"
             + userfiles.block_end("br0") + "\n")
    edited = userfiles.with_block(DEBIAN_INTERFACES, block)
    assert edited == DEBIAN_INTERFACES + "\n" + block
    assert userfiles.restore(edited, "br0") == DEBIAN_INTERFACES
    assert userfiles.restore(edited, "br1") == edited


def test_restore_keeps_the_lines_after_the_block() -> None:
    text = ("auto lo\n\n" + userfiles.marker("br0") + "\nauto br0\n" + userfiles.block_end("br0")
            + "\n\nauto wlan0\niface wlan0 inet dhcp\n")
    assert userfiles.restore(text, "br0") == "auto lo\n\nauto wlan0\niface wlan0 inet dhcp\n"


def test_restore_reads_crlf_lines() -> None:
    text = "auto lo\r\n" + MOVED + "allow-hotplug eth0\r\n" + "  dhcp4: false" + ADDED + "\r\n"
    assert userfiles.restore(text, "br0") == "auto lo\r\nallow-hotplug eth0\r\n"


@pytest.mark.parametrize("text, touched", [
    (DEBIAN_INTERFACES, False),
    (DEBIAN_INTERFACES + MOVED + "allow-hotplug eth0\n", True),
    (CLOUD_INIT + "    bridges:" + ADDED + "\n", True),
    (DEBIAN_INTERFACES + "\n" + userfiles.marker("br0") + "\n", True),
    (DEBIAN_INTERFACES + "# moved to br1 by palmfarm.ipv6 bridge_iface: allow-hotplug eth0\n", False),
])
def test_touched_says_whether_a_file_holds_the_bridges_edits(text: str, touched: bool) -> None:
    assert userfiles.touched(text, "br0") is touched


@pytest.mark.parametrize("text, expected", [
    ("", "BLOCK\n"),
    ("\n\n", "BLOCK\n"),
    ("auto lo", "auto lo\n\nBLOCK\n"),
    ("auto lo\n\n\n", "auto lo\n\nBLOCK\n"),
])
def test_with_block_puts_one_blank_line_before_the_block(text: str, expected: str) -> None:
    assert userfiles.with_block(text, "BLOCK\n") == expected


def test_take_without_lines_changes_nothing() -> None:
    assert userfiles.take(CLOUD_INIT, set(), "br0") == CLOUD_INIT
    assert userfiles.take("", {0}, "br0") == ""


# ---- the ports' MACs ------------------------------------------------------------------------------------------------

def test_port_macs_reads_sys_class_net_in_lower_case(tmp_path: Path) -> None:
    write(tmp_path, "sys/class/net/eth0/address", "DC:A6:32:01:02:03\n")
    write(tmp_path, "sys/class/net/eth1/address", "\n")  # no MAC (a tunnel)
    write(tmp_path, "sys/class/net/wlan0/address", "e4:5f:01:aa:bb:cc\n")
    assert userfiles.port_macs(str(tmp_path), ("eth0", "eth1", "eth9")) == {"eth0": "dc:a6:32:01:02:03"}
    assert userfiles.port_macs(str(tmp_path), []) == {}


def test_a_file_that_cannot_be_read_is_a_bridge_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "sys/class/net/eth0", "not a directory\n")
    with pytest.raises(BridgeError, match=rf"^cannot read {tmp_path}/sys/class/net/eth0/address: "):
        userfiles.port_macs(str(tmp_path), ("eth0",))


# ---- netplan --------------------------------------------------------------------------------------------------------

def test_netplan_comments_out_cloud_inits_dhcp4_and_keeps_the_rest(tmp_path: Path) -> None:
    path = write(tmp_path, "etc/netplan/50-cloud-init.yaml", CLOUD_INIT)
    found = userfiles.netplan(str(tmp_path), ("eth0",), "br0", set())
    after = CLOUD_INIT.replace("            dhcp4: true\n", MOVED + "            dhcp4: true\n")
    assert found.edits == {str(path): (CLOUD_INIT, after)}
    assert found.taken == {str(path): after}
    assert found.addressing == Addressing(dhcp4=True, sources=(str(path),))
    assert found.netplan_ids == {}
    assert yaml.safe_load(after)["network"]["ethernets"]["eth0"] == {
        "match": {"macaddress": "dc:a6:32:01:02:03"}, "optional": True, "set-name": "eth0"}


def test_netplan_reads_an_edited_file_as_it_was_and_edits_it_no_further(tmp_path: Path) -> None:
    path = write(tmp_path, "etc/netplan/50-cloud-init.yaml", CLOUD_INIT)
    first = userfiles.netplan(str(tmp_path), ("eth0",), "br0", set())
    path.write_text(first.taken[str(path)])
    again = userfiles.netplan(str(tmp_path), ("eth0",), "br0", set())
    assert again.edits == {}
    assert again.taken == first.taken
    assert again.addressing == first.addressing


def test_netplan_leaves_the_files_this_collection_writes_alone(tmp_path: Path) -> None:
    ours = write(tmp_path, "etc/netplan/60-palmfarm-br0.yaml", userfiles.marker("br0") + "\nnetwork:\n  version: 2\n"
                 "  ethernets:\n    eth0:\n      dhcp6: true\n")
    listed = write(tmp_path, "etc/netplan/70-other.yaml", "network:\n  version: 2\n  ethernets:\n    eth0:\n"
                   "      dhcp4: true\n")
    found = userfiles.netplan(str(tmp_path), ("eth0",), "br0", {str(listed)})
    assert found.addressing == Addressing()
    assert found.edits == {} and found.taken == {}
    assert ours.read_text().endswith("dhcp6: true\n")


def test_netplan_reads_no_file_but_yaml_in_etc_netplan(tmp_path: Path) -> None:
    write(tmp_path, "etc/netplan/50-cloud-init.yaml.dpkg-old", CLOUD_INIT)
    write(tmp_path, "lib/netplan/00-network-manager-all.yaml", "network:\n  version: 2\n  renderer: NetworkManager\n")
    found = userfiles.netplan(str(tmp_path), ("eth0",), "br0", set())
    assert found.addressing == Addressing() and found.taken == {}


def test_netplan_refuses_a_file_that_is_no_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "etc/netplan/01-netcfg.yaml", "network:\n  ethernets:\n    eth0:\n   dhcp4: [true\n")
    with pytest.raises(BridgeError, match=rf"(?s)^{path} is not valid YAML \(.*\); fix it before changing the bridge$"):
        userfiles.netplan(str(tmp_path), ("eth0",), "br0", set())


def test_netplan_insert_adds_the_bridge_with_the_files_own_indentation() -> None:
    items = [(0, "br0:"), (1, "interfaces: [eth0]"), (1, "dhcp4: true")]
    text = userfiles.netplan_insert("/etc/netplan/50-cloud-init.yaml", CLOUD_INIT, "br0", items)
    assert text == CLOUD_INIT + (
        "    bridges:" + ADDED + "\n"
        "        br0:" + ADDED + "\n"
        "            interfaces: [eth0]" + ADDED + "\n"
        "            dhcp4: true" + ADDED + "\n")
    assert yaml.safe_load(text)["network"]["bridges"] == {"br0": {"interfaces": ["eth0"], "dhcp4": True}}
    assert userfiles.restore(text, "br0") == CLOUD_INIT


def test_netplan_insert_adds_the_bridge_beside_the_users_bridges() -> None:
    text = ("network:\n  version: 2\n  bridges:\n    br1:\n      interfaces: [eth1]\n      dhcp4: true\n"
            "  ethernets:\n    eth1:\n      dhcp4: false\n")
    items = [(0, "br0:"), (1, "interfaces: [eth0]")]
    edited = userfiles.netplan_insert("/etc/netplan/01-netcfg.yaml", text, "br0", items)
    assert edited == ("network:\n  version: 2\n  bridges:\n    br1:\n      interfaces: [eth1]\n      dhcp4: true\n"
                      "    br0:" + ADDED + "\n      interfaces: [eth0]" + ADDED + "\n"
                      "  ethernets:\n    eth1:\n      dhcp4: false\n")
    assert set(yaml.safe_load(edited)["network"]["bridges"]) == {"br0", "br1"}


@pytest.mark.parametrize("text, message", [
    ("network:\n  bridges:\n    br0:\n      interfaces: [eth0]\n",
     r"^config_file /etc/netplan/x.yaml already defines bridge br0; remove that definition"),
    ("network: {version: 2}\n", r"^config_file /etc/netplan/x.yaml has no block-style network: mapping to add br0 to"),
    ("# nothing yet\n", r"^config_file /etc/netplan/x.yaml has no block-style network: mapping"),
    ("network:\n  version: 2\n  bridges: {br1: {interfaces: [eth1]}}\n",
     r"^config_file /etc/netplan/x.yaml: its bridges: is not a block-style mapping"),
    ("network:\n  version: 2\n  bridges: [br1]\n", r"^config_file /etc/netplan/x.yaml: its bridges: is not a block"),
    ("network:\n\tversion: 2\n", r"^/etc/netplan/x.yaml is not valid YAML"),
])
def test_netplan_insert_refuses_what_it_cannot_add_to(text: str, message: str) -> None:
    with pytest.raises(BridgeError, match=message):
        userfiles.netplan_insert("/etc/netplan/x.yaml", text, "br0", [(0, "br0:"), (1, "interfaces: [eth0]")])


# ---- ifupdown -------------------------------------------------------------------------------------------------------

def test_ifupdown_files_follow_source_lines_in_order(tmp_path: Path) -> None:
    main = write(tmp_path, "etc/network/interfaces", DEBIAN_INTERFACES + "source /etc/network/vlans\n")
    eth1 = write(tmp_path, "etc/network/interfaces.d/eth1", "allow-hotplug eth1\niface eth1 inet dhcp\n")
    eth0 = write(tmp_path, "etc/network/interfaces.d/eth0.cfg", "allow-hotplug eth0\niface eth0 inet dhcp\n")
    vlans = write(tmp_path, "etc/network/vlans", "auto eth0.10\niface eth0.10 inet manual\n")
    assert userfiles.ifupdown_files(str(tmp_path)) == [str(main), str(eth0), str(eth1), str(vlans)]


def test_ifupdown_files_take_run_parts_names_from_a_source_directory(tmp_path: Path) -> None:
    main = write(tmp_path, "etc/network/interfaces", "source-directory /etc/network/interfaces.d\n")
    wanted = [write(tmp_path, f"etc/network/interfaces.d/{name}", "\n") for name in ("10-eth0", "eth1", "wlan_0")]
    for name in ("eth0.cfg", "eth1~", "eth1.dpkg-old", ".hidden"):
        write(tmp_path, f"etc/network/interfaces.d/{name}", "iface eth0 inet dhcp\n")
    assert userfiles.ifupdown_files(str(tmp_path)) == [str(main), *map(str, wanted)]


def test_ifupdown_files_read_each_file_once(tmp_path: Path) -> None:
    main = write(tmp_path, "etc/network/interfaces", "source /etc/network/interfaces.d/*\n"
                 "source-directory /etc/network/interfaces.d\n")
    eth0 = write(tmp_path, "etc/network/interfaces.d/eth0", "source /etc/network/interfaces\n")
    assert userfiles.ifupdown_files(str(tmp_path)) == [str(main), str(eth0)]


def test_no_interfaces_file_is_no_ifupdown_file(tmp_path: Path) -> None:
    assert userfiles.ifupdown_files(str(tmp_path)) == []
    found = userfiles.ifupdown(str(tmp_path), ("eth0",), "br0", set())
    assert found.addressing == Addressing() and found.edits == {} and found.kept_marks == []


def test_ifupdown_files_follow_a_relative_source_line(tmp_path: Path) -> None:
    main = write(tmp_path, "etc/network/interfaces", "source interfaces.local\n")
    local = write(tmp_path, "etc/network/interfaces.local", "auto eth0\niface eth0 inet dhcp\n")
    assert userfiles.ifupdown_files(str(tmp_path)) == [str(main), str(local)]


def test_ifupdown_moves_the_ports_stanzas_and_marks_in_every_file(tmp_path: Path) -> None:
    main = write(tmp_path, "etc/network/interfaces", DEBIAN_INTERFACES.replace("auto lo\n", "auto lo eth0\n"))
    sourced_text = ("iface eth0 inet static\n    address 192.0.2.10/24\n    gateway 192.0.2.1\n\n"
                    "allow-hotplug wlan0\niface wlan0 inet dhcp\n"
                    "    wpa-conf /etc/wpa_supplicant/wpa_supplicant.conf\n")
    sourced = write(tmp_path, "etc/network/interfaces.d/eth0", sourced_text)
    found = userfiles.ifupdown(str(tmp_path), ("eth0",), "br0", set())
    assert found.edits == {
        str(main): (main.read_text(), main.read_text().replace("auto lo eth0\n", MOVED + "auto lo eth0\n")),
        str(sourced): (sourced_text, MOVED + "iface eth0 inet static\n" + MOVED + "    address 192.0.2.10/24\n"
                       + MOVED + "    gateway 192.0.2.1\n" + sourced_text.split("gateway 192.0.2.1\n", 1)[1]),
    }
    assert found.kept_marks == ["auto lo"]
    assert found.addressing.addresses == ("192.0.2.10/24",)
    assert found.addressing.routes == (("default", "192.0.2.1"),)
    assert found.addressing.sources == (str(sourced),)


def test_ifupdown_moves_a_bridge_stanza_the_user_wrote(tmp_path: Path) -> None:
    text = ("auto br0\niface br0 inet dhcp\n    bridge_ports eth0\n    bridge_stp off\n\n"
            "iface eth0 inet manual\n")
    path = write(tmp_path, "etc/network/interfaces", text)
    found = userfiles.ifupdown(str(tmp_path), ("eth0",), "br0", set())
    assert found.edits[str(path)][1] == "".join(MOVED + line if line.strip() else line
                                                for line in text.splitlines(keepends=True))
    assert found.addressing.dhcp4 is True


def test_ifupdown_leaves_the_files_this_collection_writes_alone(tmp_path: Path) -> None:
    write(tmp_path, "etc/network/interfaces", DEBIAN_INTERFACES)
    write(tmp_path, "etc/network/interfaces.d/palmfarm-br0", userfiles.marker("br0") + "\nauto br0\n"
          "iface br0 inet dhcp\n    bridge_ports eth0\n")
    listed = write(tmp_path, "etc/network/interfaces.d/eth0", "allow-hotplug eth0\niface eth0 inet dhcp\n")
    found = userfiles.ifupdown(str(tmp_path), ("eth0",), "br0", {str(listed)})
    assert found.addressing == Addressing() and found.edits == {} and found.kept_marks == []


# ---- systemd-networkd -----------------------------------------------------------------------------------------------

def test_networkd_files_by_name_with_etc_hiding_run_hiding_lib(tmp_path: Path) -> None:
    etc_wired = write(tmp_path, "etc/systemd/network/10-wired.network", "[Match]\nName=eth0\n")
    write(tmp_path, "lib/systemd/network/10-wired.network", "[Match]\nName=*\n")
    run = write(tmp_path, "run/systemd/network/20-run.network", "[Match]\nName=eth1\n")
    write(tmp_path, "lib/systemd/network/20-run.network", "[Match]\nName=*\n")
    usr = write(tmp_path, "usr/lib/systemd/network/80-container-host0.network", "[Match]\nName=host0\n")
    write(tmp_path, "lib/systemd/network/99-default.network", "[Match]\nName=*\n")
    usr_default = write(tmp_path, "usr/lib/systemd/network/99-default.network", "[Match]\nName=*\n")
    write(tmp_path, "etc/systemd/network/25-br0.netdev", "[NetDev]\nName=br0\nKind=bridge\n")
    assert userfiles.networkd_files(str(tmp_path)) == [str(etc_wired), str(run), str(usr), str(usr_default)]


def test_networkd_reads_the_first_matching_file_after_ours(tmp_path: Path) -> None:
    ours = {"br0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0.network"),
            "eth0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0-port-eth0.network")}
    wired = write(tmp_path, "etc/systemd/network/80-wired.network",
                  "[Match]\nName=eth0\n\n[Network]\nAddress=192.0.2.10/24\nGateway=192.0.2.1\nDNS=192.0.2.53\n")
    write(tmp_path, "etc/systemd/network/90-fallback.network", "[Match]\nName=eth*\n\n[Network]\nDHCP=yes\n")
    found = userfiles.networkd(str(tmp_path), ours, "br0", set())
    assert found.addressing.addresses == ("192.0.2.10/24",)
    assert found.addressing.nameservers == ("192.0.2.53",)
    assert found.addressing.dhcp4 is None
    assert found.addressing.sources == (str(wired),)
    assert found.edits == {}


def test_networkd_takes_no_addressing_from_a_users_file_for_the_bridge(tmp_path: Path) -> None:
    ours = {"br0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0.network")}
    write(tmp_path, "etc/systemd/network/50-br0.network", "[Match]\nName=br0\n\n[Network]\nDHCP=yes\n")
    assert userfiles.networkd(str(tmp_path), ours, "br0", set()).addressing == Addressing()


def test_networkd_refuses_a_users_file_that_would_win_over_ours(tmp_path: Path) -> None:
    ours = {"br0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0.network"),
            "eth0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0-port-eth0.network")}
    first = write(tmp_path, "etc/systemd/network/10-eth0.network", "[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n")
    with pytest.raises(BridgeError) as err:
        userfiles.networkd(str(tmp_path), ours, "br0", set())
    assert str(err.value).startswith(f"{first} matches eth0 and sorts before {ours['eth0']}; systemd-networkd uses "
                                     f"only the first matching .network file, so eth0 would never join br0. Rename "
                                     f"it to sort after 25-palmfarm-br0-port-eth0.network (e.g. 80-eth0.network)")
    # Listed as ours (the module wrote it): no longer the user's.
    assert userfiles.networkd(str(tmp_path), ours, "br0", {str(first)}).addressing == Addressing()


# ---- NetworkManager -------------------------------------------------------------------------------------------------

def test_nm_reads_the_ports_profile_and_a_bridge_profile(tmp_path: Path) -> None:
    directory = "etc/NetworkManager/system-connections"
    port = write(tmp_path, f"{directory}/Wired connection 1.nmconnection",
                 "[connection]\nid=Wired connection 1\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n")
    bridge = write(tmp_path, "run/NetworkManager/system-connections/br0.nmconnection",
                   "[connection]\nid=br0\ntype=bridge\ninterface-name=br0\n\n[ipv6]\nmethod=manual\n"
                   "address1=2001:db8::10/64\n")
    write(tmp_path, f"{directory}/wlan.nmconnection",
          "[connection]\nid=wlan\ntype=wifi\ninterface-name=wlan0\n\n[ipv4]\nmethod=manual\n"
          "address1=198.51.100.7/24\n")
    found = userfiles.nm(str(tmp_path), ("eth0",), "br0", set())
    assert found.addressing.dhcp4 is True
    assert found.addressing.addresses == ("2001:db8::10/64",)
    assert found.addressing.sources == (str(port), str(bridge))
    assert found.edits == {}


def test_nm_leaves_the_profiles_this_collection_writes_alone(tmp_path: Path) -> None:
    directory = "etc/NetworkManager/system-connections"
    write(tmp_path, f"{directory}/palmfarm-br0-eth0.nmconnection", userfiles.marker("br0") + "\n[connection]\n"
          "type=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n")
    listed = write(tmp_path, f"{directory}/eth0.nmconnection",
                   "[connection]\ntype=ethernet\ninterface-name=eth0\n\n[ipv4]\nmethod=auto\n")
    assert userfiles.nm(str(tmp_path), ("eth0",), "br0", {str(listed)}).addressing == Addressing()


# ---- netplan: a definition left empty, and definitions that cannot be moved -----------------------------------------

def test_netplan_port_with_only_addressing_keeps_a_definition(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  ethernets:\n    eth0:\n      dhcp4: true\n")
    edits = list(userfiles.netplan(str(root), ("eth0",), "br0", set()).edits.values())
    assert len(edits) == 1
    after = edits[0][1]
    assert after == ("network:\n  ethernets:\n    eth0:\n# moved to br0 by palmfarm.ipv6 bridge_iface:       dhcp4: "
                     "true\n      dhcp4: false  # added for br0 by palmfarm.ipv6 bridge_iface\n")


def test_netplan_flow_style_port_is_refused(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  ethernets:\n    eth0: {dhcp4: true, optional: true}\n")
    with pytest.raises(BridgeError, match=r"10-x.yaml: eth0's dhcp4 shares a line with other settings"):
        userfiles.netplan(str(root), ("eth0",), "br0", set())


def test_a_port_two_netplan_ids_define_is_refused(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n")
    (root / "etc/netplan/20-usb.yaml").write_text(
        "network:\n  version: 2\n  ethernets:\n    usb:\n      match:\n        macaddress: 00:e0:4c:68:00:01\n"
        "      set-name: eth0\n      dhcp4: true\n")
    with pytest.raises(BridgeError, match=r"eth0 is defined twice in netplan, as eth0 \(.*10-x.yaml\) and as usb "
                                          r"\(.*20-usb.yaml\); .*Keep one definition of eth0"):
        userfiles.netplan(str(root), ("eth0",), "br0", set())


@pytest.mark.parametrize("text, ours", [
    ("network:\n  version: 2\n  ethernets:\n    all-eth:\n      match:\n        name: eth*\n      dhcp4: true\n",
     "eth0"),
    ("network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n        macaddress: e4:5f:01:aa:bb:cc\n"
     "      set-name: eth0\n    any:\n      match:\n        name: \"*\"\n      dhcp4: true\n", "lan"),
])
def test_a_shared_definition_that_sorts_first_is_refused(tmp_path: Path, text: str, ours: str) -> None:
    root = netplan_root(tmp_path, text)
    with pytest.raises(BridgeError, match=rf"netplan id (all-eth|any) \(.*10-x.yaml\) matches eth0 by name and sorts "
                                          rf"before {ours}, .*Rename .* to sort after {ours}"):
        userfiles.netplan(str(root), ("eth0",), "br0", set())


@pytest.mark.parametrize("text, what", [
    ("network: {version: 2, ethernets: {eth0: {dhcp4: true}}}\n", "eth0's dhcp4"),
    ("network:\n  version: 2\n  ethernets: {eth0: {dhcp4: true, optional: true}}\n", "eth0's dhcp4"),
    ("network:\n  version: 2\n  ethernets:\n    eth0: {addresses: [192.0.2.10/24], optional: true}\n",
     "eth0's addresses"),
    ("network:\n  version: 2\n  bridges: {br0: {interfaces: [eth0], dhcp4: true}}\n", "br0's dhcp4"),
])
def test_netplan_flow_style_definitions_are_refused_naming_the_setting(tmp_path: Path, text: str, what: str) -> None:
    root = netplan_root(tmp_path, text)
    with pytest.raises(BridgeError, match=rf"10-x.yaml: {what} shares a line with other settings, so it cannot be "
                                          r"moved to br0 alone; write .*'s settings one per line \(block style\)"):
        userfiles.netplan(str(root), ("eth0",), "br0", set())


# ---- netplan: which lines a port's addressing spans ------------------------------------------------------------------

PORT_WITH_LISTS = """\
network:
  ethernets:
    eth0:
      addresses:
        - 192.0.2.10/24
        - 2001:db8::10/64
      optional: true
      routes:
        - to: default
          via: 192.0.2.1
"""


def test_netplan_moves_block_lists_to_their_last_line_and_stops_before_the_next_key(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, PORT_WITH_LISTS)
    after = edited(root)
    lines = after.splitlines()
    assert moved(after) == ["      addresses:", "        - 192.0.2.10/24", "        - 2001:db8::10/64", "      routes:",
                            "        - to: default", "          via: 192.0.2.1"]
    # optional stays, so the definition is not empty: no dhcp4 line is added.
    assert "      optional: true" in lines and "dhcp4" not in after


def test_netplan_moves_a_value_that_ends_the_file_without_a_line_break(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  ethernets:\n    eth0:\n      optional: true\n      dhcp6: true")
    after = edited(root)
    assert after.splitlines()[-2:] == ["      optional: true", "# moved to br0 by palmfarm.ipv6 bridge_iface:       "
                                       "dhcp6: true"]


# ---- edge cases of users' files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("before", ["", "auto lo\n"])
def test_restore_takes_only_a_blank_line_before_the_block(before: str) -> None:
    # The block at the start of the file, or right after a line of the user's (the blank line before it
    # removed by hand): nothing of the user's goes with it.
    text = before + userfiles.marker("br0") + "\nauto br0\n" + userfiles.block_end("br0") + "\niface lo inet loopback\n"
    assert userfiles.restore(text, "br0") == before + "iface lo inet loopback\n"


def test_netplan_moves_a_block_scalar_to_its_last_line(tmp_path: Path) -> None:
    # A block scalar (>-, |) ends at the start of the line after it: the lines moved stop before that line, and
    # one before the addressing does not reach into it.
    root = netplan_root(tmp_path, "network:\n  ethernets:\n    eth0:\n      macaddress: >-\n        "
                                  "00:16:3e:00:00:01\n      gateway4: >-\n        192.0.2.1\n      optional: true\n")
    after = edited(root)
    assert moved(after) == ["      gateway4: >-", "        192.0.2.1"]
    assert "      macaddress: >-\n        00:16:3e:00:00:01\n" in after and after.endswith("      optional: true\n")


def test_netplan_port_definition_without_settings_moves_nothing(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n    eth1:\n      dhcp4: true\n")
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.edits == {} and found.addressing.dhcp4 is None


def test_the_same_netplan_id_in_two_files_is_one_definition(tmp_path: Path) -> None:
    # netplan merges the definitions of one id across its files: that is no port defined twice.
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n")
    write(root, "etc/netplan/90-static.yaml",
          "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.0.2.10/24]\n")
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.addressing.dhcp4 is True and found.addressing.addresses == ("192.0.2.10/24",)
    assert len(found.edits) == 2


def test_a_shared_definition_gives_nothing_to_a_port_with_its_own(tmp_path: Path) -> None:
    # eth0 has a definition of its own (sorting first); the glob after it gives eth0 none of its settings.
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      addresses: [192.0.2.10/24]\n"
                                  "    zz-all-eth:\n      match:\n        name: eth*\n      dhcp4: true\n")
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.addressing.addresses == ("192.0.2.10/24",) and found.addressing.dhcp4 is None


def test_of_two_shared_definitions_the_first_gives_the_port_its_settings(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    zz-a:\n      match:\n        name: eth*\n"
                                  "      dhcp4: true\n    zz-b:\n      match:\n        name: e*\n"
                                  "      addresses: [192.0.2.10/24]\n")
    found = userfiles.netplan(str(root), ("eth0",), "br0", set())
    assert found.addressing.dhcp4 is True and found.addressing.addresses == ()
    assert found.edits == {}  # shared definitions stay as they are: the other interfaces they match keep them


@pytest.mark.parametrize("text, expected", [
    # No version: the bridges: mapping takes the indentation of the network: mapping's only key.
    ("network:\n   ethernets:\n      eth0:\n         dhcp4: false\n",
     "network:\n   ethernets:\n      eth0:\n         dhcp4: false\n   bridges:{a}\n      br0:{a}\n"
     "         interfaces: [eth0]{a}\n"),
    # The whole document indented: the step is network:'s indentation less the document's.
    (" network:\n   version: 2\n",
     " network:\n   version: 2\n   bridges:{a}\n     br0:{a}\n       interfaces: [eth0]{a}\n"),
])
def test_netplan_insert_follows_the_files_indentation(text: str, expected: str) -> None:
    edited = userfiles.netplan_insert("/etc/netplan/x.yaml", text, "br0", [(0, "br0:"), (1, "interfaces: [eth0]")])
    assert edited == expected.format(a=ADDED)
    assert yaml.safe_load(edited)["network"]["bridges"] == {"br0": {"interfaces": ["eth0"]}}


def test_networkd_finds_a_users_file_that_matches_the_port_by_its_mac(tmp_path: Path) -> None:
    ours = {"br0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0.network"),
            "eth0": str(tmp_path / "etc/systemd/network/25-palmfarm-br0-port-eth0.network")}
    write(tmp_path, "sys/class/net/eth0/address", "dc:a6:32:01:02:03\n")
    wired = write(tmp_path, "etc/systemd/network/80-lan-uplink.network",
                  "[Match]\nMACAddress=DC:A6:32:01:02:03\n\n[Network]\nAddress=192.0.2.10/24\n")
    assert userfiles.networkd(str(tmp_path), ours, "br0", set()).addressing.sources == (str(wired),)
    first = write(tmp_path, "etc/systemd/network/10-lan-uplink.network",
                  "[Match]\nMACAddress=dc:a6:32:01:02:03\n\n[Network]\nDHCP=yes\n")
    with pytest.raises(BridgeError, match=rf"^{first} matches eth0 and sorts before .* \(e.g. 80-lan-uplink.network\)"):
        userfiles.networkd(str(tmp_path), ours, "br0", set())


def test_a_shared_definition_under_the_ports_own_name_is_no_rival(tmp_path: Path) -> None:
    # The id eth0 matching eth* is merged by netplan with the bridge file's eth0: it does not sort before it.
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    eth0:\n      match:\n        name: eth*\n"
                                  "      dhcp4: true\n")
    assert userfiles.netplan(str(root), ("eth0",), "br0", set()).addressing.dhcp4 is True


def test_one_id_written_as_the_ports_definition_and_as_a_glob_is_no_rival(tmp_path: Path) -> None:
    # netplan merges the two definitions of the id lan into one .network file: nothing sorts before it.
    write(tmp_path, "sys/class/net/eth0/address", "e4:5f:01:aa:bb:cc\n")
    root = netplan_root(tmp_path, "network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n"
                                  "        macaddress: e4:5f:01:aa:bb:cc\n      set-name: eth0\n      dhcp4: true\n")
    write(root, "etc/netplan/20-glob.yaml", "network:\n  version: 2\n  ethernets:\n    lan:\n      match:\n"
                                            "        name: eth*\n")
    assert userfiles.netplan(str(root), ("eth0",), "br0", set()).addressing.dhcp4 is True


def test_netplan_moves_a_flow_list_over_several_lines_to_its_last_line(tmp_path: Path) -> None:
    root = netplan_root(tmp_path, "network:\n  ethernets:\n    eth0:\n      addresses: [192.0.2.10/24,\n"
                                  "                  2001:db8::10/64]\n      optional: true\n")
    after = edited(root)
    assert moved(after) == ["      addresses: [192.0.2.10/24,", "                  2001:db8::10/64]"]
