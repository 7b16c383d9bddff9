"""A learner's whole journey in a real Chromium: with a mouse on a desktop, and with a finger
on a phone. Every page is checked with axe-core and for sideways scrolling."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .checks import check_page
from .journey import (
    MODULE_TITLE,
    assert_login_errors_are_tied_to_fields,
    assert_quiz_errors_are_tied_to_questions,
    expect_page,
    module_url,
    quiz_plan,
    talk_through,
)

pytestmark = pytest.mark.browser


def _journey(page, server, learner, correct_options, best_choice, device: str) -> None:
    phone = device == "phone"

    def press(locator):
        # A finger on the phone, a mouse on the desktop.
        locator.tap() if phone else locator.click()

    def check(name=None):
        return check_page(page, phone=phone, screenshot=f"{name}-{device}" if name else None)

    # Logged out, the training sends you to log in.
    page.goto(server.url + "/learn")
    expect_page(page, "Log in", "Log in")
    check("login")

    # Nothing typed: told what to fix, next to each field.
    press(page.get_by_role("button", name="Log in"))
    assert_login_errors_are_tied_to_fields(page)
    check()

    page.get_by_label("Email address").fill(learner.email)
    page.get_by_label("Password", exact=True).fill(learner.password)
    press(page.get_by_role("button", name="Log in"))
    expect_page(page, "My training", "My training")
    expect(page.locator(".module-card", has_text=MODULE_TITLE)).to_contain_text("Not started")
    check()

    # An empty record is friendly and says what will appear there.
    press(page.get_by_role("link", name="My record"))
    expect_page(page, "My record", "My record")
    expect(page.locator(".empty-state")).to_contain_text("No completed modules yet")
    check("record-empty")
    press(page.get_by_role("link", name="My training", exact=True).first)

    # Open the module and read every lesson, marking each done.
    press(page.get_by_role("link", name=f"Start {MODULE_TITLE}"))
    position = 1
    while True:
        expect(page.locator(".meta").first).to_contain_text(f"Lesson {position} of")
        check("lesson" if position == 1 else None)
        button = page.get_by_role("button", name=re.compile("^Mark as done"))
        last = "go to the quiz" in button.inner_text()
        press(button)
        if last:
            break
        position += 1
    assert position >= 2
    expect_page(page, MODULE_TITLE, MODULE_TITLE)
    expect(page.locator(".flashes")).to_contain_text("finished the lessons")
    expect(page.locator(".lesson-list__item--done")).to_have_count(position)
    check("module")

    # The quiz: a conversation first, then the questions. First submit nothing, then answer
    # wrongly.
    press(page.get_by_role("button", name="Start the quiz"))
    expect_page(page, "Conversation", f"Quiz: {MODULE_TITLE}")
    assert talk_through(page, best_choice, press, best=False, check=lambda: check("conversation"))
    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")
    check("quiz")
    press(page.get_by_role("button", name="Submit my answers"))
    assert_quiz_errors_are_tied_to_questions(page)
    check("quiz-errors")
    _answer(page, quiz_plan(page, correct_options, right=False), press)
    press(page.get_by_role("button", name="Submit my answers"))
    expect_page(page, "Your result", f"Your result: {MODULE_TITLE}")
    expect(page.locator(".result-banner")).to_contain_text("Not passed")
    expect(page.locator(".answer--wrong").filter(has_text="Not right").first).to_be_visible()
    check("result-not-passed")

    # Retry with a fresh draw and pass.
    press(page.get_by_role("button", name="Try again"))
    talk_through(page, best_choice, press)
    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")
    check()
    _answer(page, quiz_plan(page, correct_options, right=True), press)
    press(page.get_by_role("button", name="Submit my answers"))
    expect(page.locator(".result-banner")).to_contain_text("Passed")
    expect(page.locator(".result-banner__score")).to_have_text(
        re.compile(r"^(\d+) of \1 \(100%\)$")
    )
    check("result")

    # The module is completed and on the record.
    press(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=MODULE_TITLE))
    expect(page).to_have_url(module_url(server))
    expect(page.locator(".page-head .tag")).to_have_text(re.compile("Completed"))
    check()
    press(page.get_by_role("link", name="My record"))
    row = page.get_by_role("row", name=re.compile(MODULE_TITLE))
    expect(row).to_contain_text("100%")
    check("record")
    press(page.get_by_role("link", name="My training", exact=True))
    expect(page.locator(".module-card", has_text=MODULE_TITLE)).to_contain_text("Completed")
    check("my-training")

    press(page.get_by_role("button", name=re.compile("^Log out")))
    expect_page(page, "Log in", "Log in")
    expect(page.locator(".flashes")).to_contain_text("You have logged out")
    check()


def _answer(page, plan, press) -> None:
    for question in plan:
        if question["textarea"]:
            page.locator(f"#{question['textarea']}").fill("I will let people finish first.")
        for option in question["choose"]:
            press(page.locator(f"label[for='{option['id']}']"))
            expect(page.locator(f"#{option['id']}")).to_be_checked()


def test_learner_journey_with_a_mouse(live_server, learner, correct_options, best_choice, desktop):
    _journey(desktop, live_server, learner, correct_options, best_choice, "desktop")


def test_learner_journey_on_a_phone(live_server, learner, correct_options, best_choice, phone):
    _journey(phone, live_server, learner, correct_options, best_choice, "phone")
