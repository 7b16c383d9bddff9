"""Writing to the append-only audit trail."""
from __future__ import annotations

from sqlalchemy import event

from ..extensions import db
from ..models.audit import AuditEvent


def record_event(action: str, subject_type: str, subject_id: int | None,
                 actor_id: int | None = None, **details) -> AuditEvent:
    """Add an audit event to the current transaction, so it commits or rolls back with the change."""
    entry = AuditEvent(
        action=action, subject_type=subject_type, subject_id=subject_id,
        actor_id=actor_id, details=details,
    )
    db.session.add(entry)
    return entry


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_rewrite(_mapper, _connection, target: AuditEvent) -> None:
    raise PermissionError("the audit trail is append-only")
