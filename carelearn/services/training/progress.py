"""A learner's progress through their modules: status, lessons done, what to do next.

Every function here runs a fixed number of queries whatever the number of modules or users:
the content comes from the published-content cache, and in one query, the current version of
each module, the learner's TrainingRecord for it (kept up to date on every event: due date,
latest completion) and which of its lessons they have read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BindParameter, bindparam, select

from ...core.clock import today
from ...core.database import run
from ...models import LessonProgress, Module, TrainingRecord, User
from . import published
from .published import PublishedLesson, PublishedVersion
from .requirement import Requirement, is_required, requirement
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
    awaiting_sign_off: bool = False  # passed, and the practice is still to be signed off
    # Worked out once, not on every use: a page of modules reads each several times.
    status: Status = field(init=False)
    slug: str = field(init=False)
    lessons_done: int = field(init=False)
    all_lessons_done: bool = field(init=False)
    percent: int = field(init=False)  # lessons and the quiz are the steps; completed is 100%
    required: bool = field(init=False)  # else optional (requirement.py)

    def __post_init__(self):
        completion = self.latest_completion
        self.status = training_status(
            started_at=True if self.viewed_lesson_ids else None,
            completed_on=completion.completed_on if completion else None,
            expires_on=completion.expires_on if completion else None,
            due_on=self.due_on,
            today=today(),
            awaiting_sign_off=self.awaiting_sign_off,
        )
        self.slug = self.version.slug
        self.required = is_required(due_on=self.due_on)
        self.lessons_done = len(self.done_lesson_ids)
        self.all_lessons_done = self.lessons_done == len(self.lesson_ids)
        self.percent = (
            100 if self.status.is_done else self.lessons_done * 100 // (len(self.lesson_ids) + 1)
        )

    @property
    def card_key(self) -> tuple:
        """Everything a module's card on My training shows besides the published version itself
        (which never changes): learners in the same place share one rendering of it."""
        completion = self.latest_completion
        return (
            self.version.id,
            self.status,
            self.lessons_done,
            self.percent,
            self.all_lessons_done,
            None if self.status.is_done else self.due_on,
            self.required,
            completion.expires_on if completion and self.status == Status.EXPIRING else None,
        )

    @property
    def unfinished_lessons(self) -> list[tuple[int, PublishedLesson]]:
        """(position, lesson) of each lesson not marked done yet, in order."""
        return [
            (position, lesson)
            for position, lesson in enumerate(self.version.lessons, start=1)
            if lesson.id not in self.done_lesson_ids
        ]

    @property
    def quiz_open(self) -> bool:
        """Whether the learner may start the quiz now: every lesson done, and the module not
        completed or passed and waiting for its sign-off (an expiring or expired completion may
        be renewed)."""
        return self.all_lessons_done and self.status not in (
            Status.COMPLETED,
            Status.AWAITING_SIGN_OFF,
        )

    @property
    def next_lesson_position(self) -> int | None:
        """Where to resume: the last lesson viewed and not finished, else the first not finished."""
        unfinished = [i for i in self.lesson_ids if i not in self.done_lesson_ids]
        if not unfinished:
            return None
        resume = next((i for i in self.viewed_lesson_ids if i in unfinished), unfinished[0])
        return self.lesson_ids.index(resume) + 1


def _overview_query(one_module: bool):
    """Current versions with the learner's record and lesson progress: one query, prebuilt."""
    m, r, lp = Module.__table__.c, TrainingRecord.__table__.c, LessonProgress.__table__.c
    user_id: BindParameter[int] = bindparam("user_id")
    query = (
        select(
            m.id,
            m.current_version_id,
            r.due_on,
            r.completed_on,
            r.expires_on,
            r.score_percent,
            r.version_label,
            r.awaiting_sign_off,
            lp.lesson_id,
            lp.completed_at,
        )
        .select_from(
            Module.__table__.outerjoin(
                TrainingRecord.__table__, (r.module_id == m.id) & (r.user_id == user_id)
            ).outerjoin(LessonProgress.__table__, (lp.module_id == m.id) & (lp.user_id == user_id))
        )
        .where(m.current_version_id.is_not(None))
        .order_by(lp.viewed_at.desc(), lp.id.desc())
    )
    return query.where(m.id == bindparam("module_id")) if one_module else query


_OVERVIEW = _overview_query(one_module=False)
_ONE_MODULE = _overview_query(one_module=True)


@dataclass
class _Standing:
    version_id: int
    due_on: date | None
    latest_completion: LatestCompletion | None
    lessons: list[tuple[int, bool]]  # (lesson id, done), most recently viewed first
    awaiting_sign_off: bool = False


def _standings(rows) -> dict[int, _Standing]:
    """module id -> where the learner stands, from the rows of one of the queries above."""
    found: dict[int, _Standing] = {}
    for row in rows:
        module_id, version_id, due, done_on, expires, score, label, awaiting = row[:8]
        lesson_id, completed_at = row[8:]
        standing = found.get(module_id)
        if standing is None:
            completion = LatestCompletion(done_on, expires, score, label) if done_on else None
            standing = found[module_id] = _Standing(version_id, due, completion, [], bool(awaiting))
        if lesson_id is not None:
            standing.lessons.append((lesson_id, completed_at is not None))
    return found


def training_overview(user: User) -> list[ModuleProgress]:
    """The learner's training (requirement.py): what is required of them, and optional modules
    for their job role or already begun; due soonest first, then the rest by title."""
    standings = _standings(run(_OVERVIEW, user_id=user.id))
    role = user.job_role.slug
    versions = published.versions(s.version_id for s in standings.values())
    progress = [
        _progress(v, standings[v.module_id])
        for v in versions
        if _in_training(standings[v.module_id], role in v.audience)
    ]
    progress.sort(key=lambda p: (p.version.title, p.version.id))
    return sorted(progress, key=lambda p: (p.status.is_done, p.due_on is None, p.due_on or 0))


def _in_training(standing: _Standing, for_role: bool) -> bool:
    begun = bool(standing.lessons) or standing.latest_completion is not None
    found = requirement(due_on=standing.due_on, for_role=for_role, begun=begun)
    return found is not Requirement.NOT_INCLUDED


def module_progress(user: User, version: PublishedVersion) -> ModuleProgress:
    standing = _standings(run(_ONE_MODULE, user_id=user.id, module_id=version.module_id))
    return _progress(
        version, standing.get(version.module_id) or _Standing(version.id, None, None, [])
    )


def _progress(version: PublishedVersion, standing: _Standing) -> ModuleProgress:
    ids = [lesson.id for lesson in version.lessons]
    mine = set(ids)  # lessons of older versions do not count
    viewed = [(lesson_id, done) for lesson_id, done in standing.lessons if lesson_id in mine]
    return ModuleProgress(
        version=version,
        lesson_ids=ids,
        done_lesson_ids={lesson_id for lesson_id, done in viewed if done},
        viewed_lesson_ids=[lesson_id for lesson_id, _ in viewed],
        latest_completion=standing.latest_completion,
        due_on=standing.due_on,
        awaiting_sign_off=standing.awaiting_sign_off,
    )
