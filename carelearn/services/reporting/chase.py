"""Whom a manager should chase: the people with required training overdue, longest overdue
first, and those whose training expires soon, soonest first. One query per list, whatever the
number of people: a page of names, with how many there are in all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import String, cast, func, literal, select

from ...core.clock import today
from ...extensions import db
from ...models import TrainingRecord, User
from ..training import published
from ..training.requirement import required_sql
from ..training.status import Status, status_sql
from .permissions import visible_user_ids_query

CHASE_LIMIT = 10  # names on the dashboard and team pages; the matrix lists everyone


@dataclass(frozen=True)
class ChaseLine:
    person_id: int
    name: str
    on: date  # the earliest due date (overdue) or expiry date (expiring)
    days: int  # days since it was due, or days until it expires
    modules: tuple[str, ...]  # the modules' titles


@dataclass(frozen=True)
class ChaseList:
    lines: list[ChaseLine]
    total: int  # people in all
    page: int
    pages: int

    @property
    def more(self) -> int:
        """People not on this page."""
        return self.total - len(self.lines)


def overdue_people(
    viewer: User,
    team_id: int | None = None,
    *,
    on: date | None = None,
    per_page: int = CHASE_LIMIT,
    page: int = 1,
) -> ChaseList:
    """People with required training overdue (in `team_id` and below it, if given)."""
    return _chase(viewer, team_id, Status.OVERDUE, on or today(), per_page, page)


def expiring_people(
    viewer: User,
    team_id: int | None = None,
    *,
    on: date | None = None,
    per_page: int = CHASE_LIMIT,
    page: int = 1,
) -> ChaseList:
    """People whose required training expires within 30 days."""
    return _chase(viewer, team_id, Status.EXPIRING, on or today(), per_page, page)


def _chase(
    viewer: User, team_id: int | None, status: Status, on: date, per_page: int, page: int
) -> ChaseList:
    overdue = status == Status.OVERDUE
    when = func.min(TrainingRecord.due_on if overdue else TrainingRecord.expires_on)
    team_ids = select(literal(team_id)) if team_id else None
    query = (
        select(
            User.id,
            User.name,
            when,
            func.aggregate_strings(cast(TrainingRecord.module_id, String), ","),
            func.count().over(),
        )
        .join(TrainingRecord, TrainingRecord.user_id == User.id)
        .where(
            User.id.in_(visible_user_ids_query(viewer, team_ids)),
            User.active.is_(True),
            required_sql(TrainingRecord),
            status_sql(TrainingRecord, on) == status.value,
        )
        .group_by(User.id, User.name)
        .order_by(when, User.name, User.id)
    )
    page = max(page, 1)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    if not rows and page > 1:  # past the last page: show the last one
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        last = max(1, -(-total // per_page))
        if last < page:
            return _chase(viewer, team_id, status, on, per_page, last)
    titles = {v.module_id: v.title for v in published.current_versions()}
    lines = []
    for person_id, name, first, module_ids, _ in rows:
        assert first is not None  # overdue training has a due date, expiring an expiry date
        modules = sorted({titles[m] for m in map(int, module_ids.split(",")) if m in titles})
        days = (on - first).days if overdue else (first - on).days
        lines.append(ChaseLine(person_id, name, first, days, tuple(modules)))
    total = rows[0][-1] if rows else 0
    return ChaseList(lines, total, page, max(1, -(-total // per_page)))


def overdue_person_ids(viewer: User, team_id: int, on: date | None = None) -> list[int]:
    """Everyone in the team (and below it) with required training overdue, by name."""
    on = on or today()
    return list(
        db.session.scalars(
            select(User.id)
            .where(
                User.id.in_(visible_user_ids_query(viewer, select(literal(team_id)))),
                User.active.is_(True),
                select(TrainingRecord.id)
                .where(
                    TrainingRecord.user_id == User.id,
                    required_sql(TrainingRecord),
                    status_sql(TrainingRecord, on) == Status.OVERDUE.value,
                )
                .exists(),
            )
            .order_by(User.name, User.id)
        )
    )
