"""Managers land on My teams and see whom to chase: by name, how long overdue, what expires
soon; one action reminds everyone overdue in a team, after a preview. Long lists come a page at
a time."""

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.core.templating import ICON_SHAPES
from carelearn.models import AppRole, AuditEvent, SentReminder
from carelearn.services.onboarding.assignments import assign_modules
from carelearn.services.training.status import Status
from tests.conftest import csrf_token, login
from tests.mail import outbox_messages, text_of

TODAY = date(2026, 6, 15)


@pytest.fixture
def ward(make, db):
    """Outpatients with a sub-team; Ben is 14 days overdue, Cara 3 days, Amy expires in 10 days;
    Zed, in another department, is overdue too."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    org = make.team("Riverside", "organisation")
    outpatients = make.team("Outpatients", "department", org)
    reception = make.team("Outpatients Reception", "team", outpatients)
    wards = make.team("Wards", "department", org)
    manager = make.manager_of(outpatients, name="Grace Manager")
    listening = make.module(title="Active listening")
    vision = make.module(title="Service vision")
    amy, ben, cara = (make.user(name=n) for n in ("Amy Ahmed", "Ben Brown", "Cara Cole"))
    zed = make.user(name="Zed Outsider")
    make.join(amy, outpatients)
    make.join(ben, reception)
    make.join(cara, reception)
    make.join(zed, wards)
    make.record(ben, listening, due_on=date(2026, 6, 1))
    make.record(ben, vision, due_on=date(2026, 6, 10))
    make.record(cara, listening, due_on=date(2026, 6, 12))
    make.record(zed, listening, due_on=date(2026, 6, 1))
    make.record(
        amy,
        vision,
        due_on=date(2025, 6, 30),
        completed_on=date(2025, 6, 25),
        expires_on=date(2026, 6, 25),
    )
    return {
        "manager": manager,
        "outpatients": outpatients,
        "reception": reception,
        "wards": wards,
        "amy": amy,
        "ben": ben,
        "cara": cara,
        "zed": zed,
        "listening": listening,
    }


@pytest.mark.parametrize("app_role,landing", [("manager", "/manage/"), ("admin", "/manage/")])
def test_managers_and_admins_land_on_my_teams(make, client, app_role, landing):
    person = make.user(app_role=AppRole(app_role))
    response = login(client, person.email)
    assert response.status_code == 302 and response.headers["Location"] == landing
    assert client.get("/login").headers["Location"] == landing  # already signed in


def test_learners_land_on_my_training_and_next_still_wins_when_safe(make, app):
    learner = make.user()
    assert login(app.test_client(), learner.email).headers["Location"] == "/learn"
    manager = make.user(app_role=AppRole.MANAGER)
    asked = login(app.test_client(), manager.email, next_path="/manage/matrix")
    assert asked.headers["Location"] == "/manage/matrix"
    for unsafe in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = login(app.test_client(), manager.email, next_path=unsafe)
        assert response.headers["Location"] == "/manage/"


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_dashboard_names_who_is_overdue_and_who_expires_soon(ward, logged_in):
    html = logged_in(ward["manager"]).get("/manage/").get_data(as_text=True)
    overdue = _section(html, "overdue-heading")
    assert "(2 people)" in overdue
    # Longest overdue first, with the days and the modules.
    assert overdue.index("Ben Brown") < overdue.index("Cara Cole")
    assert "14 days overdue" in overdue and "Active listening, Service vision" in overdue
    assert "3 days overdue" in overdue and "Zed Outsider" not in html
    expiring = _section(html, "expiring-heading")
    assert "Amy Ahmed" in expiring and "expires in 10 days" in expiring


def test_team_page_lists_its_own_people_only(ward, logged_in):
    client = logged_in(ward["manager"])
    html = client.get(f"/manage/teams/{ward['reception'].id}").get_data(as_text=True)
    assert "Ben Brown" in _section(html, "overdue-heading")
    assert "Amy Ahmed" not in html  # she is in Outpatients, above Reception
    assert "Remind everyone overdue (2)" in html


def test_long_lists_are_capped_with_a_link_to_the_filtered_matrix(ward, make, logged_in):
    people = make.staff_in(ward["reception"], 12)
    for person in people:
        make.record(person, ward["listening"], due_on=date(2026, 6, 14))
    html = logged_in(ward["manager"]).get(f"/manage/teams/{ward['reception'].id}")
    overdue = _section(html.get_data(as_text=True), "overdue-heading")
    assert overdue.count("days overdue") + overdue.count("day overdue") == 10
    link = f'href="/manage/matrix?status=overdue&amp;team={ward["reception"].id}"'
    assert link in overdue and "See all 14 people overdue" in overdue


def test_matrix_cells_say_the_date_that_matters(ward, logged_in):
    html = logged_in(ward["manager"]).get("/manage/matrix").get_data(as_text=True)
    assert "Required · due 1 Jun 2026" in html  # Ben, overdue
    assert "Expires 25 Jun 2026" in html  # Amy, expiring


def test_status_icons_are_drawings_not_emoji(ward, logged_in):
    html = logged_in(ward["manager"]).get("/manage/matrix").get_data(as_text=True)
    tags = re.findall(r'<span class="tag tag--[a-z-]+">(.*?)</span>', html, re.S)
    assert tags and all(t.lstrip().startswith('<svg class="icon"') for t in tags)
    assert set(ICON_SHAPES) == {s.value for s in Status}  # every status has its drawing
    for character in ("⏳", "◐", "○", "✓", "✗"):
        assert character not in html


def _preview(client, team):
    return client.get(f"/manage/teams/{team.id}/remind-overdue")


def _send(client, team, token=None):
    data = {"csrf_token": token} if token else {}
    return client.post(f"/manage/teams/{team.id}/remind-overdue", data=data)


def test_reminding_everyone_overdue_shows_the_email_first(ward, logged_in, app):
    client = logged_in(ward["manager"])
    html = _preview(client, ward["outpatients"]).get_data(as_text=True)
    assert "2 people will get an email" in html
    assert "Ben Brown" in html and "Cara Cole" in html and "Amy Ahmed" not in html
    # The email itself, as Ben (the first) will get it: who sends it, and his training by date.
    assert "Hello Ben," in html and "Grace Manager asked CareLearn to remind you" in html
    assert html.index("Active listening: overdue, due 1 Jun 2026") < html.index(
        "Service vision: overdue, due 10 Jun 2026"
    )
    assert "Send 2 reminders" in html
    assert outbox_messages(app) == []  # nothing is sent by looking


def test_reminding_everyone_overdue_queues_one_email_each_once_a_day(ward, logged_in, app, db):
    client = logged_in(ward["manager"])
    token = csrf_token(client, f"/manage/teams/{ward['outpatients'].id}/remind-overdue")
    response = _send(client, ward["outpatients"], token)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/teams/{ward['outpatients'].id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reminders to 2 people overdue in Outpatients are queued." in page
    sent = {m["To"]: text_of(m) for m in outbox_messages(app)}
    assert set(sent) == {ward["ben"].email, ward["cara"].email}
    assert "Active listening: overdue, due 12 Jun 2026" in sent[ward["cara"].email]
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "reminder.team_overdue")
    )
    assert event.actor_id == ward["manager"].id and event.subject_id == ward["outpatients"].id
    assert event.details["people"] == 2

    # The same day: nobody gets a second one, and the page says so.
    html = _preview(client, ward["outpatients"]).get_data(as_text=True)
    assert "0 people will get an email; 2 already had a reminder today" in html
    assert "Send 0" not in html and "already reminded today" in html
    _send(client, ward["outpatients"], token)
    assert len(outbox_messages(app)) == 2
    assert db.session.query(SentReminder).filter_by(kind="manual").count() == 2

    # The next day they may be reminded again.
    clock.freeze(datetime(2026, 6, 16, 9, 0))
    client = logged_in(ward["manager"])  # a day later, signed in afresh
    _send(
        client, ward["outpatients"], csrf_token(client, f"/manage/teams/{ward['outpatients'].id}")
    )
    assert len(outbox_messages(app)) == 4


def test_a_reminder_from_the_persons_page_counts_for_the_day(ward, logged_in, app):
    client = logged_in(ward["manager"])
    token = csrf_token(client, f"/manage/people/{ward['ben'].id}")
    client.post(f"/manage/people/{ward['ben'].id}/remind", data={"csrf_token": token})
    html = _preview(client, ward["reception"]).get_data(as_text=True)
    assert "1 person will get an email; 1 already had a reminder today" in html
    _send(client, ward["reception"], token)
    assert [m["To"] for m in outbox_messages(app)] == [ward["ben"].email, ward["cara"].email]


def test_reminding_needs_the_form_token_and_the_managers_own_team(ward, logged_in, make, app):
    client = logged_in(ward["manager"])
    response = _send(client, ward["outpatients"])  # no CSRF token
    assert response.status_code in (302, 400)
    assert outbox_messages(app) == []
    assert _preview(client, ward["wards"]).status_code == 404
    token = csrf_token(client, "/manage/")
    assert _send(client, ward["wards"], token).status_code == 404
    assert _preview(client, type("T", (), {"id": 999999})).status_code == 404
    assert outbox_messages(app) == []
    learner = logged_in(make.user())
    assert _preview(learner, ward["outpatients"]).status_code == 403


def test_a_team_with_nobody_overdue_has_nothing_to_send(ward, logged_in, make):
    quiet = make.team("Quiet team", "team", ward["outpatients"])
    html = _preview(logged_in(ward["manager"]), quiet).get_data(as_text=True)
    assert "Nobody is overdue" in html and "<form" not in html.split("<main")[1].split("</main>")[0]


def test_sub_teams_and_top_teams_come_a_page_at_a_time(ward, make, logged_in):
    for i in range(14):
        make.team(f"Clinic {i:02d}", "team", ward["outpatients"])
    client = logged_in(ward["manager"])
    first = client.get(f"/manage/teams/{ward['outpatients'].id}").get_data(as_text=True)
    assert "15 teams · page 1 of 2" in first and "Clinic 00" in first
    assert "Outpatients Reception" not in first.split("Teams in Outpatients")[1]
    second = client.get(f"/manage/teams/{ward['outpatients'].id}?page=2").get_data(as_text=True)
    assert "Outpatients Reception" in second and "Clinic 00" not in second
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    for i in range(13):
        make.team(f"Trust {i:02d}", "organisation")
    html = admin.get("/manage/").get_data(as_text=True)
    assert "14 teams · page 1 of 2" in html and "More teams" in html
    assert "Trust 12" in admin.get("/manage/?page=2").get_data(as_text=True)
    assert admin.get("/manage/?page=99").status_code == 200  # the last page


def test_person_page_lists_come_a_page_at_a_time(ward, db, make, logged_in):
    for day in range(12):
        db.session.add(
            SentReminder(
                user_id=ward["ben"].id,
                key=f"old:{day}",
                kind="learner",
                summary=f"Reminder number {day}",
                sent_at=datetime(2026, 5, 1) + timedelta(days=day),
            )
        )
    db.session.commit()
    client = logged_in(ward["manager"])
    first = client.get(f"/manage/people/{ward['ben'].id}").get_data(as_text=True)
    assert "Reminder number 11" in first and "Reminder number 1<" not in first
    assert "reminders_page=2" in first
    older = client.get(f"/manage/people/{ward['ben'].id}?reminders_page=2")
    html = older.get_data(as_text=True)
    assert "Reminder number 1<" in html and "Reminder number 11" not in html
    assert "reminders_page=1" in html
    assert client.get(f"/manage/people/{ward['ben'].id}?reminders_page=x").status_code == 200


def test_recipients_come_a_page_at_a_time(ward, make, db, logged_in):
    people = make.staff_in(ward["reception"], 30)
    assign_modules([p.id for p in people], [ward["listening"].module_id], date(2026, 6, 1))
    db.session.commit()
    client = logged_in(ward["manager"])
    html = _preview(client, ward["reception"]).get_data(as_text=True)
    assert "32 people will get an email" in html and "More people" in html
    assert "Send 32 reminders" in html
