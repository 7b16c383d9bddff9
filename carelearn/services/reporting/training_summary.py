"""Where each of a list of people stands on their training, in one query: the admin's people
list shows it beside each name. Counted over the same records (required training,
services/training/requirement.py), with the same status rule, as the managers' team figures
(`reports.team_figures`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select

from ...core.clock import today
from ...core.database import chunked
from ...extensions import db
from ...models import TrainingRecord
from ..training.requirement import required_sql
from ..training.status import Status, status_sql


@dataclass(frozen=True)
class TrainingSummary:
    """How many of a person's modules are in each state that needs someone to act."""

    modules: int = 0
    done: int = 0  # a valid completion (completed or expiring)
    overdue: int = 0
    expired: int = 0
    expiring: int = 0

    @property
    def up_to_date(self) -> bool:
        """Nothing overdue and nothing expired (modules not yet due are fine)."""
        return self.modules > 0 and not self.overdue and not self.expired


def training_summaries(
    user_ids: Collection[int], on: date | None = None
) -> dict[int, TrainingSummary]:
    """Each person's summary (an empty one for someone with no modules): one query for a
    page of people."""
    on = on or today()
    found = {user_id: TrainingSummary() for user_id in user_ids}
    status = status_sql(TrainingRecord, on)

    def count(*states: Status):
        return func.sum(case((status.in_([s.value for s in states]), 1), else_=0))

    for chunk in chunked(sorted(found)):
        rows = db.session.execute(
            select(
                TrainingRecord.user_id,
                func.count(TrainingRecord.id),
                count(Status.COMPLETED, Status.EXPIRING),
                count(Status.OVERDUE),
                count(Status.EXPIRED),
                count(Status.EXPIRING),
            )
            .where(TrainingRecord.user_id.in_(chunk), required_sql(TrainingRecord))
            .group_by(TrainingRecord.user_id)
        )
        for user_id, *figures in rows:
            found[user_id] = TrainingSummary(*(int(v or 0) for v in figures))
    return found
