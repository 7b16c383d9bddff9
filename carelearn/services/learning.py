"""What a learner sees and does in a module: finding it, reading lessons, their record."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import Completion, Lesson, LessonProgress, Module, ModuleVersion, User
from .clock import utcnow
from .progress import (
    ModuleProgress,
    module_progress,
    modules_for_learner,
    open_due_dates,
    progress_for,
)
from .records import sync_records

__all__ = [
    "LessonPage", "completion_history", "complete_lesson", "current_version", "module_progress",
    "open_lesson", "training_overview",
]


def training_overview(user: User) -> list[ModuleProgress]:
    """The learner's modules: what is due soonest first, then the rest by title."""
    due = open_due_dates(user)
    progress = progress_for(user, modules_for_learner(user, set(due)), due)
    return sorted(progress, key=lambda p: (p.status.is_done, p.due_on is None, p.due_on or 0))


def current_version(slug: str) -> ModuleVersion | None:
    return db.session.scalar(
        select(ModuleVersion)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Module.slug == slug)
        .options(selectinload(ModuleVersion.lessons), joinedload(ModuleVersion.module))
    )


@dataclass
class LessonPage:
    lesson: Lesson
    position: int
    total: int
    completed: bool

    @property
    def has_previous(self) -> bool:
        return self.position > 1

    @property
    def has_next(self) -> bool:
        return self.position < self.total


def _lesson_at(version: ModuleVersion, position: int) -> Lesson | None:
    if 1 <= position <= len(version.lessons):
        return version.lessons[position - 1]
    return None


def _progress_row(user: User, lesson: Lesson) -> LessonProgress:
    row = db.session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if row is None:
        row = LessonProgress(user_id=user.id, lesson_id=lesson.id, module_id=lesson.module_version.module_id)
        db.session.add(row)
    return row


def _save_progress(user: User, lesson: Lesson, complete: bool) -> LessonProgress:
    """Record a view (and maybe completion); a second device racing the first is harmless."""
    for _ in range(2):
        row = _progress_row(user, lesson)
        first_view = row.id is None
        row.viewed_at = utcnow()
        if complete and row.completed_at is None:
            row.completed_at = row.viewed_at
        if first_view:
            db.session.flush()
            sync_records([(user.id, row.module_id)])
        try:
            db.session.commit()
            return row
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not save lesson progress")


def open_lesson(user: User, version: ModuleVersion, position: int) -> LessonPage | None:
    lesson = _lesson_at(version, position)
    if lesson is None:
        return None
    row = _save_progress(user, lesson, complete=False)
    return LessonPage(lesson, position, len(version.lessons), row.completed_at is not None)


def complete_lesson(user: User, version: ModuleVersion, position: int) -> bool:
    lesson = _lesson_at(version, position)
    if lesson is None:
        return False
    _save_progress(user, lesson, complete=True)
    return True


def completion_history(user: User) -> list[Completion]:
    return db.session.scalars(
        select(Completion)
        .where(Completion.user_id == user.id)
        .options(joinedload(Completion.module_version).joinedload(ModuleVersion.module))
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
    ).all()
