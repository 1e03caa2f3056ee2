"""Server-side SVG geometry for the trend charts: no chart library, no script, no inline style.

The template draws what this returns with SVG elements and CSS classes (CSP forbids inline
style attributes); each chart also gets a table for screen readers, built from the same cells.
Every coordinate leaves here as a string with a decimal point: SVG is read by machines, and a
float handed to a template would be localised ("174,0" in German) and break the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.formats import date_format

from culture.scorebook import Cell
from culture.selectors import RoundRow

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 10, 26


@dataclass
class Chart:
    lines: list[str] = field(default_factory=list)  # polyline point lists, one per unbroken run
    bands: list[str] = field(default_factory=list)  # polygons of the 95 % interval
    # x, y, the value as read ("64") and the week it belongs to ("23 Nov")
    dots: list[tuple[str, str, str, str]] = field(default_factory=list)
    y_ticks: list[tuple[str, str]] = field(default_factory=list)  # y, label
    x_labels: list[tuple[str, str]] = field(default_factory=list)  # x, label
    width: int = WIDTH
    height: int = HEIGHT
    has_data: bool = False


def svg_number(value: float) -> str:
    """A coordinate as SVG reads it, whatever the language: '174.5', never '174,5'."""
    return f"{value:.1f}"


def _scale(value: float, low: float, high: float, height: int = HEIGHT) -> str:
    span = height - TOP - BOTTOM
    return svg_number(TOP + span * (1 - (value - low) / (high - low)))


def trend_chart(
    *,
    rows: list[RoundRow],
    cell_of: dict[int, Cell],
    low: float = 0.0,
    high: float = 100.0,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Chart:
    """A line with its confidence band through the visible cells, oldest on the left.

    `cell_of` maps a round id to its cell; hidden periods break the line rather than bridge it.
    A narrower chart (the manager home's, read on a phone) labels fewer dates.
    """
    ordered = list(reversed(rows))
    chart = Chart(width=width, height=height)
    count = max(len(ordered), 2)
    step = (width - LEFT - RIGHT) / (count - 1)
    labels = max(2, width // 100)  # dates along the axis: 6 on the team page's 640
    run: list[tuple[str, Cell]] = []

    def scale(value: float) -> str:
        return _scale(value, low, high, height)

    def flush() -> None:
        if not run:
            return
        chart.lines.append(" ".join(f"{x},{scale(c.score or 0)}" for x, c in run))
        upper = [f"{x},{scale(c.ci_high or 0)}" for x, c in run]
        lower = [f"{x},{scale(c.ci_low or 0)}" for x, c in reversed(run)]
        if len(run) > 1:
            chart.bands.append(" ".join(upper + lower))
        run.clear()

    for index, row in enumerate(ordered):
        x = svg_number(LEFT + index * step)
        cell = cell_of.get(row.round.pk)
        # In the reader's language ("6. Dez."), like every date the pages show.
        when = date_format(row.round.period_start, "MONTH_DAY_FORMAT")
        if index % max(1, len(ordered) // labels) == 0:
            chart.x_labels.append((x, when))
        if cell is None or cell.score is None:
            flush()
            continue
        run.append((x, cell))
        chart.has_data = True
        chart.dots.append((x, scale(cell.score), f"{cell.score:.0f}", when))
    flush()
    for value in (low, (low + high) / 2, high):
        chart.y_ticks.append((scale(value), f"{value:.0f}"))
    return chart


def participation_chart(*, rows: list[RoundRow]) -> Chart:
    """Participation rate over time (0-100 %), where the engine shows it; gaps stay gaps."""
    cells = {
        row.round.pk: Cell(suppressed=False, score=rate, ci_low=rate, ci_high=rate)
        for row in rows
        if (rate := row.participation.rate) is not None
    }
    return trend_chart(rows=rows, cell_of=cells)
