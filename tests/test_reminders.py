"""The reminder ladder: what is sent when, escalation, weekly digests, and never twice."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import SentReminder
from carelearn.services.onboarding.reminders import send_reminders
from tests.mail import outbox_messages, text_of

DUE = date(2026, 7, 15)  # a Wednesday


@pytest.fixture
def ward(make):
    ward = make.team("Ward 7", "team")
    manager = make.manager_of(ward, name="Grace Manager", email="grace@example.org")
    nurse = make.user(name="Dan Nurse", role="nurse", email="dan@example.org")
    make.join(nurse, ward)
    version = make.module(title="Active listening")
    make.record(nurse, version, due_on=DUE)
    return {"manager": manager, "nurse": nurse, "version": version}


def run_on(day: date):
    clock.freeze(datetime(day.year, day.month, day.day, 7, 0))
    return send_reminders()


def mail_to(app, address):
    return [m for m in outbox_messages(app) if m["To"] == address]


@pytest.mark.parametrize(
    "day,expected",
    [
        (date(2026, 6, 15), "due 15 Jul 2026 (30 days to go)"),
        (date(2026, 7, 8), "due 15 Jul 2026 (7 days to go)"),
        (date(2026, 7, 15), "due today"),
        (date(2026, 7, 22), "overdue since 15 Jul 2026"),
    ],
)
def test_learner_is_reminded_at_each_step(app, ward, day, expected):
    run = run_on(day)
    assert run.learner_emails == 1
    (message,) = mail_to(app, "dan@example.org")
    assert "Active listening: " + expected in text_of(message)


@pytest.mark.parametrize(
    "day", [date(2026, 6, 14), date(2026, 7, 9), date(2026, 7, 16), date(2026, 7, 23)]
)
def test_nothing_between_steps(app, ward, day):
    assert run_on(day).learner_emails == 0
    assert outbox_messages(app) == []


def test_running_twice_on_a_day_sends_nothing_twice(app, ward, db):
    first = run_on(date(2026, 7, 22))
    second = run_on(date(2026, 7, 22))
    assert (first.learner_emails, first.escalations) == (1, 1)
    assert (second.learner_emails, second.escalations) == (0, 0)
    assert len(outbox_messages(app)) == 2
    kinds = sorted(db.session.scalars(select(SentReminder.kind)))
    assert kinds == ["escalation", "learner"]


def test_manager_is_told_from_the_overdue_step_only(app, ward):
    run_on(date(2026, 7, 15))
    assert mail_to(app, "grace@example.org") == []
    run_on(date(2026, 7, 22))
    (message,) = mail_to(app, "grace@example.org")
    assert "Dan Nurse – Active listening: overdue since 15 Jul 2026" in text_of(message)


def test_manager_of_the_team_above_is_told_when_the_team_has_none(app, make, db):
    department = make.team("Surgery", "department")
    bay = make.team("Bay A", "team", department)
    make.manager_of(department, email="lead@example.org")
    porter = make.user(role="porter")
    make.join(porter, bay)
    make.record(porter, make.module(), due_on=DUE)
    run_on(date(2026, 7, 22))
    assert len(mail_to(app, "lead@example.org")) == 1


def test_expiry_reminders(app, ward, make):
    cleaner = make.user(role="cleaner", email="rosa@example.org")
    make.record(  # required (assigned, so it has a due date), and completed
        cleaner,
        ward["version"],
        due_on=date(2025, 8, 31),
        completed_on=date(2025, 8, 14),
        expires_on=date(2026, 8, 14),
    )
    run_on(date(2026, 7, 15))
    (message,) = mail_to(app, "rosa@example.org")
    assert "expires 14 Aug 2026 (30 days to go)" in text_of(message)


def test_completed_people_and_leavers_get_no_reminder(app, ward, make, db):
    ward["nurse"].active = False
    db.session.commit()
    done = make.user(email="done@example.org")
    make.record(
        done,
        ward["version"],
        due_on=DUE,
        completed_on=date(2026, 7, 1),
        expires_on=date(2027, 7, 1),
    )
    assert run_on(DUE).learner_emails == 0


def test_weekly_digest_once_a_week_on_mondays(app, ward):
    monday = date(2026, 7, 20)
    run = run_on(monday)
    assert run.digests == 1
    (digest,) = [m for m in mail_to(app, "grace@example.org") if "weekly summary" in m["Subject"]]
    assert "1 overdue and 0 expiring" in text_of(digest)
    assert "Dan Nurse – Active listening: overdue" in text_of(digest)
    assert run_on(monday).digests == 0
    assert run_on(date(2026, 7, 21)).digests == 0


def test_reminders_are_shown_on_the_person_page(app, ward, logged_in):
    run_on(date(2026, 7, 8))
    html = (
        logged_in(ward["manager"]).get(f"/manage/people/{ward['nurse'].id}").get_data(as_text=True)
    )
    assert "Active listening: due 15 Jul 2026 (7 days to go)" in html


def test_send_reminders_command(app, ward):
    clock.freeze(datetime(2026, 7, 8, 7, 0))
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0 and "Queued 1 reminder(s), 0 escalation(s)" in result.output
    again = app.test_cli_runner().invoke(args=["send-reminders", "--date", "2026-07-08"])
    assert "Queued 0 reminder(s)" in again.output


def test_reminder_steps_are_configurable(app, ward):
    app.config["REMINDER_STEPS"] = [14]
    assert run_on(date(2026, 7, 1)).learner_emails == 1
    assert run_on(date(2026, 7, 8)).learner_emails == 0


def test_manager_can_send_a_reminder_once_a_day(app, ward, logged_in, make):
    from tests.conftest import csrf_token

    clock.freeze(datetime(2026, 7, 1, 9, 0))
    client = logged_in(ward["manager"])
    path = f"/manage/people/{ward['nurse'].id}"
    token = csrf_token(client, path)
    client.post(path + "/remind", data={"csrf_token": token})
    assert "A reminder email to Dan Nurse is queued." in client.get(path).get_data(as_text=True)
    (message,) = mail_to(app, "dan@example.org")
    assert "Active listening: not started, due 15 Jul 2026" in text_of(message)
    client.post(path + "/remind", data={"csrf_token": token})
    assert "already went to them today" in client.get(path).get_data(as_text=True)
    assert len(mail_to(app, "dan@example.org")) == 1
    outsider = make.user()
    assert (
        client.post(f"/manage/people/{outsider.id}/remind", data={"csrf_token": token}).status_code
        == 404
    )
