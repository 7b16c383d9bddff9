"""Observed practice in the real browser, on a phone: a practice supervisor (a receptionist, not
a manager) finds the new starter waiting for a sign-off, marks the checklist, and the new
starter then reads the feedback on My record and says so."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .checks import MIN_TARGET, check_page
from .test_pages import DEVICES
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

SUPERVISOR = "reception@carelearn.example"  # Tom Hughes, named for Outpatients Reception
NEW_STARTER = "newstarter@carelearn.example"  # Aisha Begum, her front desk quiz passed
MODULE = "Front desk and telephone"


def choose_met(item) -> None:
    """Tap the choice's label, as a finger does: it covers the whole choice."""
    item.get_by_text("Met", exact=True).click()
    expect(item.get_by_label("Met", exact=True)).to_be_checked()


def test_a_supervisor_signs_off_on_a_phone_and_the_person_reads_it(live_server, new_page):
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, SUPERVISOR)
    page.goto(f"{live_server.url}/observe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Observe practice")
    check_page(page, phone=True, screenshot="observe-people-phone")
    # Whoever waits for a sign-off comes first.
    first = page.locator(".observe-person").first
    expect(first.get_by_role("heading", level=2)).to_have_text("Aisha Begum")
    expect(first.get_by_text("Awaiting sign-off")).to_be_visible()

    first.get_by_role("link", name=re.compile(f"^{MODULE}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Observe Aisha Begum")
    items = page.locator("fieldset.observe-item")
    count = items.count()
    assert count >= 4
    check_page(page, phone=True, screenshot="observe-checklist-phone")

    # Saved with one item not chosen: the page says what to fix, and keeps the rest.
    for n in range(count - 1):
        choose_met(items.nth(n))
    page.get_by_role("button", name="Save the observation").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(f"Choose Met or Not yet for item {count}")
    expect(items.nth(0).get_by_label("Met", exact=True)).to_be_checked()
    check_page(page, phone=True)

    choose_met(items.nth(count - 1))
    page.get_by_role("button", name="Save the observation").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Signed off. Aisha's module {MODULE} is now complete."
    )
    check_page(page, phone=True)

    # The new starter reads it on My record, on her own phone.
    mine = new_page(**DEVICES["phone"])
    log_in_as(mine, live_server, NEW_STARTER)
    mine.goto(f"{live_server.url}/learn/record")
    section = mine.locator("article.observation")
    expect(section.first).to_contain_text("Observed by Tom Hughes")
    expect(section.first).to_contain_text("Signed off")
    check_page(mine, phone=True, screenshot="record-observations-phone")
    buttons = mine.get_by_role("button", name=re.compile("^I have read this feedback"))
    unread = buttons.count()
    assert unread >= 1
    box = buttons.first.bounding_box()
    assert box and box["height"] >= MIN_TARGET and box["width"] >= MIN_TARGET
    buttons.first.click()
    expect(mine.get_by_role("status")).to_contain_text("you have read this feedback")
    expect(buttons).to_have_count(unread - 1)
    check_page(mine, phone=True)
