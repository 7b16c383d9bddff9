"""Emails people can trust: links for the address the demo serves, where the demo's emails go,
and reminders that greet, say who sends them and why, and list what is due by date."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from datetime import date, datetime

import pytest

from carelearn.config import PROJECT_ROOT
from carelearn.core import clock
from carelearn.services.onboarding.reminders import remind_now, send_reminders
from tests.mail import links_in, outbox_messages, text_of

# Stands in for `flask` in the Makefile: notes each command and the base URL it was given.
FAKE_FLASK = """#!/bin/sh
echo "$1 $CARELEARN_BASE_URL" >> "{log}"
"""


def _make_run(tmp_path, **env_extra) -> list[str]:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    log = tmp_path / "flask.log"
    fake = tmp_path / "flask"
    fake.write_text(FAKE_FLASK.format(log=log))
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CARELEARN_", "MAKE"))}
    env.update(env_extra)
    # -o install: the virtual environment is taken as it is, nothing is installed.
    result = subprocess.run(
        ["make", "-s", "-o", "install", "run", "PORT=8000", f"FLASK={fake}"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines()


def test_make_run_on_another_port_builds_email_links_for_that_port(tmp_path):
    calls = _make_run(tmp_path)
    commands = {line.split()[0] for line in calls}
    assert {"db", "demo", "run"} <= commands
    assert all(line.endswith(" http://127.0.0.1:8000") for line in calls), calls


def test_make_run_keeps_a_base_url_that_is_set(tmp_path):
    calls = _make_run(tmp_path, CARELEARN_BASE_URL="https://carelearn.example.org")
    assert calls and all(line.endswith(" https://carelearn.example.org") for line in calls)


def test_the_readme_demo_section_says_where_the_emails_appear():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Demo accounts", 1)[1].split("\n## ", 1)[0]
    for words in ("instance/outbox/", ".eml", "worker", "make run", "PORT=8000"):
        assert words in section, words


# The reminders.

TODAY = date(2026, 6, 15)  # a Monday


@pytest.fixture
def ward(make, app):
    app.config["BASE_URL"] = "http://127.0.0.1:8000"
    app.config["REMINDER_STEPS"] = [30, 7, 0, -7, -14]
    clock.freeze(datetime(2026, 6, 15, 7, 0))
    ward = make.team("Ward 7", "team")
    manager = make.manager_of(ward, name="Grace Okafor", email="grace@example.org")
    people = {}
    for name, email in (("Amy Adeyemi", "amy@example.org"), ("Zoe Brown", "zoe@example.org")):
        people[email] = make.user(name=name, email=email)
        make.join(people[email], ward)
    modules = [make.module(title=t) for t in ("Active listening", "Breaking bad news", "Consent")]
    return {"manager": manager, "people": people, "modules": modules}


def _lines(text: str) -> list[str]:
    return [line[2:] for line in text.splitlines() if line.startswith("- ")]


def _opening(text: str) -> tuple[str, str]:
    greeting, reason = text.split("\n\n")[:2]
    return greeting, reason


def test_a_learner_reminder_greets_says_who_and_why_and_lists_by_date(app, make, ward):
    amy = ward["people"]["amy@example.org"]
    later, sooner, overdue = ward["modules"]
    # Made in an order that is not the date order.
    make.record(amy, later, due_on=date(2026, 7, 15))  # 30 days to go
    make.record(amy, sooner, due_on=date(2026, 6, 22))  # 7 days to go
    make.record(amy, overdue, due_on=date(2026, 6, 8))  # 7 days ago
    assert send_reminders().learner_emails == 1
    (message,) = [m for m in outbox_messages(app) if m["To"] == "amy@example.org"]
    text = text_of(message)
    greeting, reason = _opening(text)
    assert greeting == "Hello Amy,"
    assert "Your organisation uses CareLearn for staff training." in reason
    assert "because some of your training is due" in reason
    assert _lines(text) == [
        "Consent: overdue since 8 Jun 2026",
        "Breaking bad news: due 22 Jun 2026 (7 days to go)",
        "Active listening: due 15 Jul 2026 (30 days to go)",
    ]
    links = links_in(message)
    assert links and all(link.startswith("http://127.0.0.1:8000/") for link in links)
    assert "ask your manager" in text


def test_a_manager_is_told_of_overdue_training_by_date(app, make, ward):
    amy, zoe = ward["people"]["amy@example.org"], ward["people"]["zoe@example.org"]
    version = ward["modules"][0]
    make.record(zoe, version, due_on=date(2026, 6, 1))  # 14 days ago
    make.record(amy, version, due_on=date(2026, 6, 8))  # 7 days ago
    send_reminders()
    (message,) = [
        m
        for m in outbox_messages(app)
        if m["To"] == "grace@example.org" and "in your team" in m["Subject"]
    ]
    text = text_of(message)
    greeting, reason = _opening(text)
    assert greeting == "Hello Grace,"
    assert "Your organisation uses CareLearn" in reason and "a team you manage" in reason
    assert _lines(text) == [
        "Zoe Brown – Active listening: overdue since 1 Jun 2026",
        "Amy Adeyemi – Active listening: overdue since 8 Jun 2026",
    ]
    assert all(link.startswith("http://127.0.0.1:8000/manage/") for link in links_in(message))


def test_the_weekly_digest_lists_by_date(app, make, ward):
    amy, zoe = ward["people"]["amy@example.org"], ward["people"]["zoe@example.org"]
    first, second, _ = ward["modules"]
    make.record(  # expiring
        amy,
        first,
        due_on=date(2025, 6, 1),
        completed_on=date(2025, 7, 1),
        expires_on=date(2026, 7, 1),
    )
    make.record(amy, second, due_on=date(2026, 6, 10))  # overdue
    make.record(zoe, first, due_on=date(2026, 5, 1))  # overdue for longer
    assert send_reminders().digests == 1
    (digest,) = [m for m in outbox_messages(app) if "weekly summary" in m["Subject"]]
    text = text_of(digest)
    assert _opening(text)[0] == "Hello Grace,"
    assert "weekly summary" in _opening(text)[1]
    assert _lines(text) == [
        "2 overdue and 1 expiring within 30 days across your teams.",
        "Zoe Brown – Active listening: overdue since 1 May 2026",
        "Amy Adeyemi – Breaking bad news: overdue since 10 Jun 2026",
        "Amy Adeyemi – Active listening: expires 1 Jul 2026",
    ]


def test_a_reminder_a_manager_sends_names_them_and_lists_by_date(app, make, ward, db):
    amy = ward["people"]["amy@example.org"]
    later, sooner, between = ward["modules"]
    make.record(amy, later, due_on=date(2026, 9, 1))
    make.record(amy, between, due_on=date(2026, 8, 1))
    make.record(amy, sooner, due_on=date(2026, 7, 1))
    assert remind_now(amy, ward["manager"].id) is None
    (message,) = [m for m in outbox_messages(app) if m["To"] == "amy@example.org"]
    text = text_of(message)
    greeting, reason = _opening(text)
    assert greeting == "Hello Amy,"
    assert "Grace Okafor asked CareLearn to remind you" in reason
    assert [re.sub(r":.*", "", line) for line in _lines(text)] == [
        "Breaking bad news",
        "Consent",
        "Active listening",
    ]
