"""The organisation's service vision: a short statement and up to five promises, written by an
admin, shown at the top of My training and wherever a lesson holds `{{ organisation vision }}`.

Until an admin saves one there is no vision, and nothing is shown: lessons read as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select

from ...content.markdown import VISION_MARKER
from ...core.audit import record_event
from ...core.clock import utcnow
from ...extensions import db
from ...models import OrganisationVision, Team, TeamMembership, User

VISION_ID = 1  # the one row
STATEMENT_MAX = 500
PROMISES_MAX = 5
PROMISE_MAX = 160


@dataclass(frozen=True)
class TeamPromise:
    team: str
    promise: str


@dataclass(frozen=True)
class Vision:
    statement: str
    promises: tuple[str, ...]
    updated_at: datetime | None = None
    # The reader's own teams' promises, on My training (see vision_for).
    team_promises: tuple[TeamPromise, ...] = ()


def _from_row(row: OrganisationVision, team_promises: Sequence[TeamPromise] = ()) -> Vision:
    return Vision(row.statement, tuple(row.promises or ()), row.updated_at, tuple(team_promises))


def current_vision() -> Vision | None:
    """The vision, or None when nobody has written one. One query at most: the row stays in
    the request's session, so asking again in the same request reads nothing more."""
    row = db.session.get(OrganisationVision, VISION_ID)
    return None if row is None else _from_row(row)


def vision_for(user: User) -> Vision | None:
    """The vision with the promises of the teams `user` belongs to, in one query."""
    mine = select(TeamMembership.team_id).where(TeamMembership.user_id == user.id)
    rows = db.session.execute(
        select(OrganisationVision, Team.name, Team.service_promise)
        .outerjoin(
            Team,
            and_(Team.id.in_(mine), Team.service_promise.is_not(None), Team.service_promise != ""),
        )
        .where(OrganisationVision.id == VISION_ID)
        .order_by(Team.name)
    ).all()
    if not rows:
        return None
    promises = [TeamPromise(name, promise) for _, name, promise in rows if promise]
    return _from_row(rows[0][0], promises)


def lesson_parts(body_html: str) -> list[str]:
    """A lesson's published HTML, cut where it shows the organisation's vision: the page puts
    the vision (or nothing) between each part and the next."""
    return body_html.split(VISION_MARKER)


def promise_lines(text: str | None) -> list[str]:
    """The promises as an admin typed them, one a line: spaces tidied, blank lines left out."""
    return [line for line in (" ".join(raw.split()) for raw in (text or "").splitlines()) if line]


def clean_statement(statement: str | None) -> str:
    """The statement as one paragraph, its spaces and line breaks tidied."""
    return " ".join((statement or "").split())


def vision_problems(statement: str, promises: Sequence[str]) -> dict[str, list[str]]:
    """What to fix before the vision can be saved, by field, in words for the admin writing it.
    `statement` and `promises` as clean_statement and promise_lines give them."""
    problems: dict[str, list[str]] = {}
    if not statement:
        problems["statement"] = [
            "Enter the vision statement: one or two sentences on the service your organisation "
            "wants every patient to get."
        ]
    elif len(statement) > STATEMENT_MAX:
        problems["statement"] = [
            f"Keep the vision statement to {STATEMENT_MAX} characters or fewer: it has "
            f"{len(statement)}."
        ]
    found = []
    if len(promises) > PROMISES_MAX:
        found.append(
            f"Write {PROMISES_MAX} promises at most: there are {len(promises)}. Join two, "
            "or leave one out."
        )
    found += [
        f"Promise {number} has {len(promise)} characters: keep each promise to {PROMISE_MAX} "
        "characters or fewer."
        for number, promise in enumerate(promises, start=1)
        if len(promise) > PROMISE_MAX
    ]
    if found:
        problems["promises"] = found
    return problems


def save_vision(admin: User | None, statement: str, promises: Sequence[str]) -> bool:
    """Store the vision and record who changed it. Returns False when it is the same as before
    (nothing is changed or recorded). Raises ValueError for a vision vision_problems refuses."""
    statement = clean_statement(statement)
    promises = [p for p in (" ".join(p.split()) for p in promises) if p]
    problems = vision_problems(statement, promises)
    if problems:
        raise ValueError(" ".join(m for found in problems.values() for m in found))
    row = db.session.get(OrganisationVision, VISION_ID)
    if row is not None and row.statement == statement and list(row.promises or []) == promises:
        return False
    first = row is None
    if row is None:
        row = OrganisationVision(id=VISION_ID, statement=statement)
        db.session.add(row)
    actor_id = admin.id if admin is not None else None
    row.statement, row.promises = statement, promises
    row.updated_at, row.updated_by_id = utcnow(), actor_id
    record_event(
        "vision.save",
        "organisation_vision",
        VISION_ID,
        actor_id=actor_id,
        first=first,
        statement=statement,
        promises=promises,
    )
    return True
