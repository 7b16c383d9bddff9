"""A manager assigning training as they would on a ward's tablet or their phone: searching and
ticking people with a finger, seeing only the part of the form they need, checking, assigning;
and the same without JavaScript."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.extensions import db
from carelearn.models import AppRole, JobRole, OutboxEmail, Team, TeamMembership, User

from .checks import check_page
from .conftest import DESKTOP
from .journey import MODULE_TITLE
from .test_pages import DEVICES
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

MANAGER = "manager@carelearn.example"


def _new_staff(data_app, count: int, word: str) -> list[tuple[str, str]]:
    """People nobody else's test uses, in the demo manager's Outpatients Reception team: their
    names share a word (one per test), so one search finds them all."""
    made = []
    with data_app.app_context():
        role = db.session.scalar(select(JobRole).where(JobRole.slug == "receptionist"))
        team = db.session.scalar(select(Team).where(Team.name == "Outpatients Reception"))
        for first in ["Ola", "Mia", "Sam", "Jo", "Ravi", "Leo"][:count]:
            email = f"{first.lower()}.{word.lower()}@browser.example"
            person = User(
                email=email, name=f"{first} {word}", job_role=role, app_role=AppRole.LEARNER
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(TeamMembership(user_id=person.id, team_id=team.id))
            made.append((person.name, email))
        db.session.commit()
    return made


def _emails_to(data_app, addresses) -> list[str]:
    with data_app.app_context():
        return list(
            db.session.scalars(
                select(OutboxEmail.subject).where(OutboxEmail.recipient.in_(list(addresses)))
            )
        )


def _due_date() -> str:
    """A date in the future that stays the same for a year, so screenshots change little."""
    return date(date.today().year + 1, 1, 31).isoformat()


def _visible_parts(page) -> list[str]:
    return page.eval_on_selector_all(
        "[data-assign-target]",
        "els => els.filter(e => e.getClientRects().length).map(e => e.dataset.assignTarget)",
    )


@pytest.mark.parametrize("device", DEVICES)
def test_assigning_people_by_searching_and_ticking(live_server, data_app, new_page, device):
    phone = device == "phone"
    page = new_page(**DEVICES[device])

    def press(locator):
        locator.tap() if phone else locator.click()

    word = {"desktop": "Marsh", "phone": "Brook"}[device]
    (first, first_email), (second, second_email) = _new_staff(data_app, 2, word)
    log_in_as(page, live_server, MANAGER)
    page.goto(live_server.url + "/manage/assign")
    # Only the part for the kind of target chosen shows.
    assert _visible_parts(page) == ["people"]
    check_page(page, phone=phone, screenshot=f"assign-{device}")
    press(page.get_by_text("A whole team (and the teams below it)"))
    assert _visible_parts(page) == ["team"]
    press(page.get_by_text("Everyone with a job role, in the teams I manage"))
    assert _visible_parts(page) == ["job_role"]
    press(page.get_by_text("Chosen people", exact=True))
    assert _visible_parts(page) == ["people"]

    page.get_by_label("Module or learning path").select_option(label=MODULE_TITLE)
    page.get_by_label("Due date").fill(_due_date())
    # Search for one person and tick them, then search for the other: the first stays ticked.
    page.get_by_label("Search by name or email").fill(first)
    press(page.get_by_role("button", name="Search"))
    expect(page.locator(".people-list__title").last).to_contain_text("1 person matches")
    press(page.locator(".checkbox__label", has_text=first))
    expect(page.get_by_role("checkbox", name=re.compile(first))).to_be_checked()
    page.get_by_label("Search by name or email").fill(second)
    press(page.get_by_role("button", name="Search"))
    expect(page.locator("#people-ticked")).to_have_text("Ticked: 1 person")
    expect(page.get_by_role("checkbox", name=re.compile(first))).to_be_checked()
    press(page.locator(".checkbox__label", has_text=second))
    # The module, the date and the ticks all survive a search.
    page.get_by_label("Search by name or email").fill(word)
    press(page.get_by_role("button", name="Search"))
    expect(page.locator("#people-ticked")).to_have_text("Ticked: 2 people")
    expect(page.get_by_label("Module or learning path")).to_have_value(re.compile("^module:"))
    assert _visible_parts(page) == ["people"]
    check_page(page, phone=phone)

    press(page.get_by_role("button", name="Continue"))
    expect(page.locator("h1")).to_have_text("Check and assign")
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text(MODULE_TITLE)
    expect(summary).to_contain_text("2 people")
    expect(summary.locator("li")).to_have_text(sorted([first, second]))
    check_page(page, phone=phone, screenshot=f"assign-check-{device}")
    assert _emails_to(data_app, [first_email, second_email]) == []  # nothing yet

    press(page.get_by_role("button", name="Assign to 2 people"))
    expect(page.locator(".flashes")).to_contain_text(f"{MODULE_TITLE} is assigned to 2 people")
    check_page(page, phone=phone)
    subjects = _emails_to(data_app, [first_email, second_email])
    assert len(subjects) == 2 and all(
        s.startswith(f"New training for you: {MODULE_TITLE}") for s in subjects
    )


def test_a_mistake_is_shown_next_to_its_field_and_nothing_is_lost(live_server, new_page):
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, MANAGER)
    page.goto(live_server.url + "/manage/assign")
    page.get_by_label("Module or learning path").select_option(label=MODULE_TITLE)
    page.get_by_role("button", name="Continue").tap()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick at least one person from your teams.")
    expect(summary).to_contain_text("Enter a due date.")
    expect(page.get_by_label("Module or learning path")).to_have_value(re.compile("^module:"))
    check_page(page, phone=True)
    summary.get_by_role("link", name="Enter a due date.").tap()
    expect(page.get_by_label("Due date")).to_be_focused()


def test_assigning_to_a_team_without_javascript(live_server, data_app, new_page):
    people = _new_staff(data_app, 1, "Fielding")
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    log_in_as(page, live_server, MANAGER)
    page.goto(live_server.url + "/manage/assign")
    # Every part shows, with a word on which one is used.
    assert _visible_parts(page) == ["people", "team", "job_role"]
    expect(page.locator(".assign-form__no-script")).to_be_visible()
    page.get_by_label("Module or learning path").select_option(label=MODULE_TITLE)
    page.get_by_text("A whole team (and the teams below it)").click()
    page.get_by_label("Team", exact=True).select_option(label="Outpatients Reception")
    page.get_by_label("Due date").fill(_due_date())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check and assign")
    names = page.locator(".summary-list li").all_inner_texts()
    assert 1 <= len(names) <= 20
    page.get_by_role("link", name="Change these choices").click()
    expect(page.get_by_label("Team", exact=True)).to_have_value(re.compile(r"^\d+$"))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name=re.compile("^Assign to")).click()
    expect(page.locator(".flashes")).to_contain_text(MODULE_TITLE)
    assert len(_emails_to(data_app, [people[0][1]])) == 1
