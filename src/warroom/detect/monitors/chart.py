"""A monitor's series and its expected band as a standalone SVG, drawn server-side (no
browser): the band shaded, the observed line over it, anomalous points marked red."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from html import escape

from warroom.detect.monitors.detector import Detection

WIDTH, HEIGHT, PAD = 720, 260, 44


def render_svg(title: str, detections: list[Detection]) -> str:
    points = [d for d in detections if math.isfinite(d.observed)]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">'
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fff"/>'
        f'<text x="{PAD}" y="16" font-size="13">{escape(title)}</text>'
    )
    if not points:
        return head + f'<text x="{PAD}" y="{HEIGHT // 2}">no data</text></svg>'
    t0, t1 = points[0].at, points[-1].at
    values = [v for d in points for v in (d.observed, d.expected_low, d.expected_high)]
    low, high = min(values), max(values)
    if high == low:
        high, low = high + 1, low - 1

    def x(at: float) -> float:
        return PAD + (at - t0) / ((t1 - t0) or 1) * (WIDTH - 2 * PAD)

    def y(value: float) -> float:
        return HEIGHT - PAD + 10 - (value - low) / (high - low) * (HEIGHT - 2 * PAD)

    upper = " ".join(f"{x(d.at):.1f},{y(d.expected_high):.1f}" for d in points)
    lower = " ".join(f"{x(d.at):.1f},{y(d.expected_low):.1f}" for d in reversed(points))
    line = " ".join(f"{x(d.at):.1f},{y(d.observed):.1f}" for d in points)
    marks = "".join(
        f'<circle cx="{x(d.at):.1f}" cy="{y(d.observed):.1f}" r="3" fill="#d62728"/>'
        for d in points
        if d.anomalous
    )

    def when(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S")

    axis = (
        f'<text x="{PAD}" y="{HEIGHT - 8}">{when(t0)} UTC</text>'
        f'<text x="{WIDTH - PAD}" y="{HEIGHT - 8}" text-anchor="end">{when(t1)} UTC</text>'
        f'<text x="4" y="{y(high):.1f}">{high:.4g}</text>'
        f'<text x="4" y="{y(low):.1f}">{low:.4g}</text>'
    )
    return (
        head
        + f'<polygon class="band" points="{upper} {lower}" fill="#1f77b4" fill-opacity="0.18"/>'
        + f'<polyline class="observed" points="{line}" fill="none" stroke="#1f1f1f" '
        'stroke-width="1.5"/>' + marks + axis + "</svg>"
    )
