# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the optional dnspython library is imported."""

from __future__ import annotations

import traceback

__all__ = ["DNSPYTHON_IMPORT_ERROR", "HAS_DNSPYTHON", "dns"]

try:
    import dns.exception  # noqa: F401  # pylint: disable=unused-import
    import dns.flags  # noqa: F401  # pylint: disable=unused-import
    import dns.message  # noqa: F401  # pylint: disable=unused-import
    import dns.name  # noqa: F401  # pylint: disable=unused-import
    import dns.query  # noqa: F401  # pylint: disable=unused-import
    import dns.rcode  # noqa: F401  # pylint: disable=unused-import
    import dns.rdata  # noqa: F401  # pylint: disable=unused-import
    import dns.rdataclass  # noqa: F401  # pylint: disable=unused-import
    import dns.rdataset  # noqa: F401  # pylint: disable=unused-import
    import dns.rdatatype  # noqa: F401  # pylint: disable=unused-import
    import dns.tsig  # noqa: F401  # pylint: disable=unused-import
    import dns.update  # noqa: F401  # pylint: disable=unused-import
    import dns.xfr  # noqa: F401  # pylint: disable=unused-import
    import dns.zone  # noqa: F401  # pylint: disable=unused-import
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR: str | None = traceback.format_exc()
    dns = None  # type: ignore[assignment]
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None
