"""Who may watch whom at work and sign their practice off: a manager of the person, an admin, or
a practice supervisor named for one of the person's teams (or a team above it); never oneself.
Managers name and remove supervisors on a team's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, literal, or_, select

from ...core.audit import record_event
from ...extensions import db
from ...models import AppRole, JobRole, TeamMembership, TeamSupervisor, User
from ..reporting.permissions import can_view_user, team_subtree, visible_user_ids_query
from ..reporting.reports import team_in_scope

CANDIDATES_PER_PAGE = 20


class TeamNotFound(LookupError):
    """No such team, or not one the viewer manages: the same to them (a 404)."""


class SupervisorProblem(ValueError):
    """Why this person cannot be named (or removed); the message says so."""


def supervised_user_ids_query(viewer: User) -> Select:
    """Ids of the members of the teams the viewer supervises, and of the teams below them."""
    supervised = team_subtree(
        select(TeamSupervisor.team_id).where(TeamSupervisor.user_id == viewer.id)
    )
    return select(TeamMembership.user_id).where(TeamMembership.team_id.in_(supervised))


def observable_user_ids_query(viewer: User) -> Select:
    """Ids of the active people the viewer may observe (never the viewer)."""
    query = select(User.id).where(User.active.is_(True), User.id != viewer.id)
    if viewer.app_role == AppRole.ADMIN:
        return query
    supervised = User.id.in_(supervised_user_ids_query(viewer))
    if viewer.app_role == AppRole.MANAGER:
        return query.where(User.id.in_(visible_user_ids_query(viewer)) | supervised)
    return query.where(supervised)


def may_observe(viewer: User, person_id: int) -> bool:
    """Whether the viewer may sign off this person's practice."""
    if viewer.id == person_id:
        return False
    found = db.session.scalar(
        observable_user_ids_query(viewer).where(User.id == person_id).limit(1)
    )
    return found is not None


def is_observer(viewer: User) -> bool:
    """Managers and admins, and anyone named a practice supervisor of a team."""
    if viewer.app_role in (AppRole.MANAGER, AppRole.ADMIN):
        return True
    # The signed-in person's loader has found this already (auth's user loader).
    if (already_known := getattr(viewer, "named_supervisor", None)) is not None:
        return bool(already_known)
    named = db.session.scalar(
        select(TeamSupervisor.id).where(TeamSupervisor.user_id == viewer.id).limit(1)
    )
    return named is not None


@dataclass(frozen=True)
class Supervisor:
    user_id: int
    name: str
    job_role: str
    named_at: datetime


def team_supervisors(team_id: int) -> list[Supervisor]:
    """The team's practice supervisors by name: one query."""
    rows = db.session.execute(
        select(User.id, User.name, JobRole.name, TeamSupervisor.named_at)
        .join(TeamSupervisor, TeamSupervisor.user_id == User.id)
        .join(JobRole, JobRole.id == User.job_role_id)
        .where(TeamSupervisor.team_id == team_id)
        .order_by(func.lower(User.name), User.id)
    )
    return [Supervisor(*row) for row in rows]


@dataclass(frozen=True)
class CandidatesPage:
    """People a manager may name: the team's members, or everyone in scope matching a search."""

    people: list[User]
    supervisor_ids: set[int]
    query: str
    total: int
    page: int
    pages: int


def supervisor_candidates(
    viewer: User, team_id: int, query: str = "", page: int = 1
) -> CandidatesPage:
    """A page of the people the viewer may name for the team, by name: the members of the team
    (and the teams below it), or, with a search, anyone active in the viewer's scope. Three
    queries."""
    query = query.strip()
    if query:
        needle = query.lower()
        people = select(User).where(
            User.id.in_(visible_user_ids_query(viewer)),
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            ),
        )
    else:
        members = select(TeamMembership.user_id).where(
            TeamMembership.team_id.in_(team_subtree(select(literal(team_id))))
        )
        people = select(User).where(User.id.in_(members))
    people = people.where(User.active.is_(True))
    total = db.session.scalar(select(func.count()).select_from(people.subquery())) or 0
    pages = max(1, -(-total // CANDIDATES_PER_PAGE))
    page = min(max(page, 1), pages)
    found = db.session.scalars(
        people.order_by(func.lower(User.name), User.id)
        .limit(CANDIDATES_PER_PAGE)
        .offset((page - 1) * CANDIDATES_PER_PAGE)
    ).all()
    named = set(
        db.session.scalars(
            select(TeamSupervisor.user_id).where(
                TeamSupervisor.team_id == team_id,
                TeamSupervisor.user_id.in_([p.id for p in found]),
            )
        )
    )
    return CandidatesPage(list(found), named, query, total, page, pages)


def _team_or_raise(viewer: User, team_id: int):
    team = team_in_scope(viewer, team_id)
    if team is None:
        raise TeamNotFound(team_id)
    return team


def name_supervisor(viewer: User, team_id: int, user_id: int | None) -> User:
    """Name someone in the viewer's scope a practice supervisor of the team, with an audit
    entry; the caller commits. Raises TeamNotFound, or SupervisorProblem saying what is wrong."""
    team = _team_or_raise(viewer, team_id)
    person = db.session.get(User, user_id) if user_id is not None else None
    if person is None or not can_view_user(viewer, person.id):
        raise SupervisorProblem("Choose someone from the list: that person is not in your teams.")
    if person.id == viewer.id:
        raise SupervisorProblem("You can already observe the people in your teams.")
    if not person.active:
        raise SupervisorProblem(f"{person.name} is deactivated, so cannot be a supervisor.")
    already = db.session.scalar(
        select(TeamSupervisor.id).where(
            TeamSupervisor.team_id == team.id, TeamSupervisor.user_id == person.id
        )
    )
    if already is not None:
        raise SupervisorProblem(f"{person.name} is already a practice supervisor of {team.name}.")
    db.session.add(TeamSupervisor(team_id=team.id, user_id=person.id, named_by_id=viewer.id))
    record_event("supervisor.name", "team", team.id, actor_id=viewer.id, user_id=person.id)
    return person


def remove_supervisor(viewer: User, team_id: int, user_id: int) -> User:
    """Stop someone supervising the team's practice, with an audit entry; the caller commits.
    Their past sign-offs stay. Raises TeamNotFound, or SupervisorProblem for someone who is not
    a supervisor of the team."""
    team = _team_or_raise(viewer, team_id)
    named = db.session.scalar(
        select(TeamSupervisor).where(
            TeamSupervisor.team_id == team.id, TeamSupervisor.user_id == user_id
        )
    )
    if named is None:
        raise SupervisorProblem(f"That person is not a practice supervisor of {team.name}.")
    person = db.session.get(User, user_id)
    db.session.delete(named)
    record_event("supervisor.remove", "team", team.id, actor_id=viewer.id, user_id=user_id)
    assert person is not None  # a supervisor row points at a person
    return person
