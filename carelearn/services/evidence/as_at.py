"""Where people stood on each module on a past day, worked out from what happened, not from
today's TrainingRecord rows.

The same rules as services/training/records.py, each limited to what existed by the end of the
day: assignments made by then (open that day if not yet completed by its end), lessons opened,
completions made (each stopping at its expiry or at the end of the grace period of a major
version published by then), and passed quizzes waiting for a sign-off. The status is then
`training_status(..., today=day)`, so a day's answer is what the pages showed that day.

Everything is read with Core selects for a given list of people, so callers page through an
organisation a chunk of people at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select

from ...extensions import db
from ...models import (
    Assignment,
    Completion,
    LessonProgress,
    ModuleVersion,
    QuizAttempt,
)
from ..training.status import Status, training_status


def end_of(day: date) -> datetime:
    """The first moment after `day`: things stamped before it happened by the end of the day."""
    return datetime.combine(day + timedelta(days=1), time.min)


@dataclass(frozen=True)
class ModuleAsAt:
    """A module as it was published on the day: its newest version by then."""

    module_id: int
    title: str
    audience: tuple[str, ...]


@dataclass(frozen=True)
class MajorChange:
    number: int
    redo_by: date  # published + grace days: completions of older versions stop counting then


@dataclass(frozen=True)
class Content:
    """What was published by the day: the modules and their major changes."""

    day: date
    modules: list[ModuleAsAt]  # by title, as the matrix orders its columns
    majors: dict[int, list[MajorChange]]


def content_as_at(day: date) -> Content:
    """The modules published by the end of `day`, each as its newest version then, and every
    major version published by then."""
    newest = (
        select(
            ModuleVersion.module_id,
            ModuleVersion.title,
            ModuleVersion.audience,
            func.row_number()
            .over(
                partition_by=ModuleVersion.module_id,
                order_by=(ModuleVersion.published_at.desc(), ModuleVersion.number.desc()),
            )
            .label("rank"),
        )
        .where(ModuleVersion.published_at < end_of(day))
        .subquery()
    )
    modules = [
        ModuleAsAt(module_id, title, tuple(audience or ()))
        for module_id, title, audience in db.session.execute(
            select(newest.c.module_id, newest.c.title, newest.c.audience)
            .where(newest.c.rank == 1)
            .order_by(newest.c.title, newest.c.module_id)
        )
    ]
    majors: dict[int, list[MajorChange]] = {}
    for module_id, number, published_at, grace_days in db.session.execute(
        select(
            ModuleVersion.module_id,
            ModuleVersion.number,
            ModuleVersion.published_at,
            ModuleVersion.grace_days,
        ).where(ModuleVersion.change_kind == "major", ModuleVersion.published_at < end_of(day))
    ):
        majors.setdefault(module_id, []).append(
            MajorChange(number, published_at.date() + timedelta(days=grace_days))
        )
    return Content(day, modules, majors)


@dataclass(frozen=True)
class RecordAsAt:
    """One person's standing on one module on the day, shaped like a TrainingRecord."""

    user_id: int
    module_id: int
    due_on: date | None
    started_at: datetime | None
    completed_on: date | None
    expires_on: date | None  # when the completion stops counting
    score_percent: int | None
    version_label: str | None
    method: str | None
    awaiting_sign_off: bool
    completion_id: int | None
    status: Status


@dataclass
class _Pair:
    open_due: list[date]
    all_due: list[date]
    started_at: datetime | None = None
    completion: Any = None  # the row of the latest completion by then
    waiting: list[datetime] = field(default_factory=list)  # passed, awaiting a sign-off


def completion_ends_on(
    expires_on: date | None, version_number: int, majors: Sequence[MajorChange]
) -> date | None:
    """A completion stops counting at its expiry or at the grace end of the first major version
    after its own (published by the day), whichever is earlier."""
    ends = [m.redo_by for m in majors if m.number > version_number]
    if expires_on is not None:
        ends.append(expires_on)
    return min(ends) if ends else None


