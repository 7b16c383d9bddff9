"""Admins helping people in the app: links to set a password, the last sign-in, deactivating
after a page that says what it does, training status in the people list, the team checklist,
and names that greet people properly."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AppRole, AuditEvent, AuthToken, TeamVersion, User
from carelearn.models.people import greeting_name
from carelearn.services.people.checks import PeopleError, clean_name
from carelearn.services.reporting.training_summary import training_summaries
from tests.conftest import csrf_token, login
from tests.mail import outbox_messages, password_link_in, text_of

NOW = datetime(2026, 12, 2, 10, 15)


@pytest.fixture
def admin(make):
    return make.user(
        email="admin@example.org", name="Ada Admin", role="admin-staff", app_role=AppRole.ADMIN
    )


@pytest.fixture
def admin_client(admin, logged_in):
    # Signed in at the time the tests here work at: a session left idle for longer ends.
    clock.freeze(NOW)
    return logged_in(admin)


def html_of(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, **data):
    token = csrf_token(client, "/admin/people")
    return client.post(path, data={"csrf_token": token, **data})


def events(db, action: str, subject_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.subject_id == subject_id
            )
        )
    )


# ---------------------------------------------------------------------------------------------
# Links to set a password, and the last sign-in


def test_an_admin_sends_the_invitation_again_to_someone_without_a_password(
    app, db, make, admin, admin_client
):
    newcomer = make.user(email="new.starter@example.org", name="Nia Starter")
    newcomer.password_hash = None
    db.session.commit()
    page = html_of(admin_client.get(f"/admin/people/{newcomer.id}"))
    assert "Last signed in" in page and "Never" in page and "Not set yet" in page
    assert "Send the invitation again" in page and "Send a password-reset link" not in page

    response = post(admin_client, f"/admin/people/{newcomer.id}/invite")
    assert response.status_code == 302
    page = html_of(admin_client.get(response.headers["Location"]))
    assert "A new invitation is on its way to new.starter@example.org" in page
    assert "Invitation, sent" in page and "works until" in page
    message = outbox_messages(app)[-1]
    assert message["To"] == "new.starter@example.org"
    assert text_of(message).startswith("Hello Nia,")
    assert [e.actor_id for e in events(db, "user.invited", newcomer.id)] == [admin.id]


def test_an_admin_sends_a_password_reset_link_and_it_works(app, db, make, admin, admin_client):
    person = make.user(email="sam@example.org", name="Sam Jones")
    page = html_of(admin_client.get(f"/admin/people/{person.id}"))
    assert "Send a password-reset link" in page and "Send the invitation again" not in page
    response = post(admin_client, f"/admin/people/{person.id}/password-reset")
    assert response.status_code == 302
    assert "A link to choose a new password is on its way to sam@example.org" in html_of(
        admin_client.get(response.headers["Location"])
    )
    message = outbox_messages(app)[-1]
    body = text_of(message)
    assert body.startswith("Hello Sam,") and "Ada Admin" in body
    assert message["Subject"] == "Reset your CareLearn password"
    link = password_link_in(message)
    path = "/" + link.split("/", 3)[3]
    assert app.test_client().get(path).status_code == 200
    [event] = events(db, "user.password_reset_sent", person.id)
    assert event.actor_id == admin.id


def test_no_links_for_deactivated_people_and_bad_requests_are_refused(
    db, make, admin, admin_client
):
    leaver = make.user(active=False)
    page = html_of(admin_client.get(f"/admin/people/{leaver.id}"))
    assert "Send a password-reset link" not in page and "Reactivate" in page
    response = post(admin_client, f"/admin/people/{leaver.id}/password-reset")
    assert "is deactivated, so no link was sent" in html_of(
        admin_client.get(response.headers["Location"])
    )
    assert db.session.scalar(select(AuthToken)) is None
    assert admin_client.post(f"/admin/people/{leaver.id}/invite").status_code == 400  # no token
    assert post(admin_client, "/admin/people/999999/invite").status_code == 404


def test_links_and_deactivating_are_for_admins_only(db, make, logged_in):
    person = make.user()
    manager = make.user(app_role=AppRole.MANAGER)
    client = logged_in(manager)
    assert client.get(f"/admin/people/{person.id}/deactivate").status_code == 403
    for action in ("invite", "password-reset", "deactivate", "reactivate"):
        assert post(client, f"/admin/people/{person.id}/{action}").status_code == 403
    assert person.active and db.session.scalar(select(AuthToken)) is None


def test_a_sign_in_is_recorded_without_making_managers_pages_stale(app, db, make, admin_client):
    clock.freeze(NOW)
    person = make.user(email="sam@example.org", name="Sam Jones")
    team = make.team("Portering")
    make.join(person, team)
    before = {v.team_id: v.version for v in db.session.scalars(select(TeamVersion))}
    assert login(app.test_client(), "sam@example.org").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).last_signed_in_at == NOW
    after = {v.team_id: v.version for v in db.session.scalars(select(TeamVersion))}
    assert after == before
    page = html_of(admin_client.get(f"/admin/people/{person.id}"))
    assert "2 Dec 2026, 10:15" in page


# ---------------------------------------------------------------------------------------------
# Deactivating


def test_deactivating_asks_first_and_says_what_it_does(db, make, admin, admin_client):
    person = make.user(name="Sam Jones")
    page = html_of(admin_client.get(f"/admin/people/{person.id}"))
    assert f'href="/admin/people/{person.id}/deactivate"' in page
    confirm = admin_client.get(f"/admin/people/{person.id}/deactivate")
    html = html_of(confirm)
    assert confirm.status_code == 200 and "Deactivate Sam Jones?" in html
    assert "can no longer sign in" in html and "Nothing is deleted" in html
    assert "reactivate them at any time" in html and "No, go back" in html
    db.session.refresh(person)
    assert person.active  # asking changes nothing

    response = post(admin_client, f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 302
    db.session.refresh(person)
    assert not person.active
    assert "has been deactivated" in html_of(admin_client.get(response.headers["Location"]))
    again = html_of(admin_client.get(f"/admin/people/{person.id}/deactivate"))
    assert "already deactivated" in again


def test_admins_cannot_deactivate_themselves(db, admin, admin_client):
    page = html_of(admin_client.get(f"/admin/people/{admin.id}/deactivate"))
    assert "cannot deactivate it" in page and "Yes, deactivate" not in page
    response = post(admin_client, f"/admin/people/{admin.id}/deactivate")
    db.session.refresh(admin)
    assert admin.active
    assert "cannot deactivate your own account" in html_of(
        admin_client.get(response.headers["Location"])
    )


# ---------------------------------------------------------------------------------------------
# The people list: training status, without a query per person


def test_the_people_list_shows_where_each_person_stands(db, make, admin_client):
    clock.freeze(NOW)
    version = make.module(title="Active listening")
    other = make.module(title="Managing expectations")
    late = make.user(name="Amy Late")
    fine = make.user(name="Ben Fine")
    make.user(name="Cat New")
    required = {"due_on": date(2026, 11, 1)}  # assigned: required training
    make.record(late, version, **required)
    make.record(
        late, other, completed_on=date(2025, 11, 1), expires_on=date(2026, 11, 1), **required
    )
    make.record(
        fine, version, completed_on=date(2026, 6, 1), expires_on=date(2027, 6, 1), **required
    )
    make.record(fine, other, due_on=date(2027, 1, 31))
    make.record(fine, make.module(), started_at=NOW)  # optional: counts in no figure
    summaries = training_summaries([late.id, fine.id])
    assert (summaries[late.id].overdue, summaries[late.id].expired) == (1, 1)
    assert summaries[fine.id].up_to_date and summaries[fine.id].done == 1

    html = html_of(admin_client.get("/admin/people"))
    row = {name: html[html.index(name) :][:1500] for name in ("Amy Late", "Ben Fine", "Cat New")}
    assert "1 overdue" in row["Amy Late"] and "1 expired" in row["Amy Late"]
    assert "0 of 2 done" in row["Amy Late"]
    assert "All up to date" in row["Ben Fine"] and "1 of 2 done" in row["Ben Fine"]
    assert "Nothing assigned" in row["Cat New"]


def test_the_people_list_costs_the_same_queries_for_5_or_50_people(
    db, make, admin_client, count_queries
):
    version = make.module()

    def queries(n):
        for person in make.users(n):
            make.record(person, version, due_on=date(2020, 1, 1))
        with count_queries() as counted:
            assert admin_client.get("/admin/people").status_code == 200
        return counted.count

    assert queries(5) == queries(45)


# ---------------------------------------------------------------------------------------------
# The team checklist


def test_the_team_checklist_shows_ticked_teams_first(db, make, admin_client):
    teams = [make.team(f"Team {letter}") for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
    person = make.user()
    make.join(person, teams[-1], teams[3])
    html = html_of(admin_client.get(f"/admin/people/{person.id}"))
    checklist = html[html.index('id="teams"') :]
    assert checklist.index("Team D") < checklist.index("Team Z") < checklist.index("Team A")
    assert "Other teams (24)" in checklist  # the rest folded away, opened by a tap
    ticked = checklist[: checklist.index("<details")]
    assert ticked.count("checked") == 2


# ---------------------------------------------------------------------------------------------
# Names and greetings


@pytest.mark.parametrize(
    ("name", "preferred", "greeting"),
    [
        ("Grace Okafor", None, "Grace"),
        ("Grace Okafor", "Gracie", "Gracie"),
        ("Adeyemi, Tunde", None, "Tunde"),
        ("Adeyemi,", None, "Adeyemi"),
        ("Adeyemi,,", "", "Adeyemi"),
        (",", None, "there"),
        ("Mary Jane Smith", "Mary Jane", "Mary Jane"),
    ],
)
def test_a_greeting_never_ends_in_a_comma(name, preferred, greeting):
    assert greeting_name(name, preferred) == greeting


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Okafor, Grace", "Grace Okafor"),
        ("  Okafor ,  Grace   Ada ", "Grace Ada Okafor"),
        ("Grace Okafor", "Grace Okafor"),
    ],
)
def test_surname_comma_forename_is_stored_forename_first(typed, stored):
    assert clean_name(typed) == stored


@pytest.mark.parametrize("typed", ["Smith, John, Jr", "Okafor,", ", Grace", ",,"])
def test_names_with_stray_commas_are_refused(typed):
    with pytest.raises(PeopleError) as error:
        clean_name(typed)
    assert error.value.field == "name"


def test_the_person_form_saves_a_preferred_name_used_in_greetings(app, db, make, admin_client):
    person = make.user(name="Grace Okafor", email="grace@example.org")
    form = {
        "name": "Okafor, Grace",
        "preferred_name": "  Gracie ",
        "email": "grace@example.org",
        "job_role": person.job_role_id,
        "app_role": "learner",
        "start_date": "2025-01-06",
    }
    response = post(admin_client, f"/admin/people/{person.id}", **form)
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.name, person.preferred_name) == ("Grace Okafor", "Gracie")
    learner = app.test_client()
    login(learner, "grace@example.org")
    assert "Hello Gracie." in html_of(learner.get("/learn"))

    too_long = post(
        admin_client, f"/admin/people/{person.id}", **{**form, "preferred_name": "x" * 61}
    )
    assert too_long.status_code == 422
    assert "The preferred name must be 60 characters or fewer." in html_of(too_long)
    assert "x" * 61 in html_of(too_long)  # what was typed is kept
    post(admin_client, f"/admin/people/{person.id}", **{**form, "preferred_name": ""})
    db.session.refresh(person)
    assert person.preferred_name is None
