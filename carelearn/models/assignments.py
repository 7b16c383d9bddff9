"""What people are asked to complete and by when, and a per-person, per-module summary."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model
from .content import Module


class LearningPath(Model):
    """An ordered list of modules, e.g. "Front desk onboarding"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")

    steps: Mapped[list[LearningPathStep]] = relationship(
        order_by="LearningPathStep.position", cascade="all, delete-orphan"
    )


class LearningPathStep(Model):
    __table_args__ = (
        UniqueConstraint("path_id", "position"),
        UniqueConstraint("path_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_path.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"))
    position: Mapped[int] = mapped_column(Integer)

    module: Mapped[Module] = relationship()


class OnboardingRule(Model):
    """New staff of a job role (optionally only in one team) get a path, due N days after they
    start."""

    __table_args__ = (
        UniqueConstraint("job_role_id", "team_id", "path_id"),
        CheckConstraint("due_days >= 0", name="due_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_role.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_path.id"))
    due_days: Mapped[int] = mapped_column(Integer)


class Assignment(Model):
    """One person asked to complete one module by a date."""

    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "due_on"),
        CheckConstraint("source IN ('manager', 'rule', 'recertification')", name="source_known"),
        Index("ix_assignment_user_module", "user_id", "module_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    path_id: Mapped[int | None] = mapped_column(ForeignKey("learning_path.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set when a completion satisfies it, so open assignments are quick to find.
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class TrainingRecord(Model):
    """Where one person stands on one module, kept up to date on every event.

    Dashboards, matrices and exports read this one row per person and module instead of
    recomputing from lessons, attempts and completions, so they stay fast at any size.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        Index("ix_training_record_module_due", "module_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"))
    # Of the earliest open assignment; once all are done, of the latest (so: required).
    due_on: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_on: Mapped[date | None] = mapped_column(Date)  # of the latest completion
    expires_on: Mapped[date | None] = mapped_column(Date)
    score_percent: Mapped[int | None] = mapped_column(Integer)
    version_label: Mapped[str | None] = mapped_column(String(20))
    # Of the latest completion: quiz, tested_out or prior_learning.
    method: Mapped[str | None] = mapped_column(String(16))
    # The quiz is passed but the module's required observed practice is not yet signed off.
    awaiting_sign_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class AuthToken(Model):
    """A single-use link to set a password: an invitation or a reset. Only its hash is stored."""

    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class SentReminder(Model):
    """One reminder email sent, so a second run the same day sends nothing twice."""

    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # What it was about, e.g. "due:12:2026-12-01:-7" (module 12, due 1 Dec, 7 days before).
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # learner, escalation, digest
    summary: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