def records_as_at(user_ids: Sequence[int], content: Content) -> dict[tuple[int, int], RecordAsAt]:
    """Each (person, module) these people had anything for by the end of the day: five queries
    for the chunk, whatever its size (keep it to a few hundred people)."""
    day, until = content.day, end_of(content.day)
    if not user_ids:
        return {}
    ids = list(user_ids)
    pairs: dict[tuple[int, int], _Pair] = {}

    def pair(user_id: int, module_id: int) -> _Pair:
        return pairs.setdefault((user_id, module_id), _Pair([], []))

    for user_id, module_id, due_on, completed_at in db.session.execute(
        select(
            Assignment.user_id, Assignment.module_id, Assignment.due_on, Assignment.completed_at
        ).where(Assignment.user_id.in_(ids), Assignment.created_at < until)
    ):
        found = pair(user_id, module_id)
        found.all_due.append(due_on)
        if completed_at is None or completed_at >= until:  # still open at the end of the day
            found.open_due.append(due_on)
    for user_id, module_id, first_view in db.session.execute(
        select(LessonProgress.user_id, LessonProgress.module_id, func.min(LessonProgress.viewed_at))
        .where(LessonProgress.user_id.in_(ids), LessonProgress.viewed_at < until)
        .group_by(LessonProgress.user_id, LessonProgress.module_id)
    ):
        pair(user_id, module_id).started_at = first_view
    for row in db.session.execute(
        select(
            Completion.user_id,
            Completion.module_id,
            Completion.id,
            Completion.completed_on,
            Completion.expires_on,
            Completion.score_percent,
            Completion.method,
            ModuleVersion.number,
            ModuleVersion.label,
        )
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .where(Completion.user_id.in_(ids), Completion.completed_on <= day)
        .order_by(Completion.completed_on, Completion.id)
    ):
        pair(row.user_id, row.module_id).completion = row  # ordered, so the last one wins
    made_by_then = (
        select(Completion.id)
        .where(Completion.attempt_id == QuizAttempt.id, Completion.completed_on <= day)
        .exists()
    )
    for user_id, module_id, submitted_at in db.session.execute(
        select(QuizAttempt.user_id, ModuleVersion.module_id, QuizAttempt.submitted_at)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(
            and_(
                QuizAttempt.user_id.in_(ids),
                QuizAttempt.passed.is_(True),
                QuizAttempt.submitted_at < until,
                ModuleVersion.practice_required.is_(True),
                ~made_by_then,
            )
        )
    ):
        if submitted_at is not None:  # always, by the filter: said for the type checker
            pair(user_id, module_id).waiting.append(submitted_at)
    return {key: _record(key, found, content) for key, found in pairs.items()}


def _record(key: tuple[int, int], found: _Pair, content: Content) -> RecordAsAt:
    # records.py's due date: the earliest open assignment's, or once all are done, the latest.
    due_on = min(found.open_due) if found.open_due else max(found.all_due, default=None)
    done = found.completion
    ends_on = (
        completion_ends_on(done.expires_on, done.number, content.majors.get(key[1], ()))
        if done
        else None
    )
    awaiting = any(
        done is None or submitted.date() >= done.completed_on for submitted in found.waiting
    )
    return RecordAsAt(
        user_id=key[0],
        module_id=key[1],
        due_on=due_on,
        started_at=found.started_at,
        completed_on=done.completed_on if done else None,
        expires_on=ends_on,
        score_percent=done.score_percent if done else None,
        version_label=done.label if done else None,
        method=done.method if done else None,
        awaiting_sign_off=awaiting,
        completion_id=done.id if done else None,
        status=training_status(
            started_at=found.started_at,
            completed_on=done.completed_on if done else None,
            expires_on=ends_on,
            due_on=due_on,
            today=content.day,
            awaiting_sign_off=awaiting,
        ),
    )
