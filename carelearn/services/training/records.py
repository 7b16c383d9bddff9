"""Keeping each person's TrainingRecord per module in step with what happened.

Called on the events that change it (first lesson opened, completion, assignment), in sets:
a handful of queries for any number of people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    DateTime,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    union,
)

from ...core.clock import utcnow
from ...core.database import chunked
from ...extensions import db
from ...models import (
    Assignment,
    Completion,
    LessonProgress,
    ModuleVersion,
    QuizAttempt,
    TrainingRecord,
)

# A record's due date: the earliest open assignment's, or once all are done, the latest one's.
# So every module ever assigned keeps a due date, which is what makes it required
# (requirement.py).
_DUE_ON = func.coalesce(
    func.min(case((Assignment.completed_at.is_(None), Assignment.due_on))),
    func.max(Assignment.due_on),
)

# A completion stops counting at its expiry or, after a major new version, at the end of its
# grace period (redo_by), whichever comes first.
_ENDS_ON = case(
    (
        Completion.redo_by.is_not(None)
        & (Completion.expires_on.is_(None) | (Completion.redo_by < Completion.expires_on)),
        Completion.redo_by,
    ),
    else_=Completion.expires_on,
)

# A passed attempt on a version whose observed practice must be signed off, not yet turned into
# a completion: the record waits for the sign-off.
_WAITING = (
    select(QuizAttempt.user_id, ModuleVersion.module_id, QuizAttempt.submitted_at)
    .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
    .where(
        QuizAttempt.passed.is_(True),
        ModuleVersion.practice_required.is_(True),
        ~select(Completion.id).where(Completion.attempt_id == QuizAttempt.id).exists(),
    )
)


def sync_records(pairs: Iterable[tuple[int, int]]) -> None:
    """Recompute the records for these (user_id, module_id) pairs from the source tables."""
    pairs = sorted(set(pairs))
    for chunk in chunked(pairs):
        _sync_chunk(chunk)


def _sync_chunk(pairs: Sequence[tuple[int, int]]) -> None:
    wanted = tuple_(Assignment.user_id, Assignment.module_id).in_(pairs)
    due = dict(
        ((u, m), d)
        for u, m, d in db.session.execute(
            select(Assignment.user_id, Assignment.module_id, _DUE_ON)
            .where(wanted)
            .group_by(Assignment.user_id, Assignment.module_id)
        ).all()
    )
    started = dict(
        ((u, m), s)
        for u, m, s in db.session.execute(
            select(
                LessonProgress.user_id, LessonProgress.module_id, func.min(LessonProgress.viewed_at)
            )
            .where(tuple_(LessonProgress.user_id, LessonProgress.module_id).in_(pairs))
            .group_by(LessonProgress.user_id, LessonProgress.module_id)
        ).all()
    )
    latest = {
        (row.user_id, row.module_id): row  # ordered, so the last one wins
        for row in db.session.execute(
            select(
                Completion.user_id,
                Completion.module_id,
                Completion.completed_on,
                _ENDS_ON.label("expires_on"),
                Completion.score_percent,
                Completion.method,
                ModuleVersion.label,
            )
            .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
            .where(tuple_(Completion.user_id, Completion.module_id).in_(pairs))
            .order_by(Completion.completed_on, Completion.id)
        )
    }
    waiting: dict[tuple[int, int], list] = {}
    for user_id, module_id, submitted_at in db.session.execute(
        _WAITING.where(tuple_(QuizAttempt.user_id, ModuleVersion.module_id).in_(pairs))
    ):
        waiting.setdefault((user_id, module_id), []).append(submitted_at)
    records = {
        (r.user_id, r.module_id): r
        for r in db.session.scalars(
            select(TrainingRecord).where(
                tuple_(TrainingRecord.user_id, TrainingRecord.module_id).in_(pairs)
            )
        )
    }
    for pair in pairs:
        record = records.get(pair)
        if record is None:
            record = TrainingRecord(user_id=pair[0], module_id=pair[1])
            db.session.add(record)
        completion = latest.get(pair)
        record.due_on = due.get(pair)
        record.started_at = started.get(pair)
        record.completed_on = completion.completed_on if completion else None
        record.expires_on = completion.expires_on if completion else None
        record.score_percent = completion.score_percent if completion else None
        record.version_label = completion.label if completion else None
        record.method = completion.method if completion else None
        record.awaiting_sign_off = any(
            completion is None or submitted.date() >= completion.completed_on
            for submitted in waiting.get(pair, [])
        )
    db.session.flush()


def rebuild_records() -> int:
    """Recompute every TrainingRecord from the source tables in one set-based INSERT.

    The same rules as `sync_records`, for bulk loads and repairs rather than single events.
    Returns how many records there are now.
    """
    db.session.execute(delete(TrainingRecord))
    pairs = union(
        select(Assignment.user_id, Assignment.module_id),
        select(LessonProgress.user_id, LessonProgress.module_id),
        select(Completion.user_id, Completion.module_id),
        # Testing out needs no lesson: a pass waiting for its sign-off may be all there is.
        _WAITING.with_only_columns(QuizAttempt.user_id, ModuleVersion.module_id),
    ).subquery()
    due = (
        select(Assignment.user_id, Assignment.module_id, _DUE_ON.label("due_on"))
        .group_by(Assignment.user_id, Assignment.module_id)
        .subquery()
    )
    started = (
        select(
            LessonProgress.user_id,
            LessonProgress.module_id,
            func.min(LessonProgress.viewed_at).label("started_at"),
        )
        .group_by(LessonProgress.user_id, LessonProgress.module_id)
        .subquery()
    )
    latest = (
        select(
            Completion.user_id,
            Completion.module_id,
            Completion.completed_on,
            _ENDS_ON.label("expires_on"),
            Completion.score_percent,
            Completion.method,
            ModuleVersion.label,
            func.row_number()
            .over(
                partition_by=(Completion.user_id, Completion.module_id),
                order_by=(Completion.completed_on.desc(), Completion.id.desc()),
            )
            .label("newest"),
        )
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .subquery()
    )

    waiting = _WAITING.subquery()

    def same_pair(table):
        return and_(table.c.user_id == pairs.c.user_id, table.c.module_id == pairs.c.module_id)

    rows = (
        select(
            pairs.c.user_id,
            pairs.c.module_id,
            due.c.due_on,
            started.c.started_at,
            latest.c.completed_on,
            latest.c.expires_on,
            latest.c.score_percent,
            latest.c.label,
            latest.c.method,
            select(waiting.c.user_id)
            .where(
                same_pair(waiting),
                latest.c.completed_on.is_(None)
                | (func.date(waiting.c.submitted_at) >= latest.c.completed_on),
            )
            .exists(),
            literal(utcnow(), DateTime()),
        )
        .select_from(pairs)
        .outerjoin(due, same_pair(due))
        .outerjoin(started, same_pair(started))
        .outerjoin(latest, and_(same_pair(latest), latest.c.newest == 1))
    )
    db.session.execute(
        insert(TrainingRecord).from_select(
            [
                "user_id",
                "module_id",
                "due_on",
                "started_at",
                "completed_on",
                "expires_on",
                "score_percent",
                "version_label",
                "method",
                "awaiting_sign_off",
                "updated_at",
            ],
            rows,
        )
    )
    return db.session.execute(select(func.count(TrainingRecord.id))).scalar_one()
