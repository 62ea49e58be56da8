# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the LXD tests share: a test certificate, files holding it (the ``pems`` fixture) and a remote server's
connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils._lxd.connection import LxdConnection

# A self-signed certificate (CN itrem-client), as `lxc remote add` stores a server's.
PEM = """-----BEGIN CERTIFICATE-----
MIIBvzCCAUagAwIBAgIURr1wZevFQivrOMCfVHAigL/8QK8wCgYIKoZIzj0EAwMw
FzEVMBMGA1UEAwwMaXRyZW0tY2xpZW50MB4XDTI2MTEyODAyNDI0OFoXDTI2MTEz
MDAyNDI0OFowFzEVMBMGA1UEAwwMaXRyZW0tY2xpZW50MHYwEAYHKoZIzj0CAQYF
K4EEACIDYgAETc9zk9lfhFkKhjjmJLDVe5r4YXIQdnCoEXBYtKhkSb+9Sm2SOj3T
wVHwzkxS59mSQrfg09XCJ0m9mbkD593BaYlAgy92mHSukQHwc10qp2j0+/eZ7kKZ
z4OCKIBC9u0/o1MwUTAdBgNVHQ4EFgQUOQ6bA5MbcAc6TZBKj2yNJw+7wWAwHwYD
VR0jBBgwFoAUOQ6bA5MbcAc6TZBKj2yNJw+7wWAwDwYDVR0TAQH/BAUwAwEB/zAK
BggqhkjOPQQDAwNnADBkAjAAxatNRqL4ge5aOv+AVk1HA60Z4iIwhiF9dxJu/054
ikzpFKLKg03tnfL7xgeRfvoCMGyn4HkrzHcnnySkrQuoP3iuSAa4R1mpR8xXWvFy
PQKwwmDDfiVWOQXRKotRn5S46w==
-----END CERTIFICATE-----
"""


@pytest.fixture
def pems(tmp_path: Path) -> dict[str, str]:
    files = {}
    for name in ("client.crt", "client.key", "server.crt"):
        (tmp_path / name).write_text(PEM)
        files[name] = str(tmp_path / name)
    return files


def remote(**kwargs: Any) -> LxdConnection:
    return LxdConnection(url="https://lxd.example.net:8443", **kwargs)
