"""Team huddles in the real browser: a card shown in presenter mode and moved on with the keys a
keyboard or a presentation clicker sends, then who came ticked on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.extensions import db
from carelearn.models import Team

from .checks import check_page
from .test_pages import DEVICES
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

TEAM = "Outpatients Reception"


@pytest.fixture
def team_id(data_app) -> int:
    with data_app.app_context():
        return db.session.scalar(select(Team.id).where(Team.name == TEAM))


def expect_step(page, number: int, label: str) -> None:
    expect(page).to_have_url(re.compile(rf"/huddle/\d+/step/{number}$"))
    expect(page.get_by_role("heading", level=2)).to_have_text(label)


def text_size(page) -> float:
    return page.locator(".presenter__text").evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)"
    )


def on_screen(page) -> bool:
    """The step's buttons are on the screen without scrolling."""
    return page.evaluate(
        "() => document.querySelector('.presenter__nav').getBoundingClientRect().bottom"
        " <= window.innerHeight"
    )


def test_presenter_mode_moves_on_with_the_keyboard_and_a_clicker(live_server, new_page, team_id):
    page = new_page(**DEVICES["desktop"])
    log_in_as(page, live_server, "manager@carelearn.example")
    page.goto(f"{live_server.url}/manage/teams/{team_id}")
    page.get_by_role("link", name="Run a huddle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Run a huddle with {TEAM}")
    check_page(page)
    page.get_by_role("link", name=re.compile("^Show this card")).first.click()
    expect_step(page, 1, "The situation")
    structure = check_page(page, screenshot="huddle-presenter-desktop")
    assert [h["level"] for h in structure["headings"]] == [1, 2]
    # Read across a room: very large type, white on black, a whole step on the screen.
    assert text_size(page) >= 36
    colours = page.locator(".presenter__text").evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(document.body).backgroundColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]
    assert on_screen(page)
    expect(page.locator(".site-header")).to_have_count(0)
    expect(page.get_by_text("Keys: Page Down")).to_be_visible()  # shown by the script

    page.keyboard.press("PageDown")  # what a clicker sends
    expect_step(page, 2, "Question 1 of 3")
    assert text_size(page) >= 48 and on_screen(page)
    page.keyboard.press("ArrowRight")
    expect_step(page, 3, "Question 2 of 3")
    page.keyboard.press("ArrowLeft")
    expect_step(page, 2, "Question 1 of 3")
    page.keyboard.press("PageUp")
    expect_step(page, 1, "The situation")
    page.keyboard.press("Space")
    expect_step(page, 2, "Question 1 of 3")
    for number, label in ((3, "Question 2 of 3"), (4, "Question 3 of 3"), (5, "Remember")):
        page.keyboard.press("PageDown")
        expect_step(page, number, label)
    check_page(page)
    page.keyboard.press("PageDown")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who came?")
    page.go_back()
    expect_step(page, 5, "Remember")
    page.keyboard.press("Escape")
    expect(page).to_have_url(re.compile(rf"/manage/teams/{team_id}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TEAM)


def test_who_came_is_ticked_on_a_phone(live_server, new_page, team_id):
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, "manager@carelearn.example")
    page.goto(f"{live_server.url}/manage/teams/{team_id}/huddle")
    check_page(page, phone=True)
    page.get_by_role("link", name=re.compile("^Show this card")).first.click()
    expect_step(page, 1, "The situation")
    check_page(page, phone=True)
    page.get_by_role("link", name="Next").click()
    expect_step(page, 2, "Question 1 of 3")
    page.goto(f"{live_server.url}/manage/teams/{team_id}/huddle")
    page.get_by_role("link", name=re.compile("^Record who came")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who came?")
    check_page(page, phone=True, screenshot="huddle-who-came-phone")

    page.get_by_label("What the team agreed").fill("We tell people how long the wait is.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Tick everyone who came")
    expect(page.get_by_label("What the team agreed")).to_have_value(
        "We tell people how long the wait is."
    )
    check_page(page, phone=True)

    page.get_by_label(re.compile("^Tom Hughes")).check()  # the box itself
    page.get_by_text("Aisha Begum").click()  # or anywhere on the name
    expect(page.get_by_label(re.compile("^Aisha Begum"))).to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"is recorded: \d+ (person|people) came"))).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TEAM)
    check_page(page, phone=True)
    page.goto(f"{live_server.url}/manage/teams/{team_id}/huddle")
    expect(page.get_by_text("We tell people how long the wait is.").first).to_be_visible()
    check_page(page, phone=True)
    page.goto(f"{live_server.url}/manage/")
    expect(page.get_by_text(re.compile(r"Huddles this month: [1-9]"))).to_be_visible()
    check_page(page, phone=True)
