"""A learner's progress through their modules: status, lessons done, what to do next.

Every function here runs a fixed number of queries whatever the number of modules or users:
the content comes from the published-content cache, where the learner stands on each module
from their TrainingRecord rows (kept up to date on every event), and which lessons they have
read from their lesson progress.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..models import LessonProgress, TrainingRecord, User
from .clock import today
from .published import PublishedVersion, current_versions
from .status import Status, training_status


@dataclass(frozen=True)
class LatestCompletion:
    """The latest completion of a module, as its TrainingRecord keeps it."""

    completed_on: date
    expires_on: date | None
    score_percent: int | None
    version_label: str | None


@dataclass
class ModuleProgress:
    version: PublishedVersion
    lesson_ids: list[int]
    done_lesson_ids: set[int]
    viewed_lesson_ids: list[int]  # most recent first
    latest_completion: LatestCompletion | None
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
        return self.version.slug

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


@dataclass(frozen=True)
class _Record:
    due_on: date | None
    latest_completion: LatestCompletion | None


def _records(user: User, module_ids: list[int] | None) -> dict[int, _Record]:
    """module id -> the learner's due date (earliest open assignment) and latest completion."""
    query = select(TrainingRecord.module_id, TrainingRecord.due_on, TrainingRecord.completed_on,
                   TrainingRecord.expires_on, TrainingRecord.score_percent,
                   TrainingRecord.version_label).where(TrainingRecord.user_id == user.id)
    if module_ids is not None:
        query = query.where(TrainingRecord.module_id.in_(module_ids))
    return {
        module_id: _Record(due, LatestCompletion(done, expires, score, label) if done else None)
        for module_id, due, done, expires, score, label in db.session.execute(query)
    }


def open_due_dates(user: User) -> dict[int, date]:
    """module id -> the earliest due date of the learner's open assignments."""
    return {m: r.due_on for m, r in _records(user, None).items() if r.due_on is not None}


def training_overview(user: User) -> list[ModuleProgress]:
    """Modules for the learner's job role, plus any assigned to them: due soonest first, then
    the rest by title."""
    records = _records(user, None)
    role = user.job_role.slug
    versions = [v for v in current_versions()
                if role in v.audience or (v.module_id in records and records[v.module_id].due_on)]
    progress = _progress(user, versions, records)
    return sorted(progress, key=lambda p: (p.status.is_done, p.due_on is None, p.due_on or 0))


def _progress(user: User, versions: list[PublishedVersion],
              records: dict[int, _Record]) -> list[ModuleProgress]:
    if not versions:
        return []
    rows = db.session.execute(
        select(LessonProgress.lesson_id, LessonProgress.completed_at)
        .where(LessonProgress.user_id == user.id,
               LessonProgress.module_id.in_([v.module_id for v in versions]))
        .order_by(LessonProgress.viewed_at.desc(), LessonProgress.id.desc())
    ).all()
    version_of = {lesson.id: v.id for v in versions for lesson in v.lessons}
    viewed: dict[int, list[int]] = {v.id: [] for v in versions}
    done: dict[int, set[int]] = {v.id: set() for v in versions}
    for lesson_id, completed_at in rows:
        if lesson_id in version_of:  # lessons of older versions do not count
            viewed[version_of[lesson_id]].append(lesson_id)
            if completed_at is not None:
                done[version_of[lesson_id]].add(lesson_id)
    result = []
    for version in versions:
        record = records.get(version.module_id)
        result.append(ModuleProgress(
            version=version,
            lesson_ids=[lesson.id for lesson in version.lessons],
            done_lesson_ids=done[version.id],
            viewed_lesson_ids=viewed[version.id],
            latest_completion=record.latest_completion if record else None,
            due_on=record.due_on if record else None,
        ))
    return result


def module_progress(user: User, version: PublishedVersion) -> ModuleProgress:
    return _progress(user, [version], _records(user, [version.module_id]))[0]
