"""The outbox: every email is a row, queued in the transaction of the change that causes it,
and sent later by the worker (`flask worker`), never while a page waits.

An email moves pending → sending → sent. `sending` is committed just before the mail server
is told the message is complete (the final "." of DATA), and `sent` straight after its answer.
So whenever a worker stops, each email is in one of three places: not yet complete at the
server and still pending (a connection closed early delivers nothing, so it is sent later),
sent, or — the one message in flight at that exact moment — left in `sending`. Once its lease
has passed, that one is marked `in_doubt` and never sent again by itself: an admin decides
(the Outbox page). Nothing is ever sent twice by the worker.

Workers share the queue by claiming a batch: one UPDATE of rows picked with
`FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite, with one writer at a time, needs no lock), which
sets `claimed_by` and a lease. Every later step checks the claim is still this worker's, so a
worker that outlives its lease cannot race the one that took its work over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import EmailState, OutboxEmail
from .audit import record_event
from .clock import utcnow
from .email import (
    Channel,
    EmailError,
    MailServerUnavailable,
    OutcomeUnknown,
    build_message,
    new_message_id,
    open_channel,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # with the waits below: about 13 hours of trying before an email has failed
FIRST_RETRY_WAIT = timedelta(minutes=1)
LONGEST_RETRY_WAIT = timedelta(hours=3)
OUTBOX_PAGE_SIZE = 50
NEEDS_ATTENTION = (EmailState.FAILED, EmailState.IN_DOUBT)
LOST_IN_HANDOVER = (
    "The worker stopped while handing this email to the mail server, so it may or may not "
    "have arrived. It is not sent again unless an admin asks."
)


class LostClaim(RuntimeError):
    """Another worker took this email over (this one outlived its lease): leave it alone."""


def send_email(to: str, subject: str, body: str, html: str | None = None) -> OutboxEmail:
    """Queue one plain-text message (with an optional HTML alternative) to one address.

    It is part of the current transaction: it goes when the caller commits, and never if the
    caller rolls back. Sending never fails here; the worker retries and reports failures.
    """
    now = utcnow()
    email = OutboxEmail(
        recipient=to,
        subject=subject,
        text_body=body,
        html_body=html,
        message_id=new_message_id(),
        created_at=now,
        send_after=now,
        attempts=0,
        state=EmailState.PENDING.value,
    )
    db.session.add(email)
    return email


def retry_wait(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: doubling from a minute, capped."""
    return min(FIRST_RETRY_WAIT * 2 ** (attempts - 1), LONGEST_RETRY_WAIT)


