"""A learner's progress through their modules: status, lessons done, what to do next.

Every function here runs a fixed number of queries whatever the number of modules or users.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Assignment, Completion, Lesson, LessonProgress, Module, ModuleVersion, User
from .clock import today
from .status import Status, training_status


@dataclass
class ModuleProgress:
    version: ModuleVersion
    lesson_ids: list[int]
    done_lesson_ids: set[int]
    viewed_lesson_ids: list[int]  # most recent first
    latest_completion: Completion | None
    due_on: date | None = None
    status: Status = field(init=False)

    def __post_init__(self):
        completion = self.latest_completion
        self.status = training_status(
            started_at=True if self.viewed_lesson_ids else None,
            completed_on=completion.completed_on if completion else None,
            expires_on=completion.expires_on if completion else None,
            due_on=self.due_on,
            today=today(),
        )

    @property
    def slug(self) -> str:
        return self.version.module.slug

    @property
    def lessons_done(self) -> int:
        return len(self.done_lesson_ids)

    @property
    def all_lessons_done(self) -> bool:
        return self.lessons_done == len(self.lesson_ids)

    @property
    def percent(self) -> int:
        """Lessons and the quiz are the steps; a completed module is 100%."""
        if self.status.is_done:
            return 100
        return self.lessons_done * 100 // (len(self.lesson_ids) + 1)

    @property
    def next_lesson_position(self) -> int | None:
        """Where to resume: the last lesson viewed and not finished, else the first not finished."""
        unfinished = [i for i in self.lesson_ids if i not in self.done_lesson_ids]
        if not unfinished:
            return None
        resume = next((i for i in self.viewed_lesson_ids if i in unfinished), unfinished[0])
        return self.lesson_ids.index(resume) + 1


def open_due_dates(user: User) -> dict[int, date]:
    """module id -> the earliest due date of the learner's open assignments."""
    due: dict[int, date] = {}
    for module_id, due_on in db.session.execute(
        select(Assignment.module_id, Assignment.due_on)
        .where(Assignment.user_id == user.id, Assignment.completed_at.is_(None))
    ):
        due[module_id] = min(due_on, due.get(module_id, due_on))
    return due


def modules_for_learner(user: User, assigned_module_ids: set[int]) -> list[ModuleVersion]:
    """Modules for the learner's job role, plus any assigned to them; assigned and due first."""
    versions = db.session.scalars(
        select(ModuleVersion)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .options(joinedload(ModuleVersion.module))
        .order_by(ModuleVersion.title)
    ).all()
    return [v for v in versions if user.job_role.slug in v.audience or v.module_id in assigned_module_ids]


def progress_for(user: User, versions: list[ModuleVersion],
                 due_dates: dict[int, date] | None = None) -> list[ModuleProgress]:
    if not versions:
        return []
    version_ids = [v.id for v in versions]
    module_ids = [v.module_id for v in versions]
    lessons = db.session.execute(
        select(Lesson.id, Lesson.module_version_id)
        .where(Lesson.module_version_id.in_(version_ids))
        .order_by(Lesson.module_version_id, Lesson.position)
    ).all()
    rows = db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at)
        .where(LessonProgress.user_id == user.id, LessonProgress.module_id.in_(module_ids))
        .order_by(LessonProgress.viewed_at.desc(), LessonProgress.id.desc())
    ).all()
    completions = db.session.scalars(
        select(Completion)
        .where(Completion.user_id == user.id, Completion.module_id.in_(module_ids))
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
    ).all()

    lessons_by_version: dict[int, list[int]] = {vid: [] for vid in version_ids}
    for lesson_id, version_id in lessons:
        lessons_by_version[version_id].append(lesson_id)
    latest_by_module: dict[int, Completion] = {}
    for completion in completions:
        latest_by_module.setdefault(completion.module_id, completion)

    result = []
    for version in versions:
        ids = lessons_by_version[version.id]
        id_set = set(ids)
        result.append(ModuleProgress(
            version=version,
            lesson_ids=ids,
            done_lesson_ids={lid for lid, done in rows if done is not None and lid in id_set},
            viewed_lesson_ids=[lid for lid, _ in rows if lid in id_set],
            latest_completion=latest_by_module.get(version.module_id),
            due_on=(due_dates or {}).get(version.module_id),
        ))
    return result


def module_progress(user: User, version: ModuleVersion) -> ModuleProgress:
    return progress_for(user, [version], open_due_dates(user))[0]
