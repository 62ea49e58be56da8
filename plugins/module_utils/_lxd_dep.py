# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where the optional pylxd library is imported.

Only a remote LXD (https://) needs it: the local unix socket is spoken to with the standard library, so a
task against the local daemon does not pay for importing pylxd and requests.
"""

from __future__ import annotations

import traceback
from typing import Any


def import_pylxd() -> tuple[Any, Any, str | None]:
    """(pylxd, pylxd.exceptions, None), or (None, None, the ImportError traceback) when pylxd is missing."""
    try:
        import pylxd  # pylint: disable=import-outside-toplevel
        from pylxd import exceptions  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, None, traceback.format_exc()
    return pylxd, exceptions, None


def pylxd_import_error() -> str | None:
    """The ImportError traceback when pylxd cannot be imported, else None."""
    return import_pylxd()[2]
