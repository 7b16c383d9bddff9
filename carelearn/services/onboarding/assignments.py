"""Asking people to complete modules by a date: by hand, by onboarding rule, or to recertify."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, exists, select, tuple_
from sqlalchemy.orm import aliased

from ...core.audit import record_event
from ...core.clock import today
from ...core.database import chunked
from ...extensions import db
from ...models import (
    Assignment,
    Completion,
    TrainingRecord,
    User,
)
from ..training.records import sync_records
from ..training.requirement import required_sql


@dataclass
class AssignOutcome:
    created: int
    already_assigned: int
    people: set[int] = field(default_factory=set)  # who got at least one new assignment


def assign_modules(
    user_ids: Iterable[int],
    module_ids: list[int],
    due_on: date,
    *,
    source: str = "manager",
    actor_id: int | None = None,
    path_id: int | None = None,
    target: dict[str, int | list[int]] | None = None,
) -> AssignOutcome:
    """Assign each module to each person, unless they already have it open (then nothing
    changes). `target` says for the audit trail whom it was aimed at: {"team_id": 3},
    {"job_role_id": 2} or {"user_ids": [7]}."""
    user_ids = sorted(set(user_ids))
    pairs = [(u, m) for u in user_ids for m in module_ids]
    if not pairs:
        return AssignOutcome(0, 0)
    open_pairs: set[tuple[int, int]] = set()
    for chunk in chunked(pairs):
        open_pairs.update(
            (user_id, module_id)
            for user_id, module_id in db.session.execute(
                select(Assignment.user_id, Assignment.module_id).where(
                    tuple_(Assignment.user_id, Assignment.module_id).in_(chunk),
                    Assignment.completed_at.is_(None),
                )
            )
        )
    new_pairs = [p for p in pairs if p not in open_pairs]
    db.session.add_all(
        Assignment(
            user_id=u,
            module_id=m,
            due_on=due_on,
            source=source,
            assigned_by_id=actor_id,
            path_id=path_id,
        )
        for u, m in new_pairs
    )
    db.session.flush()
    sync_records(new_pairs)
    if new_pairs:
        record_event(
            "assignment.create",
            "module",
            module_ids[0] if len(module_ids) == 1 else None,
            actor_id=actor_id,
            source=source,
            due_on=due_on.isoformat(),
            modules=module_ids,
            people=len({u for u, _ in new_pairs}),
            path_id=path_id,
            **(target or {}),
        )
    return AssignOutcome(len(new_pairs), len(pairs) - len(new_pairs), {u for u, _ in new_pairs})


def create_recertification_assignments(on: date | None = None) -> int:
    """Assign a required module again to everyone whose latest completion of it has expired,
    due on the expiry date (optional training is left to expire). Running it again creates
    nothing more."""
    on = on or today()
    newer = aliased(Completion)
    rows = db.session.execute(
        select(Completion.user_id, Completion.module_id, Completion.expires_on)
        .join(User, User.id == Completion.user_id)
        .join(
            TrainingRecord,
            and_(
                TrainingRecord.user_id == Completion.user_id,
                TrainingRecord.module_id == Completion.module_id,
            ),
        )
        .where(User.active.is_(True), Completion.expires_on <= on, required_sql(TrainingRecord))
        .where(
            ~exists().where(
                and_(
                    newer.user_id == Completion.user_id,
                    newer.module_id == Completion.module_id,
                    newer.completed_on > Completion.completed_on,
                )
            )
        )
        .where(
            ~exists().where(
                and_(
                    Assignment.user_id == Completion.user_id,
                    Assignment.module_id == Completion.module_id,
                    Assignment.due_on >= Completion.expires_on,
                )
            )
        )
    ).all()
    groups: dict[tuple[int, date], list[int]] = {}
    for user_id, module_id, expires_on in rows:
        assert expires_on is not None  # compared with `on` above, so never NULL
        groups.setdefault((module_id, expires_on), []).append(user_id)
    created = sum(
        assign_modules(user_ids, [module_id], due_on, source="recertification").created
        for (module_id, due_on), user_ids in groups.items()
    )
    db.session.commit()
    return created
