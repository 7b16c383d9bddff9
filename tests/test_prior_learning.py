"""Recognised prior learning: an admin records training done elsewhere, with its evidence, as a
completion of one of our modules."""

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import AppRole, AuditEvent, Completion, PriorLearning
from carelearn.services.people.checks import PeopleError
from carelearn.services.people.prior_learning import (
    EVIDENCE_MAX_BYTES,
    PriorLearningEntry,
    evidence_type,
    record_prior_learning,
)
from carelearn.services.reporting.audit_trail import AuditFilters, audit_page
from carelearn.services.training.records import sync_records
from tests.conftest import csrf_token

TODAY = datetime(2026, 3, 10, 9, 0)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"


@pytest.fixture
def world(make):
    clock.freeze(TODAY)
    ward = make.team("Ward 7")
    other = make.team("Ward 9")
    nurse = make.user(name="Dan Nurse", role="nurse", email="dan@example.org")
    make.join(nurse, ward)
    version = make.module(title="Calm in conflict", recertify_after_months=12)
    return {
        "nurse": nurse,
        "version": version,
        "admin": make.user(name="Ada Admin", app_role=AppRole.ADMIN),
        "manager": make.manager_of(ward, name="Grace Manager"),
        "other_manager": make.manager_of(other, name="Olu Manager"),
    }


def entry(world, **changes) -> PriorLearningEntry:
    fields = {
        "module_id": world["version"].module_id,
        "title": "Conflict resolution in healthcare",
        "provider": "City College",
        "completed_on": date(2026, 1, 15),
        "expires_on": None,
        "approved_by": "Ada Admin",
        "evidence_name": "certificate.pdf",
        "evidence": PDF,
    }
    fields.update(changes)
    return PriorLearningEntry(**fields)


def record(world, **changes) -> PriorLearning:
    prior = record_prior_learning(world["nurse"], entry(world, **changes), world["admin"].id)
    _db.session.commit()
    return prior


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"module_id": None}, "module", "Choose which of our modules"),
        ({"module_id": 9999}, "module", "Choose which of our modules"),
        ({"title": "  "}, "title", "Enter the course title"),
        ({"title": "x" * 201}, "title", "200 characters or fewer"),
        ({"title": "Course for 943 476 5919"}, "title", "could identify someone"),
        ({"provider": ""}, "provider", "Enter who provided it"),
        ({"completed_on": None}, "completed_on", "Enter the date they completed it"),
        ({"completed_on": date(2026, 3, 11)}, "completed_on", "cannot be in the future"),
        ({"expires_on": date(2026, 1, 15)}, "expires_on", "must be after the date"),
        ({"expires_on": date(2025, 12, 1)}, "expires_on", "must be after the date"),
        ({"approved_by": ""}, "approved_by", "Enter who approved it"),
        ({"evidence": b""}, "evidence", "Choose the evidence file"),
        ({"evidence": b"Just text, named .pdf"}, "evidence", "must be a PDF, PNG or JPEG"),
        ({"evidence": b"<html><script>", "evidence_name": "x.png"}, "evidence", "PDF, PNG"),
        ({"evidence": PDF + b"0" * EVIDENCE_MAX_BYTES}, "evidence", "too large"),
    ],
)
def test_every_field_is_checked(world, changes, field, message):
    with pytest.raises(PeopleError, match=message) as refused:
        record_prior_learning(world["nurse"], entry(world, **changes), world["admin"].id)
    assert refused.value.field == field


def test_the_file_type_is_read_from_its_first_bytes():
    assert evidence_type(PDF) == "application/pdf"
    assert evidence_type(PNG) == "image/png"
    assert evidence_type(JPEG) == "image/jpeg"
    assert evidence_type(b"GIF89a") is None
    assert evidence_type(b"") is None


def test_a_completion_with_the_modules_period_by_default(world):
    prior = record(world)
    completion = _db.session.scalar(select(Completion))
    assert completion.method == "prior_learning"
    assert completion.prior_learning_id == prior.id
    assert completion.attempt_id is None and completion.score_percent is None
    assert completion.completed_on == date(2026, 1, 15)
    assert completion.expires_on == prior.expires_on == date(2027, 1, 15)
    assert completion.module_version_id == world["version"].id


def test_a_completion_with_its_own_expiry(world):
    record(world, expires_on=date(2026, 7, 1))
    completion = _db.session.scalar(select(Completion))
    assert completion.expires_on == date(2026, 7, 1)
    sync_records([(world["nurse"].id, world["version"].module_id)])
    from carelearn.models import TrainingRecord

    kept = _db.session.scalar(select(TrainingRecord))
    assert (kept.method, kept.expires_on) == ("prior_learning", date(2026, 7, 1))


def test_the_same_day_twice_is_refused(world):
    record(world)
    with pytest.raises(PeopleError, match="already has a completion"):
        record_prior_learning(world["nurse"], entry(world), world["admin"].id)


def test_the_file_name_is_kept_without_folders(world):
    prior = record(world, evidence_name="C:\\Users\\ada\\Desktop\\Dan's certificate.pdf")
    assert prior.evidence_name == "Dan's certificate.pdf"


