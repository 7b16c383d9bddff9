"""One rule for what is required: learners and managers read the same words, and every figure
counts required training only (services/training/requirement.py)."""

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import Assignment, TrainingRecord
from carelearn.services.onboarding.assignments import (
    assign_modules,
    create_recertification_assignments,
)
from carelearn.services.onboarding.reminders import send_reminders
from carelearn.services.reporting.reports import team_figures
from carelearn.services.training.records import rebuild_records, sync_records
from carelearn.services.training.requirement import (
    Requirement,
    is_required,
    required_sql,
    requirement,
    requirement_words,
)
from tests.conftest import csrf_token
from tests.mail import outbox_messages, text_of
from tests.test_operations import empty_database  # noqa: F401 (a fixture)

TODAY = date(2026, 6, 15)


def mail_to(app, address):
    return [m for m in outbox_messages(app) if m["To"] == address]


CASES = [  # due_on of the record: only an assignment gives one
    None,
    date(2026, 6, 1),
    date(2026, 7, 1),
]


def test_sql_rule_agrees_with_python(db, make):
    module = make.module().module
    people = make.users(len(CASES))
    for person, due in zip(people, CASES, strict=True):
        db.session.add(TrainingRecord(user_id=person.id, module_id=module.id, due_on=due))
    db.session.commit()
    found = dict(
        db.session.execute(select(TrainingRecord.user_id, required_sql(TrainingRecord))).all()
    )
    assert [bool(found[p.id]) for p in people] == [is_required(due_on=d) for d in CASES]
    assert [is_required(due_on=d) for d in CASES] == [False, True, True]


@pytest.mark.parametrize(
    "due,for_role,begun,expected",
    [
        (date(2026, 7, 1), False, False, Requirement.REQUIRED),
        (date(2026, 7, 1), True, True, Requirement.REQUIRED),
        (None, True, False, Requirement.OPTIONAL),
        (None, False, True, Requirement.OPTIONAL),
        (None, False, False, Requirement.NOT_INCLUDED),
    ],
)
def test_requirement(due, for_role, begun, expected):
    assert requirement(due_on=due, for_role=for_role, begun=begun) is expected


def test_the_words_people_read():
    assert requirement_words(date(2027, 1, 5)) == "Required · due 5 Jan 2027"
    assert requirement_words(date(2027, 1, 5), done=True) == "Required"
    assert requirement_words(None) == "Optional"


def _complete(db, make, person, version, on: date) -> None:
    make.completion(person, version, on, expires=date(on.year + 1, on.month, on.day))
    db.session.execute(
        Assignment.__table__.update()
        .where(Assignment.user_id == person.id, Assignment.completed_at.is_(None))
        .values(completed_at=datetime.combine(on, datetime.min.time()))
    )
    sync_records([(person.id, version.module_id)])
    db.session.commit()


def test_a_done_assignment_keeps_its_due_date_and_a_rebuild_agrees(db, make):
    version = make.module()
    assigned, volunteer = make.user(), make.user()
    assign_modules([assigned.id], [version.module_id], date(2026, 3, 31))
    db.session.commit()
    _complete(db, make, assigned, version, date(2026, 3, 1))
    _complete(db, make, volunteer, version, date(2026, 3, 2))

    def records():
        db.session.expire_all()
        return {
            r.user_id: (r.due_on, r.completed_on)
            for r in db.session.scalars(select(TrainingRecord))
        }

    kept = records()
    assert kept == {
        assigned.id: (date(2026, 3, 31), date(2026, 3, 1)),  # still required
        volunteer.id: (None, date(2026, 3, 2)),  # optional: nobody asked
    }
    rebuild_records()
    db.session.commit()
    assert records() == kept


