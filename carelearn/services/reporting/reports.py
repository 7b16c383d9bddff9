"""What managers see: team figures, the staff × module matrix, question analysis, trends.

Each function runs a fixed number of set-based queries over TrainingRecord, whatever the number
of staff or modules, and only ever over the people the viewer may see.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, func, literal, select

from ...core.clock import today
from ...core.freshness import cached
from ...extensions import db
from ...models import (
    AppRole,
    AttemptQuestion,
    Completion,
    JobRole,
    Module,
    ModuleVersion,
    Question,
    QuizAttempt,
    Team,
    TeamManager,
    TeamMembership,
    TrainingRecord,
    User,
)
from ..training import published
from ..training.status import Status, status_sql
from .permissions import managed_team_ids_query, visible_user_ids_query

MATRIX_PAGE_SIZE = 25


@dataclass(frozen=True)
class TeamRef:
    """What pages show of a team; unlike a Team row, safe to keep between requests."""

    id: int
    name: str
    kind: str


@dataclass
class TeamFigures:
    team: Team | TeamRef
    people: int
    assigned: int
    done: int
    overdue: int
    expiring: int

    @property
    def completion_percent(self) -> int | None:
        return self.done * 100 // self.assigned if self.assigned else None


def top_teams(viewer: User) -> Sequence[Team]:
    """The teams at the top of the viewer's view: organisations for an admin, managed teams
    (without those already below another managed one) for a manager."""
    if viewer.app_role == AppRole.ADMIN:
        return db.session.scalars(
            select(Team).where(Team.parent_id.is_(None)).order_by(Team.name)
        ).all()
    managed = db.session.scalars(
        select(Team)
        .join(TeamManager, TeamManager.team_id == Team.id)
        .where(TeamManager.user_id == viewer.id)
        .order_by(Team.name)
    ).all()
    managed_ids = {t.id for t in managed}
    below = set(db.session.scalars(managed_team_ids_query(viewer))) - managed_ids
    # A managed team whose parent is also in view is shown under that parent instead.
    in_view = below | managed_ids
    return [t for t in managed if t.parent_id not in in_view]


def dashboard(viewer: User) -> tuple[list[TeamFigures], list[TrendPoint]]:
    """The viewer's top teams with their figures, and the completion trend: kept by each worker
    until something the viewer sees changes (see services/freshness.py)."""

    def compute():
        figures = team_figures(top_teams(viewer))
        for f in figures:
            f.team = TeamRef(f.team.id, f.team.name, f.team.kind)
        return figures, completion_trend(viewer)

    return cached(viewer, "dashboard", (), compute)


def child_teams(team: Team) -> Sequence[Team]:
    return db.session.scalars(
        select(Team).where(Team.parent_id == team.id).order_by(Team.name)
    ).all()


def team_in_scope(viewer: User, team_id: int) -> Team | None:
    """The team if the viewer may see it; None alike for a missing team and one out of scope."""
    scope = managed_team_ids_query(viewer).subquery()
    if db.session.scalar(select(scope.c.id).where(scope.c.id == team_id)) is None:
        return None
    return db.session.get(Team, team_id)


def team_figures(teams: Sequence[Team], on: date | None = None) -> list[TeamFigures]:
    """Headline figures for each team, counting everyone in it and in the teams below it."""
    if not teams:
        return []
    on = on or today()
    tree = (
        select(Team.id.label("root_id"), Team.id.label("id"))
        .where(Team.id.in_([t.id for t in teams]))
        .cte(recursive=True)
    )
    tree = tree.union_all(select(tree.c.root_id, Team.id).join(tree, Team.parent_id == tree.c.id))
    members = (
        select(tree.c.root_id, TeamMembership.user_id)
        .join(TeamMembership, TeamMembership.team_id == tree.c.id)
        .join(User, and_(User.id == TeamMembership.user_id, User.active.is_(True)))
        .distinct()
        .subquery()
    )
    status = status_sql(TrainingRecord, on)
    rows = db.session.execute(
        select(
            members.c.root_id,
            func.count(func.distinct(members.c.user_id)),
            func.count(TrainingRecord.id),
            func.sum(
                case((status.in_([Status.COMPLETED.value, Status.EXPIRING.value]), 1), else_=0)
            ),
            func.sum(case((status == Status.OVERDUE.value, 1), else_=0)),
            func.sum(case((status == Status.EXPIRING.value, 1), else_=0)),
        )
        .select_from(members)
        .outerjoin(TrainingRecord, TrainingRecord.user_id == members.c.user_id)
        .group_by(members.c.root_id)
    ).all()
    by_team = {row[0]: row[1:] for row in rows}
    return [
        TeamFigures(team, *(int(v or 0) for v in by_team.get(team.id, (0, 0, 0, 0, 0))))
        for team in teams
    ]


@dataclass(frozen=True)
class MatrixFilters:
    team_id: int | None = None
    job_role_id: int | None = None
    module_id: int | None = None
    status: Status | None = None
    search: str = ""
    sort: str = "name"  # name, -name, role
    page: int = 1


@dataclass(frozen=True)
class MatrixPerson:
    id: int
    name: str
    job_role: str


@dataclass
class MatrixRow:
    person: MatrixPerson
    teams: list[str]
    cells: dict[int, Status] = field(default_factory=dict)


@dataclass(frozen=True)
class MatrixModule:
    id: int
    title: str


@dataclass
class Matrix:
    modules: list[MatrixModule]
    module_titles: dict[int, str]
    rows: list[MatrixRow]
    total: int
    page: int
    pages: int


def matrix_people_query(viewer: User, filters: MatrixFilters, on: date) -> Select:
    """The people a matrix or export lists: in the viewer's scope and matching every filter."""
    team_ids = select(literal(filters.team_id)) if filters.team_id else None
    query = select(User).where(
        User.id.in_(visible_user_ids_query(viewer, team_ids)), User.active.is_(True)
    )
    if filters.job_role_id:
        query = query.where(User.job_role_id == filters.job_role_id)
    if filters.search:
        needle = f"%{filters.search.lower()}%"
        query = query.where(func.lower(User.name).like(needle) | User.email.like(needle))
    if filters.status:
        record_filter = [
            TrainingRecord.user_id == User.id,
            status_sql(TrainingRecord, on) == filters.status.value,
        ]
        if filters.module_id:
            record_filter.append(TrainingRecord.module_id == filters.module_id)
        query = query.where(select(TrainingRecord.id).where(*record_filter).exists())
    return query


