"""Comments read back for managers, newest first, and hidden or shown again.

A hidden entry leaves the counts (FeedbackMonth) and every export; managers see only that it
was hidden, by whom and when, never its text. The audit entry keeps the reason, not the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from ...core.audit import record_event
from ...core.clock import utcnow
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import FeedbackEntry, Team, User
from ..reporting.person_record import Section, section
from .insights import ANSWER_WORDS, in_scope
from .monthly import count_entry
from .staff_log import KIND_WORDS

REASON_MAX = 200


class EntryNotFound(LookupError):
    """No such entry, or one of a team the viewer does not see: the same to them (a 404)."""


class ModerationProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CommentLine:
    id: int
    team: str
    received_on: date
    source: str
    answer: str | None
    kind: str | None
    comment: str | None  # None when hidden: hidden text never leaves the database
    hidden_at: datetime | None
    hidden_by: str | None

    @property
    def said(self) -> str:
        """The answer or kind, in words."""
        if self.answer:
            return ANSWER_WORDS[self.answer]
        return KIND_WORDS.get(self.kind or "", "")


def comments(viewer: User, team_id: int | None, page: int = 1) -> Section[CommentLine]:
    """A page of the entries with a comment, of the team and the teams below it (or of every
    team the viewer sees), newest first: one query."""
    hider = aliased(User)
    query = (
        select(
            FeedbackEntry.id,
            Team.name,
            FeedbackEntry.received_on,
            FeedbackEntry.source,
            FeedbackEntry.answer,
            FeedbackEntry.kind,
            case((FeedbackEntry.hidden_at.is_(None), FeedbackEntry.comment), else_=None),
            FeedbackEntry.hidden_at,
            hider.name,
        )
        .join(Team, Team.id == FeedbackEntry.team_id)
        .outerjoin(hider, hider.id == FeedbackEntry.hidden_by_id)
        .where(in_scope(FeedbackEntry.team_id, viewer, team_id), FeedbackEntry.comment.is_not(None))
        # Newest first by id: entries are stored on the day they are received, so this is their
        # order by date too, and walking the primary key back finds a page without sorting all.
        .order_by(FeedbackEntry.id.desc())
    )
    found = section(query, page)
    return Section([CommentLine(*row) for row in found.items], found.page, found.has_older)


def _entry_in_scope(entry_id: int, team_ids) -> FeedbackEntry:
    entry = db.session.scalar(
        select(FeedbackEntry)
        .where(FeedbackEntry.id == entry_id, FeedbackEntry.team_id.in_(team_ids))
        .with_for_update()
    )
    if entry is None:
        raise EntryNotFound(entry_id)
    return entry


def hide_entry(viewer: User, entry_id: int, team_ids, reason: str | None) -> FeedbackEntry:
    """Hide the entry (one of the teams `team_ids` selects) and take it out of its month's
    counts; the caller commits. Raises EntryNotFound, or ModerationProblem for the reason."""
    entry = _entry_in_scope(entry_id, team_ids)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationProblem("reason", "Say why you are hiding this comment.")
    if len(reason) > REASON_MAX:
        raise ModerationProblem(
            "reason",
            f"Keep the reason to {REASON_MAX} characters or fewer (this is {len(reason)}).",
        )
    if patient_details := identifier_problem(reason, "The reason"):
        raise ModerationProblem("reason", patient_details)
    if entry.hidden_at is None:
        entry.hidden_at = utcnow()
        entry.hidden_by_id = viewer.id
        count_entry(entry, -1)
        record_event(
            "feedback.hide",
            "team",
            entry.team_id,
            actor_id=viewer.id,
            entry_id=entry.id,
            reason=reason,
        )
    return entry


def show_entry(viewer: User, entry_id: int, team_ids) -> FeedbackEntry:
    """Show a hidden entry again and count it back; the caller commits."""
    entry = _entry_in_scope(entry_id, team_ids)
    if entry.hidden_at is not None:
        entry.hidden_at = None
        entry.hidden_by_id = None
        count_entry(entry, +1)
        record_event(
            "feedback.unhide", "team", entry.team_id, actor_id=viewer.id, entry_id=entry.id
        )
    return entry
