"""Testing out and recognised prior learning in the real browser, on a phone and a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.extensions import db
from carelearn.models import User

from .checks import check_page
from .test_pages import DEVICES, log_in
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

TEST_OUT_MODULE = "front-desk-telephone"  # its module.yml sets a test-out mark
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize("device", DEVICES)
def test_the_test_out_offer_and_its_quiz(live_server, learner, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in(page, live_server, learner)
    page.goto(f"{live_server.url}/learn/{TEST_OUT_MODULE}")
    expect(page.get_by_role("heading", name="Already confident? Test out")).to_be_visible()
    expect(page.get_by_text("Score 95% or more and the module is complete")).to_be_visible()
    check_page(page, phone=phone)
    page.get_by_role("button", name="Test out now").click()
    # The quiz opens, with its conversation first: before the lessons, as promised.
    expect(page).to_have_url(re.compile(r"/learn/attempts/\d+$"))
    expect(page.locator("h1")).to_contain_text("Front desk and telephone")
    check_page(page, phone=phone)


@pytest.fixture
def learner_id(data_app, learner) -> int:
    with data_app.app_context():
        return db.session.scalar(select(User.id).where(User.email == learner.email))


@pytest.mark.parametrize("device", DEVICES)
def test_an_admin_records_prior_learning(live_server, learner, learner_id, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "admin@carelearn.example")
    page.goto(f"{live_server.url}/admin/people/{learner_id}/prior-learning")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Recognised prior learning: {learner.name}"
    )
    check_page(page, phone=phone)

    # Nothing filled in: every problem is listed and linked to its field.
    page.get_by_role("button", name="Record prior learning").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Choose which of our modules it stands for.")
    check_page(page, phone=phone)

    page.get_by_label("Which of our modules it stands for").select_option(label="Calm in conflict")
    page.get_by_label("Course title").fill("Conflict resolution in healthcare")
    page.get_by_label("Who provided it").fill("City College")
    page.get_by_label("Date completed").fill("2025-11-20")
    page.get_by_label("Approved by").fill("Ada Admin")
    page.get_by_label("Evidence file").set_input_files(
        {"name": "certificate.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Record prior learning").click()
    expect(page.get_by_text("as recognised prior learning.")).to_be_visible()
    expect(page.get_by_role("link", name="Download certificate.png")).to_be_visible()
    check_page(page, phone=phone)
