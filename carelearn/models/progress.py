"""What each person has done: lessons read, quiz attempts, completions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model
from .content import ModuleVersion, Question


class LessonProgress(Model):
    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id"),
        Index("ix_lesson_progress_user_module", "user_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"))
    viewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class QuizAttempt(Model):
    # One open attempt per person and version: "Start quiz" pressed twice at once opens one.
    __table_args__ = (
        Index(
            "uq_quiz_attempt_open",
            "user_id",
            "module_version_id",
            unique=True,
            sqlite_where=text("submitted_at IS NULL"),
            postgresql_where=text("submitted_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    score_percent: Mapped[int | None] = mapped_column(Integer)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    # Taken before the lessons, to test out: it passes only at the module's higher mark.
    testing_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    module_version: Mapped[ModuleVersion] = relationship()
    items: Mapped[list[AttemptQuestion]] = relationship(
        order_by="AttemptQuestion.position", back_populates="attempt"
    )


class AttemptQuestion(Model):
    """One drawn question of an attempt, with the option order shown and the answer given; for a
    conversation, the choices made so far and, once it has ended, its ending."""

    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        CheckConstraint("outcome IN ('best', 'acceptable', 'poor')", name="outcome_known"),
        CheckConstraint("steps_taken >= 0", name="steps_taken_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    option_order: Mapped[list[int]] = mapped_column(JSON, default=list)
    selected_option_ids: Mapped[list[int] | None] = mapped_column(JSON)
    response_text: Mapped[str | None] = mapped_column(Text)
    # A reflection stays private unless the learner chooses to share it with their manager.
    shared_with_manager: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    # The index of each choice taken, step by step; steps_taken guards a step against being
    # taken twice by two requests at once.
    path: Mapped[list[int] | None] = mapped_column(JSON)
    steps_taken: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(12))

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()


COMPLETION_METHODS = ("quiz", "tested_out", "prior_learning")


class Completion(Model):
    # One completion per person, version and day: a retake the same day is a bug, while a
    # recertification of an unchanged version a year later is a new, separate record.
    __table_args__ = (
        UniqueConstraint("user_id", "module_version_id", "completed_on"),
        CheckConstraint("method IN ('quiz', 'tested_out', 'prior_learning')", name="method_known"),
        # Every completion stands on a passed attempt, except recognised prior learning.
        CheckConstraint(
            "(method = 'prior_learning') = (attempt_id IS NULL)", name="evidence_matches_method"
        ),
        CheckConstraint(
            "(method = 'prior_learning') = (prior_learning_id IS NOT NULL)",
            name="prior_learning_linked",
        ),
        CheckConstraint("score_percent IS NOT NULL OR method = 'prior_learning'", name="scored"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("quiz_attempt.id"), unique=True)
    completed_on: Mapped[date] = mapped_column(Date)
    score_percent: Mapped[int | None] = mapped_column(Integer)
    expires_on: Mapped[date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(16), default="quiz", server_default="quiz")
    # After a major new version: the day this completion stops counting (its grace period's end).
    redo_by: Mapped[date | None] = mapped_column(Date)
    # The signed-off observation it waited for, where the module requires one.
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("practice_observation.id"))
    prior_learning_id: Mapped[int | None] = mapped_column(
        ForeignKey("prior_learning.id"), unique=True
    )

    module_version: Mapped[ModuleVersion] = relationship()
