#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: lxd_image
short_description: Publish, import or copy an LXD image and manage its aliases
description:
  - Makes the aliases in O(aliases) point at an image made from one source, through the LXD REST API.
    The source is one of an instance or one of its snapshots (C(lxc publish)), local image tarballs
    (C(lxc image import)), or an image server (C(lxc image copy)).
  - The aliases are the image's aliases, all of them. An alias that points at another image is moved; an alias
    of the image that is not listed is removed. An image that loses every alias it had to the move is deleted.
  - B(Publish.) The image records where it comes from in its properties, C(palmfarm.source) (V(c1/snap) or
    V(c1)) and C(palmfarm.source_created_at) (the snapshot's creation time). The next run with the same snapshot
    changes nothing. A snapshot taken again under the same name, or O(refresh=true), publishes a new image and
    moves the aliases to it. An image without that record (for example published by hand) is published anew.
  - B(Import.) LXD's fingerprint of an image is the sha256 of the metadata tarball followed by the rootfs
    tarball. The module computes it from the files; the same tarballs again change nothing, other tarballs are
    imported and the aliases moved to the new image.
  - B(Copy.) The image is copied once; while the aliases point at an image copied from the same server and alias,
    nothing changes. O(auto_update) lets LXD keep it up to date.
  - The request is checked before anything is changed. An unknown instance or snapshot, a missing tarball, an
    unknown remote, an invalid alias or an unreachable image server fails the task with a message naming the
    value.
author: palmfarm.ipv6 contributors (@palmfarm)
extends_documentation_fragment: [palmfarm.ipv6.lxd, palmfarm.ipv6.attributes]
options:
  aliases:
    description:
      - The aliases of the image, for example V(web_image). They identify the image from one run to the next.
      - An alias cannot be empty or contain C(/), C(:) or white space.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) makes the aliases point at an image from the source.
      - V(absent) removes the aliases and deletes each image they pointed at that has no alias left.
        The source options are not needed then.
    type: str
    choices: [present, absent]
    default: present
  instance:
    description:
      - Publish this instance, or its O(snapshot), as the image.
      - LXD publishes only stopped instances. To publish a running one, give O(snapshot).
      - Mutually exclusive with O(metadata_tarball), O(remote) and O(server).
    type: str
  snapshot:
    description:
      - Publish this snapshot of O(instance) (its name alone, for example V(snapshot_web)) instead of the instance.
    type: str
  create_snapshot:
    description:
      - Take O(snapshot) first when O(instance) does not have it. Without it a missing snapshot fails the task
        and lists the instance's snapshots.
      - An existing snapshot is used as it is; delete it to publish the instance's current state again.
    type: bool
    default: false
  refresh:
    description:
      - Publish again even when the aliases point at an image published from the same O(instance) and
        O(snapshot).
      - Not idempotent by design; with O(create_snapshot) it still uses an existing snapshot.
    type: bool
    default: false
  metadata_tarball:
    description:
      - Import the image from this metadata tarball (C(metadata.yaml) and templates), or from a unified tarball
        (metadata and C(rootfs/)) when O(rootfs_tarball) is omitted.
      - Mutually exclusive with O(instance), O(remote) and O(server).
    type: path
  rootfs_tarball:
    description:
      - The rootfs tarball of a split image, imported together with O(metadata_tarball).
    type: path
  remote:
    description:
      - Copy the image from a well-known image server, written C(REMOTE:ALIAS) like V(images:alpine/3.20).
      - Known remotes are V(images) (U(https://images.linuxcontainers.org)), V(ubuntu)
        (U(https://cloud-images.ubuntu.com/releases)) and V(ubuntu-daily)
        (U(https://cloud-images.ubuntu.com/daily)), all simplestreams. For another server use O(server).
      - Mutually exclusive with O(instance), O(metadata_tarball) and O(server).
    type: str
  server:
    description:
      - Copy the image from the image server at this URL, for example V(https://images.example.net).
      - Needs O(remote_alias).
    type: str
  remote_alias:
    description:
      - The alias (or fingerprint) of the image on O(server), for example V(alpine/3.20).
    type: str
  protocol:
    description:
      - How to talk to O(server). V(simplestreams) when omitted.
    type: str
    choices: [simplestreams, lxd]
  auto_update:
    description:
      - Let LXD update an image copied from an image server. Left as it is when omitted.
    type: bool
  public:
    description:
      - Whether clients that are not trusted may use the image. Left as it is when omitted (new images are not
        public).
    type: bool
  properties:
    description:
      - Image properties to set, for example C(os) or C(release). Properties not listed are kept.
      - C(palmfarm.source) and C(palmfarm.source_created_at) are kept by the module and cannot be set.
    type: dict
  description:
    description:
      - The image description, stored as the property C(description).
    type: str
notes:
  - Images are found through their aliases; an image without an alias is not managed.
seealso:
  - module: community.general.lxd_container
  - name: LXD images
    description: How LXD stores, publishes and copies images.
    link: https://documentation.ubuntu.com/lxd/en/latest/image-handling/
"""

EXAMPLES = r"""
- name: Publish a snapshot of the template container as web_image, taking the snapshot when it is missing
  palmfarm.ipv6.lxd_image:
    instance: alpine
    snapshot: snapshot_web
    create_snapshot: true
    aliases: [web_image]
    description: web server template

- name: Import a tiny image from split tarballs
  palmfarm.ipv6.lxd_image:
    metadata_tarball: /var/cache/palmfarm/tiny-image/metadata.tar.gz
    rootfs_tarball: /var/cache/palmfarm/tiny-image/rootfs.tar.gz
    aliases: [palmfarm-tiny]

- name: Copy Alpine from the linuxcontainers image server and keep it updated
  palmfarm.ipv6.lxd_image:
    remote: images:alpine/3.20
    aliases: [alpine]
    auto_update: true

- name: Copy from another simplestreams server
  palmfarm.ipv6.lxd_image:
    server: https://images.example.net
    remote_alias: debian/12
    protocol: simplestreams
    aliases: [debian12]

- name: Remove the alias and the image
  palmfarm.ipv6.lxd_image:
    aliases: [web_image]
    state: absent
"""

RETURN = r"""
server:
  description: The server that holds the image, as its C(GET /1.0) names it.
  returned: success
  type: dict
  contains:
    name:
      description: V(lxd) or V(incus).
      type: str
      sample: incus
    version:
      description: The server's version.
      type: str
      sample: 6.0.4
    cli:
      description: Its command-line client, V(lxc) or V(incus).
      type: str
      sample: incus
image:
  description:
    - The image the aliases point at after the task. In check mode, the image as it would be; the fingerprint,
      size and creation time of an image still to be published or copied are null then.
    - Empty after O(state=absent).
  returned: success
  type: dict
  contains:
    fingerprint:
      description: The image's fingerprint (sha256).
      type: str
      sample: f238b06ce34ebe2c56e4f510089224f09e482c125464a07aa23ccd067b8b776b
    aliases:
      description: Its aliases.
      type: list
      elements: str
      sample: [web_image]
    size:
      description: Its size in bytes.
      type: int
      sample: 1027604
    properties:
      description: Its properties.
      type: dict
      sample: {"os": "busybox", "palmfarm.source": "alpine/snapshot_web"}
    created_at:
      description: When it was made.
      type: str
      sample: "2026-11-28T02:28:01Z"
    architecture:
      description: Its architecture.
      type: str
      sample: x86_64
    public:
      description: Whether it is public.
      type: bool
      sample: false
    auto_update:
      description: Whether LXD updates it from its source.
      type: bool
      sample: false
actions:
  description:
    - What was done (or would be done in check mode), in order; empty when nothing changed.
  returned: success
  type: list
  elements: str
  sample:
    - create snapshot alpine/snapshot_web
    - publish alpine/snapshot_web
    - move alias web_image from 5d3c5d0e8b1a to (new image)
    - delete image 5d3c5d0e8b1a (no alias left on it)
diff:
  description:
    - The image before and after, with C(fingerprint), C(aliases), C(properties) and C(alias_targets) (each alias
      in O(aliases) and the fingerprint it points at, null for none; a moved alias shows both).
  returned: success and diff mode
  type: dict
  sample:
    before:
      fingerprint: 5d3c5d0e8b1a4ac1ad8c2e3f0ce2b0e3d7e40bd2b4e52a1fe1c2b8be2e3ff0a1
      aliases: [web_image]
      properties: {"palmfarm.source": "alpine/snapshot_web"}
      alias_targets: {"web_image": 5d3c5d0e8b1a4ac1ad8c2e3f0ce2b0e3d7e40bd2b4e52a1fe1c2b8be2e3ff0a1}
    after:
      fingerprint: null
      aliases: [web_image]
      properties: {"palmfarm.source": "alpine/snapshot_web"}
      alias_targets: {"web_image": null}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.palmfarm.ipv6.plugins.module_utils._module.lxd_image import ARGUMENT_SPEC, RULES, run_module


def main() -> None:
    run_module(AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **RULES))


if __name__ == "__main__":
    main()
