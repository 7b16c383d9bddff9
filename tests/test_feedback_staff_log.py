"""Staff log what they hear in person: a compliment, concern or complaint about a team, its
themes and a short note, counted in the team's month, with an audit entry without the note."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.models import AppRole, AuditEvent, FeedbackEntry, FeedbackMonth
from carelearn.services.feedback.staff_log import (
    NOTE_MAX,
    HeardFeedback,
    LogProblems,
    log_heard_feedback,
    loggable_teams,
)
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token

URL = "/learn/feedback"
# A valid NHS number (modulus 11) and the same digits with the check digit changed.
NHS_NUMBER, NOT_AN_NHS_NUMBER = "943 476 5919", "943 476 5918"


@pytest.fixture
def ward(app, make):
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    department = make.team("Medicine", kind="department")
    ward_a = make.team("Ward A", parent=department)
    ward_b = make.team("Ward B", parent=department)
    elsewhere = make.team("Portering")
    nurse = make.user(name="Ama Boateng", role="nurse")
    make.join(nurse, ward_a)
    bank = make.user(name="Li Wei", role="nurse")
    make.join(bank, ward_a, ward_b)
    loner = make.user(name="No Team")
    manager = make.manager_of(department, name="Grace Okafor")
    admin = make.user(name="Ade Admin", app_role=AppRole.ADMIN)
    return {
        "department": department,
        "ward_a": ward_a,
        "ward_b": ward_b,
        "elsewhere": elsewhere,
        "nurse": nurse,
        "bank": bank,
        "loner": loner,
        "manager": manager,
        "admin": admin,
    }


def post(client, **fields):
    data = {"csrf_token": csrf_token(client, URL), "kind": "compliment", "themes": ["kindness"]}
    data.update(fields)
    return client.post(URL, data=data)


def entries(db) -> int:
    return db.session.scalar(select(func.count(FeedbackEntry.id)))


def test_a_nurse_logs_a_compliment_for_their_own_team_in_one_step(ward, db, logged_in):
    client = logged_in(ward["nurse"])
    html = client.get(URL).get_data(as_text=True)
    assert "About <strong>Ward A</strong>" in html  # one team: no choice to make
    assert "<legend>What did you hear?</legend>" in html
    response = post(client, themes=["kindness", "listening"], note="Thanked Sam for staying late.")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: logged for Ward A." in page
    assert "What to do next" not in page  # nothing to do after a compliment
    assert 'name="kind" value="compliment" id="kind-compliment">' in page  # ready for the next
    entry = db.session.scalar(select(FeedbackEntry))
    assert (entry.source, entry.kind, entry.team_id) == ("staff", "compliment", ward["ward_a"].id)
    assert entry.themes == ["listening", "kindness"]  # the themes' own order
    assert entry.comment == "Thanked Sam for staying late."
    assert (entry.received_on, entry.logged_by_id, entry.answer) == (
        date(2026, 12, 15),
        ward["nurse"].id,
        None,
    )
    month = db.session.scalar(select(FeedbackMonth))
    assert (month.month, month.compliments, month.concerns) == (date(2026, 12, 1), 1, 0)
    assert month.themes == {"kindness": 1, "listening": 1}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback.log"))
    assert "Sam" not in str(event.details)  # the note never reaches the audit trail
    assert describe(event, load_names([event])) == (
        "Ama Boateng logged a compliment they heard for Ward A about listening, "
        "kindness and respect"
    )


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        ("concern", "PALS (the Patient Advice and Liaison Service)"),
        ("complaint", "Parliamentary and Health Service Ombudsman"),
    ],
)
def test_a_concern_or_complaint_says_what_to_do_next(ward, db, logged_in, kind, words):
    client = logged_in(ward["nurse"])
    response = post(client, kind=kind, themes=["waiting"])
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: logged for Ward A." in page
    assert "What to do next" in page and words in page
    month = db.session.scalar(select(FeedbackMonth))
    assert (month.concerns, month.complaints) == ((1, 0) if kind == "concern" else (0, 1))


def test_someone_in_two_teams_chooses_and_the_choice_is_kept(ward, db, logged_in):
    client = logged_in(ward["bank"])
    html = client.get(URL).get_data(as_text=True)
    assert '<label for="team">About which team?</label>' in html
    response = post(client, team=str(ward["ward_b"].id))
    assert response.headers["Location"].endswith(f"team={ward['ward_b'].id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<option value="{ward["ward_b"].id}" selected>Ward B</option>' in page
    assert db.session.scalar(select(FeedbackEntry.team_id)) == ward["ward_b"].id


def test_nobody_logs_for_a_team_that_is_not_theirs(ward, db, logged_in):
    client = logged_in(ward["bank"])
    for team in (str(ward["elsewhere"].id), "nonsense", ""):
        response = post(client, team=team)
        assert response.status_code == 422
        assert "Choose the team the feedback is about." in response.get_data(as_text=True)
    assert entries(db) == 0


def test_managers_choose_any_team_they_see_and_admins_any_team(ward, db):
    department, a, b = ward["department"], ward["ward_a"], ward["ward_b"]
    assert [t for t, _ in loggable_teams(ward["manager"])] == [department.id, a.id, b.id]
    assert len(loggable_teams(ward["admin"])) == 4
    entry, team = log_heard_feedback(
        ward["manager"], HeardFeedback(b.id, "concern", ["conflict"], None)
    )
    assert team.id == b.id and entry.comment is None
    with pytest.raises(LogProblems):
        log_heard_feedback(
            ward["manager"], HeardFeedback(ward["elsewhere"].id, "concern", ["conflict"])
        )


def test_every_problem_at_once_keeping_what_was_typed(ward, db, logged_in):
    client = logged_in(ward["nurse"])
    response = post(client, kind="praise", themes=["made-up"], note="x" * (NOTE_MAX + 1))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose compliment, concern or complaint." in html
    assert "Tick at least one thing it was about." in html
    assert f"Keep the note to {NOTE_MAX} characters or fewer (this is {NOTE_MAX + 1})." in html
    assert (
        '<a href="#kind">' in html and '<a href="#themes">' in html and '<a href="#note">' in html
    )
    response = post(client, kind="", themes=[])
    assert "Choose compliment, concern or complaint." in response.get_data(as_text=True)
    assert entries(db) == 0


def test_a_note_with_a_patients_details_is_refused_and_never_kept(ward, db, logged_in, caplog):
    client = logged_in(ward["nurse"])
    note = f"Mr Jones, NHS number {NHS_NUMBER}, said the nurse was rude."
    response = post(client, kind="complaint", note=note)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        "The note looks like it holds details that could identify someone: "
        f"an NHS number ({NHS_NUMBER})" in html
    )
    assert f">{note}</textarea>" in html  # kept in the form to edit
    assert entries(db) == 0
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "feedback.log")
        )
        == 0
    )
    assert NHS_NUMBER not in caplog.text
    # The same digits failing the check, and everyday numbers, are fine.
    ok = f"Waited 2 hours in bay 10; reference {NOT_AN_NHS_NUMBER} on the leaflet."
    assert post(client, kind="concern", note=ok).status_code == 302
    assert db.session.scalar(select(FeedbackEntry.comment)) == ok


def test_someone_in_no_team_is_told_why_they_cannot_log(ward, logged_in):
    client = logged_in(ward["loner"])
    html = client.get(URL).get_data(as_text=True)
    assert (
        "You are not in a team yet" in html
        and '<form method="post" action="/learn/feedback"' not in html
    )
    assert post(client).status_code == 422


def test_my_training_links_to_logging(ward, logged_in):
    html = logged_in(ward["nurse"]).get("/learn").get_data(as_text=True)
    assert 'href="/learn/feedback">Log feedback you heard</a>' in html


def test_signed_out_people_are_sent_to_sign_in(ward, client):
    assert client.get(URL).status_code == 302