@pytest.fixture
def team(make, db):
    """Outpatients: Amy has one required module done and an optional one done; Ben has his
    required one open."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    outpatients = make.team("Outpatients", "department")
    manager = make.manager_of(outpatients, name="Grace Manager")
    required = make.module(title="Active listening", audience=["receptionist"])
    extra = make.module(title="Positive attitude", audience=["receptionist"])
    nurses_only = make.module(title="Clinical handover", audience=["nurse"])
    amy, ben = make.user(name="Amy Ahmed"), make.user(name="Ben Brown")
    make.join(amy, outpatients)
    make.join(ben, outpatients)
    assign_modules([amy.id, ben.id], [required.module_id], date(2026, 7, 31))
    db.session.commit()
    _complete(db, make, amy, required, date(2026, 6, 1))
    _complete(db, make, amy, extra, date(2026, 6, 2))
    return {
        "manager": manager,
        "team": outpatients,
        "amy": amy,
        "ben": ben,
        "required": required,
        "extra": extra,
        "nurses_only": nurses_only,
    }


def test_figures_count_required_training_only(team):
    (figures,) = team_figures([team["team"]])
    # Amy's optional completion counts nowhere: 1 of the 2 required modules is done.
    assert (figures.people, figures.assigned, figures.done) == (2, 2, 1)
    assert figures.completion_percent == 50


def test_learner_and_manager_read_the_same_words(team, logged_in):
    ben_page = logged_in(team["ben"]).get("/learn").get_data(as_text=True)
    assert "Required · due 31 Jul 2026" in ben_page and "Optional" in ben_page
    assert "Clinical handover" not in ben_page  # not for receptionists, never begun
    matrix = logged_in(team["manager"]).get("/manage/matrix").get_data(as_text=True)
    assert "Required · due 31 Jul 2026" in matrix  # Ben's open module
    assert "Optional · Completed 2 Jun 2026" in matrix  # Amy's optional one
    assert "Completed 1 Jun 2026" in matrix
    assert "Not in their training" in matrix  # the nurses' module
    assert "Not assigned" not in matrix
    person = logged_in(team["manager"]).get(f"/manage/people/{team['ben'].id}")
    html = person.get_data(as_text=True)
    assert "Required · due 31 Jul 2026" in html and "Optional" in html


def test_a_status_filter_looks_at_required_training(team, logged_in):
    client = logged_in(team["manager"])
    html = client.get("/manage/matrix?status=completed").get_data(as_text=True)
    assert "Amy Ahmed" in html and "Ben Brown" not in html
    html = client.get(f"/manage/matrix?status=completed&module={team['extra'].module_id}").get_data(
        as_text=True
    )
    assert "Amy Ahmed" not in html  # her completion of it is optional


def test_exports_say_which_training_is_required(team, logged_in):
    client = logged_in(team["manager"])
    text = client.get("/manage/completions.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][4] == "Required"
    amy = {r[3]: r[4] for r in rows if r[0] == "Amy Ahmed"}
    assert amy == {"Active listening": "required", "Positive attitude": "optional"}
    text = client.get("/manage/matrix.csv").get_data(as_text=True)
    matrix = {r[0]: r[3:] for r in csv.reader(io.StringIO(text[1:]))}
    assert matrix["Ben Brown"] == [
        "not started (Required · due 31 Jul 2026)",
        "not in their training",
        "optional",
    ]


def test_optional_training_is_neither_reminded_nor_renewed(team, db, app):
    # A year on both completions have expired; only the required one is assigned again.
    assert create_recertification_assignments(date(2027, 6, 2)) == 1
    renewed = db.session.scalars(
        select(Assignment.module_id).where(Assignment.source == "recertification")
    ).all()
    assert renewed == [team["required"].module_id]
    # 30 days before expiry: a reminder for the required module only.
    clock.freeze(datetime(2027, 5, 2, 6, 0))
    send_reminders(date(2027, 5, 2))
    (message,) = mail_to(app, team["amy"].email)
    assert "Active listening: expires" in text_of(message)
    assert "Positive attitude" not in text_of(message)


def test_a_managers_reminder_lists_required_training_only(team, logged_in, db, app):
    make_optional_begun = TrainingRecord(
        user_id=team["ben"].id,
        module_id=team["extra"].module_id,
        started_at=datetime(2026, 6, 1),
    )
    db.session.add(make_optional_begun)
    db.session.commit()
    client = logged_in(team["manager"])
    token = csrf_token(client, f"/manage/people/{team['ben'].id}")
    client.post(f"/manage/people/{team['ben'].id}/remind", data={"csrf_token": token})
    (message,) = mail_to(app, team["ben"].email)
    assert "Active listening: not started, due 31 Jul 2026" in text_of(message)
    assert "Positive attitude" not in text_of(message)


@pytest.mark.usefixtures("empty_database")
def test_the_migration_gives_done_assignments_their_due_date_back(db):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    upgrade(revision="0009")
    statements = [
        "INSERT INTO job_role (id, slug, name) VALUES (1, 'nurse', 'Nurse')",
        'INSERT INTO "user" (id, email, name, job_role_id, app_role, active, created_at) VALUES '
        "(1, 'a@example.org', 'A', 1, 'learner', true, '2026-01-01'), "
        "(2, 'b@example.org', 'B', 1, 'learner', true, '2026-01-01')",
        "INSERT INTO module (id, slug) VALUES (1, 'm')",
        "INSERT INTO assignment (user_id, module_id, due_on, source, created_at, completed_at) "
        "VALUES (1, 1, '2026-03-31', 'manager', '2026-03-01', '2026-03-10')",
        "INSERT INTO training_record (user_id, module_id, completed_on, updated_at) VALUES "
        "(1, 1, '2026-03-10', '2026-03-10'), (2, 1, '2026-03-11', '2026-03-11')",
    ]
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))

    def due_dates():
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT user_id, due_on FROM training_record ORDER BY 1"))
            return [(u, str(d) if d else None) for u, d in rows]

    upgrade()
    assert due_dates() == [(1, "2026-03-31"), (2, None)]  # only the assigned one is required
    downgrade(revision="0009")
    assert due_dates() == [(1, None), (2, None)]
    downgrade(revision="base")
