"""Managers' and admins' pages, and the password pages, checked like the learner's: structure,
axe-core, no sideways scroll, and finger-sized targets on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.demo import DEMO_PASSWORD
from carelearn.extensions import db
from carelearn.models import Team, TeamMembership, User

from .checks import check_page
from .test_pages import DEVICES, log_in

pytestmark = pytest.mark.browser

# For each kind of staff: who logs in, the pages they open, and (page, link) pairs for pages
# reached as a person would, by following the first such link.
STAFF = {
    "manager": (
        "manager@carelearn.example",
        [
            "/manage/",
            "/manage/matrix",
            "/manage/matrix?status=overdue&sort=role",
            "/manage/questions",
            "/manage/assign",
        ],
        [
            ("/manage/", "main a[href^='/manage/teams/']"),
            ("/manage/matrix", "main a[href^='/manage/people/']"),
            ("/manage/", "main .chase a[href^='/manage/people/']"),
            ("/manage/", "main a[href$='/remind-overdue']"),
        ],
    ),
    "admin": (
        "admin@carelearn.example",
        [
            "/manage/",
            "/admin/",
            "/admin/people",
            "/admin/people/new",
            "/admin/teams",
            "/admin/teams/new",
            "/admin/import",
            "/admin/paths",
            "/admin/paths/new",
            "/admin/rules/new",
            "/admin/audit",
            "/admin/audit?action=user.role&date_from=2020-01-01",
            "/admin/teams?q=Out",
            "/admin/outbox",
            "/admin/help",
            "/admin/vision",
        ],
        [
            ("/admin/people", "main a[href^='/admin/people/']:not([href$='/new'])"),
            ("/admin/teams", "main a[href^='/admin/teams/']:not([href$='/new'])"),
        ],
    ),
}


def log_in_as(page, server, email: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def visit(page, server, path: str, phone: bool) -> None:
    response = page.goto(server.url + path)
    assert response.status == 200, (path, response.status)
    check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("who", STAFF)
def test_staff_pages(live_server, new_page, who, device):
    email, paths, links = STAFF[who]
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, email)
    for path in paths:
        visit(page, live_server, path, phone)
    for path, link in links:
        page.goto(live_server.url + path)
        page.locator(link).first.click()
        check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
def test_password_pages(live_server, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    visit(page, live_server, "/password/forgot", phone)
    page.get_by_role("button").last.click()  # sent empty: the errors are checked too
    check_page(page, phone=phone)
    page.get_by_label("Email address").fill("someone@example.org")
    page.get_by_role("button").last.click()
    check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
def test_an_admin_helps_a_person_and_reads_the_audit_trail(live_server, new_page, learner, device):
    """Find someone, send them a password-reset link, deactivate them after the page that says
    what it does, bring them back, then find it all in the audit trail (and a bad filter)."""
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "admin@carelearn.example")
    page.goto(live_server.url + "/admin/people")
    page.get_by_label("Name or email").fill(learner.email)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Nothing assigned")).to_be_visible()
    check_page(page, phone=phone)
    page.get_by_role("link", name=learner.name).click()
    expect(page.get_by_text("Last signed in")).to_be_visible()
    check_page(page, phone=phone)

    page.get_by_role("button", name="Send a password-reset link").click()
    expect(
        page.get_by_text(f"A link to choose a new password is on its way to {learner.email}")
    ).to_be_visible()
    check_page(page, phone=phone)
    page.get_by_role("link", name=f"Deactivate {learner.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Deactivate {learner.name}?")
    expect(page.get_by_text("can no longer sign in")).to_be_visible()
    check_page(page, phone=phone)
    page.get_by_role("button", name=f"Yes, deactivate {learner.name}").click()
    expect(page.get_by_text(f"{learner.name} has been deactivated")).to_be_visible()
    page.get_by_role("button", name=f"Reactivate {learner.name}").click()
    expect(page.get_by_text("can sign in again")).to_be_visible()

    page.get_by_role("link", name=re.compile("Everything recorded about")).click()
    entries = page.locator("tbody")
    expect(entries).to_contain_text(f"reactivated {learner.name}: they can sign in again")
    expect(entries).to_contain_text(f"deactivated {learner.name}: they can no longer sign in")
    expect(entries).to_contain_text(f"sent {learner.name} a password-reset link")
    check_page(page, phone=phone)
    page.get_by_label("From").fill("2026-06-01")
    page.get_by_label("To (included)").fill("2026-01-01")
    page.get_by_role("button", name="Show entries").click()
    expect(page.get_by_role("alert")).to_contain_text("The end date is before the start date")
    check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
def test_a_manager_lands_on_my_teams_reminds_the_overdue_and_reads_a_question(
    live_server, new_page, device
):
    """Signing in lands on My teams; from a team card, the reminder's preview, then sending it
    (or, once sent today, being told so); then a question's own page from the analysis."""
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "manager@carelearn.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("My teams")
    expect(page.get_by_role("heading", name=re.compile("^Overdue"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("share of required training"))).to_have_count(1)
    check_page(page, phone=phone, screenshot=f"my-teams-{device}")
    page.get_by_role("link", name=re.compile("^Remind them")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remind everyone overdue in")
    check_page(page, phone=phone, screenshot=f"remind-team-{device}")
    send = page.get_by_role("button", name=re.compile(r"^Send \d+ reminders?$"))
    if send.count():
        expect(page.get_by_text("What the email says")).to_be_visible()
        send.click()
        expect(page.get_by_text(re.compile("are queued"))).to_be_visible()
    else:  # the other device's run sent them today
        expect(page.get_by_text("already had a reminder today").first).to_be_visible()
        page.get_by_role("link", name=re.compile("^Back to")).click()
    expect(page.get_by_role("img", name=re.compile("Stacked bar chart"))).to_have_count(1)
    check_page(page, phone=phone, screenshot=f"team-{device}")

    page.goto(live_server.url + "/manage/questions")
    page.get_by_label("Module").select_option(label="Service vision")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("too few to judge").first).to_be_visible()
    check_page(page, phone=phone)
    page.locator("main table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("A question from Service vision")
    expect(page.get_by_text("Right answer").first).to_be_visible()
    check_page(page, phone=phone, screenshot=f"question-{device}")


VISION = "Every patient is met by someone who notices them and keeps them in the picture."


@pytest.mark.parametrize("device", DEVICES)
def test_an_admin_writes_the_vision_and_a_learner_reads_it(
    live_server, new_page, data_app, learner, device
):
    """The Service vision page (refused empty, then saved), a team's promise on its page, then
    a member of that team sees both on My training, and the vision in the lesson about it."""
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "admin@carelearn.example")
    visit(page, live_server, "/admin/vision", phone)
    page.get_by_label("Vision statement").fill("")
    page.get_by_role("button", name="Save the vision").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter the vision statement")
    check_page(page, phone=phone)
    page.get_by_label("Vision statement").fill(VISION)
    page.get_by_label("Promises (optional)").fill("We explain every wait.\n\nWe find help.")
    page.get_by_role("button", name="Save the vision").click()
    expect(page.get_by_text(re.compile("^(Saved|Nothing changed)"))).to_be_visible()
    check_page(page, phone=phone)

    page.goto(live_server.url + "/admin/teams")
    page.get_by_role("link", name="Outpatients Reception", exact=True).click()
    page.get_by_label("The team's service promise (optional)").fill("Nobody waits unseen.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text(re.compile("^(Changes saved|Nothing to change)"))).to_be_visible()
    check_page(page, phone=phone)

    with data_app.app_context():
        person = db.session.scalar(select(User).where(User.email == learner.email))
        team = db.session.scalar(select(Team).where(Team.name == "Outpatients Reception"))
        db.session.add(TeamMembership(user_id=person.id, team_id=team.id))
        db.session.commit()
    reader = new_page(**DEVICES[device])
    log_in(reader, live_server, learner)
    expect(reader.get_by_role("heading", name="Our service vision")).to_be_visible()
    expect(reader.get_by_text(VISION)).to_be_visible()
    expect(reader.get_by_text("Your team's promise: Nobody waits unseen.")).to_be_visible()
    check_page(reader, phone=phone)
    visit(reader, live_server, "/learn/service-vision/lessons/2", phone)
    expect(reader.get_by_text("Your organisation's service vision")).to_be_visible()
    expect(reader.locator("article").get_by_text(VISION)).to_be_visible()