def deliver_batch(worker: str, limit: int, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Claim up to `limit` due emails and send them over one connection (or into the outbox
    folder). Returns how many were claimed; 0 means nothing is due."""
    _mark_lost_handovers_in_doubt()
    batch = _claim(worker, limit)
    if not batch:
        return 0
    try:
        with open_channel(current_app.config) as channel:
            for email in batch:
                if should_stop():
                    break
                _deliver(channel, email, worker)
    except MailServerUnavailable as error:
        # Every email of the batch not yet answered waits for its next try.
        for email in batch:
            if email.state == EmailState.PENDING and email.claimed_by == worker:
                _retry_later(email, worker, error)
    except LostClaim:
        logger.warning("Worker %s lost its claim on an email: its lease had passed", worker)
    finally:
        db.session.rollback()  # whatever a step that failed left half done
        _release([e.id for e in batch], worker)
    return len(batch)


def _mark_lost_handovers_in_doubt() -> None:
    lost_handover = (OutboxEmail.state == EmailState.SENDING, OutboxEmail.lease_until <= utcnow())
    # Looked for first: an idle worker then only reads, and never waits for the write lock.
    if db.session.scalar(select(OutboxEmail.id).where(*lost_handover).limit(1)) is None:
        return
    lost = db.session.scalars(
        update(OutboxEmail)
        .where(*lost_handover)
        .values(state=EmailState.IN_DOUBT.value, last_error=LOST_IN_HANDOVER)
        .returning(OutboxEmail.id)
    ).all()
    db.session.commit()
    logger.warning("%s email(s) marked in doubt: their worker stopped mid-handover", len(lost))


def _claim(worker: str, limit: int) -> list[OutboxEmail]:
    now = utcnow()
    due = select(OutboxEmail.id).where(
        OutboxEmail.state == EmailState.PENDING,
        OutboxEmail.send_after <= now,
        or_(OutboxEmail.lease_until.is_(None), OutboxEmail.lease_until <= now),
    )
    if db.session.scalar(due.limit(1)) is None:
        return []
    next_due = due.order_by(OutboxEmail.id).limit(limit).with_for_update(skip_locked=True)
    claimed = db.session.scalars(
        update(OutboxEmail)
        .where(OutboxEmail.id.in_(next_due.scalar_subquery()))
        .values(claimed_by=worker, lease_until=now + _lease())
        .returning(OutboxEmail.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    if not claimed:
        return []
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.id.in_(claimed))
            .order_by(OutboxEmail.id)
            .execution_options(populate_existing=True)
        )
    )


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])


def _deliver(channel: Channel, email: OutboxEmail, worker: str) -> None:
    message = build_message(
        email.recipient,
        email.subject,
        email.text_body,
        email.html_body,
        message_id=email.message_id,
        written_at=email.created_at,
    )

    def commit_sending() -> None:
        if not _move(email, worker, EmailState.SENDING, lease_until=utcnow() + _lease()):
            raise LostClaim(email.id)

    tried = OutboxEmail.attempts + 1
    try:
        channel.send(message, before_completing=commit_sending)
    except OutcomeUnknown as error:
        _move(email, worker, EmailState.IN_DOUBT, attempts=tried, last_error=str(error))
        raise
    except EmailError as error:
        _retry_later(email, worker, error)
        if isinstance(error, MailServerUnavailable):
            raise
    else:
        _move(email, worker, EmailState.SENT, attempts=tried, sent_at=utcnow())


def _move(email: OutboxEmail, worker: str, state: EmailState, **values) -> bool:
    """Set the email's state if this worker's claim on it still holds, and commit."""
    moved = db.session.scalar(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email.id,
            OutboxEmail.claimed_by == worker,
            OutboxEmail.state.in_([EmailState.PENDING, EmailState.SENDING, EmailState.IN_DOUBT]),
        )
        .values(state=state.value, **values)
        .returning(OutboxEmail.id)
        # Not matched against every object in the session (slow for a big batch): what
        # changed is read afresh when next used.
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire(email, ["state", *values])
    return moved is not None


def _retry_later(email: OutboxEmail, worker: str, error: EmailError) -> None:
    attempts = email.attempts + 1
    if error.permanent or attempts >= MAX_ATTEMPTS:
        logger.error("Email to %s (%r) failed for good: %s", email.recipient, email.subject, error)
        _move(email, worker, EmailState.FAILED, attempts=attempts, last_error=str(error))
        return
    retry_at = utcnow() + retry_wait(attempts)
    logger.warning(
        "Email to %s (%r) not sent, trying again at %s: %s",
        email.recipient,
        email.subject,
        f"{retry_at:%H:%M}",
        error,
    )
    _move(
        email,
        worker,
        EmailState.PENDING,
        attempts=attempts,
        send_after=retry_at,
        last_error=str(error),
        claimed_by=None,
        lease_until=None,
    )


def _release(email_ids: list[int], worker: str) -> None:
    """Hand back the claims this worker did not get to, for any worker to take at once."""
    db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id.in_(email_ids),
            OutboxEmail.claimed_by == worker,
            OutboxEmail.state == EmailState.PENDING,
        )
        .values(claimed_by=None, lease_until=None)
    )
    db.session.commit()


@dataclass
class OutboxPage:
    emails: list[OutboxEmail]
    total: int
    page: int
    pages: int


def emails_needing_attention(page: int = 1, per_page: int = OUTBOX_PAGE_SIZE) -> OutboxPage:
    """Failed and in-doubt emails, newest first, one page at a time."""
    where = OutboxEmail.state.in_(NEEDS_ATTENTION)
    total = db.session.scalar(select(func.count()).select_from(OutboxEmail).where(where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    emails = db.session.scalars(
        select(OutboxEmail)
        .where(where)
        .order_by(OutboxEmail.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return OutboxPage(list(emails), total, page, pages)


def send_again(email: OutboxEmail, actor_id: int) -> bool:
    """Queue a failed or in-doubt email once more, as if new; False when it is neither (it was
    queued again already). The caller commits."""
    if email.state not in NEEDS_ATTENTION:
        return False
    record_event(
        "email.send_again",
        "outbox_email",
        email.id,
        actor_id=actor_id,
        recipient=email.recipient,
        subject=email.subject,
        was=email.state,
    )
    email.state = EmailState.PENDING.value
    email.attempts = 0
    email.send_after = utcnow()
    email.claimed_by = None
    email.lease_until = None
    email.last_error = None
    return True
