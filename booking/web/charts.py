"""Bar charts drawn on the server: the geometry of an inline SVG, rendered by ``templates/reports/_chart.html``.

No script and no image request (the pages' CSP allows neither from elsewhere): numbers in, rectangles and
labels out, in a fixed viewBox that the browser scales to the page and the printer to the paper. Every
bar carries its value as text as well, so the chart reads without colour and in black-and-white print.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 22, 40
MAX_LABELS = 12  # below the axis; with more bars every n-th is labelled


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # below the axis ("" when skipped for room)
    value_text: str  # above the bar ("" when there is no room)
    title: str  # the bar's full description, for a screen reader and a hover
    missing: bool  # no value (a closed day): drawn as a short mark, not a bar of 0


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the value axis
    baseline: float
    left: int
    right: float


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[str, float | None, str]],
    number: Callable[[float], str] = str,
) -> Chart:
    """``points``: (label under the axis, value or None, full description of the bar); ``number`` writes a
    value in the page's language."""
    top_value = _nice_ceiling(max((value for _, value, _ in points if value is not None), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(points), 1)
    every = max(1, math.ceil(len(points) / MAX_LABELS))
    bars = []
    for n, (label, value, description_of_bar) in enumerate(points):
        height = 0.0 if value is None else plot_height * value / top_value
        bars.append(
            Bar(
                x=round(LEFT + n * slot + slot * 0.15, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=label if n % every == 0 else "",
                value_text=number(value) if value is not None and slot >= 22 else "",
                title=description_of_bar,
                missing=value is None,
            )
        )
    ticks = [(round(TOP + plot_height * (1 - k / 4), 1), number(top_value * k / 4)) for k in range(5)]
    return Chart(chart_id, title, description, WIDTH, HEIGHT, bars, ticks, TOP + plot_height, LEFT, WIDTH - RIGHT)


def _nice_ceiling(value: float) -> float:
    """The axis' top: four steps of 1, 2 or 5 times a power of ten (at least 1), reaching the largest value."""
    quarter = max(value / 4, 1)
    power = 10 ** math.floor(math.log10(quarter))
    return 4 * next(step * power for step in (1, 2, 5, 10) if step * power >= quarter)