def test_recording_and_downloading_are_in_the_audit_trail(world, logged_in):
    prior = record(world)
    logged_in(world["admin"]).get(f"/manage/prior-learning/{prior.id}/evidence")
    sentences = [e.sentence for e in audit_page(AuditFilters()).entries]
    assert (
        "Ada Admin recorded Conflict resolution in healthcare from City College (15 Jan 2026) "
        "for Dan Nurse as recognised prior learning for Calm in conflict, approved by "
        "Ada Admin, valid until 15 Jan 2027" in sentences
    )
    assert (
        "Ada Admin downloaded certificate.pdf, the prior learning evidence of Dan Nurse"
        in sentences
    )
    assert (
        "Ada Admin recorded Calm in conflict as completed through recognised prior learning "
        "(version 1.0), valid until 15 Jan 2027" in sentences
    )


def form_data(client, world, **changes):
    path = f"/admin/people/{world['nurse'].id}/prior-learning"
    data = {
        "csrf_token": csrf_token(client, path),
        "module": str(world["version"].module_id),
        "title": "Conflict resolution in healthcare",
        "provider": "City College",
        "completed_on": "2026-01-15",
        "expires_on": "",
        "approved_by": "Ada Admin",
        "evidence": (io.BytesIO(PNG), "scan.png"),
    }
    data.update(changes)
    return path, data


def test_an_admin_records_it_on_the_page(world, logged_in):
    client = logged_in(world["admin"])
    path, data = form_data(client, world)
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(path).get_data(as_text=True)
    assert "Recorded Conflict resolution in healthcare for Dan Nurse" in html
    assert "Download scan.png" in html
    assert _db.session.scalar(select(PriorLearning.evidence_type)) == "image/png"


def test_the_page_says_what_to_fix_and_keeps_what_was_typed(world, logged_in):
    client = logged_in(world["admin"])
    path, data = form_data(
        client,
        world,
        completed_on="2026-13-40",
        evidence=(io.BytesIO(b"MZ not a picture"), "scan.png"),
    )
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Enter a real date, for example 2026-03-12." in html
    assert 'value="Conflict resolution in healthcare"' in html
    assert _db.session.scalar(select(func.count(PriorLearning.id))) == 0
    path, data = form_data(client, world, evidence=(io.BytesIO(b"MZ not a picture"), "a.png"))
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert "must be a PDF, PNG or JPEG" in response.get_data(as_text=True)


def test_a_file_far_too_large_is_refused_on_the_page(world, logged_in):
    client = logged_in(world["admin"])
    path, data = form_data(
        client, world, evidence=(io.BytesIO(PDF + b"0" * (6 * 1024 * 1024)), "big.pdf")
    )
    response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "The evidence file is too large" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count(PriorLearning.id))) == 0


def test_only_admins_reach_the_page(world, logged_in):
    path = f"/admin/people/{world['nurse'].id}/prior-learning"
    for who in ("manager", "nurse"):
        assert logged_in(world[who]).get(path).status_code == 403
    assert logged_in(world["admin"]).get("/admin/people/9999/prior-learning").status_code == 404


def test_the_evidence_goes_to_admins_and_managers_in_scope_only(world, logged_in):
    prior = record(world)
    path = f"/manage/prior-learning/{prior.id}/evidence"
    for who in ("admin", "manager"):
        response = logged_in(world[who]).get(path)
        assert response.status_code == 200
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert "certificate.pdf" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert logged_in(world["other_manager"]).get(path).status_code == 404
    assert logged_in(world["admin"]).get("/manage/prior-learning/9999/evidence").status_code == 404
    assert logged_in(world["nurse"]).get(path).status_code == 403  # no manager pages at all
    downloads = _db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "prior_learning.evidence_download"
        )
    )
    assert downloads == 2


def test_shown_as_recognised_prior_learning_with_no_score(world, logged_in):
    prior = record(world)
    record_page = logged_in(world["nurse"]).get("/learn/record").get_data(as_text=True)
    assert '<td data-label="How">recognised prior learning</td>' in record_page
    assert '<td data-label="Score">—</td>' in record_page
    assert "None%" not in record_page

    client = logged_in(world["manager"])
    person = client.get(f"/manage/people/{world['nurse'].id}").get_data(as_text=True)
    history = person[person.index("Completion history") : person.index("Quiz attempts")]
    assert "recognised prior learning" in history
    assert f'href="/manage/prior-learning/{prior.id}/evidence"' in history
    assert "<td>—</td>" in history and "None%" not in person
    assert "Recognised prior learning for Dan Nurse" not in person  # the admin link
    admin_view = logged_in(world["admin"]).get(f"/manage/people/{world['nurse'].id}")
    assert "Recognised prior learning for Dan Nurse" in admin_view.get_data(as_text=True)

    matrix = client.get("/manage/matrix").get_data(as_text=True)
    assert "Completed 15 Jan 2026 · recognised prior learning" in matrix
    text = client.get("/manage/completions.csv").get_data(as_text=True).lstrip("\ufeff")
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["Score %"], row["How"]) == ("", "recognised prior learning")  # no score
    module_page = logged_in(world["nurse"]).get(f"/learn/{world['version'].slug}")
    html = module_page.get_data(as_text=True)
    assert "You completed this module on 15 Jan 2026." in html and "None%" not in html


def test_the_admin_person_page_links_to_it(world, logged_in):
    html = logged_in(world["admin"]).get(f"/admin/people/{world['nurse'].id}")
    assert f'href="/admin/people/{world["nurse"].id}/prior-learning"' in html.get_data(as_text=True)


def test_the_page_reads_a_fixed_number_of_queries(world, make, logged_in, count_queries):
    client = logged_in(world["admin"])
    path = f"/admin/people/{world['nurse'].id}/prior-learning"

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    record(world)
    one = queries()
    for n in range(5):
        other = make.module(title=f"Module {n}")
        record(world, module_id=other.module_id)
    assert queries() == one
