# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the optional idna library (IDNA 2008, UTS #46) is imported. Only names that are not
ASCII need it: the module fails for want of it only when such a name is given."""

from __future__ import annotations

import traceback

__all__ = ["HAS_IDNA", "IDNA_IMPORT_ERROR", "idna"]

IDNA_IMPORT_ERROR: str | None = None
try:
    import idna  # pylint: disable=unused-import
except ImportError:
    IDNA_IMPORT_ERROR = traceback.format_exc()
    idna = None  # type: ignore[assignment]
HAS_IDNA = IDNA_IMPORT_ERROR is None
