"""The audit trail: events commit and roll back with the change they describe."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from carelearn.core.audit import record_event
from carelearn.models import AuditEvent


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_events_are_written_in_order_when_the_change_commits(db):
    record_event("role.change", "user", 1, actor_id=None, to="manager")
    record_event("user.deactivate", "user", 1)
    db.session.commit()
    assert actions(db) == ["role.change", "user.deactivate"]
    first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id))
    assert first.details == {"to": "manager"} and first.at is not None


def test_events_of_a_rolled_back_change_are_never_written(db):
    record_event("role.change", "user", 1)
    db.session.rollback()
    record_event("user.deactivate", "user", 2)
    db.session.commit()
    assert actions(db) == ["user.deactivate"]


def test_an_event_is_seen_by_a_query_in_its_own_transaction(db):
    record_event("role.change", "user", 1)
    assert actions(db) == ["role.change"]
    db.session.rollback()
    assert actions(db) == []


def test_an_event_may_name_a_person_added_in_the_same_transaction(db, make):
    from carelearn.models import User

    person = User(email="new@example.org", name="New Person", job_role_id=make.user().job_role_id)
    db.session.add(person)
    record_event("user.create", "user", None, actor_id=None)
    db.session.commit()
    assert actions(db) == ["user.create"]


def test_the_database_refuses_to_change_or_remove_an_entry(db):
    record_event("team.create", "team", 1)
    db.session.commit()
    for statement in (
        "UPDATE audit_event SET action = 'team.rename'",
        "DELETE FROM audit_event",
    ):
        # Plain SQL, as a script or psql would send it: the app's own refusal is not involved.
        with db.engine.connect() as connection, pytest.raises(DatabaseError, match="append-only"):
            connection.execute(text(statement))
            connection.commit()
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["team.create"]