def _order(query: Select, sort: str) -> Select:
    if sort == "-name":
        return query.order_by(User.name.desc(), User.id.desc())
    if sort == "role":
        return query.join(JobRole, JobRole.id == User.job_role_id).order_by(
            JobRole.name, User.name, User.id
        )
    return query.order_by(User.name, User.id)


def matrix_modules(filters: MatrixFilters) -> Sequence[Module]:
    query = select(Module).join(ModuleVersion, ModuleVersion.id == Module.current_version_id)
    if filters.module_id:
        query = query.where(Module.id == filters.module_id)
    return db.session.scalars(query.order_by(ModuleVersion.title)).all()


def matrix_people_ids(viewer: User, filters: MatrixFilters, on: date) -> array:
    """Ids of everyone the matrix lists, in order; kept by each worker until something the
    viewer sees changes, so paging and reloading cost no more than the page itself."""

    def compute():
        ordered = _order(
            matrix_people_query(viewer, filters, on).with_only_columns(User.id), filters.sort
        )
        return array("q", db.session.scalars(ordered))

    wanted = (
        filters.team_id,
        filters.job_role_id,
        filters.module_id,
        filters.status,
        filters.search,
        filters.sort,
    )
    return cached(viewer, "matrix", wanted, compute, on=on)


def build_matrix(viewer: User, filters: MatrixFilters, on: date | None = None) -> Matrix:
    """One page of the matrix; kept, like the list of people, until something it shows changes
    (a publish counts: it can add a column)."""
    on = on or today()
    return cached(viewer, "matrix page", filters, lambda: _build_matrix(viewer, filters, on), on=on)


