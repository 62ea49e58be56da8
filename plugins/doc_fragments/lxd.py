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
      - Client certificate (PEM file) for a remote LXD over HTTPS. Required with an C(https://) O(url),
        together with O(client_key); ignored for a local socket.
      - Make one with C(openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp384r1 -nodes -days 3650
        -subj /CN=ansible -keyout client.key -out client.crt), or use C(~/.config/lxc/client.crt) of a
        machine whose C(lxc) already talks to the server.
    type: path
    aliases: [cert_file]
  client_key:
    description:
      - Private key (PEM file, not encrypted) of O(client_cert).
    type: path
    aliases: [key_file]
  server_cert:
    description:
      - The remote server's certificate (PEM file), a copy of its C(/var/lib/lxd/server.crt)
        (C(/var/snap/lxd/common/lxd/server.crt) with the snap). When given, the connection is pinned to it,
        so the server must present exactly this certificate (same SHA-256 fingerprint), whatever CA bundle
        C($REQUESTS_CA_BUNDLE) names.
      - When omitted, the server's certificate must be signed by a CA this host trusts, which LXD's own
        self-signed certificate never is.
    type: path
  trust_token:
    description:
      - A trust token (printed by C(lxc config trust add --name NAME) on the server) or, on older servers,
        the trust password. It is used only when the server does not trust O(client_cert) yet, to get it
        trusted; a token works once, so later runs may keep or drop it.
      - Getting the certificate trusted changes the server even in check mode, as nothing can be read
        from it before.
    type: str
    aliases: [trust_password]
  timeout:
    description:
      - Seconds to wait for one LXD API call.
    type: int
    default: 30
requirements:
  - pylxd >= 2.3.2, only for a remote LXD (an https:// url); the local socket needs nothing beyond Python
"""
