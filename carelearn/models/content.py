"""Published training content. Each publish of changed files makes a new, immutable version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model

QUESTION_KINDS = ("single", "multiple", "true_false", "scenario", "reflection")


class Module(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    # The version learners get now; older versions stay for the records that point at them.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_version.id", use_alter=True)
    )

    current_version: Mapped[ModuleVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class ModuleVersion(Model):
    __table_args__ = (
        UniqueConstraint("module_id", "number"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
        CheckConstraint("questions_per_attempt > 0", name="draws_questions"),
        CheckConstraint("change_kind IN ('minor', 'major')", name="change_kind_known"),
        CheckConstraint("grace_days >= 0", name="grace_days_not_negative"),
        CheckConstraint("test_out_mark BETWEEN 0 AND 100", name="test_out_mark_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("module.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    audience: Mapped[list[str]] = mapped_column(JSON)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)
    questions_per_attempt: Mapped[int] = mapped_column(Integer)
    recertify_after_months: Mapped[int | None] = mapped_column(Integer)
    # Against the version before: a minor change carries completions over; after a major one
    # people redo the module within grace_days of its publishing.
    change_kind: Mapped[str] = mapped_column(String(5), default="minor", server_default="minor")
    grace_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    # Set when experienced staff may take the quiz first and skip the lessons at this mark.
    test_out_mark: Mapped[int | None] = mapped_column(Integer)
    # What a manager or supervisor watches for at work; when required, completion waits for it.
    practice_checklist: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # The feedback themes (content/themes.py) this version's training answers.
    themes: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    practice_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    lessons: Mapped[list[Lesson]] = relationship(
        order_by="Lesson.position", back_populates="module_version"
    )

    @property
    def slug(self) -> str:
        return self.module.slug


class Lesson(Model):
    __table_args__ = (UniqueConstraint("module_version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int] = mapped_column(Integer)
    # Rendered and sanitised once, at publish time, not on every page view.
    body_html: Mapped[str] = mapped_column(Text)

    module_version: Mapped[ModuleVersion] = relationship(back_populates="lessons")


class Question(Model):
    __table_args__ = (
        UniqueConstraint("module_version_id", "key"),
        CheckConstraint(
            "kind IN ('single', 'multiple', 'true_false', 'scenario', 'reflection', "
            "'conversation')",
            name="kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16))
    scenario: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    explanation: Mapped[str] = mapped_column(Text)
    # Job-role slugs that may get this question; empty means everyone.
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A conversation's steps as questions.yml writes them (content/conversation.py reads them).
    steps: Mapped[list[dict] | None] = mapped_column(JSON)

    module_version: Mapped[ModuleVersion] = relationship()
    options: Mapped[list[Option]] = relationship(order_by="Option.position")

    @property
    def is_scored(self) -> bool:
        return self.kind != "reflection"

    def fits_role(self, role_slug: str) -> bool:
        return not self.roles or role_slug in self.roles


class Option(Model):
    __table_args__ = (UniqueConstraint("question_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    is_correct: Mapped[bool] = mapped_column(Boolean, default=False)
    feedback: Mapped[str] = mapped_column(Text)