def _build_matrix(viewer: User, filters: MatrixFilters, on: date) -> Matrix:
    versions = published.current_versions()
    ids = matrix_people_ids(viewer, filters, on)
    total = len(ids)
    pages = max(1, -(-total // MATRIX_PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    page_ids = list(ids[(page - 1) * MATRIX_PAGE_SIZE : page * MATRIX_PAGE_SIZE])
    titles = {v.module_id: v.title for v in versions}
    modules = [
        MatrixModule(v.module_id, v.title)
        for v in versions
        if not filters.module_id or v.module_id == filters.module_id
    ]
    rows: dict[int, MatrixRow] = {}
    if page_ids:
        people = {
            user_id: MatrixPerson(user_id, name, role)
            for user_id, name, role in db.session.execute(
                select(User.id, User.name, JobRole.name)
                .join(JobRole, JobRole.id == User.job_role_id)
                .where(User.id.in_(page_ids))
            )
        }
        rows = {
            user_id: MatrixRow(people[user_id], []) for user_id in page_ids if user_id in people
        }
        for user_id, team_name in db.session.execute(
            select(TeamMembership.user_id, Team.name)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(page_ids))
            .order_by(Team.name)
        ):
            rows[user_id].teams.append(team_name)
        for user_id, module_id, status in db.session.execute(
            select(
                TrainingRecord.user_id, TrainingRecord.module_id, status_sql(TrainingRecord, on)
            ).where(
                TrainingRecord.user_id.in_(page_ids),
                TrainingRecord.module_id.in_([m.id for m in modules]),
            )
        ):
            rows[user_id].cells[module_id] = Status(status)
    return Matrix(modules, titles, list(rows.values()), total, page, pages)


@dataclass
class QuestionStat:
    key: str
    prompt: str
    answered: int
    correct: int

    @property
    def percent_correct(self) -> int:
        return self.correct * 100 // self.answered if self.answered else 0


def question_analysis(viewer: User, module_id: int) -> list[QuestionStat]:
    """Share of right answers per question across the viewer's people, most-missed first.

    Questions are matched by their id in the content, so every version of a module counts.
    """
    rows = db.session.execute(
        select(
            Question.key,
            func.count(AttemptQuestion.id),
            func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)),
        )
        .join(AttemptQuestion, AttemptQuestion.question_id == Question.id)
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(ModuleVersion, ModuleVersion.id == Question.module_version_id)
        .where(
            ModuleVersion.module_id == module_id,
            QuizAttempt.submitted_at.is_not(None),
            AttemptQuestion.is_correct.is_not(None),
            QuizAttempt.user_id.in_(visible_user_ids_query(viewer)),
        )
        .group_by(Question.key)
    ).all()
    prompts = dict(
        db.session.execute(
            select(Question.key, Question.prompt)
            .join(Module, Module.current_version_id == Question.module_version_id)
            .where(Module.id == module_id)
        ).all()
    )
    stats = [
        QuestionStat(key, prompts.get(key, "(no longer in the question bank)"), int(n), int(c or 0))
        for key, n, c in rows
    ]
    return sorted(stats, key=lambda s: (s.correct / s.answered, -s.answered, s.key))


@dataclass
class TrendPoint:
    month: date
    completions: int


def completion_trend(viewer: User, months: int = 12, on: date | None = None) -> list[TrendPoint]:
    """Completions per calendar month for the viewer's people, oldest month first."""
    on = on or today()
    first = date(on.year, on.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    per_day = db.session.execute(
        select(Completion.completed_on, func.count(Completion.id))
        .where(
            Completion.completed_on >= first, Completion.user_id.in_(visible_user_ids_query(viewer))
        )
        .group_by(Completion.completed_on)
    ).all()
    buckets: dict[date, int] = {}
    month = first
    while month <= on:
        buckets[month] = 0
        month = (month + timedelta(days=32)).replace(day=1)
    for day, n in per_day:
        buckets[date(day.year, day.month, 1)] += n
    return [TrendPoint(m, n) for m, n in buckets.items()]
