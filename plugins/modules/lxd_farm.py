#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lxd_farm
short_description: A farm of LXD instances, created and started in parallel, with their global IPv6 addresses
description:
  - Makes a set of LXD instances exist in the wanted state, with the wanted profiles, config and devices, and
    returns each one's addresses, its best global IPv6 address first.
  - The set is either listed (O(names)) or numbered (O(name_prefix) and O(count), for example C(w2) .. C(w10)).
  - One recursive API call reads every instance with its state; only what differs is changed, in parallel
    (O(workers) at a time). A second run with the same options changes nothing and makes no write call.
  - After starting, the module waits until every started instance that has a network device shows a preferred
    (not deprecated) global IPv6 address (learnt by SLAAC from a router advertisement), polling every 0.2 s.
  - When LXD is local (its unix socket) and the task runs as root, the addresses are read from the kernel, in
    each container's network namespace; the kernel tells deprecated addresses (preferred lifetime over, as
    after a renumbering, when the router advertises the old prefix with a preferred lifetime of 0) from the
    others, and they are returned apart, under C(ipv6.deprecated). See RV(instances[].ipv6.deprecated) for
    remote LXD. LXD is then not asked for them at all, which spares it entering each container on every poll.
  - On an LXD cluster, O(placement) says which members the instances run on, and each returned instance
    carries its member (RV(instances[].location)). A run after a member comes back restores the spread
    (O(rebalance)) without touching the instances already on the right member.
  - Everything that can be checked before a change is checked first (instance names, O(count), the image and
    the profiles). A bad value fails the task with a message naming it, and nothing is created.
  - The task's message is the final count, for example C(created 500, unchanged 0, deleted 0), followed by the
    other kinds of change that are not 0 (RV(counts)). With C(-v), the task prints one line per instance event
    of RV(progress) (each step's end, and each address seen while waiting), with the seconds since the module
    started. A module cannot print while it runs, so these lines come when the task ends.
author: palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment: [palmfarm.ipv6.lxd, palmfarm.ipv6.attributes]
options:
  names:
    description:
      - The instances of the farm, by name.
      - Exactly one of O(names) and O(name_prefix) is required.
    type: list
    elements: str
  name_prefix:
    description:
      - The instances of the farm are O(name_prefix) followed by a number, from O(start_index) on,
        O(count) of them. V(w) with O(start_index=2) and O(count=9) is C(w2) .. C(w10).
    type: str
  count:
    description:
      - How many instances O(name_prefix) makes. V(0) with O(prune=true) removes the whole farm.
      - Required with O(name_prefix), not allowed with O(names).
    type: int
  start_index:
    description:
      - The number of the first instance with O(name_prefix).
    type: int
    default: 1
  image:
    description:
      - The image new instances are created from, an alias or a fingerprint (or a unique prefix of at least
        12 hex digits of one) of a local image.
      - Required when an instance has to be created. Instances that exist are not rebuilt when it changes.
    type: str
  profiles:
    description:
      - The profiles of every instance, in order. Existing instances with other profiles are updated, also
        with O(state=stopped); give the same list on every task of a farm.
    type: list
    elements: str
    default: [default]
  config:
    description:
      - Instance configuration, for example C(limits.cpu) or C(user.*) keys.
      - When given, it is the whole configuration the module manages; other keys are removed. Keys of LXD's own
        (C(volatile.*), C(image.*)) are never compared nor removed. When omitted, the configuration is left as
        it is.
      - Values are compared as the strings LXD stores (V(2) as V("2"), V(true) as V("true")).
    type: dict
  devices:
    description:
      - Devices of the instances themselves (on top of those of the profiles), a dict of device name to
        settings; every device needs a C(type). When omitted, the devices are left as they are.
    type: dict
  state:
    description:
      - V(started) creates what is missing and starts every instance, V(stopped) creates what is missing and
        stops every instance, V(absent) deletes the instances.
    type: str
    choices: [started, stopped, absent]
    default: started
  prune:
    description:
      - Also delete the instances of this farm that are beyond the desired set.
      - With O(name_prefix), those are the instances named O(name_prefix) followed by digits only. With O(names),
        those carrying the O(farm) label; O(farm) is then required.
    type: bool
    default: false
  farm:
    description:
      - A label for the farm, kept in the instance config key C(user.palmfarm.farm) and used by O(prune).
    type: str
  workers:
    description:
      - How many instances are changed at the same time.
    type: int
    default: 10
  wait_for_ipv6:
    description:
      - Wait until every started instance that has a network device has a preferred global IPv6 address.
      - A deprecated address does not count, so a run right after a prefix change waits for the address in the
        new prefix instead of returning the old one (on a local LXD; see RV(instances[].ipv6.deprecated)).
      - The task fails when one has only ULA, link-local or deprecated addresses after O(wait_timeout) seconds.
      - In check mode the running instances that would not change are waited for too, so that the addresses
        returned are those a real run would return; the instances it would create or start are not waited for.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the global IPv6 addresses.
    type: int
    default: 60
  addr_gen_mode:
    description:
      - How C(eth0) of each instance makes the interface identifier of its SLAAC addresses.
      - V(eui64) is the kernel's default, from the MAC. LXD's MACs all start with C(00:16:3e), so the addresses
        of a farm sit in a range of 2^24 addresses of the /64, which a scan walks through quickly.
      - V(stable-privacy) is RFC 7217, the identifier is a hash of a secret and the prefix, spread over the
        whole /64, the same at every start on the same prefix, and a new one on a new prefix. The secret is set
        as the instance config key C(linux.sysctl.net.ipv6.conf.eth0.stable_secret), which LXD applies before
        C(eth0) comes up. A running instance whose secret changes is restarted to take it.
      - V(eui64) removes that key from instances that have it (and restarts the running ones), so the key must
        not be given in O(config).
    type: str
    choices: [eui64, stable-privacy]
    default: eui64
  stable_secret:
    description:
      - With O(addr_gen_mode=stable-privacy), the farm's secret, at least 16 characters. Each instance's own
        secret is derived from it and its name, so an instance made again under the same name gets the same
        address again, and re-runs change nothing.
      - When omitted, each instance gets a random secret when it is made (or first switched to
        V(stable-privacy)), kept in its config so that restarts and re-runs keep its address; an instance made
        again gets a new address.
      - Not allowed with O(addr_gen_mode=eui64).
    type: str
  placement:
    description:
      - On an LXD cluster, where the instances run. When omitted (and O(target) too), LXD places each new
        instance itself and existing ones stay where they are.
      - V(spread) spreads them evenly over the online members; V(single) puts them all on one member,
        O(target) or, without it, the member most of the farm is on already (LXD's choice for a new farm); a
        list of member names spreads them over exactly those members.
      - Spreading is deterministic and sticky. Each member's share is the number of instances divided by the
        number of members, the members holding the most already taking the remainder (ties in the order of
        C(lxc cluster list)). Instances within their member's share are never touched; new ones go to the
        least-loaded member.
      - Instances on a member that is offline are returned with RV(instances[].state=unreachable) and their
        member in RV(offline); nothing is done to them and they are not recreated elsewhere (LXD keeps their
        name on that member until it is back, or removed from the cluster with C(lxc cluster remove --force),
        after which the next run creates them anew). New instances go to the online members meanwhile.
      - Needs LXD to be a cluster; fails otherwise, before any change.
    type: raw
  target:
    description:
      - The member that O(placement=single) puts the instances on. Giving O(target) alone means
        O(placement=single).
    type: str
  rebalance:
    description:
      - What to do with instances on the wrong member (a member not in the O(placement) list, or one holding
        more than its share, for example after new instances went to the other members while one was offline).
      - V(none) leaves them and lists them in RV(misplaced); V(move) stops each, moves it to the member it
        belongs on (keeping its MAC, so its EUI-64 address) and starts it again (LXD 5.0 cannot move a running
        container between members); V(recreate) deletes it and creates it anew there from O(image) (a new MAC,
        so a new address, but no copy of its disk).
      - Needs O(placement) or O(target).
    type: str
    choices: [none, move, recreate]
    default: none
notes:
  - An instance that fails to start fails the task with the last lines of its C(lxc.log); the result says which
    instances did start.
  - Instances are created from local images only; import or publish the image first.
seealso:
  - module: palmfarm.ipv6.lxd_profile
  - module: palmfarm.ipv6.lxd_image
  - module: community.general.lxd_container
"""

EXAMPLES = r"""
- name: Nine web servers w2 .. w10 on the home LAN bridge, each with its global IPv6 address
  palmfarm.ipv6.lxd_farm:
    name_prefix: w
    start_index: 2
    count: 9
    image: web_image
    profiles: [default, extbridge]
    farm: web
  register: farm

- name: Show where they are
  ansible.builtin.debug:
    msg: "{{ farm.instances | map(attribute='address') | list }}"

- name: Scale down to three, deleting w5 .. w10
  palmfarm.ipv6.lxd_farm:
    name_prefix: w
    start_index: 2
    count: 3
    image: web_image
    profiles: [default, extbridge]
    prune: true

- name: A listed farm with two CPUs each, its other members removed
  palmfarm.ipv6.lxd_farm:
    names: [front, back]
    farm: shop
    prune: true
    image: palmfarm-base
    profiles: [default, extbridge]
    config:
      limits.cpu: 2

- name: Stop the farm (profiles as before; left out, they would be set to [default])
  palmfarm.ipv6.lxd_farm:
    name_prefix: w
    start_index: 2
    count: 9
    profiles: [default, extbridge]
    state: stopped

- name: Replicas whose addresses are spread over the /64 (RFC 7217), stable across restarts
  palmfarm.ipv6.lxd_farm:
    names: [web1, web2, web3]
    image: web_image
    profiles: [default, extbridge]
    addr_gen_mode: stable-privacy
    stable_secret: "{{ vault_farm_stable_secret }}"

- name: Six replicas spread over the members of an LXD cluster, reached over HTTPS with its certificate pinned
  palmfarm.ipv6.lxd_farm:
    url: https://pi1.home.example:8443
    client_cert: ~/.config/lxc/client.crt
    client_key: ~/.config/lxc/client.key
    server_cert: ~/.config/lxc/servercerts/pi-cluster.crt
    name_prefix: w
    count: 6
    image: web_image
    profiles: [default, extbridge]
    placement: spread
    rebalance: move
  register: farm

- name: Where each replica runs
  ansible.builtin.debug:
    msg: "{{ farm.placement }}"

- name: Remove the farm
  palmfarm.ipv6.lxd_farm:
    name_prefix: w
    count: 0
    prune: true
"""

RETURN = r"""
instances:
  description:
    - One item per instance concerned, the desired ones in order, then the pruned ones.
    - In check mode, V(state) is the state the instance would have and the rest is as it is now.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The instance name.
      type: str
      sample: w2
    state:
      description:
        - V(Running), V(Stopped) or V(absent) (or another LXD status such as V(Frozen)).
        - V(unreachable) for an instance on a cluster member that is offline (see RV(offline)).
      type: str
      sample: Running
    status:
      description: The status LXD reports, null when the instance does not exist.
      type: str
      sample: Running
    mac:
      description: The MAC address of the first network interface.
      type: str
      sample: 00:16:3e:97:4e:c9
    ipv6:
      description:
        - The IPv6 addresses by scope; within a list the stable EUI-64 address comes first.
        - V(global) and V(ula) hold only the addresses in use; deprecated ones are in V(deprecated).
      type: dict
      contains:
        global:
          description: Global addresses.
          type: list
          elements: str
          sample: [2001:db8:ebbd:2081:216:3eff:fe97:4ec9]
        ula:
          description: Unique local addresses (fc00::/7).
          type: list
          elements: str
          sample: [fd6a:c19d:b07:2080:216:3eff:fe97:4ec9]
        link_local:
          description: Link-local addresses.
          type: list
          elements: str
          sample: [fe80::216:3eff:fe97:4ec9]
        deprecated:
          description:
            - Global and unique local addresses whose preferred lifetime is over (the kernel's flag
              C(IFA_F_DEPRECATED)), such as the addresses of the old prefix after a renumbering until their
              valid lifetime ends. They are in neither V(global) nor V(ula), and never the RV(instances[].address).
            - Only when the addresses are read from the kernel (LXD local, the task run as root). LXD's own
              instance state API has no such flag, so for a remote LXD (or without root) this list is empty and
              deprecated addresses are listed under V(global) or V(ula) like the others.
          type: list
          elements: str
          sample: [2001:db8:ebbd:2080:216:3eff:fe97:4ec9]
    ipv4:
      description: IPv4 addresses.
      type: list
      elements: str
      sample: []
    address:
      description:
        - The best global IPv6 address (the EUI-64 one when present), null when there is none; never a
          deprecated address.
      type: str
      sample: 2001:db8:ebbd:2081:216:3eff:fe97:4ec9
    created:
      description: Whether this task created the instance.
      type: bool
    changed:
      description: Whether this task changed the instance.
      type: bool
    location:
      description:
        - The cluster member the instance is on (V(none) outside a cluster). In check mode with O(placement),
          the member it would be on.
      type: str
      sample: none
server:
  description: The server that runs the farm, as its C(GET /1.0) names it - name, version and client (C(cli)).
  returned: success
  type: dict
  sample: {name: incus, version: 6.0.4, cli: incus}
created:
  description: Names of the instances created (or that would be, in check mode).
  returned: always
  type: list
  elements: str
  sample: [w9, w10]
deleted:
  description: Names of the instances deleted (or that would be).
  returned: always
  type: list
  elements: str
  sample: [w11]
started:
  description: Names of the instances started (or that would be).
  returned: always
  type: list
  elements: str
  sample: [w9, w10]
restarted:
  description:
    - Names of the running instances restarted (or that would be) to take a new stable secret
      (O(addr_gen_mode)).
  returned: always
  type: list
  elements: str
  sample: []
stopped:
  description: Names of the instances stopped (or that would be).
  returned: always
  type: list
  elements: str
  sample: []
updated:
  description: Names of the instances whose profiles, config or devices were updated (or would be).
  returned: always
  type: list
  elements: str
  sample: []
actions:
  description: What was done (or would be done) per instance changed, in order.
  returned: always
  type: dict
  sample: {w9: [create, start], w11: [delete]}
diff:
  description:
    - The states before and after, as maps of instance name to state, with C(<name>.profiles),
      C(<name>.config) and C(<name>.devices) entries for the instances whose settings change, and
      C(<name>.stable_secret) entries (a short fingerprint, never the secret) for those whose stable secret
      changes.
  returned: always
  type: dict
  sample:
    before: {w2: Running, w3: absent, w2.profiles: [default]}
    after: {w2: Running, w3: Running, w2.profiles: [default, extbridge]}
moved:
  description: With O(rebalance=move), the instances moved to another member (or that would be).
  returned: always
  type: list
  elements: str
  sample: [w6]
recreated:
  description: With O(rebalance=recreate), the instances recreated on another member (or that would be).
  returned: always
  type: list
  elements: str
  sample: []
misplaced:
  description:
    - With O(placement) and O(rebalance=none), the instances on the wrong member, with the member each is on
      and the one it belongs on. Empty without O(placement).
  returned: always
  type: dict
  sample: {w6: {location: pi1, belongs_on: pi2}}
offline:
  description:
    - With O(placement), the instances on a cluster member that is offline, with that member. They are also in
      RV(instances) with RV(instances[].state=unreachable). Empty without O(placement).
  returned: always
  type: dict
  sample: {w2: pi2, w4: pi2}
placement:
  description: With O(placement), the instances of the farm by member. Empty without O(placement).
  returned: always
  type: dict
  sample: {pi1: [w1, w3, w5], pi2: [w2, w4, w6]}
failed_instances:
  description:
    - On failure, the instances whose change failed, and those that stopped again right after they started
      (Incus reports such a start as done; LXD as failed).
  returned: failure
  type: list
  elements: str
  sample: [w3]
running:
  description: On failure, the desired instances that are running.
  returned: failure
  type: list
  elements: str
  sample: [w2, w4]
without_global:
  description: When the wait for addresses timed out, the instances still without a preferred global IPv6 address.
  returned: failure
  type: list
  elements: str
  sample: [w2]
msg:
  description:
    - The final count, V(created N, unchanged N, deleted N), then the other counts of RV(counts) that are not 0;
      in check mode it starts with V(check mode, would be:).
  returned: success
  type: str
  sample: created 500, unchanged 0, deleted 0
counts:
  description:
    - How many instances each kind of change concerned. V(unchanged) counts the desired instances nothing was
      done to (not those on an offline cluster member); V(started) those started without being created.
  returned: success
  type: dict
  sample: {created: 500, unchanged: 0, deleted: 0, started: 0, updated: 0, restarted: 0, stopped: 0, moved: 0,
           recreated: 0}
progress:
  description:
    - One event per instance as its step ended (the actions it did, or the phase it failed in) and as its global
      IPv6 address was seen while waiting, in the order they happened, with the seconds since the module
      started. An instance nothing was done to has no event. With C(-v), the task prints them one per line.
  returned: always
  type: list
  elements: dict
  contains:
    seconds:
      description: Seconds since the module started.
      type: float
      sample: 12.34
    name:
      description: The instance.
      type: str
      sample: w7
    event:
      description: The actions of its step (V(create, start)), V(PHASE failed), or V(address ADDRESS).
      type: str
      sample: create, start
  sample: [{seconds: 1.52, name: w2, event: "create, start"}, {seconds: 3.04, name: w2,
            event: "address 2001:db8:ebbd:2080:216:3eff:fe97:4ec9"}]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_farm import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
