"""New versions of a module: a minor one carries completions over; after a major one people
redo the module within its grace period, are assigned it and told once."""

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.models import (
    Assignment,
    AuditEvent,
    Completion,
    Module,
    ModuleVersion,
    OutboxEmail,
    TrainingRecord,
)
from carelearn.services.onboarding.new_versions import apply_new_versions, ask_to_redo
from carelearn.services.reporting.audit_trail import AuditFilters, audit_page
from carelearn.services.training.records import sync_records
from carelearn.services.training.status import Status, training_status
from tests.content_files import module_meta, write_module
from tests.mail import outbox_messages, text_of

FIRST_DAY = datetime(2026, 3, 2, 9, 0)
PUBLISH_DAY = datetime(2026, 6, 1, 9, 0)


def publish(app):
    result = app.test_cli_runner().invoke(args=["content", "publish"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def greeting(app, db, make, tmp_path):
    """Version 1 of the greeting module, completed in March by an active and a deactivated
    receptionist; someone else never took it."""
    clock.freeze(FIRST_DAY)
    folder = write_module(tmp_path / "modules")
    publish(app)
    v1 = current(db)
    dan = make.user(name="Dan Reception", email="dan@example.org")
    gone = make.user(name="Gone Person", email="gone@example.org", active=False)
    make.user(name="Never Took", email="never@example.org")
    for person in (dan, gone):
        make.completion(person, v1, date(2026, 3, 2), expires=date(2027, 3, 2))
    db.session.commit()
    sync_records([(dan.id, v1.module_id), (gone.id, v1.module_id)])
    db.session.commit()
    return {"folder": folder, "v1": v1, "dan": dan, "gone": gone}


def current(db) -> ModuleVersion:
    return db.session.scalar(
        select(ModuleVersion).join(Module, Module.current_version_id == ModuleVersion.id)
    )


def new_version(folder, **changes):
    """Change a lesson (so the files differ) and module.yml, as an author would."""
    meta = module_meta(version=changes.pop("version", "2.0"), **changes)
    write_module(folder.parent, meta=meta, lessons={"lessons/01-hello.md": "## Hi\n\nSmile.\n"})


def completion_of(db, person) -> Completion:
    return db.session.scalar(
        select(Completion).where(Completion.user_id == person.id).order_by(Completion.id.desc())
    )


def record_of(db, person) -> TrainingRecord:
    return db.session.scalar(select(TrainingRecord).where(TrainingRecord.user_id == person.id))


def status_of(record: TrainingRecord, on: date) -> Status:
    return training_status(
        started_at=record.started_at,
        completed_on=record.completed_on,
        expires_on=record.expires_on,
        due_on=record.due_on,
        today=on,
    )


def test_a_minor_version_carries_completions_over(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], version="1.1")  # change: minor is the default
    result = publish(app)
    assert "asked to take a new version" not in result.output
    dan = greeting["dan"]
    assert completion_of(db, dan).redo_by is None
    record = record_of(db, dan)
    assert record.expires_on == date(2027, 3, 2)
    assert status_of(record, date(2026, 7, 15)) == Status.COMPLETED
    assert db.session.scalar(select(func.count(Assignment.id))) == 0
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0


def test_a_major_version_asks_for_a_redo_within_the_grace_period(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    result = publish(app)
    assert "1 person asked to take a new version." in result.output
    dan, redo_by = greeting["dan"], date(2026, 7, 1)  # 1 June + 30 days
    assert completion_of(db, dan).redo_by == redo_by
    record = record_of(db, dan)
    assert record.expires_on == redo_by  # the earlier of its expiry and the redo date
    assert status_of(record, date(2026, 6, 30)) == Status.EXPIRING
    assert status_of(record, redo_by) == Status.EXPIRED
    (assignment,) = db.session.scalars(select(Assignment)).all()
    assert (assignment.user_id, assignment.due_on, assignment.source) == (
        dan.id,
        redo_by,
        "recertification",
    )
    (message,) = outbox_messages(app)
    assert message["To"] == "dan@example.org"
    assert " ".join(message["Subject"].split()) == (
        "Greeting patients has changed: please take the new version by 1 Jul 2026"
    )
    body = text_of(message)
    assert "Hello Dan" in body
    assert "new version with important changes" in body
    assert "/learn/greeting" in body


def test_inactive_people_and_people_who_never_took_it_are_left_alone(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    publish(app)
    gone = greeting["gone"]
    assert completion_of(db, gone).redo_by is None
    assert record_of(db, gone).expires_on == date(2027, 3, 2)
    recipients = [m["To"] for m in outbox_messages(app)]
    assert recipients == ["dan@example.org"]
    assigned = db.session.scalars(select(Assignment.user_id)).all()
    assert assigned == [greeting["dan"].id]


def test_publishing_again_changes_nothing(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    publish(app)
    clock.freeze(datetime(2026, 6, 3, 9, 0))
    result = publish(app)
    assert "unchanged greeting" in result.output
    assert "asked to take a new version" not in result.output
    assert completion_of(db, greeting["dan"]).redo_by == date(2026, 7, 1)
    assert db.session.scalar(select(func.count(Assignment.id))) == 1
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 1
    # Asking again for the same version finds nobody: the redo date is already set.
    assert ask_to_redo(current(db)) == []


def test_a_custom_grace_period(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major", grace_days=60)
    publish(app)
    redo_by = date(2026, 7, 31)
    assert completion_of(db, greeting["dan"]).redo_by == redo_by
    assert db.session.scalar(select(Assignment.due_on)) == redo_by
    # More than 30 days off, so completed for now: the module page still asks for the redo.
    assert status_of(record_of(db, greeting["dan"]), PUBLISH_DAY.date()) == Status.COMPLETED


def test_a_completion_that_runs_out_first_is_left_to_expire(app, db, make, greeting):
    clock.freeze(PUBLISH_DAY)
    soon = make.user(name="Soon Expiring")
    make.completion(soon, greeting["v1"], date(2025, 6, 20), expires=date(2026, 6, 20))
    db.session.commit()
    new_version(greeting["folder"], change="major")
    publish(app)
    assert completion_of(db, soon).redo_by is None  # it expires before 1 July anyway
    assert [m["To"] for m in outbox_messages(app)] == ["dan@example.org"]


def test_someone_who_already_took_the_new_version_is_not_asked(app, db, make, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    from carelearn.content.publisher import publish_content

    outcomes = publish_content(greeting["folder"].parent)
    v2 = current(db)
    make.completion(greeting["dan"], v2, PUBLISH_DAY.date())
    db.session.commit()
    assert apply_new_versions(outcomes) == 0


def test_the_redo_is_in_the_audit_trail_as_a_sentence(app, db, greeting):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    publish(app)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "content.major_version")
    )
    assert event.details["people"] == 1
    assert event.details["redo_by"] == "2026-07-01"
    lines = [entry.sentence for entry in audit_page(AuditFilters()).entries]
    assert (
        "CareLearn asked 1 person to take version 2.0 of Greeting patients by 1 Jul 2026, "
        "as it changed in ways that matter" in lines
    )
    assert any("as a new version came out, due 1 Jul 2026" in line for line in lines)


def test_the_module_page_says_when_to_take_the_new_version(app, db, greeting, logged_in):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major", grace_days=60)
    publish(app)
    html = logged_in(greeting["dan"]).get("/learn/greeting").get_data(as_text=True)
    assert (
        "A new version of this module came out on 1 Jun 2026: please take it by 31 Jul 2026."
        in html
    )
    assert "The quiz opens when you have finished all 2 lessons." in html


def test_the_module_page_says_nothing_of_a_minor_version(app, db, greeting, logged_in):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], version="1.1")
    publish(app)
    html = logged_in(greeting["dan"]).get("/learn/greeting").get_data(as_text=True)
    assert "A new version of this module came out" not in html
    assert "You completed this module on 2 Mar 2026 with 100%." in html


def test_the_person_page_shows_the_version_of_each_completion_and_attempt(
    app, db, make, greeting, logged_in
):
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    publish(app)
    admin = make.user(app_role="admin")
    html = logged_in(admin).get(f"/manage/people/{greeting['dan'].id}").get_data(as_text=True)
    history = html[html.index("Completion history") : html.index("Quiz attempts")]
    assert "<td>1.0</td>" in history
    assert "1 Jul 2026 (new version to take)" in history
    attempts = html[html.index("Quiz attempts") :]
    assert "<td>1.0</td>" in attempts


def test_the_new_version_can_be_taken_at_once_even_while_the_old_one_counts(
    app, db, make, greeting
):
    from carelearn.services.training import published
    from carelearn.services.training.quiz import open_attempt

    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major", grace_days=60)
    publish(app)
    v2 = current(db)
    make.finish_lessons(greeting["dan"], v2)
    attempt = open_attempt(greeting["dan"], published.version(v2.id))
    assert attempt.module_version_id == v2.id


def test_someone_already_assigned_it_keeps_that_assignment_and_gets_the_redo_date(
    app, db, greeting
):
    dan = greeting["dan"]
    db.session.add(
        Assignment(
            user_id=dan.id,
            module_id=greeting["v1"].module_id,
            due_on=date(2026, 9, 1),
            source="manager",
        )
    )
    db.session.commit()
    clock.freeze(PUBLISH_DAY)
    new_version(greeting["folder"], change="major")
    publish(app)
    assert db.session.scalar(select(func.count(Assignment.id))) == 1
    record = record_of(db, dan)
    assert (record.due_on, record.expires_on) == (date(2026, 9, 1), date(2026, 7, 1))
    assert len(outbox_messages(app)) == 1
