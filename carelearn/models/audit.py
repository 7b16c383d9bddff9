"""The append-only audit trail of changes that matter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Connection, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class AuditEvent(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)


# Whatever writes to the database (the app, a script, psql), an entry can be added but never
# changed or removed: the database itself refuses. (Emptying a test database with TRUNCATE is
# not a change of rows, and is left alone.)
_REFUSAL = "the audit trail is append-only"
_SQLITE_GUARD = [
    f"CREATE TRIGGER audit_event_append_only_{operation} BEFORE {operation.upper()} ON "
    f"audit_event BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    for operation in ("update", "delete")
]
_POSTGRES_GUARD = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]


def install_audit_guard(connection: Connection) -> None:
    guard = _SQLITE_GUARD if connection.dialect.name == "sqlite" else _POSTGRES_GUARD
    for statement in guard:
        connection.exec_driver_sql(statement)


def drop_audit_guard(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        for operation in ("update", "delete"):
            connection.exec_driver_sql(
                f"DROP TRIGGER IF EXISTS audit_event_append_only_{operation}"
            )
    else:
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_event_append_only()")


@event.listens_for(AuditEvent.__table__, "after_create")
def _guard_created_table(_table, connection: Connection, **_kw) -> None:
    install_audit_guard(connection)
