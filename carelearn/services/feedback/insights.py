"""What patients and staff say about a team (with every team below it), or about everything a
manager sees: the Friends and Family Test month by month, the aspects and themes, the weakest
themes with the modules that answer them, and feedback beside training completion.

Counted from FeedbackMonth only, in one query for the whole subtree, so the page costs the same
at 2,000 entries as at 200,000; the weakest themes add one small query of the staff-logged
concerns and complaints of the last three months (see `_raised_by_staff`).

Percentages follow one rule everywhere: a share of every answer given to the question,
"Don't know" included, so the six answers add up to 100 %.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, literal, select, true

from ...content.themes import ASPECT_THEMES, FEEDBACK_THEMES
from ...core.clock import today
from ...core.freshness import cached
from ...extensions import db
from ...models import (
    AppRole,
    FeedbackEntry,
    FeedbackMonth,
    Module,
    ModuleVersion,
    Team,
    TeamManager,
    User,
)
from ...models.feedback import ASPECTS, FFT_ANSWERS
from ..reporting.permissions import managed_team_ids_query, team_subtree
from ..reporting.reports import team_in_scope
from ..reporting.trends import completion_trend, month_starts

MONTHS_SHOWN = 12
RECENT_MONTHS = 3  # the weakest themes look at this many months, this one included
WEAKEST_SHOWN = 3
POSITIVE = ("very_good", "good")
NEGATIVE = ("poor", "very_poor")
ANSWER_WORDS = {
    "very_good": "Very good",
    "good": "Good",
    "neither": "Neither good nor poor",
    "poor": "Poor",
    "very_poor": "Very poor",
    "dont_know": "Don't know",
}
ASPECT_WORDS = {aspect: FEEDBACK_THEMES[theme] for aspect, theme in ASPECT_THEMES.items()}


def percent(part: int, whole: int) -> int | None:
    return round(part * 100 / whole) if whole else None


@dataclass(frozen=True)
class MonthFigures:
    """One month's answers and staff-logged remarks (or several months' added up)."""

    month: date
    answers: dict[str, int]
    compliments: int = 0
    concerns: int = 0
    complaints: int = 0

    @property
    def total(self) -> int:
        return sum(self.answers.values())

    @property
    def positive(self) -> int:
        return sum(self.answers[a] for a in POSITIVE)

    @property
    def negative(self) -> int:
        return sum(self.answers[a] for a in NEGATIVE)

    @property
    def positive_percent(self) -> int | None:
        return percent(self.positive, self.total)

    @property
    def negative_percent(self) -> int | None:
        return percent(self.negative, self.total)


@dataclass(frozen=True)
class AspectFigures:
    aspect: str
    words: str
    good: int
    better: int  # could be better


@dataclass(frozen=True)
class WeakTheme:
    theme: str
    words: str
    could_be_better: int  # patients' aspects marked "could be better"
    raised: int  # concerns and complaints staff logged
    modules: list[tuple[int, str]] = field(default_factory=list)  # (module id, title)

    @property
    def score(self) -> int:
        return self.could_be_better + self.raised


@dataclass(frozen=True)
class BeforeAfter:
    month: date
    positive_percent: int | None
    answers: int
    completion_percent: int | None


@dataclass(frozen=True)
class TeamRef:
    """A team as a kept page holds it: its id and name, not a row of one request's session."""

    id: int
    name: str


@dataclass(frozen=True)
class Insights:
    team: TeamRef | None  # None: everything the viewer sees
    teams: list[tuple[int, str]]  # the teams to look into next (see feedback_teams)
    months: list[MonthFigures]  # oldest first, this month last
    totals: MonthFigures  # the months added up
    aspects: list[AspectFigures]
    themes: list[tuple[str, str, int]]  # (slug, words, entries), most first
    weakest: list[WeakTheme]
    before_after: list[BeforeAfter]

    @property
    def answers_shown(self) -> list[tuple[str, str, int, int | None]]:
        """Each answer with its count and its share of all answers, best first."""
        total = self.totals.total
        return [
            (a, ANSWER_WORDS[a], self.totals.answers[a], percent(self.totals.answers[a], total))
            for a in FFT_ANSWERS
        ]


def scope_teams(viewer: User, team_id: int | None) -> Select:
    """Ids of the team and every team below it, or of every team the viewer sees."""
    if team_id is None:
        return managed_team_ids_query(viewer)
    return team_subtree(select(literal(team_id)))


def in_scope(team_column, viewer: User, team_id: int | None) -> ColumnElement[bool]:
    """`team_column` is one of those teams. Every row belongs to a team, so an admin's whole
    organisation needs no condition, and the database need not read the teams at all."""
    if team_id is None and viewer.app_role == AppRole.ADMIN:
        return true()
    return team_column.in_(scope_teams(viewer, team_id))


def feedback_insights(
    viewer: User, team_id: int | None = None, on: date | None = None
) -> Insights | None:
    """The insights of a team the viewer sees (None if they do not), or of all they see; kept
    until a count in their view changes (FeedbackMonth raises its team's counter) or the
    organisation's structure does (which teams they see)."""
    on = on or today()

    def compute() -> Insights | None:
        team = None
        if team_id is not None:
            found = team_in_scope(viewer, team_id)
            if found is None:
                return None
            team = TeamRef(found.id, found.name)
        return _compute(viewer, team, on)

    return cached(viewer, "feedback insights", team_id, compute, on=on)


