"""Logging feedback heard in person, on a phone: one screen, a few taps, well under 20 seconds;
and the managers' feedback pages on a phone, accessible."""

from __future__ import annotations

import time

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


def on_first_screen(page, selector: str) -> bool:
    """The element is on the screen when the page opens, without scrolling."""
    return page.evaluate(
        "s => document.querySelector(s).getBoundingClientRect().bottom + window.scrollY"
        " <= window.innerHeight",
        selector,
    )


def test_a_receptionist_logs_a_concern_in_three_taps(live_server, new_page):
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, "reception@carelearn.example")
    page.get_by_role("link", name="Log feedback you heard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log feedback you heard")
    structure = check_page(page, phone=True)
    assert [h["level"] for h in structure["headings"]] == [1]
    assert on_first_screen(page, ".heard-send")  # the common case needs no scrolling

    taps = 0
    started = time.monotonic()
    for label in ("Concern", "Waiting and delays"):
        page.get_by_text(label, exact=True).tap()
        taps += 1
    page.get_by_role("button", name="Send").tap()
    taps += 1
    expect(page.get_by_text(f"Thank you: logged for {TEAM}.")).to_be_visible()
    elapsed = time.monotonic() - started
    assert taps <= 4 and elapsed < 5, (taps, elapsed)  # well under 20 seconds of clicking
    expect(page.get_by_text("What to do next")).to_be_visible()
    expect(page.get_by_label("Concern")).not_to_be_checked()  # ready for the next one
    check_page(page, phone=True)

    page.get_by_role("button", name="Send").tap()  # nothing chosen
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(
        page.get_by_role("link", name="Choose compliment, concern or complaint.")
    ).to_be_visible()
    check_page(page, phone=True)


@pytest.mark.parametrize("device", DEVICES)
def test_the_managers_feedback_pages(live_server, new_page, data_app, device):
    with data_app.app_context():
        team_id = db.session.scalar(select(Team.id).where(Team.name == TEAM))
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "manager@carelearn.example")
    page.get_by_role("link", name="Feedback", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback: all your teams")
    check_page(page, phone=phone)
    page.goto(f"{live_server.url}/manage/teams/{team_id}/feedback")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Feedback: {TEAM}")
    page.get_by_text("Show the figures as a table").first.click()
    expect(page.get_by_role("columnheader", name="Don't know")).to_be_visible()
    check_page(page, phone=phone)
    page.get_by_role("link", name="Comments", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Comments: {TEAM}")
    check_page(page, phone=phone)
    page.get_by_role("link", name="You said, we did").click()
    expect(page.get_by_text("We now write the waiting time on the board")).to_be_visible()
    check_page(page, phone=phone)
