"""Server-side SVG geometry for the trend charts: no chart library, no script, no inline style.

The template draws what this returns with SVG elements and CSS classes (CSP forbids inline
style attributes); each chart also gets a table for screen readers, built from the same cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from culture.scorebook import Cell
from culture.selectors import RoundRow

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 10, 26


@dataclass
class Chart:
    lines: list[str] = field(default_factory=list)  # polyline point lists, one per unbroken run
    bands: list[str] = field(default_factory=list)  # polygons of the 95 % interval
    dots: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, title
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    has_data: bool = False


def _scale(value: float, low: float, high: float) -> float:
    span = HEIGHT - TOP - BOTTOM
    return round(TOP + span * (1 - (value - low) / (high - low)), 1)


def trend_chart(
    *, rows: list[RoundRow], cell_of: dict[int, Cell], low: float = 0.0, high: float = 100.0
) -> Chart:
    """A line with its confidence band through the visible cells, oldest on the left.

    `cell_of` maps a round id to its cell; hidden periods break the line rather than bridge it.
    """
    ordered = list(reversed(rows))
    chart = Chart()
    count = max(len(ordered), 2)
    step = (WIDTH - LEFT - RIGHT) / (count - 1)
    run: list[tuple[float, Cell]] = []

    def flush() -> None:
        if not run:
            return
        chart.lines.append(" ".join(f"{x},{_scale(c.score or 0, low, high)}" for x, c in run))
        upper = [f"{x},{_scale(c.ci_high or 0, low, high)}" for x, c in run]
        lower = [f"{x},{_scale(c.ci_low or 0, low, high)}" for x, c in reversed(run)]
        if len(run) > 1:
            chart.bands.append(" ".join(upper + lower))
        run.clear()

    for index, row in enumerate(ordered):
        x = round(LEFT + index * step, 1)
        cell = cell_of.get(row.round.pk)
        if index % max(1, len(ordered) // 6) == 0:
            chart.x_labels.append((x, row.round.period_start.strftime("%d %b")))
        if cell is None or cell.score is None:
            flush()
            continue
        run.append((x, cell))
        chart.has_data = True
        chart.dots.append((x, _scale(cell.score, low, high), f"{cell.score:.0f}"))
    flush()
    for value in (low, (low + high) / 2, high):
        chart.y_ticks.append((_scale(value, low, high), f"{value:.0f}"))
    return chart


def participation_chart(*, rows: list[RoundRow]) -> Chart:
    """Participation rate over time (0-100 %), where the engine shows it; gaps stay gaps."""
    cells = {
        row.round.pk: Cell(suppressed=False, score=rate, ci_low=rate, ci_high=rate)
        for row in rows
        if (rate := row.participation.rate) is not None
    }
    return trend_chart(rows=rows, cell_of=cells)
