"""The observer's list on a phone: the people they may observe, a page at a time, each with the
modules that have a practice checklist and where they stand on them. Whoever is waiting for a
sign-off comes first. Five queries, however many people there are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from ...core.clock import today
from ...extensions import db
from ...models import JobRole, TrainingRecord, User
from ..training.status import Status, status_sql
from .observations import checklist_versions, last_observations
from .supervisors import observable_user_ids_query

PEOPLE_PER_PAGE = 20


@dataclass(frozen=True)
class ModuleState:
    slug: str
    title: str
    status: Status
    sign_off_required: bool
    last_outcome: str | None  # of the latest observation: "met" or "not yet"
    last_observed_on: date | None

    @property
    def awaiting(self) -> bool:
        return self.status == Status.AWAITING_SIGN_OFF


@dataclass(frozen=True)
class ObservablePerson:
    id: int
    name: str
    job_role: str
    modules: list[ModuleState]


@dataclass(frozen=True)
class ObservablePage:
    people: list[ObservablePerson]
    query: str
    total: int
    page: int
    pages: int


def observable_people(viewer: User, query: str = "", page: int = 1) -> ObservablePage:
    """A page of the people the viewer may observe, matching `query` (name or email)."""
    on = today()
    versions = checklist_versions()
    module_ids = [v.module_id for v in versions]
    query = query.strip()
    people = select(User.id, User.name, JobRole.name, JobRole.slug).join(
        JobRole, JobRole.id == User.job_role_id
    )
    people = people.where(User.id.in_(observable_user_ids_query(viewer)))
    if query:
        needle = query.lower()
        people = people.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(people.subquery())) or 0
    pages = max(1, -(-total // PEOPLE_PER_PAGE))
    page = min(max(page, 1), pages)
    awaiting = (
        select(TrainingRecord.id)
        .where(
            TrainingRecord.user_id == User.id,
            TrainingRecord.module_id.in_(module_ids),
            status_sql(TrainingRecord, on) == Status.AWAITING_SIGN_OFF.value,
        )
        .exists()
    )
    rows = db.session.execute(
        people.order_by(awaiting.desc(), func.lower(User.name), User.id)
        .limit(PEOPLE_PER_PAGE)
        .offset((page - 1) * PEOPLE_PER_PAGE)
    ).all()
    ids = [row[0] for row in rows]
    statuses = (
        {
            (user_id, module_id): Status(state)
            for user_id, module_id, state in db.session.execute(
                select(
                    TrainingRecord.user_id, TrainingRecord.module_id, status_sql(TrainingRecord, on)
                ).where(TrainingRecord.user_id.in_(ids), TrainingRecord.module_id.in_(module_ids))
            )
        }
        if ids and module_ids
        else {}
    )
    observed = last_observations(ids) if module_ids else {}
    listed = []
    for user_id, name, role, role_slug in rows:
        states = []
        for v in versions:
            status = statuses.get((user_id, v.module_id))
            if status is None and role_slug not in v.audience:
                continue  # neither theirs by job role nor ever begun or assigned
            outcome, on_day = observed.get((user_id, v.module_id), (None, None))
            states.append(
                ModuleState(
                    v.slug,
                    v.title,
                    status or Status.NOT_STARTED,
                    v.practice_required,
                    outcome,
                    on_day,
                )
            )
        states.sort(key=lambda s: (not s.awaiting, s.title))
        listed.append(ObservablePerson(user_id, name, role, states))
    return ObservablePage(listed, query, total, page, pages)


def module_status(user_id: int, module_id: int) -> Status:
    """Where the person stands on the module now: one query."""
    state = db.session.scalar(
        select(status_sql(TrainingRecord, today())).where(
            TrainingRecord.user_id == user_id, TrainingRecord.module_id == module_id
        )
    )
    return Status(state) if state else Status.NOT_STARTED
