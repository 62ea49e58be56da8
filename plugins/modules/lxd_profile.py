#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lxd_profile
short_description: Create, update, rename and delete LXD profiles
description:
  - Makes an LXD profile look as described, through the LXD REST API.
  - Accepts the options of M(community.general.lxd_profile), so a task written for that module runs unchanged.
    Unlike it, a second run with O(merge_profile=true) reports no change when there is nothing to merge.
  - LXD keeps every config value as a string. Numbers and booleans are converted (V(2) to V("2"), V(true) to
    V("true")) before comparing, so such values do not cause a change on every run.
  - The request is checked before anything is changed. An invalid name, a device that is not a dict or has
    no C(type), or a dict or list as a config value fails the task with a message naming the value.
author: palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment: [palmfarm.ipv6.lxd, palmfarm.ipv6.attributes]
options:
  name:
    description:
      - Name of the profile.
    type: str
    required: true
  new_name:
    description:
      - Rename the profile O(name) to this name, then apply the other options to it.
      - When O(name) no longer exists and O(new_name) does, the rename is taken as done and only the other
        options are applied, so the task stays idempotent.
      - Fails when both profiles exist, and when neither does.
      - The V(default) profile cannot be renamed. Ignored with O(state=absent).
    type: str
  description:
    description:
      - Description of the profile. Left as it is when omitted.
    type: str
  config:
    description:
      - Profile configuration, for example C(limits.cpu) or C(security.nesting).
      - When omitted the configuration is left as it is. When given it replaces the whole configuration, or
        with O(merge_profile=true) is merged onto it.
      - Values are strings; numbers and booleans are converted to the strings LXD stores.
        An empty string removes the key, which is how to drop a key with O(merge_profile=true).
      - See U(https://documentation.ubuntu.com/lxd/en/latest/reference/instance_options/).
    type: dict
  devices:
    description:
      - Devices of the profile, a dict of device name to a dict of device settings. Every device needs a
        C(type), for example C(nic) or C(disk).
      - When omitted the devices are left as they are. When given they replace all devices, or with
        O(merge_profile=true) each given device is merged key by key into the existing device of the same
        name (which then needs no C(type) of its own) and new devices are added.
      - An empty string as a setting removes that setting.
      - See U(https://documentation.ubuntu.com/lxd/en/latest/reference/devices/).
    type: dict
  merge_profile:
    description:
      - Merge O(config) and O(devices) onto what the profile has instead of replacing it.
      - Keys and devices that are not given are kept.
    type: bool
    default: false
  state:
    description:
      - V(present) creates or updates the profile, V(absent) deletes it.
      - A profile still used by instances is not deleted; the task fails and lists them.
      - The V(default) profile cannot be deleted.
    type: str
    choices: [present, absent]
    default: present
notes:
  - O(config) and O(devices) are compared with what LXD stores, after converting the values to strings.
seealso:
  - module: community.general.lxd_profile
  - name: LXD profiles
    description: How profiles work in LXD.
    link: https://documentation.ubuntu.com/lxd/en/latest/profiles/
"""

EXAMPLES = r"""
- name: A profile that bridges eth0 onto the host bridge br0
  palmfarm.ipv6.lxd_profile:
    name: extbridge
    description: bridged networking LXD profile
    devices:
      eth0:
        type: nic
        nictype: bridged
        parent: br0
        name: eth0

- name: Two CPUs and nesting for the web servers, on top of what the profile has
  palmfarm.ipv6.lxd_profile:
    name: web
    merge_profile: true
    config:
      limits.cpu: 2
      security.nesting: true

- name: Set the MTU of the existing eth0 device only
  palmfarm.ipv6.lxd_profile:
    name: extbridge
    merge_profile: true
    devices:
      eth0:
        mtu: 1400

- name: Rename a profile
  palmfarm.ipv6.lxd_profile:
    name: web
    new_name: web-old

- name: Delete a profile on a remote LXD
  palmfarm.ipv6.lxd_profile:
    name: web-old
    state: absent
    url: https://lxd.example.net:8443
    client_cert: /etc/lxd-client/client.crt
    client_key: /etc/lxd-client/client.key
"""

RETURN = r"""
profile:
  description:
    - The profile after the task, as LXD stores it. In check mode, the profile as it would be.
    - Empty after O(state=absent).
  returned: success
  type: dict
  sample:
    name: extbridge
    description: bridged networking LXD profile
    config: {}
    devices:
      eth0: {type: nic, nictype: bridged, parent: br0, name: eth0}
    used_by: [/1.0/instances/w1]
old_state:
  description: Whether the profile existed before the task (under O(new_name) when it was renamed earlier).
  returned: success
  type: str
  sample: absent
server:
  description:
    - The server that holds the profile, as its C(GET /1.0) names it; C(name) is V(lxd) or V(incus), C(cli) its
      client V(lxc) or V(incus).
  returned: success
  type: dict
  sample: {name: incus, version: 6.0.4, cli: incus}
actions:
  description:
    - What was done (or would be done in check mode), in order; empty when nothing changed.
    - Items are V(create), V(rename), V(update) and V(delete).
  returned: success
  type: list
  elements: str
  sample: [rename, update]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_profile import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
