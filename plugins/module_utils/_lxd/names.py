# -*- coding: utf-8 -*-
# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Names LXD accepts, checked before any API call."""

from __future__ import annotations

import re

_INSTANCE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")


def instance_name_problem(name: str) -> str | None:
    """None when LXD accepts ``name`` as an instance name, else why not and how to fix it."""
    text = str(name)
    if not text:
        return "an instance name cannot be empty"
    if len(text) > 63:
        return f"instance name {text!r} is {len(text)} characters long; LXD allows at most 63"
    if not _INSTANCE_RE.fullmatch(text) or text.endswith("-"):
        return (f"instance name {text!r} is not a valid hostname label; use letters, digits and hyphens, "
                f"starting with a letter and not ending with a hyphen (e.g. w2)")
    return None


def profile_name_problem(name: str) -> str | None:
    """None when LXD accepts ``name`` as a profile name, else why not."""
    text = str(name)
    if not text:
        return "a profile name cannot be empty"
    if "/" in text or text in (".", "..") or any(c.isspace() for c in text):
        return f"profile name {text!r} contains a slash or white space, or is '.' or '..'; LXD rejects it"
    return None