def _compute(viewer: User, team: TeamRef | None, on: date) -> Insights:
    starts = month_starts(MONTHS_SHOWN, on)
    fm = FeedbackMonth
    rows = db.session.execute(
        select(
            fm.month,
            *(getattr(fm, a) for a in FFT_ANSWERS),
            fm.compliments,
            fm.concerns,
            fm.complaints,
            fm.aspects_good,
            fm.aspects_better,
            fm.themes,
        ).where(
            in_scope(fm.team_id, viewer, team.id if team else None),
            fm.month >= starts[0],
            fm.month <= on,
        )
    ).all()
    index = {start: k for k, start in enumerate(starts)}
    answers = [Counter[str]() for _ in starts]
    kinds = [Counter[str]() for _ in starts]
    good, better, themes = Counter[str](), Counter[str](), Counter[str]()
    recent_better = Counter[str]()
    recent_from = starts[-RECENT_MONTHS]
    for row in rows:
        k = index.get(row.month)
        if k is None:
            continue
        for a in FFT_ANSWERS:
            answers[k][a] += getattr(row, a) or 0
        for kind in ("compliments", "concerns", "complaints"):
            kinds[k][kind] += getattr(row, kind) or 0
        good.update(row.aspects_good or {})
        better.update(row.aspects_better or {})
        themes.update(row.themes or {})
        if row.month >= recent_from:
            recent_better.update(row.aspects_better or {})
    months = [
        MonthFigures(
            start,
            {a: answers[k][a] for a in FFT_ANSWERS},
            kinds[k]["compliments"],
            kinds[k]["concerns"],
            kinds[k]["complaints"],
        )
        for k, start in enumerate(starts)
    ]
    totals = MonthFigures(
        starts[0],
        {a: sum(m.answers[a] for m in months) for a in FFT_ANSWERS},
        sum(m.compliments for m in months),
        sum(m.concerns for m in months),
        sum(m.complaints for m in months),
    )
    return Insights(
        team=team,
        teams=feedback_teams(viewer, team),
        months=months,
        totals=totals,
        aspects=[AspectFigures(a, ASPECT_WORDS[a], good[a], better[a]) for a in ASPECTS],
        themes=[
            (slug, FEEDBACK_THEMES[slug], n)
            for slug, n in sorted(themes.items(), key=lambda item: (-item[1], item[0]))
            if slug in FEEDBACK_THEMES and n > 0
        ],
        weakest=_weakest(viewer, team, recent_better, recent_from),
        before_after=_before_after(viewer, team, months, on),
    )


def _raised_by_staff(viewer: User, team: TeamRef | None, since: date) -> Counter[str]:
    """Themes of the concerns and complaints staff logged since `since`. FeedbackMonth counts
    themes over every entry, compliments too, so these few entries are read themselves: staff
    log a small share of all feedback, and only these months, only these kinds."""
    counts: Counter[str] = Counter()
    for themes in db.session.scalars(
        select(FeedbackEntry.themes).where(
            in_scope(FeedbackEntry.team_id, viewer, team.id if team else None),
            FeedbackEntry.received_on >= since,
            FeedbackEntry.source == "staff",
            FeedbackEntry.kind.in_(("concern", "complaint")),
            FeedbackEntry.hidden_at.is_(None),
        )
    ):
        counts.update(themes or [])
    return counts


def modules_by_theme() -> dict[str, list[tuple[int, str]]]:
    """The current modules whose training answers each theme (module.yml `themes:`), by title."""
    found: dict[str, list[tuple[int, str]]] = {}
    rows = db.session.execute(
        select(Module.id, ModuleVersion.title, ModuleVersion.themes)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .order_by(ModuleVersion.title, Module.id)
    )
    for module_id, title, themes in rows:
        for theme in themes or []:
            found.setdefault(theme, []).append((module_id, title))
    return found


def _weakest(
    viewer: User, team: TeamRef | None, recent_better: Counter[str], since: date
) -> list[WeakTheme]:
    """The themes with the most "could be better" answers and staff-logged concerns and
    complaints in the recent months, worst first, each with the modules that answer it."""
    raised = _raised_by_staff(viewer, team, since)
    better = Counter[str]()
    for aspect, n in recent_better.items():
        if aspect in ASPECT_THEMES:
            better[ASPECT_THEMES[aspect]] += n
    modules = modules_by_theme()
    weak = [
        WeakTheme(slug, words, better[slug], raised[slug], modules.get(slug, []))
        for slug, words in FEEDBACK_THEMES.items()
        if better[slug] + raised[slug] > 0
    ]
    weak.sort(key=lambda w: (-w.score, w.theme))
    return weak[:WEAKEST_SHOWN]


def _before_after(
    viewer: User, team: TeamRef | None, months: list[MonthFigures], on: date
) -> list[BeforeAfter]:
    trend = completion_trend(viewer, MONTHS_SHOWN, on, team.id if team else None)
    return [
        BeforeAfter(m.month, m.positive_percent, m.total, point.percent)
        for m, point in zip(months, trend, strict=True)
    ]


def feedback_teams(viewer: User, team: TeamRef | None) -> list[tuple[int, str]]:
    """The teams to look into next: those just below the team, or the top of what the viewer
    sees (the teams they manage; for an admin, the teams at the top of the organisation)."""
    if team is not None:
        query = select(Team.id, Team.name).where(Team.parent_id == team.id)
    elif viewer.app_role == AppRole.ADMIN:
        query = select(Team.id, Team.name).where(Team.parent_id.is_(None))
    else:
        query = select(Team.id, Team.name).where(
            Team.id.in_(select(TeamManager.team_id).where(TeamManager.user_id == viewer.id))
        )
    return [(i, name) for i, name in db.session.execute(query.order_by(Team.name, Team.id))]
