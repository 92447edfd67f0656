"""Small charts as inline SVG: drawn by the browser itself, no script and no CDN.

>>> svg = bar_chart([("1 Dec", 2.5), ("8 Dec", 0.0)], title="Flight hours per week", y_label="hours")
>>> svg.startswith("<svg") and svg.count('class="dp-bar"') == 2
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from dronepatrol.report.escape import esc

BAR_COLOUR = "#1f4e9c"


def _nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^k at or above ``value`` (an axis top)."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 5, 10):
        if m * exp >= value - 1e-12:
            return m * exp
    return 10 * exp


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    y_label: str,
    x_label: str = "",
    width: int = 340,
    height: int = 170,
    colour: str = BAR_COLOUR,
) -> str:
    """A bar chart of ``(label, value)``; every bar carries ``data-value`` (for checking) and a
    ``<title>`` (its value on hover). Labels are thinned out so they never overlap."""
    left, right, top, bottom = 34, 8, 22, 38 if x_label else 26
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max((v for _, v in bars), default=0.0))
    parts = [
        f'<svg class="dp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{esc(title)}">',
        f'<text x="{left}" y="13" class="dp-chart-title">{esc(title)}</text>',
    ]
    for i in range(5):  # y grid and ticks
        v = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" class="dp-grid"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="dp-tick">{v:g}</text>')
    parts.append(
        f'<text transform="translate(9 {top + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle" '
        f'class="dp-tick">{esc(y_label)}</text>'
    )
    n = max(len(bars), 1)
    slot = plot_w / n
    every = max(1, math.ceil(n * 46 / plot_w))  # one label per 46 px at most
    for i, (label, value) in enumerate(bars):
        h = plot_h * value / top_value
        x = left + i * slot + slot * 0.15
        parts.append(
            f'<rect class="dp-bar" data-value="{value:.3f}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{slot * 0.7:.1f}" height="{h:.1f}" fill="{colour}"><title>{esc(label)}: {value:.1f}</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + slot * 0.35:.1f}" y="{top + plot_h + 13}" text-anchor="middle" '
                f'class="dp-tick">{esc(label)}</text>'
            )
    if x_label:
        parts.append(
            f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle" class="dp-tick">'
            f"{esc(x_label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
