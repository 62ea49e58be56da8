#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: bridge_iface
short_description: Put a host's Ethernet interface into a transparent bridge, remotely, with commit-confirm
description:
  - Creates (or removes) a Linux bridge such as C(br0) carrying the host's Ethernet interface, so that containers
    attached to it sit on the same link and get their own SLAAC addresses.
  - By default the bridge takes the first port's permanent MAC (O(mac=port)), so the host keeps its EUI-64 SLAAC
    address and its DHCP identity. The bridge is made ready first (STP off, forward delay 0, the port's addresses,
    UP), then the port is enslaved, so the host stays reachable, typically losing well under a second of pings.
  - With IPv6 forwarding on, the bridge gets C(accept_ra=2) so the host keeps its RA default route; the port
    carries no address (C(disable_ipv6=1)).
  - With O(backend=kernel), the port's routes move with its addresses, and back with O(state=absent) or a
    revert. That is IPv4 and IPv6 default routes (from DHCP or a router advertisement, with their source
    address and remaining lifetime) and static routes, so the host keeps its way out without waiting for the
    next advertisement. The kernel's own routes (the prefixes of the addresses) come and go with the addresses.
  - B(Commit-confirm.) Before changing anything, a revert is armed that runs detached from the Ansible
    connection; after O(rollback_timeout) seconds it restores the previous files and running state unless the
    change was confirmed. The module confirms by itself when every O(connectivity_check) address answers after
    the change; otherwise a later task with O(state=confirmed) (after M(ansible.builtin.wait_for_connection))
    confirms. Its state is kept under C(/run/palmfarm/bridge-NAME/) (C(/run/palmfarm/netns-NETNS/bridge-NAME/)
    in a network namespace made by C(ip netns)).
  - Every option is checked against the host's interfaces before anything is changed.
author: palmfarm.ipv6 contributors (@palmfarm)
requirements:
  - pyroute2 (Python library) on the managed host
  - with O(backend=ifupdown), the bridge-utils package (its hooks make the bridge from C(bridge_ports)); the
    module refuses, before any change, a host without it
  - with O(backend=netplan), PyYAML (python3-yaml, which netplan itself needs) to read and edit the netplan files
extends_documentation_fragment:
  - palmfarm.ipv6.attributes
