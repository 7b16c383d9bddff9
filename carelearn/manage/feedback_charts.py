"""The feedback pages' month-by-month chart: for each month two bars side by side on a 0–100 %
axis (% positive and % negative, or % positive and training completion), drawn like the other
charts (charts.py: the same shapes, written by templates/manage/_charts.html)."""

from __future__ import annotations

from datetime import date

from .charts import WIDTH, Bar, Chart, Label, Line

_LEFT, _RIGHT, _TOP, _PLOT = 40, 10, 10, 130


def paired_chart(
    months: list[date], first: list[int | None], second: list[int | None], css: tuple[str, str]
) -> Chart:
    """Two series of percentages, one pair of bars per month; a month without a figure has no
    bar (the table says "–")."""
    bars, labels, lines = [], [], []
    bottom = _TOP + _PLOT
    step = (WIDTH - _LEFT - _RIGHT) / max(len(months), 1)

    def y(value: float) -> float:
        return bottom - value * _PLOT / 100

    for tick in (0, 25, 50, 75, 100):
        lines.append(Line(_LEFT, y(tick), WIDTH - _RIGHT, y(tick), "chart__grid"))
        labels.append(Label(_LEFT - 5, y(tick) + 4, f"{tick}%", "end", "chart__axis"))
    for i, month in enumerate(months):
        middle = _LEFT + step * (i + 0.5)
        width = step * 0.36
        for value, x, name in ((first[i], middle - width, css[0]), (second[i], middle, css[1])):
            if value is not None:
                bars.append(Bar(x, y(value), width, bottom - y(value), f"chart__bar {name}"))
        labels.append(Label(middle, bottom + 16, month.strftime("%b")[0], "middle"))
        if i == 0 or month.month == 1:
            labels.append(Label(middle, bottom + 32, str(month.year), "start", "chart__year"))
    lines.append(Line(_LEFT, bottom, WIDTH - _RIGHT, bottom, "chart__axis-line"))
    return Chart(bottom + 40, bars, labels, lines)
