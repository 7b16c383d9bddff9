"""A person's own whole record to take to another employer: as PDF and JSON, only their own."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import pypdf
import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import AuditEvent, Huddle, HuddleAttendance, HuddleCard
from carelearn.services.evidence.certificates import issue_certificate
from carelearn.services.evidence.own_record import own_record, record_json
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.test_certificates import (  # noqa: F401  (ward is a fixture)
    BASE_URL,
    observed,
    pdf_words,
    prior_learning,
    ward,
)


@pytest.fixture
def history(ward, make):  # noqa: F811
    """The learner's completion with a certificate, prior learning, a sign-off and huddles."""
    clock.freeze(datetime(2026, 7, 1, 9))
    learner, version = ward["learner"], ward["version"]
    certificate = issue_certificate(ward["completion"].id)
    elsewhere = make.module(title="Dignity, privacy and respect")
    recognised = prior_learning(learner, elsewhere, date(2025, 11, 3))
    observed(make, learner, version, date(2026, 2, 27), items=4)
    card = HuddleCard(
        module_version_id=version.id,
        key="card-1",
        position=1,
        title="The long wait",
        situation="The queue grows.",
        prompts=["What helps?"],
        remember="Say when you will be back.",
    )
    _db.session.add(card)
    _db.session.flush()
    team_id = learner_team_id(learner)
    for n in range(12):  # more than a page of the record page's list
        huddle = Huddle(team_id=team_id, card_id=card.id, held_on=date(2026, 1, 5 + n))
        _db.session.add(huddle)
        _db.session.flush()
        _db.session.add(HuddleAttendance(huddle_id=huddle.id, user_id=learner.id))
    _db.session.commit()
    return {"certificate": certificate, "recognised": recognised, **ward}


def learner_team_id(person) -> int:
    from carelearn.models import TeamMembership

    return _db.session.scalar(
        select(TeamMembership.team_id).where(TeamMembership.user_id == person.id)
    )


def test_the_json_has_a_stable_documented_shape(history):
    data = json.loads(record_json(own_record(history["learner"])))
    assert list(data) == [
        "format",
        "format_version",
        "name",
        "job_role",
        "organisation",
        "generated_on",
        "completions",
        "observed_practice",
        "huddles",
    ]
    assert data["format"] == "carelearn-training-record" and data["format_version"] == 1
    assert data["name"] == "Siân O’Neill" and data["job_role"] == "Receptionist"
    assert data["generated_on"] == "2026-07-01"
    assert data["organisation"] == "Riverside Community Trust"
    code = history["certificate"].code
    assert data["completions"] == [
        {
            "module": "Calm in conflict",
            "version": "1.0",
            "completed_on": "2026-03-02",
            "method": "quiz",
            "how_earned": "quiz passed",
            "score_percent": 92,
            "expires_on": "2027-03-02",
            "certificate": {"code": code, "verification_url": f"{BASE_URL}/verify/{code}"},
        },
        {
            "module": "Dignity, privacy and respect",
            "version": "1.0",
            "completed_on": "2025-11-03",
            "method": "prior_learning",
            "how_earned": "recognised prior learning",
            "score_percent": None,
            "expires_on": None,
            "certificate": None,
        },
    ]
    assert data["observed_practice"] == [
        {
            "module": "Calm in conflict",
            "version": "1.0",
            "observed_on": "2026-02-27",
            "observer": "Grace Okafor",
            "items_met": 4,
            "items": 4,
        }
    ]
    assert len(data["huddles"]) == 12
    assert data["huddles"][0] == {
        "held_on": "2026-01-16",
        "card": "The long wait",
        "team": "Ward 7",
    }


def test_the_learner_downloads_it_from_my_record_as_json_and_pdf(history, logged_in):
    client = logged_in(history["learner"])
    page = client.get("/learn/record").get_data(as_text=True)
    assert 'href="/learn/record.pdf">Download my record (PDF)' in page
    assert 'href="/learn/record.json">Download my record (JSON)' in page

    as_json = client.get("/learn/record.json")
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert as_json.headers["Cache-Control"] == "no-store"
    assert json.loads(as_json.data)["name"] == "Siân O’Neill"

    as_pdf = client.get("/learn/record.pdf")
    assert as_pdf.status_code == 200 and as_pdf.mimetype == "application/pdf"
    words = pdf_words(as_pdf.data)
    for expected in (
        "Training record",
        "Siân O'Neill",
        "Receptionist, Riverside Community Trust",
        "Calm in conflict",
        "92%",
        "Recognised prior learning",
        history["certificate"].code,
        "Grace Okafor",
        "4 of 4",
        "The long wait",
        "Made on 1 Jul 2026",
    ):
        assert expected in words, expected
    assert pypdf.PdfReader(io.BytesIO(as_pdf.data)).metadata.title == (
        "Training record: Siân O’Neill"
    )

    events = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "record.download").order_by(AuditEvent.id)
    ).all()
    assert [e.details["format"] for e in events] == ["json", "pdf"]
    assert describe(events[1], load_names(events)) == (
        "Siân O’Neill downloaded their own training record (PDF)"
    )


def test_only_your_own_record_and_only_when_signed_in(history, logged_in, client):
    assert client.get("/learn/record.json").status_code == 302  # to the login page
    other = json.loads(logged_in(history["other"]).get("/learn/record.json").data)
    assert other["name"] == history["other"].name
    assert other["completions"] == other["observed_practice"] == other["huddles"] == []


def test_an_empty_record_still_makes_a_pdf(ward, logged_in):  # noqa: F811
    response = logged_in(ward["other"]).get("/learn/record.pdf")
    assert response.status_code == 200
    assert "None." in pdf_words(response.data)


def test_the_download_takes_a_fixed_number_of_queries(history, make, logged_in, count_queries):
    client = logged_in(history["learner"])
    with count_queries() as counted:
        assert client.get("/learn/record.json").status_code == 200
    before = counted.count
    for n in range(8):
        done = make.completion(history["learner"], make.module(), date(2026, 4, 1 + n))
        issue_certificate(done.id)
    _db.session.commit()
    with count_queries() as counted:
        assert client.get("/learn/record.json").status_code == 200
    assert counted.count == before
