"""Work done outside the request: emails waiting to be sent, and other background jobs.

Both are rows written in the transaction of the change that causes them, and picked up by
`flask worker` (see core/outbox.py and core/jobs.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class EmailState(StrEnum):
    PENDING = "pending"  # waiting for its time (send_after); a worker may hold a lease on it
    SENDING = "sending"  # committed just before the server was told the message was complete
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt, or the server refused it for good
    IN_DOUBT = "in_doubt"  # its worker stopped while handing it over: it may have arrived


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def _one_of(enum: type[StrEnum]) -> str:
    return "state IN (" + ", ".join(f"'{member.value}'" for member in enum) + ")"


class OutboxEmail(Model):
    """One email to one address, from the moment it is caused until it is sent (or given up)."""

    __table_args__ = (
        CheckConstraint(_one_of(EmailState), name="state_known"),
        # What a worker looks for: pending emails that are due.
        Index("ix_outbox_email_state_send_after", "state", "send_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    # Chosen when queued and kept on every try, so a receiving server can tell a repeat.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(10), default=EmailState.PENDING.value)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)


class BackgroundJob(Model):
    """A piece of work other than an email: the daily reminder run, a digest, an export."""

    __table_args__ = (
        CheckConstraint(_one_of(JobState), name="state_known"),
        Index("ix_background_job_state_run_after", "state", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    # A job that must exist once only (e.g. "daily:2026-12-01"): a second enqueue is refused.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=JobState.PENDING.value)
    run_after: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
