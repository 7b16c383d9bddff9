"""What a learner sees and does in a module: finding it, reading lessons, their record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...core.clock import utcnow
from ...core.database import run
from ...extensions import db
from ...models import Completion, LessonProgress, ModuleVersion, User
from . import published
from .progress import ModuleProgress, module_progress, training_overview
from .published import PublishedLesson, PublishedVersion
from .records import sync_records

__all__ = [
    "LessonPage",
    "ModuleProgress",
    "completion_history",
    "complete_lesson",
    "current_version",
    "module_progress",
    "open_lesson",
    "training_overview",
]


def current_version(slug: str) -> PublishedVersion | None:
    return published.current_version(slug)


@dataclass
class LessonPage:
    lesson: PublishedLesson
    position: int
    total: int
    completed: bool

    @property
    def has_previous(self) -> bool:
        return self.position > 1

    @property
    def has_next(self) -> bool:
        return self.position < self.total


_P = LessonProgress.__table__.c
_VIEW = (
    update(LessonProgress.__table__)
    .where(_P.user_id == bindparam("learner"), _P.lesson_id == bindparam("lesson"))
    .values(viewed_at=bindparam("now"))
    .returning(_P.completed_at)
)
_COMPLETE = _VIEW.values(completed_at=func.coalesce(_P.completed_at, bindparam("now")))


def _save_progress(
    user: User, version: PublishedVersion, lesson: PublishedLesson, complete: bool
) -> bool:
    """Record a view (and maybe completion); returns whether the lesson is done.

    One UPDATE when the learner has opened the lesson before; the first view inserts the row
    and brings their TrainingRecord up to date. A second device racing the first is harmless.
    """
    now = utcnow()
    for _ in range(2):
        done = run(
            _COMPLETE if complete else _VIEW, learner=user.id, lesson=lesson.id, now=now
        ).first()
        if done is not None:
            db.session.commit()
            return done.completed_at is not None
        db.session.add(
            LessonProgress(
                user_id=user.id,
                lesson_id=lesson.id,
                module_id=version.module_id,
                viewed_at=now,
                completed_at=now if complete else None,
            )
        )
        try:
            db.session.flush()
            sync_records([(user.id, version.module_id)])
            db.session.commit()
            return complete
        except IntegrityError:
            db.session.rollback()
    raise RuntimeError("could not save lesson progress")


def open_lesson(user: User, version: PublishedVersion, position: int) -> LessonPage | None:
    lesson = version.lesson_at(position)
    if lesson is None:
        return None
    done = _save_progress(user, version, lesson, complete=False)
    return LessonPage(lesson, position, len(version.lessons), done)


def complete_lesson(user: User, version: PublishedVersion, position: int) -> bool:
    lesson = version.lesson_at(position)
    if lesson is None:
        return False
    _save_progress(user, version, lesson, complete=True)
    return True


def completion_history(user: User) -> Sequence[Completion]:
    return db.session.scalars(
        select(Completion)
        .where(Completion.user_id == user.id)
        .options(joinedload(Completion.module_version).joinedload(ModuleVersion.module))
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
    ).all()
