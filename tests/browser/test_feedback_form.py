"""The public feedback form in the real browser: a patient on a phone answers it and sends it, in
English and in Welsh, with no cookie set, and every page passes the accessibility checks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from carelearn.extensions import db
from carelearn.feedback.tokens import MIN_SECONDS
from carelearn.models import Team
from carelearn.models.feedback import FeedbackEntry

from .checks import (
    assert_accessible,
    assert_no_sideways_scroll,
    assert_touch_targets,
    check_page,
)
from .test_pages import DEVICES

pytestmark = pytest.mark.browser

TEAM = "Outpatients Reception"
QUESTION = "Overall, how was your experience of our service?"
WELSH_QUESTION = "Yn gyffredinol, sut oedd eich profiad o'n gwasanaeth?"


@pytest.fixture
def team_id(data_app) -> int:
    with data_app.app_context():
        return db.session.scalar(select(Team.id).where(Team.name == TEAM))


def entries(data_app, team_id: int, language: str) -> int:
    with data_app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(FeedbackEntry)
            .where(FeedbackEntry.team_id == team_id, FeedbackEntry.language == language)
        )


def choose(page, question: str, answer: str) -> None:
    """Tap an answer's tile, as a person does, and see it chosen."""
    group = page.get_by_role("group", name=question)
    group.get_by_text(answer, exact=True).click()
    expect(group.get_by_label(answer, exact=True)).to_be_checked()


def check_welsh_page(page) -> None:
    """check_page's checks, for a page whose language is not English."""
    page.wait_for_load_state("load")
    assert page.evaluate("() => document.documentElement.lang") == "cy"
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    assert_touch_targets(page)


def test_a_patient_sends_feedback_on_a_phone(live_server, data_app, new_page, team_id):
    page = new_page(**DEVICES["phone"])
    before = entries(data_app, team_id, "en")
    page.goto(f"{live_server.url}/f/{team_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us how we did")
    check_page(page, phone=True)

    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how your experience was overall.")
    check_page(page, phone=True)

    choose(page, QUESTION, "Very good")
    choose(page, "Staff were kind", "Good")
    choose(page, "Waiting times", "Could be better")
    comment = "The nurse in bay 10 explained everything. The wait was 2 hours."
    page.get_by_label("Is there anything you would like to tell us?").fill(comment)
    expect(page.locator("#comment-count")).to_have_text(f"{1000 - len(comment)} characters left")
    page.wait_for_timeout(MIN_SECONDS * 1000 + 200)  # as a person takes to read and answer
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    check_page(page, phone=True)
    assert entries(data_app, team_id, "en") == before + 1
    assert page.context.cookies() == []

    page.get_by_role("link", name="What this team has changed because of feedback").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you said and what we did")
    check_page(page, phone=True)


def test_the_form_in_welsh_on_a_phone(live_server, data_app, new_page, team_id):
    page = new_page(**DEVICES["phone"])
    before = entries(data_app, team_id, "cy")
    page.goto(f"{live_server.url}/f/{team_id}")
    page.get_by_role("link", name="Cymraeg").click()
    expect(page.get_by_role("group", name=WELSH_QUESTION)).to_be_visible()
    check_welsh_page(page)
    choose(page, WELSH_QUESTION, "Da iawn")
    page.wait_for_timeout(MIN_SECONDS * 1000 + 200)
    page.get_by_role("button", name="Anfon").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Diolch")
    check_welsh_page(page)
    assert entries(data_app, team_id, "cy") == before + 1
    assert page.context.cookies() == []
    page.get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")


def test_the_form_fits_a_narrow_phone(live_server, new_page, team_id):
    page = new_page(viewport={"width": 320, "height": 640}, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/f/{team_id}")
    check_page(page, phone=True)
