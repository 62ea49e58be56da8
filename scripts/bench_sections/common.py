# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every section of docs/benchmarks.md is written with: figures in seconds and paragraphs wrapped to the
width of the document's hand-written parts."""

from __future__ import annotations

import textwrap
from typing import Any

WIDTH = 115  # the width the hand-written parts of the document are wrapped to


def seconds(value: float) -> str:
    return f"{value:.2f}"


def paragraph(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)


def load_during(samples: list[dict[str, Any]]) -> str:
    """"; load average (1 min) A to B during the samples", from the samples' load1 ("" when none has one)."""
    loads = [s["load1"] for s in samples if s.get("load1") is not None]
    return f"; load average (1 min) {min(loads):.1f} to {max(loads):.1f} during the samples" if loads else ""
