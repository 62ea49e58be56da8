#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: babel_bird6
short_description: Write a BIRD configuration for Babel and RIPng, for BIRD 1.6 (bird6) and BIRD 2/3
description:
  - Renders a complete BIRD configuration for the Babel and/or RIPng routing protocols from one option set and
    installs it, for BIRD 1.6 (C(bird6) and its own C(bird6.conf), with C(import)/C(export) inside the protocol,
    whole-second timers, a mandatory router id) and for BIRD 2.x/3.x (one C(bird.conf), C(ipv6) channels,
    timers with units such as C(50 ms)).
  - The C(device), C(direct) and C(kernel) protocols are written too, so that learned routes reach the kernel
    and the prefixes of the O(direct.interfaces) are announced.
  - Every option is checked before anything is changed. An option the chosen BIRD version lacks (a sub-second
    hello interval, Babel O(babel.interfaces[].limit), C(type tunnel) or Babel authentication on BIRD 1.6) fails
    with a message naming the version that added it; an unknown interface type or an interval BIRD would reject
    fails with a message naming the value.
  - Values BIRD parses but a router then misbehaves on are refused the same way, with the value and the fix in
    the message - an interface name of 16 or more characters (Linux names have at most 15, so BIRD never matches
    it), O(babel.interfaces[].rxcost=65535) (Babel's infinite cost), a RIPng O(ripng.interfaces[].timeout_time)
    not longer than its O(ripng.interfaces[].update_time), and O(router_id=0.0.0.0) (a live reload takes it,
    the next start fails).
  - With O(validate=true) the BIRD binary of that version parses the rendered file (C(bird -p -c) or
    C(bird6 -p -c)) before it replaces the live file, which is replaced atomically. A file BIRD rejects is
    never installed. The binary must be of the generation O(bird_version) names (a BIRD 2 does not validate a
    file for BIRD 3), and of a release that has every feature the file uses (C(type tunnel) needs 2.14, Babel
    authentication 2.0.9); otherwise the task fails saying which BIRD it found.
author: palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment:
  - palmfarm.ipv6.attributes
options:
  state:
    description:
      - V(present) writes the configuration file, V(absent) removes it.
    type: str
    choices: [present, absent]
    default: present
  bird_version:
    description:
      - The BIRD generation to write for.
      - V(auto) asks the host's C(bird --version), and C(bird6 --version) when there is no BIRD 2 or 3;
        V(1.6) writes for C(bird6), V(2) and V(3) for C(bird).
      - With O(validate=true) the validating binary must be this generation; the task fails otherwise.
    type: str
    choices: [auto, '1.6', '2', '3']
    default: auto
  path:
    aliases: [config_file]
    description:
      - The configuration file to write.
      - Default on OpenWrt C(/etc/bird6.conf) (BIRD 1.6) or C(/etc/bird.conf); elsewhere (Debian)
        C(/etc/bird/bird6.conf) or C(/etc/bird/bird.conf).
    type: path
  router_id:
    description:
      - The router id, in IPv4 dotted form, unique in the routing domain. Required for BIRD 1.6.
      - V(0.0.0.0) is refused; a running BIRD reloads it, but BIRD refuses it when it starts.
      - BIRD 2 and 3 pick one from the interfaces' IPv4 addresses when omitted, which an IPv6-only router
        does not have, so set it.
    type: str
  profile:
    description:
      - Preset Babel and RIPng interface settings; a value set on an interface wins over its profile.
      - V(seed) is the configuration of the blog this collection follows (Babel C(type wireless;
        hello interval 1; rxcost 512)); its wireless metric moves routes whenever a link loses packets.
      - V(stable) is for links that lose packets (radio), with a fixed link cost, BIRD's own 4 s Hellos, a neighbour
        kept while 4 of its last 16 Hellos arrive and a route update a minute (Babel C(type wired; hello interval
        4 s; update interval 60 s; rxcost 96; limit 4)), so loss does not move routes (none in 600 s at 20 % loss on
        BIRD 2 and 3 in C(bench/convergence)); the price is a silently dead link noticed after about 40 s (a lost
        carrier at once). Any BIRD version; bird6 gets no C(limit), its own rule for wired links being 8 of 16.
      - V(fast) is for sub-second failover on wired links (Babel C(type wired; hello interval 20 ms; limit 8),
        RIPng C(update time 1; timeout time 3; garbage time 6; bfd yes) with a C(bfd) protocol; BFD needs UDP
        3784 between the routers, see M(palmfarm.ipv6.routing_firewall)); its Babel part needs BIRD 2 or later.
      - Omitted, BIRD's own defaults apply to whatever the interfaces do not set.
    type: str
    choices: [seed, stable, fast]
  babel:
    description:
      - The Babel protocol. Not written when omitted or without interfaces.
    type: dict
    suboptions:
      interfaces:
        description:
          - Interface entries; each becomes one C(interface "name", ... { ... };) block.
        type: list
        elements: dict
        required: true
        suboptions:
          names:
            description:
              - Interface names or BIRD patterns such as V(eth*); a name has at most 15 characters (Linux's
                limit), and so has the shortest name a pattern matches.
            type: list
            elements: str
            required: true
          type:
            description:
              - V(wired) links have a fixed cost; V(wireless) links a cost from the measured packet loss.
              - V(tunnel) links (BIRD 2.14 or later) a fixed cost, with the settings BIRD chooses for tunnels.
            type: str
            choices: [wired, wireless, tunnel]
          hello_interval:
            description:
              - Interval between Hello messages, a number with unit C(ms) or C(s) (V(50 ms), V(1 s)); a bare
                number means seconds.
              - BIRD 2 and 3 accept 10 ms to 655350 ms; BIRD 1.6 whole seconds from 1 to 655.
            type: str
          update_interval:
            description:
              - Interval between full routing updates, written like O(babel.interfaces[].hello_interval).
            type: str
          rxcost:
            description:
              - The cost of receiving over this link, 1 to 65534. 65535 is Babel's infinite cost (no route over
                the link) and is refused.
            type: int
          limit:
            description:
              - How many of the last 16 Hellos must have arrived for a wired neighbour to count as reachable,
                1 to 16 (BIRD's default 12). BIRD 2 or later.
            type: int
          check_link:
            description:
              - Take the link state (carrier) of the interface into account.
            type: bool
          authentication:
            description:
              - V(mac) signs and checks Babel packets with O(babel.interfaces[].password) (RFC 8968,
                BIRD 2.0.9 or later). Omitted means none.
            type: str
            choices: [none, mac]
          password:
            description:
              - The MAC key for O(babel.interfaces[].authentication=mac).
            type: str
  ripng:
    description: The RIPng protocol. Not written when omitted or without interfaces.
    type: dict
    suboptions:
      interfaces:
        description: Interface entries; each becomes one C(interface "name", ... { ... };) block.
        type: list
        elements: dict
        required: true
        suboptions:
          names:
            description: Interface names or BIRD patterns such as V(eth*), at most 15 characters.
            type: list
            elements: str
            required: true
          update_time:
            description:
              - Seconds between regular updates (BIRD default 30).
            type: int
          timeout_time:
            description:
              - Seconds after which a route that is not refreshed is dropped (BIRD default 180).
              - Must be longer than O(ripng.interfaces[].update_time) (or its default 30), or routes expire
                between updates.
            type: int
          garbage_time:
            description:
              - Seconds a dropped route is still announced as unreachable (BIRD default 120).
            type: int
          split_horizon:
            description:
              - Do not send routes back to the neighbour they came from.
            type: bool
          poison_reverse:
            description:
              - Send routes back to the neighbour they came from as unreachable.
            type: bool
          bfd:
            description:
              - Watch neighbours with BFD, which notices a dead link in well under a second; a C(bfd)
                protocol is written too.
            type: bool
          check_link:
            description:
              - Take the link state (carrier) of the interface into account.
            type: bool
  direct:
    description:
      - The C(direct) protocol, whose routes (the prefixes on these interfaces) Babel and RIPng announce.
    type: dict
    suboptions:
      interfaces:
        description:
          - Interface names or patterns whose prefixes are announced, for example the LAN bridge; at most 15
            characters.
        type: list
        elements: str
        required: true
  kernel:
    description:
      - The C(kernel) protocol, which puts learned routes into the kernel's routing table.
    type: dict
    suboptions:
      enabled:
        description:
          - Write the kernel protocol. Without it BIRD learns routes but does not use them.
        type: bool
        default: true
      persist:
        description:
          - Leave the routes in the kernel when BIRD stops.
        type: bool
        default: false
      scan_time:
        description:
          - Seconds between scans of the kernel table. When unset, 10; with O(bird_version=3) (or a BIRD 3 found
            by V(auto)) and O(profile=fast), 1, because BIRD 3.1 can miss a route it writes right after withdrawing
            the one before, as in a failover, until its next scan.
        type: int
  device:
    description:
      - The C(device) protocol, which tells BIRD about interfaces.
    type: dict
    suboptions:
      scan_time:
        description:
          - Seconds between interface scans.
        type: int
        default: 10
  validate:
    description:
      - Parse the rendered file with the BIRD binary of the chosen version (C(bird -p -c) or C(bird6 -p -c))
        before it replaces the live file. The file is left untouched when BIRD rejects it.
    type: bool
    default: true
  backup:
    description:
      - Keep a timestamped copy of the file it replaces or removes.
    type: bool
    default: false
  reload:
    aliases: [apply]
    description:
      - After a change, tell a running daemon to read its configuration again (C(birdc configure) or
        C(birdc6 configure)). When no daemon answers, nothing is reloaded and RV(reloaded) is V(false).
      - Without the client (OpenWrt installs it as a package of its own) the init script reloads, as OpenWrt's
        packages do - C(/etc/init.d/bird6) or C(/etc/init.d/bird1-ipv6) for 1.6, C(/etc/init.d/bird),
        C(/etc/init.d/bird2) or C(/etc/init.d/bird3) for 2 and 3. The module on the host and the action on the
        controller run the same command.
    type: bool
    default: true
  control_socket:
    description:
      - The daemon's control socket for O(reload), passed as C(birdc -s). BIRD's default when omitted.
    type: path
  render_on_controller:
    description:
      - Render the file on the controller and install it through the shell alone, for routers without Python
        (most OpenWrt images). The host then needs only a POSIX shell, C(cat), C(mv), C(chmod) and C(stat).
      - Omitted, the action asks the host whether it has the Python Ansible would use
        (C(ansible_python_interpreter), else C(python3) or C(python) on E(PATH)) and renders on the controller
        only when it has none. V(true) always renders on the controller, V(false) always runs the module on
        the host.
      - On the controller, O(validate) runs a local BIRD of the same version (O(bird_binary), else C(bird) or
        C(bird6) on the controller's E(PATH)), else the host's own C(bird)/C(bird6) on a temporary copy beside
        the live file (not in check mode); O(reload) runs C(birdc configure), C(birdc6 configure), or the init
        script's C(reload) when there is no C(birdc).
    type: bool
  bird_binary:
    description:
      - The BIRD daemon on the controller that validates a file rendered there (C(bird) for BIRD 2 and 3,
        C(bird6) for 1.6; its version must match). Ignored when the module runs on the host.
    type: path
notes:
  - BIRD 1.6 (Debian package C(bird)) and BIRD 2 (C(bird2)) conflict as packages; C(bird6) of 1.6 runs
    beside C(bird) of 2 when unpacked with C(dpkg -x). Put it first in E(PATH) to validate BIRD 1.6 files.
  - The files for BIRD 2 and BIRD 3 differ only in their header comment, but a BIRD 2 that parses a file says
    nothing of what BIRD 3 does with it, so each is validated only by its own generation. Any C(bird) first in
    E(PATH) is used, also a wrapper that runs a BIRD of another distribution with C(chroot).
  - An interface name or pattern that matches no interface on the host gives a warning, not an error, since the
    interface may appear later (a VLAN, a tunnel, a radio).
  - Babel needs UDP port 6696 and RIPng UDP port 521 from link-local sources;
    M(palmfarm.ipv6.routing_firewall) opens them.
  - On a host without Python (OpenWrt) the action renders on the controller and needs no Python there, see
    O(render_on_controller). The file is copied with the connection's own transfer (SFTP, SCP or piped), or
    with C(cat) through the shell when that fails.
seealso:
  - name: BIRD 2 user's guide, Babel
    description: The options this module writes.
    link: https://bird.network.cz/?get_doc&v=20&f=bird-6.html#ss6.2
"""

EXAMPLES = r"""
- name: Sub-second Babel failover on the wired ring links, LAN announced (BIRD 2)
  palmfarm.ipv6.babel_bird6:
    router_id: 10.0.0.1
    profile: fast
    babel:
      interfaces:
        - names: [ring12, ring13]
    direct:
      interfaces: [br-lan]

- name: The blog's bird6 configuration on an OpenWrt router with BIRD 1.6
  palmfarm.ipv6.babel_bird6:
    bird_version: '1.6'
    router_id: 10.0.0.2
    profile: seed
    babel:
      interfaces:
        - names: [eth0.2]
        - names: [wlan0, wlan1]
    direct:
      interfaces: [br-lan]

- name: RIPng with BFD and authenticated Babel, written to a file of our choosing
  palmfarm.ipv6.babel_bird6:
    path: /etc/bird/bird.conf
    router_id: 10.0.0.3
    ripng:
      interfaces:
        - names: [eth1]
          update_time: 5
          timeout_time: 15
          split_horizon: true
          bfd: true
    babel:
      interfaces:
        - names: [wg0]
          type: wired
          hello_interval: 100 ms
          limit: 14
          authentication: mac
          password: "{{ babel_key }}"
    backup: true

- name: Babel over WireGuard tunnels (BIRD 2.14 or later), slow hellos on a metered link
  palmfarm.ipv6.babel_bird6:
    bird_version: '2'
    router_id: 10.0.0.4
    babel:
      interfaces:
        - names: [wg0, wg1]
          type: tunnel
        - names: [lte0]
          type: wired
          hello_interval: 655350 ms
"""

RETURN = r"""
path:
  description: The configuration file.
  returned: always
  type: str
  sample: /etc/bird/bird.conf
bird_version:
  description: The BIRD generation the file is written for.
  returned: always
  type: str
  sample: '2'
config:
  description: The rendered configuration (with O(state=present)).
  returned: when state is present
  type: str
  sample: "router id 10.0.0.1;\n..."
validated:
  description: Whether the BIRD binary parsed the rendered file.
  returned: always
  type: bool
  sample: true
reloaded:
  description: Whether a running daemon read the new configuration.
  returned: always
  type: bool
  sample: false
reload_message:
  description: What C(birdc configure) or the init script's C(reload) said, or why no reload was tried.
  returned: always
  type: str
  sample: Reconfigured
rendered_on_controller:
  description: Whether the file was rendered on the controller and installed through the shell.
  returned: always
  type: bool
  sample: false
backup_file:
  description: The copy of the previous file, with O(backup=true) and a change.
  returned: changed and backup is true
  type: str
  sample: /etc/bird/bird.conf.12345.2026-11-28@04:00:00~
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.babel_bird6 import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
