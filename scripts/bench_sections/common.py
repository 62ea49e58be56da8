# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every section of docs/benchmarks.md is written with: figures in seconds and paragraphs wrapped to the
width of the document's hand-written parts."""

from __future__ import annotations

import textwrap

WIDTH = 115  # the width the hand-written parts of the document are wrapped to


def seconds(value: float) -> str:
    return f"{value:.2f}"


def paragraph(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)
