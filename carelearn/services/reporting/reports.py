"""What managers see: team figures, the dashboard and the staff × module matrix.

Each function runs a fixed number of set-based queries over TrainingRecord, whatever the number
of staff or modules, and only ever over the people the viewer may see. Figures count required
training only (services/training/requirement.py).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, func, literal, select

from ...core.clock import today
from ...core.freshness import cached
from ...extensions import db
from ...models import (
    AppRole,
    JobRole,
    Module,
    ModuleVersion,
    Team,
    TeamManager,
    TeamMembership,
    TrainingRecord,
    User,
)
from ..training import published
from ..training.requirement import is_required, required_sql
from ..training.status import Status, status_sql
from .cells import OPTIONAL_UNTOUCHED, Cell, record_cell
from .chase import ChaseList, expiring_people, overdue_people
from .permissions import managed_team_ids_query, visible_user_ids_query
from .trends import TrendPoint, completion_trend

__all__ = ["TrendPoint", "completion_trend"]

MATRIX_PAGE_SIZE = 25
TEAMS_PAGE_SIZE = 12


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
    assigned: int  # required modules, counted once per person
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


@dataclass(frozen=True)
class TeamsPage:
    """One page of teams with their figures."""

    figures: list[TeamFigures]
    total: int
    page: int
    pages: int


def _teams_page(teams: Sequence[Team], page: int) -> TeamsPage:
    pages = max(1, -(-len(teams) // TEAMS_PAGE_SIZE))
    page = min(max(page, 1), pages)
    figures = team_figures(teams[(page - 1) * TEAMS_PAGE_SIZE : page * TEAMS_PAGE_SIZE])
    for f in figures:
        f.team = TeamRef(f.team.id, f.team.name, f.team.kind)
    return TeamsPage(figures, len(teams), page, pages)


@dataclass
class Dashboard:
    teams: TeamsPage
    overdue: ChaseList
    expiring: ChaseList
    trend: list[TrendPoint]


def dashboard(viewer: User, page: int = 1) -> Dashboard:
    """The viewer's top teams (a page of them) with their figures, who is overdue and who
    expires soon, and the completion trend: kept by each worker until something the viewer
    sees changes (see services/freshness.py)."""

    def compute():
        on = today()
        return Dashboard(
            _teams_page(top_teams(viewer), page),
            overdue_people(viewer, on=on),
            expiring_people(viewer, on=on),
            completion_trend(viewer, on=on),
        )

    return cached(viewer, "dashboard", page, compute)


def child_teams(team: Team) -> Sequence[Team]:
    return db.session.scalars(
        select(Team).where(Team.parent_id == team.id).order_by(Team.name)
    ).all()


def sub_teams_page(team: Team, page: int = 1) -> TeamsPage:
    """A page of the teams just below `team`, with their figures."""
    return _teams_page(child_teams(team), page)


def team_in_scope(viewer: User, team_id: int) -> Team | None:
    """The team if the viewer may see it; None alike for a missing team and one out of scope."""
    scope = managed_team_ids_query(viewer).subquery()
    if db.session.scalar(select(scope.c.id).where(scope.c.id == team_id)) is None:
        return None
    return db.session.get(Team, team_id)


def team_figures(teams: Sequence[Team], on: date | None = None) -> list[TeamFigures]:
    """Headline figures for each team, counting everyone in it and in the teams below it, over
    their required training."""
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
        .outerjoin(
            TrainingRecord,
            (TrainingRecord.user_id == members.c.user_id) & required_sql(TrainingRecord),
        )
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
    cells: dict[int, Cell] = field(default_factory=dict)  # none: not in their training


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
    """The people a matrix or export lists: in the viewer's scope and matching every filter (a
    status: in their required training)."""
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
            required_sql(TrainingRecord),
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
    shown = [v for v in versions if not filters.module_id or v.module_id == filters.module_id]
    modules = [MatrixModule(v.module_id, v.title) for v in shown]
    rows: dict[int, MatrixRow] = {}
    if page_ids:
        people, roles = {}, {}
        for user_id, name, role, role_slug in db.session.execute(
            select(User.id, User.name, JobRole.name, JobRole.slug)
            .join(JobRole, JobRole.id == User.job_role_id)
            .where(User.id.in_(page_ids))
        ):
            people[user_id], roles[user_id] = MatrixPerson(user_id, name, role), role_slug
        rows = {
            user_id: MatrixRow(people[user_id], []) for user_id in page_ids if user_id in people
        }
        for user_id, row in rows.items():  # optional for their role, unless a record says more
            role = roles[user_id]
            row.cells = {v.module_id: OPTIONAL_UNTOUCHED for v in shown if role in v.audience}
        for user_id, team_name in db.session.execute(
            select(TeamMembership.user_id, Team.name)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(page_ids))
            .order_by(Team.name)
        ):
            rows[user_id].teams.append(team_name)
        for user_id, module_id, status, due, done, expires, method in db.session.execute(
            select(
                TrainingRecord.user_id,
                TrainingRecord.module_id,
                status_sql(TrainingRecord, on),
                TrainingRecord.due_on,
                TrainingRecord.completed_on,
                TrainingRecord.expires_on,
                TrainingRecord.method,
            ).where(
                TrainingRecord.user_id.in_(page_ids),
                TrainingRecord.module_id.in_([m.id for m in modules]),
            )
        ):
            rows[user_id].cells[module_id] = record_cell(
                Status(status),
                required=is_required(due_on=due),
                due_on=due,
                completed_on=done,
                expires_on=expires,
                method=method,
            )
    return Matrix(modules, titles, list(rows.values()), total, page, pages)
