"""Finding people: the admin's searchable, filtered and paged list."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select

from ...extensions import db
from ...models import JobRole, Team, TeamMembership, User
from ...models.people import normalise_email
from ..reporting.permissions import team_subtree
from ..reporting.training_summary import TrainingSummary, training_summaries
from .checks import PEOPLE_PER_PAGE


@dataclass
class PeopleFilters:
    q: str = ""
    team_id: int | None = None
    job_role: str = ""  # a job role slug
    status: str = "active"  # active, inactive or all


@dataclass
class PeoplePage:
    people: list[tuple[User, list[Team]]]
    total: int
    page: int
    pages: int
    per_page: int
    training: dict[int, TrainingSummary] = field(default_factory=dict)

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.page * self.per_page, self.total)


def _people_query(filters: PeopleFilters) -> Select:
    query = select(User)
    if filters.q.strip():
        needle = filters.q.strip().lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    if filters.team_id is not None:
        in_teams = team_subtree(select(Team.id).where(Team.id == filters.team_id))
        query = query.where(
            User.id.in_(select(TeamMembership.user_id).where(TeamMembership.team_id.in_(in_teams)))
        )
    if filters.job_role:
        query = query.where(
            User.job_role_id.in_(select(JobRole.id).where(JobRole.slug == filters.job_role))
        )
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    return query


def search_people(
    filters: PeopleFilters, page: int = 1, per_page: int = PEOPLE_PER_PAGE
) -> PeoplePage:
    """One page of people matching the filters, by name, each with their teams and where they
    stand on their training.

    Four queries, however many people there are: a count, the page, the page's teams and the
    page's training."""
    query = _people_query(filters)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    people = list(
        db.session.scalars(
            query.order_by(func.lower(User.name), User.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    teams: dict[int, list[Team]] = {p.id: [] for p in people}
    if people:
        rows = db.session.execute(
            select(TeamMembership.user_id, Team)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(list(teams)))
            .order_by(Team.name)
        )
        for user_id, team in rows:
            teams[user_id].append(team)
    training = training_summaries(list(teams)) if people else {}
    return PeoplePage([(p, teams[p.id]) for p in people], total, page, pages, per_page, training)


def find_active_person(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(User.email == normalise_email(email), User.active.is_(True))
    )
