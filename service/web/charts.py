"""Small charts as inline SVG, drawn on the server: no script, nothing fetched."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from service.web.layout import SERIES

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
WIDTH, HEIGHT, PAD = 640, 260, 40


def line_chart(rows: list[Any]) -> Markup:
    """One line per key series over the years; a missing value breaks its line."""
    years = [r.year for r in rows]
    values = [v for r in rows for v in r.values.values() if v is not None]
    if not years:
        return Markup("")
    top = max(values, default=0) or 1
    span = max(years) - min(years) or 1

    def x(year: int) -> float:
        return PAD + (year - min(years)) * (WIDTH - 2 * PAD) / span

    def y(value: float) -> float:
        return HEIGHT - PAD - value * (HEIGHT - 2 * PAD) / top

    parts = [
        (
            f'<svg class="chart" role="img" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" text-anchor="end">{top:g}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD}" text-anchor="end">0</text>',
    ]
    for year in years:
        parts.append(
            f'<text x="{x(year):.1f}" y="{HEIGHT - PAD + 16}" text-anchor="middle">{year}</text>'
        )
    for (key, label, _), colour, n in zip(SERIES, COLOURS, range(len(SERIES)), strict=True):
        segment: list[str] = []
        segments = [segment]
        for row in rows:
            value = row.values.get(key)
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x(row.year):.1f},{y(value):.1f}")
            parts.append(
                f'<circle cx="{x(row.year):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}"/>'
            )
        for seg in segments:
            if len(seg) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(seg)}"/>'
                )
        legend_x = PAD + 10 + n * 140
        parts.append(f'<rect x="{legend_x}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 16}" y="18">{Markup.escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