options:
  name:
    description:
      - The bridge interface, at most 15 characters.
    type: str
    default: br0
  ports:
    description:
      - The interfaces to put into the bridge, e.g. V([eth0]). Required with O(state=present).
      - Each must exist and must not be a port of another bridge or bond.
      - With O(state=absent), the bridge's current ports when omitted.
    type: list
    elements: str
  backend:
    aliases: [method]
    description:
      - What makes the change.
      - V(kernel) changes only the running state, with pyroute2; nothing survives a reboot.
      - V(netplan), V(networkd), V(ifupdown) and V(nm) (NetworkManager) write that tool's configuration file,
        validated before it goes live, with a backup, and apply it.
      - V(ifupdown) checks with C(ifquery) exactly what C(ifup) will read, so a C(/etc/network/interfaces)
        without a C(source /etc/network/interfaces.d/*) line is refused (or set O(config_file) to it). It runs
        C(ifdown) while the stanzas it reads are still there (the ports before the bridge replaces them, the
        bridge before its stanza is removed with O(state=absent)).
      - V(auto) picks the one the host uses (netplan, then NetworkManager, networkd, ifupdown).
    type: str
    choices: [auto, netplan, networkd, ifupdown, nm, kernel]
    default: auto
  state:
    description:
      - V(present) creates or updates the bridge, V(absent) removes it and gives its addresses back to its first
        port.
      - V(confirmed) keeps an earlier change whose revert is pending; it fails when that revert already fired.
    type: str
    choices: [present, absent, confirmed]
    default: present
  mac:
    description:
      - The bridge's MAC. V(port) copies the first port's permanent MAC (its current MAC when it has none);
        V(none) leaves it to the kernel (or the network tool), which changes the host's SLAAC address;
        or an explicit MAC such as V(02:00:00:00:00:01).
    type: str
    default: port
  stp:
    description:
      - Spanning tree on the bridge.
    type: bool
    default: false
  forward_delay:
    description:
      - Bridge forward delay in seconds (0 to 30; at least 2 with O(stp=true)).
    type: int
    default: 0
  inherit_addressing:
    description:
      - Persistent backends give the bridge the addressing its ports have in the host's own files (DHCPv4,
        DHCPv6, router advertisements, static addresses, routes and DNS servers) and take it off the ports, so
        the host keeps its addresses on the bridge. Read from netplan (C(/etc/netplan/*.yaml), cloud-init's
        C(50-cloud-init.yaml) with C(match)/C(set-name) included; an existing definition of the bridge there
        too), C(/etc/network/interfaces) and the files it sources, the C(.network) file that matches the port,
        or the port's NetworkManager profile. O(dhcp4), O(dhcp6) and O(accept_ra), when given, win.
      - In netplan and ifupdown files the port's lines are commented out behind
        C(# moved to BRIDGE by palmfarm.ipv6 bridge_iface:) (the files merge, so the port would otherwise keep
        them); O(state=absent) uncomments them, giving the port its configuration back.
      - In netplan, the bridge names a port by the id of the port's own definition, which may differ from its
        kernel name (C(set-name), or a C(match) C(macaddress) without C(set-name) under an id such as C(lan)),
        and turns the port's addressing off under that id, so C(match)/C(set-name) stay where they are. A
        definition that other interfaces share through a C(match) C(name) glob (such as C(zz-all-eth) in
        Ubuntu's images) is left as it is, and the port gets one of its own, which must sort before it. Two
        definitions of one port, and a flow-style definition (its settings in braces) whose
        addressing would have to move, are refused, naming the file and what to change.
      - V(false) inherits nothing (the ports still lose their addressing).
      - A C(.network) file that matches a port and sorts before the module's (systemd-networkd uses only the
        first) is refused, naming the file, before anything is changed.
      - A port is matched by its name and by its MAC, as the tools match it; C(match) C(macaddress) in netplan,
        C(MACAddress=) and C(PermanentMACAddress=) in a C(.network) file's C([Match]), and a NetworkManager
        profile's C(mac-address) (profiles NetworkManager writes itself name no interface). The MAC is the one
        the kernel shows for the port (C(/sys/class/net/PORT/address)), the NIC's own unless changed by hand.
    type: bool
    default: true
  dhcp4:
    description:
      - Run DHCPv4 on the bridge (persistent backends only; the kernel backend runs no DHCP client).
      - Inherited from the ports when omitted (see O(inherit_addressing)); V(false) when they say nothing.
    type: bool
  accept_ra:
    description:
      - Accept router advertisements on the bridge (SLAAC and the default route); C(accept_ra=2) is used when
        the host forwards IPv6.
      - Inherited from the ports when omitted (see O(inherit_addressing)); V(true) when they say nothing.
    type: bool
  dhcp6:
    description:
      - Run DHCPv6 on the bridge (persistent backends only).
      - Inherited from the ports when omitted (see O(inherit_addressing)); V(false) when they say nothing.
    type: bool
  addr_gen_mode:
    description:
      - How the bridge forms its SLAAC interface identifiers. V(eui64) from the MAC, V(stable-privacy) from a
        secret (RFC 7217).
      - When omitted, a persistent backend gives the bridge the port's, as its files say (see
        O(inherit_addressing)), in NetworkManager's C(addr-gen-mode) (C(default) is NetworkManager's own default,
        V(stable-privacy)) or netplan's C(ipv6-address-generation); else the tool's default is left alone.
    type: str
    choices: [eui64, stable-privacy]
  port_disable_ipv6:
    description:
      - Switch IPv6 off on the ports, so they carry no address of their own.
    type: bool
    default: true
  rollback_timeout:
    description:
      - Seconds after which the change is reverted unless confirmed. V(0) disables the rollback.
    type: int
    default: 120
  connectivity_check:
    description:
      - Addresses that must answer after the change; when all do, the module confirms the change itself.
      - An address is pinged (ICMP echo); V([2001:db8::1]:22) or V(host:22) is a TCP connect.
      - When one does not answer within 10 seconds (or half of O(rollback_timeout)), the task fails and the
        change reverts at its deadline.
      - While one that is not an IPv4 address is silent, the module sends a router solicitation every 3 seconds
        on the links that carry the host's addressing now (the bridge, or with O(state=absent) its ports), so
        their IPv6 prefix and default route come back at once rather than at the router's next advertisement
        (up to 10 minutes apart with a router's defaults).
    type: list
    elements: str
    default: []
  config_file:
    aliases: [path]
    description:
      - The file a persistent backend writes (netplan and ifupdown only); each backend has its own default (e.g.
        a netplan file that sorts after cloud-init's, C(/etc/network/interfaces.d/palmfarm-BRIDGE)).
      - When it names a file of the host's own, such as cloud-init's C(/etc/netplan/50-cloud-init.yaml) or
        C(/etc/network/interfaces), that file is edited in place and everything else in it is kept (C(match),
        C(set-name), comments, the C(lo) stanza, C(source) lines). netplan gets the bridge under
        C(network.bridges), each line ending in C(# added for BRIDGE by palmfarm.ipv6 bridge_iface); ifupdown gets
        a block at the end, from the C(# Managed by palmfarm.ipv6 bridge_iface) line to its C(# End of the lines)
        line. O(state=absent) removes exactly those lines and gives the port's lines back; the file stays.
    type: path
  backup:
    description:
      - Keep a timestamped copy of a configuration file before it is replaced.
    type: bool
    default: false
  force:
    description:
      - Remove a bridge that carries the default route even with O(rollback_timeout=0).
    type: bool
    default: false
notes:
  - The files of a change are written all or nothing, through temporary files beside them; when one cannot be
    written, the others are put back and no temporary file stays. The revert puts each previous file back the
    same way, and the task's message lists any file it could not restore.
  - The revert is a process in its own session (a transient systemd unit when systemd is PID 1), so it fires
    even when the connection that made the change is gone.
seealso:
  - module: ansible.builtin.wait_for_connection
"""

EXAMPLES = r"""
- name: Convert eth0 into br0 remotely; revert after 2 minutes unless confirmed
  palmfarm.ipv6.bridge_iface:
    name: br0
    ports: [eth0]
    backend: kernel
    rollback_timeout: 120
  register: bridge

- name: The host is still reachable over the new bridge
  ansible.builtin.wait_for_connection:
    timeout: 60

- name: Keep the change
  palmfarm.ipv6.bridge_iface:
    name: br0
    state: confirmed

- name: Persistent bridge with netplan; confirmed by itself when the router answers
  palmfarm.ipv6.bridge_iface:
    name: br0
    ports: [eth0]
    backend: netplan
    connectivity_check:
      - 2001:db8:ebbd:2080::1
      - "[2001:db8:ebbd:2080::53]:53"
    backup: true

- name: A Raspberry Pi whose cloud-init netplan runs DHCP on eth0; br0 takes over DHCP, eth0 keeps none
  palmfarm.ipv6.bridge_iface:
    name: br0
    ports: [eth0]
    backend: netplan
  register: bridge  # bridge.addressing.dhcp4 is true, inherited_from names 50-cloud-init.yaml

- name: The bridge inside cloud-init's own netplan file, keeping its match/set-name
  palmfarm.ipv6.bridge_iface:
    name: br0
    ports: [eth0]
    backend: netplan
    config_file: /etc/netplan/50-cloud-init.yaml

- name: A bridge with DHCPv4 only, whatever eth0 had
  palmfarm.ipv6.bridge_iface:
    name: br0
    ports: [eth0]
    backend: ifupdown
    inherit_addressing: false
    dhcp4: true

- name: Remove the bridge, handing its addresses back to eth0
  palmfarm.ipv6.bridge_iface:
    name: br0
    state: absent
    backend: kernel
"""

RETURN = r"""
bridge:
  description: The bridge's name.
  returned: always
  type: str
  sample: br0
ports:
  description: Its ports.
  returned: when state is present or absent
  type: list
  elements: str
  sample: [eth0]
mac:
  description: The MAC the bridge has (null when left to the kernel).
  returned: when state is present or absent
  type: str
  sample: 52:54:00:12:34:56
backend:
  description: The backend that made the change.
  returned: when state is present or absent
  type: str
  sample: kernel
addresses:
  description: The bridge's addresses (prefix length included) after the change.
  returned: when state is present or absent
  type: list
  elements: str
  sample: [2001:db8:ebbd:2080:5054:ff:fe12:3456/64, fe80::5054:ff:fe12:3456/64]
files:
  description: The configuration files changed (or that would be).
  returned: when state is present or absent
  type: list
  elements: str
  sample: [/etc/netplan/90-palmfarm-br0.yaml]
backup_files:
  description: Backups made of replaced files.
  returned: when files were replaced with backup
  type: list
  elements: str
commands:
  description: The running-state changes, as the equivalent ip and sysctl commands.
  returned: when state is present or absent
  type: list
  elements: str
  sample: ["ip link add br0 address 52:54:00:12:34:56 type bridge stp_state 0 forward_delay 0",
           "ip link set eth0 master br0"]
addressing:
  description: The bridge's layer-3 configuration as written by a persistent backend, and the files it was
    inherited from (see O(inherit_addressing)).
  returned: when a persistent backend plans state present
  type: dict
  contains:
    dhcp4:
      description: DHCPv4 on the bridge.
      type: bool
    dhcp6:
      description: DHCPv6 on the bridge.
      type: bool
    accept_ra:
      description: Router advertisements accepted on the bridge.
      type: bool
    addresses:
      description: Static addresses with prefix length.
      type: list
      elements: str
      sample: [192.0.2.10/24]
    routes:
      description: Static routes; C(to) is C(default) for a default route.
      type: list
      elements: dict
      sample: [{to: default, via: 192.0.2.1}]
    nameservers:
      description: DNS servers.
      type: list
      elements: str
    search:
      description: DNS search domains.
      type: list
      elements: str
    addr_gen_mode:
      description: How the bridge forms its SLAAC addresses (V(eui64), V(stable-privacy)), null when the tool's
        default is left alone.
      type: str
      sample: stable-privacy
    inherited_from:
      description: The host's files the addressing was read from.
      type: list
      elements: str
      sample: [/etc/netplan/50-cloud-init.yaml]
rollback:
  description: The commit-confirm state.
  returned: always
  type: dict
  contains:
    armed:
      description: A revert is pending and will fire at the deadline unless confirmed.
      type: bool
    confirmed:
      description: The change was confirmed (by connectivity_check or by state confirmed).
      type: bool
    deadline:
      description: When the pending revert fires (UTC, ISO 8601).
      type: str
      sample: "2026-11-28T05:30:00+00:00"
    state_dir:
      description: Where the armed revert keeps the running state and the files it restores.
      type: str
      returned: when this task armed a revert
      sample: /run/palmfarm/bridge-br0
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.bridge_iface import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
