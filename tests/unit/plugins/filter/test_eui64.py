# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.filter.eui64 import FilterModule, eui64


@pytest.mark.parametrize("mac, prefix, expected", [
    ("00:16:3e:97:4e:c9", "2001:db8:ebbd:2080::/64", "2001:db8:ebbd:2080:216:3eff:fe97:4ec9"),
    ("00-16-3E-29-07-F8", "2001:db8:ebbd:2080::/64", "2001:db8:ebbd:2080:216:3eff:fe29:7f8"),
    ("02:00:00:00:00:01", "fd6a:c19d:b07:2080::/64", "fd6a:c19d:b07:2080:0:ff:fe00:1"),
])
def test_eui64(mac: str, prefix: str, expected: str) -> None:
    assert FilterModule().filters()["eui64"](mac, prefix) == expected


@pytest.mark.parametrize("mac, prefix, message", [
    ("00:16:3e:97:4e", "2001:db8::/64", "eui64: MAC '00:16:3e:97:4e' is not a MAC address"),
    ("00:16:3e:97:4e:c9", "2001:db8::/56", "eui64: prefix 2001:db8::/56 is not a /64"),
    ("00:16:3e:97:4e:c9", "10.0.0.0/8", "is not an IPv6 prefix"),
])
def test_eui64_errors(mac: str, prefix: str, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        eui64(mac, prefix)
