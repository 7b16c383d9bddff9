"""Storing what a patient sends through the public feedback form, and reading a team's public
page. Nothing that could say who sent it is kept: no time of day, no network address, no cookie,
and a comment holding a patient's details is refused whole, before anything is written."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select

from ...content.themes import ASPECT_THEMES
from ...core.clock import today
from ...core.identifiers import Identifier, find_identifiers
from ...extensions import db
from ...models import Team
from ...models.feedback import ASPECTS, FFT_ANSWERS, FeedbackEntry, YouSaidWeDid
from .monthly import count_entry

COMMENT_MAX = 1000
CHANGES_PER_PAGE = 10


class FeedbackRefused(ValueError):
    """Something sent that cannot be stored as it is: `field` is the part to fix and `reason`
    names the message to show (the form's wording has one for each reason)."""

    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field = field
        self.reason = reason


class CommentIdentifies(FeedbackRefused):
    """The comment holds what looks like a patient's details: `found` says what to take out."""

    def __init__(self, found: list[Identifier]):
        super().__init__("comment", "comment_identifies")
        self.found = found


class TeamNotFound(LookupError):
    pass


def store_patient_feedback(
    team_id: int,
    answer: str | None,
    aspects: Mapping[str, bool | None],
    comment: str | None,
    language: str,
) -> FeedbackEntry:
    """Store one patient's answer with its month's counts, in the caller's transaction.

    `aspects` maps each aspect answered to True (good) or False (could be better); those marked
    could be better become the entry's themes. Raises FeedbackRefused (nothing written) or
    TeamNotFound.
    """
    if answer is None:
        raise FeedbackRefused("answer", "answer_missing")
    if answer not in FFT_ANSWERS:
        raise FeedbackRefused("answer", "not_a_choice")
    unknown = set(aspects) - set(ASPECTS)
    if unknown:
        raise FeedbackRefused(sorted(unknown)[0], "not_a_choice")
    comment = (comment or "").strip() or None
    if comment is not None:
        if len(comment) > COMMENT_MAX:
            raise FeedbackRefused("comment", "comment_too_long")
        # The project's one check for patients' details (core/identifiers.py); the form words
        # its message in the patient's language from what it found.
        found = find_identifiers(comment)
        if found:
            raise CommentIdentifies(found)
    if db.session.get(Team, team_id) is None:
        raise TeamNotFound(team_id)
    entry = FeedbackEntry(
        team_id=team_id,
        source="patient",
        answer=answer,
        themes=[ASPECT_THEMES[a] for a in ASPECTS if aspects.get(a) is False],
        comment=comment,
        language=language,
        received_on=today(),
        **{a: aspects.get(a) for a in ASPECTS},
    )
    db.session.add(entry)
    db.session.flush()
    count_entry(entry, +1)
    return entry


@dataclass(frozen=True)
class PublicChanges:
    """One page of a team's "You said, we did" entries, newest first."""

    items: list[YouSaidWeDid]
    page: int
    pages: int


def public_changes(team_id: int, page: int = 1) -> PublicChanges:
    """The team's changes that are still shown, newest first, a page at a time."""
    shown = YouSaidWeDid.team_id == team_id, YouSaidWeDid.removed_at.is_(None)
    total = db.session.scalar(select(func.count()).select_from(YouSaidWeDid).where(*shown)) or 0
    pages = max(1, -(-total // CHANGES_PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(
        select(YouSaidWeDid)
        .where(*shown)
        .order_by(YouSaidWeDid.posted_on.desc(), YouSaidWeDid.id.desc())
        .limit(CHANGES_PER_PAGE)
        .offset((page - 1) * CHANGES_PER_PAGE)
    ).all()
    return PublicChanges(list(items), page, pages)
