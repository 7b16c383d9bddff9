"""Reading the audit trail: filtered by person, kind of entry, team and dates, a page at a time
(by id, so a page is as quick at the millionth entry as at the first), and as a CSV file of
every entry the filters match, streamed and safe to open in Excel."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, func, or_, select

from ...extensions import db
from ...models import AuditEvent, Team, TeamMembership, User
from ...models.people import normalise_email
from . import (
    audit_kinds,  # noqa: F401  (registers the sentence of each kind of entry)
    audit_kinds_evidence,  # noqa: F401  (and of certificates' and records')
    audit_kinds_feedback,  # noqa: F401  (and of feedback's)
    audit_kinds_practice,  # noqa: F401  (and of observed practice's)
)
from .audit_sentences import ACTION_LABELS, SYSTEM, describe, load_names
from .exports import csv_lines, safe_cell
from .permissions import team_subtree

PAGE_SIZE = 50
CSV_BATCH = 500


class FilterProblem(ValueError):
    """A filter that cannot be used; `field` names the form field, the message what to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AuditFilters:
    person_id: int | None = None
    action: str = ""  # one of ACTION_LABELS
    team_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None  # included


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    action: str
    label: str  # the kind of entry, in words
    actor: str
    sentence: str


@dataclass
class AuditPage:
    entries: list[Entry]
    next_before: int | None  # the `before` of the next (older) page, if there is one


def action_choices() -> list[tuple[str, str]]:
    return sorted(ACTION_LABELS.items(), key=lambda item: item[1])


def find_person(text: str) -> User:
    """The person an admin typed: their email address, or a name only one person has.
    Raises FilterProblem saying what to type instead."""
    text = " ".join(text.split())
    person = db.session.scalar(select(User).where(User.email == normalise_email(text)))
    if person is not None:
        return person
    named = db.session.scalars(
        select(User).where(func.lower(User.name) == text.lower()).limit(2)
    ).all()
    if len(named) == 1:
        return named[0]
    if named:
        raise FilterProblem(
            "person", f"More than one person is called {text}. Type their email address instead."
        )
    raise FilterProblem(
        "person",
        f"Nobody has the name or email address {text}. Check the spelling, or type their "
        "email address as on the People page.",
    )


def check_filters(filters: AuditFilters) -> None:
    """Raises FilterProblem for filters that cannot be used together."""
    if filters.action and filters.action not in ACTION_LABELS:
        raise FilterProblem("action", "Choose a kind of entry from the list.")
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise FilterProblem(
            "date_to", "The end date is before the start date. Put the earlier date first."
        )


def audit_query(filters: AuditFilters) -> Select:
    """The entries matching every filter, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.person_id is not None:
        query = query.where(
            or_(
                AuditEvent.actor_id == filters.person_id,
                and_(AuditEvent.subject_type == "user", AuditEvent.subject_id == filters.person_id),
            )
        )
    if filters.team_id is not None:
        # By or about anyone now in the team (or a team inside it), or about those teams.
        teams = team_subtree(select(Team.id).where(Team.id == filters.team_id))
        members = select(TeamMembership.user_id).where(TeamMembership.team_id.in_(teams))
        query = query.where(
            or_(
                AuditEvent.actor_id.in_(members),
                and_(AuditEvent.subject_type == "user", AuditEvent.subject_id.in_(members)),
                and_(AuditEvent.subject_type == "team", AuditEvent.subject_id.in_(teams)),
            )
        )
    if filters.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(filters.date_from, time.min))
    if filters.date_to:
        next_day = datetime.combine(filters.date_to + timedelta(days=1), time.min)
        query = query.where(AuditEvent.at < next_day)
    return query


def _entries(events: list[AuditEvent]) -> list[Entry]:
    names = load_names(events)
    return [
        Entry(
            id=e.id,
            at=e.at,
            action=e.action,
            label=ACTION_LABELS.get(e.action, e.action),
            actor=SYSTEM if e.actor_id is None else names.of("person", e.actor_id),
            sentence=describe(e, names),
        )
        for e in events
    ]


def audit_page(
    filters: AuditFilters, before: int | None = None, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of entries older than `before` (the newest without it), as sentences: a fixed
    number of queries, whatever the page holds."""
    query = audit_query(filters).limit(size + 1)
    if before:
        query = query.where(AuditEvent.id < before)
    events = list(db.session.scalars(query))
    more = len(events) > size
    events = events[:size]
    return AuditPage(_entries(events), events[-1].id if more else None)


def audit_csv(filters: AuditFilters) -> Iterator[str]:
    """Every entry the filters match, newest first, read in batches as the file streams."""

    def rows():
        before = None
        while True:
            page = audit_page(filters, before, CSV_BATCH)
            for entry in page.entries:
                yield [
                    entry.at.isoformat(sep=" ", timespec="seconds"),
                    safe_cell(entry.actor),
                    safe_cell(entry.sentence),
                    safe_cell(entry.label),
                    entry.id,
                ]
            if page.next_before is None:
                return
            before = page.next_before
            db.session.expunge_all()  # keep memory flat over a long file

    return csv_lines(["When (UTC)", "Who", "What happened", "Kind", "Entry number"], rows())
