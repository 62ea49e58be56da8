# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_optional: each optional library comes back with no error when installed, and as None with the ImportError
traceback when it is not (a None in sys.modules makes Python refuse the import, as for a missing library)."""

from __future__ import annotations

import sys

import pytest

from ansible_collections.palmfarm.ipv6.plugins.module_utils import _optional


def test_installed_libraries_come_back_ready() -> None:
    idna, error = _optional.import_idna()
    assert error is None and idna.encode("faß", uts46=True, transitional=False) == b"xn--fa-hia"
    dns, error = _optional.import_dnspython()
    assert error is None and dns.update.UpdateMessage and dns.tsig.Key and dns.zone.from_xfr
    pylxd, exceptions, error = _optional.import_pylxd()
    assert error is None and pylxd.Client and exceptions.LXDAPIException


@pytest.mark.parametrize(("blocked", "importer"), [
    ("idna", _optional.import_idna),
    ("dns.xfr", _optional.import_dnspython),
    ("pylxd", lambda: _optional.import_pylxd()[::2]),
])
def test_a_missing_library_comes_back_as_none_with_its_traceback(monkeypatch: pytest.MonkeyPatch, blocked: str,
                                                                 importer) -> None:
    monkeypatch.setitem(sys.modules, blocked, None)
    library, error = importer()
    assert library is None
    assert error is not None and "ModuleNotFoundError" in error and blocked in error
