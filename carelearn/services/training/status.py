"""The one place that says where a person stands on a module.

`training_status` decides for one record in Python; `status_sql` is the same rule as a SQL
expression, so lists can filter and count by status in the database. Tests hold the two equal.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import case, literal
from sqlalchemy.sql.elements import ColumnElement

EXPIRING_WITHIN_DAYS = 30


class Status(enum.StrEnum):
    NOT_STARTED = "not started"
    IN_PROGRESS = "in progress"
    # The quiz is passed; the module's observed practice is still to be signed off.
    AWAITING_SIGN_OFF = "awaiting sign-off"
    COMPLETED = "completed"
    OVERDUE = "overdue"
    EXPIRING = "expiring"
    EXPIRED = "expired"

    @property
    def is_done(self) -> bool:
        """Holds a valid completion (counts towards completion %)."""
        return self in (Status.COMPLETED, Status.EXPIRING)


def training_status(
    *,
    started_at: datetime | None,
    completed_on: date | None,
    expires_on: date | None,
    due_on: date | None,
    today: date,
    awaiting_sign_off: bool = False,
) -> Status:
    """- A valid completion is *completed*, or *expiring* in its last 30 days.
    - It is *expired* from its expiry date on, until completed again.
    - Without one: *awaiting sign-off* once the quiz is passed where observed practice must be
      signed off (the learner has done their part, so this comes before *overdue*); else
      *overdue* the day after the due date, else *in progress* once begun.
    """
    if completed_on is not None:
        if expires_on is None or today < expires_on:
            if expires_on is not None and expires_on - today <= timedelta(
                days=EXPIRING_WITHIN_DAYS
            ):
                return Status.EXPIRING
            return Status.COMPLETED
        return Status.EXPIRED
    if awaiting_sign_off:
        return Status.AWAITING_SIGN_OFF
    if due_on is not None and today > due_on:
        return Status.OVERDUE
    if started_at is not None:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def status_sql(record, today: date) -> ColumnElement[str]:
    """`training_status` as a SQL CASE over a TrainingRecord-shaped table or alias."""
    expiring_from = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    return case(
        (
            record.completed_on.is_not(None) & record.expires_on.is_(None),
            literal(Status.COMPLETED.value),
        ),
        (
            record.completed_on.is_not(None) & (record.expires_on <= today),
            literal(Status.EXPIRED.value),
        ),
        (
            record.completed_on.is_not(None) & (record.expires_on <= expiring_from),
            literal(Status.EXPIRING.value),
        ),
        (record.completed_on.is_not(None), literal(Status.COMPLETED.value)),
        (record.awaiting_sign_off.is_(True), literal(Status.AWAITING_SIGN_OFF.value)),
        (record.due_on < today, literal(Status.OVERDUE.value)),
        (record.started_at.is_not(None), literal(Status.IN_PROGRESS.value)),
        else_=literal(Status.NOT_STARTED.value),
    )
