"""Figures behind the managers' charts: completion month by month, and where each module stands.

Both count required training only (services/training/requirement.py), like every other figure,
over the people the viewer sees now; a fixed number of queries whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context
from sqlalchemy import Date, DateTime, and_, case, func, literal, select

from ...core.clock import today
from ...core.freshness import structure_seen
from ...extensions import db
from ...models import Assignment, Completion, TrainingRecord, User
from ..training import published
from ..training.requirement import required_sql
from ..training.status import Status, status_sql
from .permissions import visible_user_ids_query


@dataclass(frozen=True)
class TrendPoint:
    month: date  # its first day
    completions: int  # completions in the month
    required: int  # required modules at its end (or today, for this month)
    done: int  # of those, holding a valid completion then

    @property
    def percent(self) -> int | None:
        return self.done * 100 // self.required if self.required else None


def month_starts(months: int, on: date) -> list[date]:
    first = date(on.year, on.month, 1)
    starts = [first]
    for _ in range(months - 1):
        starts.insert(0, (starts[0] - timedelta(days=1)).replace(day=1))
    return starts


_HISTORY = "carelearn.trend_history"
MAX_HISTORIES = 512


def completion_trend(
    viewer: User, months: int = 12, on: date | None = None, team_id: int | None = None
) -> list[TrendPoint]:
    """For each of the last `months` calendar months, oldest first: the completions of required
    training in it, and how much of the training required by its end was done at its end (for
    this month: today).

    A module is required from the moment it is first assigned. It is done on a day when its
    latest completion by then is valid (not yet expired), the rule the status follows.

    This month is counted afresh from the training records, like the team figures. The months
    before it are history: each worker works them out once a day (and again if the
    organisation's structure changes), since reading years of assignments and completions for
    a whole organisation takes far longer than the rest of the dashboard."""
    on = on or today()
    starts = month_starts(months, on)
    people = _people(viewer, team_id)
    key = (viewer.id, viewer.app_role, on, structure_seen(), months, team_id)
    histories = current_app.extensions.setdefault(_HISTORY, {})
    past = histories.get(key) if has_request_context() else None
    if past is None:
        past = _history(people, starts[:-1]) if months > 1 else []
        if has_request_context():
            if len(histories) >= MAX_HISTORIES:
                histories.clear()
            histories[key] = past
    return [*past, _this_month(people, starts[-1], on)]


def _people(viewer: User, team_id: int | None):
    team_ids = select(literal(team_id)) if team_id else None
    return select(User.id).where(
        User.id.in_(visible_user_ids_query(viewer, team_ids)), User.active.is_(True)
    )


def _this_month(people, start: date, on: date) -> TrendPoint:
    """The month so far: its completions of required training, and where required training
    stands today (the same count as the team figures)."""
    status = status_sql(TrainingRecord, on)
    required, done = db.session.execute(
        select(
            func.count(TrainingRecord.id),
            func.sum(
                case((status.in_([Status.COMPLETED.value, Status.EXPIRING.value]), 1), else_=0)
            ),
        ).where(TrainingRecord.user_id.in_(people), required_sql(TrainingRecord))
    ).one()
    counted = db.session.scalar(
        select(func.count(Completion.id))
        .join(
            TrainingRecord,
            and_(
                TrainingRecord.user_id == Completion.user_id,
                TrainingRecord.module_id == Completion.module_id,
            ),
        )
        .where(
            Completion.user_id.in_(people),
            Completion.completed_on.between(start, on),
            required_sql(TrainingRecord),
        )
    )
    return TrendPoint(start, int(counted or 0), int(required or 0), int(done or 0))


def _history(people, starts: list[date], on: date | None = None) -> list[TrendPoint]:
    """The months that begin on `starts`, worked out from the assignments and completions
    themselves, each up to its end (the last one up to `on`, when given).

    Two queries, whatever the number of people: each row is put in the month from which it
    counts (and, for a completion, the month from which it no longer does), the database counts
    the rows of each such group, and the months are added up here."""
    months = len(starts)
    ends = [(s + timedelta(days=32)).replace(day=1) - timedelta(days=1) for s in starts]
    if on is not None:
        ends[-1] = on
    pairs = (
        select(
            Assignment.user_id,
            Assignment.module_id,
            func.min(Assignment.created_at).label("since"),
        )
        .where(Assignment.user_id.in_(people))
        .group_by(Assignment.user_id, Assignment.module_id)
        .subquery()
    )

    def month_of(column, is_time: bool = False, before: bool = False):
        """The first month (0 = the oldest) by whose end `column` has come; `months` if none
        has, -1 if it came before the first month began (when `before`)."""
        whens = [(column < literal(starts[0], Date), -1)] if before else []
        for k, end in enumerate(ends):
            if is_time:  # a moment: by the end of the day
                limit = datetime.combine(end + timedelta(days=1), time())
                whens.append((column < literal(limit, DateTime), k))
            else:
                whens.append((column <= literal(end, Date), k))
        return case(*whens, else_=months)

    since = month_of(pairs.c.since, is_time=True)
    required_from = db.session.execute(
        select(since, func.count()).select_from(pairs).group_by(since)
    ).all()
    completions = (
        select(
            Completion.user_id,
            Completion.module_id,
            Completion.completed_on,
            Completion.expires_on,
            func.lead(Completion.completed_on)
            .over(
                partition_by=(Completion.user_id, Completion.module_id),
                order_by=(Completion.completed_on, Completion.id),
            )
            .label("next_on"),
        )
        .where(Completion.user_id.in_(people))
        .subquery()
    )
    c = completions.c
    groups = (
        month_of(c.completed_on, before=True),
        since,
        month_of(c.expires_on),  # a NULL matches no month: it never expires
        month_of(c.next_on),  # a newer completion takes over
    )
    rows = db.session.execute(
        select(*groups, func.count())
        .select_from(
            completions.join(
                pairs, and_(pairs.c.user_id == c.user_id, pairs.c.module_id == c.module_id)
            )
        )
        .group_by(*groups)
    ).all()
    required, done, counted = [0] * months, [0] * months, [0] * months
    for first, n in required_from:
        for k in range(max(first, 0), months):
            required[k] += n
    for completed, assigned, expired, superseded, n in rows:
        if 0 <= completed < months:
            counted[completed] += n
        for k in range(max(completed, assigned, 0), min(expired, superseded, months)):
            done[k] += n
    return [TrendPoint(start, counted[k], required[k], done[k]) for k, start in enumerate(starts)]


@dataclass(frozen=True)
class ModuleStanding:
    """How the people of a team stand on one module they are required to do."""

    module_id: int
    title: str
    completed: int  # completed or expiring: still valid
    in_progress: int
    overdue: int  # overdue, or expired
    not_started: int

    @property
    def total(self) -> int:
        return self.completed + self.in_progress + self.overdue + self.not_started


def module_standings(viewer: User, team_id: int, on: date | None = None) -> list[ModuleStanding]:
    """Each published module required of someone in the team (or below it), by title."""
    on = on or today()
    status = status_sql(TrainingRecord, on)

    def count(*states: Status):
        return func.sum(case((status.in_([s.value for s in states]), 1), else_=0))

    rows = db.session.execute(
        select(
            TrainingRecord.module_id,
            count(Status.COMPLETED, Status.EXPIRING),
            # Passed and waiting for the practice sign-off: still to finish, like in progress.
            count(Status.IN_PROGRESS, Status.AWAITING_SIGN_OFF),
            count(Status.OVERDUE, Status.EXPIRED),
            count(Status.NOT_STARTED),
        )
        .join(User, User.id == TrainingRecord.user_id)
        .where(
            User.id.in_(visible_user_ids_query(viewer, select(literal(team_id)))),
            User.active.is_(True),
            required_sql(TrainingRecord),
        )
        .group_by(TrainingRecord.module_id)
    ).all()
    by_module = {module_id: [int(v or 0) for v in figures] for module_id, *figures in rows}
    return [
        ModuleStanding(v.module_id, v.title, *by_module[v.module_id])
        for v in published.current_versions()
        if v.module_id in by_module
    ]
