# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where optional Python libraries are imported, each only when a task needs it.

- idna (IDNA 2008, UTS #46): only names that are not ASCII need it;
- dnspython: only dns_aaaa's nsupdate method (RFC 2136) needs it, and only that method pays for its import;
- pylxd: only a remote LXD or Incus (https://) needs it; the local unix socket is spoken to with the standard
  library, so a task against the local daemon does not pay for importing pylxd and requests;
- pyroute2: only bridge_iface's kernel backend (and the revert of a change) needs it.

Each `import_*` function returns the library and None, or None and the ImportError traceback, which a module
passes to ``fail_json(msg=missing_required_lib(LIBRARY), exception=...)``.
"""

from __future__ import annotations

import traceback
from typing import Any

# The dnspython modules the nsupdate method uses; importing them makes them attributes of the `dns` package.
_DNSPYTHON_MODULES = ("exception", "flags", "message", "name", "query", "rcode", "rdata", "rdataclass",
                      "rdataset", "rdatatype", "tsig", "update", "xfr", "zone")


def import_idna() -> tuple[Any, str | None]:
    """(idna, None), or (None, the ImportError traceback) when idna is missing."""
    try:
        import idna  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, traceback.format_exc()
    return idna, None


def import_dnspython() -> tuple[Any, str | None]:
    """(the dns package with the modules the nsupdate method uses, None), or (None, the ImportError traceback)."""
    try:
        import importlib  # pylint: disable=import-outside-toplevel

        for name in _DNSPYTHON_MODULES:
            importlib.import_module(f"dns.{name}")
        import dns  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, traceback.format_exc()
    return dns, None


def import_pylxd() -> tuple[Any, Any, str | None]:
    """(pylxd, pylxd.exceptions, None), or (None, None, the ImportError traceback) when pylxd is missing."""
    try:
        import pylxd  # pylint: disable=import-outside-toplevel
        from pylxd import exceptions  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, None, traceback.format_exc()
    return pylxd, exceptions, None


def import_pyroute2() -> tuple[Any, str | None]:
    """(pyroute2.IPRoute, None), or (None, the ImportError traceback) when pyroute2 is missing."""
    try:
        from pyroute2 import IPRoute  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None, traceback.format_exc()
    return IPRoute, None
