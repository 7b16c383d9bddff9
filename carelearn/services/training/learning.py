"""What a learner sees and does in a module: finding it, reading lessons, their record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ...core.clock import utcnow
from ...core.database import run
from ...extensions import db
from ...models import (
    AttemptQuestion,
    Completion,
    LessonProgress,
    ModuleVersion,
    Question,
    QuizAttempt,
    User,
)
from . import published
from .progress import ModuleProgress, module_progress, training_overview
from .published import PublishedLesson, PublishedVersion
from .records import sync_records

__all__ = [
    "LessonPage",
    "ModuleProgress",
    "MyReflection",
    "ReflectionsPage",
    "completion_history",
    "complete_lesson",
    "current_version",
    "module_progress",
    "my_reflections",
    "next_due",
    "open_lesson",
    "training_overview",
]

REFLECTIONS_PAGE_SIZE = 10


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


def next_due(user: User, after: PublishedVersion) -> ModuleProgress | None:
    """What to do after finishing `after`: the module with the soonest due date that the
    learner has still to complete, or None when nothing else is due."""
    for progress in training_overview(user):  # not done and due soonest come first
        if progress.status.is_done or progress.due_on is None:
            continue
        if progress.version.module_id != after.module_id:
            return progress
    return None


@dataclass(frozen=True)
class MyReflection:
    module_title: str
    scenario: str | None
    prompt: str
    text: str
    shared_with_manager: bool
    submitted_at: datetime


@dataclass(frozen=True)
class ReflectionsPage:
    reflections: list[MyReflection]
    total: int
    page: int
    pages: int


_MY_REFLECTIONS = (
    select(
        ModuleVersion.title,
        Question.scenario,
        Question.prompt,
        AttemptQuestion.response_text,
        AttemptQuestion.shared_with_manager,
        QuizAttempt.submitted_at,
    )
    .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
    .join(Question, Question.id == AttemptQuestion.question_id)
    .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
    .where(
        QuizAttempt.user_id == bindparam("user_id"),
        QuizAttempt.submitted_at.is_not(None),
        AttemptQuestion.response_text.is_not(None),
    )
)


def my_reflections(
    user: User, page: int = 1, per_page: int = REFLECTIONS_PAGE_SIZE
) -> ReflectionsPage:
    """The learner's own written reflections, newest first: only theirs, shared or not."""
    total = db.session.scalar(
        select(func.count()).select_from(_MY_REFLECTIONS.subquery()), {"user_id": user.id}
    )
    pages = max(1, -(-(total or 0) // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        _MY_REFLECTIONS.order_by(QuizAttempt.submitted_at.desc(), AttemptQuestion.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page),
        {"user_id": user.id},
    )
    reflections = []
    for title, scenario, prompt, text, shared, submitted_at in rows:
        # The query asks only for written answers of submitted attempts.
        assert text is not None and submitted_at is not None
        reflections.append(MyReflection(title, scenario, prompt, text, shared, submitted_at))
    return ReflectionsPage(reflections, total or 0, page, pages)
