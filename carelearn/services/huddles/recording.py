"""Recording a huddle: the team (one the manager sees), the card, the day it was held (not in
the future), who came (people in the team or the teams below it) and what the team agreed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, literal, select

from ...core.audit import record_event
from ...core.clock import today
from ...core.database import chunked
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import Huddle, HuddleAttendance, HuddleCard, Team, TeamMembership, User
from ..reporting.permissions import team_subtree
from ..reporting.reports import team_in_scope

AGREED_MAX = 1000
MEMBERS_PER_PAGE = 30


class HuddleProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class HuddleProblems(ValueError):
    """Everything to fix in what was sent, so that all of it can be shown at once."""

    def __init__(self, problems: list[HuddleProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class TeamNotFound(LookupError):
    """No such team, or not one the viewer sees: the same to them (a 404)."""


@dataclass
class HuddleEntry:
    """What the manager sent. An attendee id of None is one that could not be read."""

    card_id: int | None
    held_on: date | None
    attendee_ids: Sequence[int | None] = field(default_factory=list)
    agreed: str | None = None


def members_query(team_id: int) -> Select:
    """Ids of the active people in the team and in every team below it."""
    return (
        select(TeamMembership.user_id)
        .join(User, User.id == TeamMembership.user_id)
        .where(
            TeamMembership.team_id.in_(team_subtree(select(literal(team_id)))),
            User.active.is_(True),
        )
        .distinct()
    )


@dataclass(frozen=True)
class MembersPage:
    people: list[User]
    total: int
    page: int
    pages: int


def team_members(team_id: int, page: int = 1) -> MembersPage:
    """A page of the people who may come to the team's huddles, by name: two queries."""
    people = select(User).where(User.id.in_(members_query(team_id)))
    total = db.session.scalar(select(func.count()).select_from(people.subquery())) or 0
    pages = max(1, -(-total // MEMBERS_PER_PAGE))
    page = min(max(page, 1), pages)
    found = db.session.scalars(
        people.order_by(func.lower(User.name), User.id)
        .limit(MEMBERS_PER_PAGE)
        .offset((page - 1) * MEMBERS_PER_PAGE)
    ).all()
    return MembersPage(list(found), total, page, pages)


def chosen_members(team_id: int, user_ids: list[int]) -> list[User]:
    """The ticked people who are in the team (or below it), by name; any other id is dropped."""
    found: list[User] = []
    for chunk in chunked(sorted(set(user_ids))):
        found += db.session.scalars(
            select(User).where(User.id.in_(chunk), User.id.in_(members_query(team_id)))
        ).all()
    return sorted(found, key=lambda p: (p.name.lower(), p.id))


def _problems(team: Team, entry: HuddleEntry) -> tuple[list[HuddleProblem], list[int]]:
    problems = []
    if entry.card_id is None or db.session.get(HuddleCard, entry.card_id) is None:
        problems.append(HuddleProblem("card", "Choose one of the huddle cards."))
    if entry.held_on is None:
        problems.append(HuddleProblem("held_on", "Enter the date of the huddle."))
    elif entry.held_on > today():
        problems.append(HuddleProblem("held_on", "The date of the huddle cannot be in the future."))
    ids = sorted({i for i in entry.attendee_ids if i is not None})
    if not entry.attendee_ids:
        problems.append(HuddleProblem("attendees", "Tick everyone who came: at least one person."))
    elif None in entry.attendee_ids or len(chosen_members(team.id, ids)) != len(ids):
        problems.append(
            HuddleProblem(
                "attendees",
                f"Tick only people in {team.name} or the teams below it: someone ticked is not.",
            )
        )
    agreed = (entry.agreed or "").strip()
    if len(agreed) > AGREED_MAX:
        problems.append(
            HuddleProblem(
                "agreed",
                f"Write what the team agreed in {AGREED_MAX} characters or fewer "
                f"(this is {len(agreed)}).",
            )
        )
    elif patient_details := identifier_problem(agreed, "What the team agreed"):
        problems.append(HuddleProblem("agreed", patient_details))
    return problems, ids


def record_huddle(viewer: User, team_id: int, entry: HuddleEntry) -> Huddle:
    """Record the huddle and who came, with an audit entry; the caller commits. Raises
    TeamNotFound for a team the viewer does not see, HuddleProblems for anything to fix."""
    team = team_in_scope(viewer, team_id)
    if team is None:
        raise TeamNotFound(team_id)
    problems, attendee_ids = _problems(team, entry)
    if problems:
        raise HuddleProblems(problems)
    assert entry.card_id is not None and entry.held_on is not None  # checked above
    card = db.session.get(HuddleCard, entry.card_id)
    huddle = Huddle(
        team_id=team.id,
        card_id=entry.card_id,
        held_on=entry.held_on,
        led_by_id=viewer.id,
        agreed=(entry.agreed or "").strip() or None,
    )
    db.session.add(huddle)
    db.session.flush()
    db.session.add_all(HuddleAttendance(huddle_id=huddle.id, user_id=i) for i in attendee_ids)
    record_event(
        "huddle.record",
        "team",
        team.id,
        actor_id=viewer.id,
        huddle_id=huddle.id,
        card=card.title if card else "",
        held_on=entry.held_on.isoformat(),
        attendees=len(attendee_ids),
    )
    return huddle
