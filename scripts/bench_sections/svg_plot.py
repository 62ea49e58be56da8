# Copyright (c) palmfarm.ipv6 contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Line charts as SVG text, in pure Python: panels side by side, each with its own y axis, lines of medians with
min–max bars at every point, and one legend under them. Deterministic (the same data gives the same bytes), so a
generated chart can be checked against its source like the rest of the generated documents."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

PANEL_W, PANEL_H = 300, 240  # the plot area of one panel
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 64, 44  # margins around each plot area
LEGEND_ROW = 18
FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\""


@dataclass(frozen=True)
class Point:
    x: float
    median: float
    low: float
    high: float


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    dashed: bool = False
    points: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Panel:
    title: str
    series: tuple[Series, ...] = field(default_factory=tuple)


def nice_step(top: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) that covers 0..top in about ``ticks`` steps."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def number(value: float) -> str:
    """A tick label: no trailing zeros."""
    return f"{value:.6g}"


def fmt(value: float) -> str:
    """A coordinate, to a tenth of a pixel."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def panel_svg(panel: Panel, xs: list[float], x0: float, y_label: str, x_label: str) -> list[str]:
    """One panel's elements, its plot area's left edge at ``x0``."""
    top = max((p.high for s in panel.series for p in s.points), default=0.0)
    step = nice_step(top)
    y_max = step * max(1, math.ceil(top / step)) if top > 0 else 1.0
    x_max = max(xs) if xs else 1.0

    def px(x: float) -> float:
        return x0 + x / x_max * PANEL_W

    def py(y: float) -> float:
        return TOP + PANEL_H - y / y_max * PANEL_H

    out = [f'<text x="{fmt(x0 + PANEL_W / 2)}" y="{TOP - 14}" text-anchor="middle" font-size="14" '
           f'font-weight="bold">{escape(panel.title)}</text>',
           f'<rect x="{fmt(x0)}" y="{TOP}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#999"/>']
    ticks = int(round(y_max / step))
    for i in range(ticks + 1):
        y = py(i * step)
        out.append(f'<line x1="{fmt(x0)}" y1="{fmt(y)}" x2="{fmt(x0 + PANEL_W)}" y2="{fmt(y)}" stroke="#e5e5e5"/>')
        out.append(f'<text x="{fmt(x0 - 6)}" y="{fmt(y + 4)}" text-anchor="end" font-size="11">'
                   f'{number(i * step)}</text>')
    for x in xs:
        out.append(f'<line x1="{fmt(px(x))}" y1="{TOP + PANEL_H}" x2="{fmt(px(x))}" y2="{TOP + PANEL_H + 4}" '
                   f'stroke="#999"/>')
        out.append(f'<text x="{fmt(px(x))}" y="{TOP + PANEL_H + 16}" text-anchor="middle" font-size="11">'
                   f'{number(x)}</text>')
    out.append(f'<text x="{fmt(x0 + PANEL_W / 2)}" y="{TOP + PANEL_H + 34}" text-anchor="middle" font-size="12">'
               f'{escape(x_label)}</text>')
    out.append(f'<text transform="translate({fmt(x0 - 40)},{fmt(TOP + PANEL_H / 2)}) rotate(-90)" '
               f'text-anchor="middle" font-size="12">{escape(y_label)}</text>')
    for series in panel.series:
        points = sorted(series.points, key=lambda p: p.x)
        dash = ' stroke-dasharray="6 3"' if series.dashed else ""
        if len(points) > 1:
            path = " ".join(f"{fmt(px(p.x))},{fmt(py(p.median))}" for p in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{series.color}" stroke-width="2"{dash}/>')
        for p in points:
            out.append(f'<line x1="{fmt(px(p.x))}" y1="{fmt(py(p.low))}" x2="{fmt(px(p.x))}" y2="{fmt(py(p.high))}" '
                       f'stroke="{series.color}" stroke-width="1.2"/>')
            out.append(f'<circle cx="{fmt(px(p.x))}" cy="{fmt(py(p.median))}" r="3" fill="{series.color}">'
                       f'<title>{escape(series.label)}, N = {number(p.x)}: median {p.median:.2f}, '
                       f'{p.low:.2f}–{p.high:.2f}</title></circle>')
    return out


def legend_svg(entries: list[Series], width: float, y0: float) -> list[str]:
    """The legend: each line's look and label, in rows that fit the width."""
    out, x, y = [], LEFT, y0
    for series in entries:
        item = 40 + 7 * len(series.label)
        if x + item > width and x > LEFT:
            x, y = LEFT, y + LEGEND_ROW
        dash = ' stroke-dasharray="6 3"' if series.dashed else ""
        out.append(f'<line x1="{x}" y1="{y}" x2="{x + 28}" y2="{y}" stroke="{series.color}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 34}" y="{y + 4}" font-size="12">{escape(series.label)}</text>')
        x += item
    return out


def legend_rows(entries: list[Series], width: float) -> int:
    rows, x = 1, LEFT
    for series in entries:
        item = 40 + 7 * len(series.label)
        if x + item > width and x > LEFT:
            rows, x = rows + 1, LEFT
        x += item
    return rows


def chart(title: str, panels: list[Panel], y_label: str, x_label: str) -> str:
    """The SVG document: ``panels`` side by side over the same x values (those of their points, named
    ``x_label``), a legend of every distinct line under them, and ``title`` on top."""
    xs = sorted({p.x for panel in panels for s in panel.series for p in s.points})
    width = len(panels) * (LEFT + PANEL_W + RIGHT)
    entries = list({(s.label, s.color, s.dashed): s for panel in panels for s in panel.series}.values())
    height = TOP + PANEL_H + BOTTOM + 14 + legend_rows(entries, width) * LEGEND_ROW + 28
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" {FONT}>',
           f'<rect width="{width}" height="{height}" fill="#fff"/>',
           f'<text x="{LEFT}" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for i, panel in enumerate(panels):
        out += panel_svg(panel, xs, i * (LEFT + PANEL_W + RIGHT) + LEFT, y_label, x_label)
    out += legend_svg(entries, width, TOP + PANEL_H + BOTTOM + 14)
    out.append("</svg>")
    return "\n".join(out) + "\n"
