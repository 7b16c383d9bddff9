"""A quiz attempt as its pages read it: drawn questions, answers given, a conversation's path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import cached_property

from sqlalchemy import bindparam, select

from ...content.conversation import OUTCOME_MARKS, OUTCOME_WORDS, Walk
from ...core.database import run
from ...models import AttemptQuestion, QuizAttempt, User
from . import published
from .published import PublishedQuestion, PublishedVersion
from .scoring import marks_text


@dataclass
class AttemptItem:
    """One drawn question of an attempt, with the question itself from the published content."""

    id: int
    position: int
    question: PublishedQuestion
    option_order: list[int]
    selected_option_ids: list[int] | None
    response_text: str | None
    shared_with_manager: bool
    is_correct: bool | None
    path: list[int]
    steps_taken: int
    outcome: str | None

    @property
    def marks(self) -> Fraction:
        """What this question adds to the score: its ending for a conversation."""
        if self.question.kind == "conversation":
            return OUTCOME_MARKS[self.outcome] if self.outcome else Fraction(0)
        return Fraction(1 if self.is_correct else 0)

    @property
    def marks_words(self) -> str:
        return marks_text(self.marks)

    @property
    def outcome_words(self) -> str:
        return OUTCOME_WORDS[self.outcome] if self.outcome else ""

    @cached_property
    def walk(self) -> Walk:
        """Where the learner has got to in a conversation (an empty walk for other questions)."""
        conversation = self.question.conversation
        if conversation is None:
            return Walk((), None, None)
        return conversation.walk(self.path)


@dataclass
class Attempt:
    """An attempt as its pages and scoring need it: read in one query, content from the cache."""

    id: int
    module_version: PublishedVersion
    submitted_at: datetime | None
    score_percent: int | None
    passed: bool | None
    items: list[AttemptItem]
    testing_out: bool = False

    @property
    def scored_count(self) -> int:
        """Questions that count towards the score (a reflection does not)."""
        return sum(1 for item in self.items if item.question.is_scored)

    @property
    def marks(self) -> str:
        """The marks scored, as "6" or "6½" (a conversation's acceptable ending is half)."""
        return marks_text(sum((item.marks for item in self.items), Fraction(0)))

    @property
    def unfinished_conversation(self) -> AttemptItem | None:
        """The conversation the learner is in the middle of: taken before the other questions."""
        return next(
            (i for i in self.items if i.question.kind == "conversation" and i.outcome is None),
            None,
        )


_A, _Q = QuizAttempt.__table__.c, AttemptQuestion.__table__.c
_ATTEMPT_WITH_ITEMS = (
    select(
        _A.module_version_id,
        _A.submitted_at,
        _A.score_percent,
        _A.passed,
        _A.testing_out,
        _Q.id,
        _Q.position,
        _Q.question_id,
        _Q.option_order,
        _Q.selected_option_ids,
        _Q.response_text,
        _Q.shared_with_manager,
        _Q.is_correct,
        _Q.path,
        _Q.steps_taken,
        _Q.outcome,
    )
    .select_from(QuizAttempt.__table__.outerjoin(AttemptQuestion.__table__, _Q.attempt_id == _A.id))
    .where(_A.id == bindparam("attempt_id"), _A.user_id == bindparam("user_id"))
    .order_by(_Q.position)
)


def find_attempt(user: User, attempt_id: int) -> Attempt | None:
    """The learner's own attempt, with everything its page shows, or None (another's is not
    found)."""
    rows = run(_ATTEMPT_WITH_ITEMS, attempt_id=attempt_id, user_id=user.id).all()
    if not rows:
        return None
    version = published.version(rows[0].module_version_id)
    questions = {question.id: question for question in version.questions}
    items = [
        AttemptItem(
            r.id,
            r.position,
            questions[r.question_id],
            r.option_order,
            r.selected_option_ids,
            r.response_text,
            r.shared_with_manager,
            r.is_correct,
            r.path or [],
            r.steps_taken or 0,
            r.outcome,
        )
        for r in rows
        if r.id is not None
    ]
    first = rows[0]
    return Attempt(
        attempt_id,
        version,
        first.submitted_at,
        first.score_percent,
        first.passed,
        items,
        first.testing_out,
    )
