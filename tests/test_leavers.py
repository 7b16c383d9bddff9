"""After the retention period an admin removes a leaver's name and email for good; their
training still counts."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.models import AppRole, AttemptQuestion, AuditEvent, Completion, User
from carelearn.services.people.checks import PeopleError
from carelearn.services.people.leavers import anonymise_from, anonymise_leaver
from carelearn.services.people.people import set_active

from .conftest import csrf_token

LEFT = datetime(2020, 3, 2, 9, 0)


@pytest.fixture
def leaver(db, make):
    version = make.module(title="Active listening")
    person = make.user(name="Grace Okafor", email="grace.okafor@example.org")
    admin = make.user(app_role=AppRole.ADMIN, name="Ada Admin")
    done = make.completion(person, version, date(2019, 6, 1))
    db.session.add(
        AttemptQuestion(
            attempt_id=done.attempt_id,
            question_id=version.id,
            position=9,
            response_text="I thought about Mrs Patel in bay 4",
        )
    )
    clock.freeze(LEFT)
    set_active(person, False, actor_id=admin.id)
    db.session.commit()
    return person, admin


def test_a_leaver_may_be_anonymised_only_after_the_retention_period(app, db, leaver):
    person, admin = leaver
    ends = date(2020, 3, 2) + timedelta(days=app.config["LEAVER_RETENTION_DAYS"])
    assert anonymise_from(person) == ends
    clock.freeze(datetime.combine(ends - timedelta(days=1), datetime.min.time()))
    with pytest.raises(PeopleError, match="must be kept until"):
        anonymise_leaver(person, admin.id)
    clock.freeze(datetime.combine(ends, datetime.min.time()))
    anonymise_leaver(person, admin.id)
    db.session.commit()

    assert person.name == f"Former staff member {person.id}"
    assert person.email == f"former-{person.id}@anonymised.invalid"
    assert person.password_hash is None and person.preferred_name is None
    assert db.session.scalar(select(func.count(Completion.id))) == 1  # still counts
    texts = db.session.scalars(select(AttemptQuestion.response_text)).all()
    assert "I thought about Mrs Patel in bay 4" not in texts
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "user.anonymise")
        )
        == 1
    )
    with pytest.raises(PeopleError, match="cannot come back"):
        set_active(person, True, actor_id=admin.id)
    with pytest.raises(PeopleError, match="already been removed"):
        anonymise_leaver(person, admin.id)


def test_an_active_person_is_never_anonymised(db, make):
    person, admin = make.user(), make.user(app_role=AppRole.ADMIN)
    assert anonymise_from(person) is None
    with pytest.raises(PeopleError, match="Only a deactivated leaver"):
        anonymise_leaver(person, admin.id)


def test_the_admin_page_says_when_and_then_does_it(app, db, leaver, logged_in):
    person, admin = leaver
    clock.freeze(LEFT + timedelta(days=30))
    client = logged_in(admin)
    page = client.get(f"/admin/people/{person.id}/anonymise").get_data(as_text=True)
    assert "must be kept until" in page and "Yes, remove" not in page
    clock.freeze(LEFT + timedelta(days=app.config["LEAVER_RETENTION_DAYS"] + 1))
    client = logged_in(admin)
    page = client.get(f"/admin/people/{person.id}/anonymise").get_data(as_text=True)
    assert "Yes, remove Grace Okafor’s details" in page
    token = csrf_token(client, f"/admin/people/{person.id}/anonymise")
    response = client.post(f"/admin/people/{person.id}/anonymise", data={"csrf_token": token})
    assert response.status_code == 302
    shown = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "grace.okafor@example.org" not in shown and 'value="Grace Okafor"' not in shown
    assert f"Former staff member {person.id}" in shown
    db.session.expire_all()
    assert db.session.get(User, person.id).anonymised_at is not None


def test_only_admins_may_anonymise(db, leaver, make, logged_in):
    person, _admin = leaver
    manager = make.user(app_role=AppRole.MANAGER)
    client = logged_in(manager)
    assert client.get(f"/admin/people/{person.id}/anonymise").status_code == 403


def test_a_leavers_certificates_still_check_out_but_their_pdfs_are_gone(app, db, leaver, logged_in):
    from carelearn.models import Certificate
    from carelearn.services.evidence.certificates import issue_certificate

    person, admin = leaver
    completion = db.session.scalar(select(Completion))
    issued = issue_certificate(completion.id, holder_id=person.id)
    db.session.commit()
    code = issued.code
    clock.freeze(LEFT + timedelta(days=app.config["LEAVER_RETENTION_DAYS"]))
    anonymise_leaver(person, admin.id)
    db.session.commit()
    assert db.session.scalar(select(Certificate.pdf)) == b""
    client = logged_in(admin)
    response = client.get(f"/manage/people/{person.id}/completions/{completion.id}/certificate.pdf")
    assert response.status_code == 410
    page = app.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert f"Former staff member {person.id}" in page and "Grace Okafor" not in page
