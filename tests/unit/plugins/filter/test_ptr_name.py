# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.palmfarm.ipv6.plugins.filter.ptr_name import FilterModule, ptr_name

ADDRESS = "2001:db8:ebbd:2080:216:3eff:fe29:7f8"


@pytest.mark.parametrize("args, expected", [
    ((ADDRESS,), "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0.0.8.0.2.d.b.b.e.8.b.d.0.1.0.0.2.ip6.arpa."),
    ((ADDRESS, "2001:db8:ebbd:2080::/64"), "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0"),
    ((ADDRESS, "8.b.d.0.1.0.0.2.ip6.arpa."), "8.f.7.0.9.2.e.f.f.f.e.3.6.1.2.0.0.8.0.2.d.b.b.e"),
    (("::1",), "1." + "0." * 31 + "ip6.arpa."),
])
def test_ptr_name(args: tuple, expected: str) -> None:
    assert FilterModule().filters()["ptr_name"](*args) == expected


@pytest.mark.parametrize("args, message", [
    (("192.0.2.1",), "ptr_name: address '192.0.2.1' is not an IPv6 address"),
    ((ADDRESS, "2001:db8:ebbd:2080::/62"), "/62 is not a multiple of 4"),
    ((ADDRESS, "2001:db8:1::/48"), re.escape("outside the reverse zone 1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.")),
])
def test_ptr_name_errors(args: tuple, message: str) -> None:
    with pytest.raises(AnsibleFilterError, match=message):
        ptr_name(*args)
