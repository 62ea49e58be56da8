# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # How to reach LXD, shared by every LXD module.
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Where LXD listens. C(unix:/path/to/unix.socket), a bare socket path, or C(https://host:8443) for a remote
        or clustered LXD.
      - When omitted, the first local socket found is used, in this order C($LXD_DIR/unix.socket),
        O(snap_url), C(/var/lib/lxd/unix.socket).
    type: str
  snap_url:
    description:
      - The snap's socket, tried when O(url) is omitted. Kept for compatibility with community.general.
    type: str
    default: unix:/var/snap/lxd/common/lxd/unix.socket
  project:
    description:
      - LXD project to work in. The server's default project when omitted.
    type: str
  client_cert:
    description:
      - Client certificate (PEM file) for a remote LXD over HTTPS.
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Private key (PEM file) of O(client_cert).
    type: path
    aliases: [key_file]
  server_cert:
    description:
      - The remote server's certificate (PEM file). When given, the connection is pinned to it
        (its SHA-256 fingerprint must match) instead of trusting the system CA store, which never
        knows LXD's self-signed certificates.
    type: path
  trust_token:
    description:
      - A trust token (C(lxc config trust add)) or, on older servers, the trust password, used once
        to get O(client_cert) trusted by the remote server.
    type: str
    aliases: [trust_password]
  timeout:
    description:
      - Seconds to wait for one LXD API call.
    type: int
    default: 30
requirements:
  - pylxd >= 2.3
"""
