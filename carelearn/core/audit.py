"""Writing to the append-only audit trail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import event, insert
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db
from ..models.audit import AuditEvent
from .clock import utcnow

_PENDING = "carelearn.audit_events"
# Events are written as one plain INSERT just before the transaction commits (or, like the ORM's
# autoflush, before a query that might read them): an event is never changed by the request
# that records it, so it needs none of the ORM's bookkeeping (a fifth of the cost of submitting
# a quiz), a bulk change records its hundreds of events in one statement, and on SQLite the
# write lock is held for less time.
_INSERT_EVENTS = insert(AuditEvent.__table__)


def record_event(
    action: str, subject_type: str, subject_id: int | None, actor_id: int | None = None, **details
) -> None:
    """Add an audit event to the current transaction: it commits or rolls back with the change."""
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that a rollback, even before any query, forgets the event
    session.info.setdefault(_PENDING, []).append(
        {
            "at": utcnow(),
            "action": action,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "actor_id": actor_id,
            "details": details,
        }
    )


def _write_events(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.flush()  # the actor may be a person added in this same transaction
        session.connection().execute(_INSERT_EVENTS, pending)


def _write_events_before_reading(state) -> None:
    if state.is_select and _PENDING in state.session.info:
        _write_events(state.session)


def _forget_events(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: committed events are gone already
        session.info.pop(_PENDING, None)


def _refuse_rewrite(_mapper, _connection, target: AuditEvent) -> None:
    raise PermissionError("the audit trail is append-only")


def init_app(_app: Flask) -> None:
    """The session's listeners are global (one scoped session for every app): added once."""
    for target, name, listener in (
        (db.session, "before_commit", _write_events),
        (db.session, "do_orm_execute", _write_events_before_reading),
        (db.session, "after_transaction_end", _forget_events),
        (AuditEvent, "before_update", _refuse_rewrite),
        (AuditEvent, "before_delete", _refuse_rewrite),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
