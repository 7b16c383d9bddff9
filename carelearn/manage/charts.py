"""Where things go in the managers' charts: server-drawn SVG, laid out here, written by the
templates in templates/manage/_charts.html. Sizes are in the SVG's own units: each chart is
320 wide and scales to its box, so its text stays readable on a 375 px phone.

Colours come from classes in static/css (no style attributes: the CSP forbids them), and every
chart has a table beside it with the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..services.reporting.reports import TeamFigures
from ..services.reporting.trends import ModuleStanding, TrendPoint

WIDTH = 320
MAX_LABEL = 28  # characters of a name written above its bar; the table has it in full


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle, end
    css: str = ""


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    css: str = ""


@dataclass(frozen=True)
class Chart:
    height: float
    bars: list[Bar]
    labels: list[Label]
    lines: list[Line]

    @property
    def view_box(self) -> str:
        return f"0 0 {WIDTH} {self.height:g}"


# -- completion month by month --------------------------------------------------------------------

_LEFT, _RIGHT, _TOP, _PLOT = 40, 34, 10, 130  # the plot: 246 wide, 130 high


def trend_chart(points: list[TrendPoint], target: int) -> Chart:
    """Vertical bars of completion % per month on a 0–100 % axis, with the target as a dashed
    line; each month's initial along the bottom, with the year under the first month and under
    every January (the table names each month in full)."""
    bars, labels, lines = [], [], []
    plot_width = WIDTH - _LEFT - _RIGHT
    bottom = _TOP + _PLOT

    def y(percent: float) -> float:
        return bottom - percent * _PLOT / 100

    for tick in (0, 25, 50, 75, 100):
        lines.append(Line(_LEFT, y(tick), WIDTH - _RIGHT, y(tick), "chart__grid"))
        labels.append(Label(_LEFT - 5, y(tick) + 4, f"{tick}%", "end", "chart__axis"))
    step = plot_width / max(len(points), 1)
    for i, point in enumerate(points):
        middle = _LEFT + step * (i + 0.5)
        if point.percent is not None:
            top = y(point.percent)
            bars.append(Bar(middle - step * 0.3, top, step * 0.6, bottom - top, "chart__bar"))
        labels.append(Label(middle, bottom + 16, point.month.strftime("%b")[0], "middle"))
        if i == 0 or point.month.month == 1:
            labels.append(Label(middle, bottom + 32, str(point.month.year), "start", "chart__year"))
    lines.append(Line(_LEFT, bottom, WIDTH - _RIGHT, bottom, "chart__axis-line"))
    lines.append(Line(_LEFT, y(target), WIDTH - _RIGHT, y(target), "chart__target"))
    labels.append(
        Label(WIDTH - _RIGHT + 4, y(target) + 4, f"{target}%", "start", "chart__target-text")
    )
    return Chart(bottom + 40, bars, labels, lines)


# -- horizontal bars, one row per module or team ---------------------------------------------------

_ROW, _BAR = 42, 16  # a row: its name above, then the bar
SEGMENTS = (
    ("completed", "Completed"),
    ("in_progress", "In progress or awaiting sign-off"),
    ("overdue", "Overdue or expired"),
    ("not_started", "Not started"),
)


def modules_chart(standings: list[ModuleStanding]) -> Chart:
    """One bar per module, split into completed, in progress, overdue and not started, each as
    its share of the people required to do it."""
    bars, labels = [], []
    for i, standing in enumerate(standings):
        top = i * _ROW
        labels.append(Label(0, top + 13, _short(standing.title)))
        labels.append(
            Label(
                WIDTH,
                top + 13,
                f"{standing.completed} of {standing.total} done",
                "end",
                "chart__note",
            )
        )
        x = 0.0
        for name, _ in SEGMENTS:
            count = getattr(standing, name)
            if count:
                width = WIDTH * count / standing.total
                css = f"chart__segment chart__segment--{name.replace('_', '-')}"
                bars.append(Bar(x, top + 18, width, _BAR, css))
                x += width
    return Chart(max(len(standings), 1) * _ROW, bars, labels, [])


def teams_chart(figures: list[TeamFigures], target: int) -> Chart:
    """One bar per team: its completion %, on a 0–100 % scale, with the target marked."""
    bars, labels, lines = [], [], []
    for i, f in enumerate(figures):
        top = i * _ROW
        percent = f.completion_percent
        labels.append(Label(0, top + 13, _short(f.team.name)))
        labels.append(
            Label(
                WIDTH,
                top + 13,
                "no required training" if percent is None else f"{percent}%",
                "end",
                "chart__note",
            )
        )
        bars.append(Bar(0, top + 18, WIDTH, _BAR, "chart__track"))
        if percent:
            bars.append(Bar(0, top + 18, WIDTH * percent / 100, _BAR, "chart__bar"))
        mark = WIDTH * target / 100  # the target, across the bar only: the names stay clear
        lines.append(Line(mark, top + 15, mark, top + 18 + _BAR + 3, "chart__mark"))
    return Chart(max(len(figures), 1) * _ROW, bars, labels, lines)
