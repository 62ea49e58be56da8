# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the optional pylxd library is imported."""

from __future__ import annotations

import traceback

try:
    import pylxd  # noqa: F401  # pylint: disable=unused-import
    from pylxd import exceptions as pylxd_exceptions  # noqa: F401  # pylint: disable=unused-import
except ImportError:
    HAS_PYLXD = False
    PYLXD_IMPORT_ERROR: str | None = traceback.format_exc()
    pylxd = None  # type: ignore[assignment]
    pylxd_exceptions = None  # type: ignore[assignment]
else:
    HAS_PYLXD = True
    PYLXD_IMPORT_ERROR = None
