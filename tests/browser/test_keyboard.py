"""The same journey with the keyboard only: Tab, Shift+Tab, Enter and Space (and the arrow keys
that move between the options of a radio group), never a click. Every stop shows its focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .checks import check_page, focused, tab_to
from .conftest import JOURNEY_MODULE
from .journey import MODULE_TITLE, expect_page, module_url, quiz_plan

pytestmark = pytest.mark.browser


def _activate(page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)


def _answer_with_keys(page, plan) -> None:
    for question in plan:
        if question["textarea"]:
            tab_to(page, lambda e, q=question: e["id"] == q["textarea"])
            page.keyboard.type("Slow down and let them finish.")
            continue
        inputs = question["inputs"]
        if inputs[0]["type"] == "checkbox":
            for option in question["choose"]:
                tab_to(page, lambda e, o=option: e["id"] == o["id"])
                page.keyboard.press("Space")
                expect(page.locator(f"#{option['id']}")).to_be_checked()
        else:
            # Tab enters a radio group on its first option; the arrows move the choice.
            first = tab_to(page, lambda e, q=inputs: e["name"] == q[0]["name"])
            assert first["id"] == inputs[0]["id"]
            index = inputs.index(question["choose"][0])
            if index == 0:
                page.keyboard.press("Space")
            for _ in range(index):
                page.keyboard.press("ArrowDown")
            expect(page.locator(f"#{question['choose'][0]['id']}")).to_be_checked()
    tab_to(page, lambda e: e["text"] == "Submit my answers")
    _activate(page)


def _talk_with_keys(page, best_choice, *, best: bool) -> None:
    """A conversation's steps by keyboard: Tab into the choices, arrows to the one wanted."""
    while page.locator("form[action$='/step']").count():
        item = int(page.locator("input[name=item]").get_attribute("value"))
        taken = int(page.locator("input[name=taken]").get_attribute("value"))
        values = page.locator("input[name=choice]").evaluate_all("els => els.map(e => e.value)")
        index = values.index(str(best_choice(item, taken))) if best else 0
        first = tab_to(page, lambda e: e["name"] == "choice")
        assert first["id"] == "choice-first"
        page.keyboard.press("Space")
        for _ in range(index):
            page.keyboard.press("ArrowDown")
        expect(page.locator("input[name=choice]").nth(index)).to_be_checked()
        tab_to(page, lambda e: e["text"] == "Say this")
        _activate(page)


def test_learner_journey_with_the_keyboard_only(
    live_server, learner, correct_options, best_choice, desktop
):
    page = desktop
    page.goto(live_server.url + "/login")
    check_page(page)

    # The skip link is the first stop, is visible when focused, and moves focus to the content.
    skip = tab_to(page, lambda e: True)
    assert skip["text"] == "Skip to main content"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["height"] >= 24, "the skip link must show when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    tab_to(page, lambda e: e["id"] == "email")
    page.keyboard.type(learner.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(learner.password)
    back = tab_to(page, lambda e: True, backwards=True)
    assert back["id"] == "email" and back["value"] == learner.email
    tab_to(page, lambda e: e["id"] == "password")
    _activate(page)
    expect_page(page, "My training", "My training")

    tab_to(page, lambda e: e["href"].endswith(f"/learn/{JOURNEY_MODULE}/continue"))
    _activate(page)
    lessons = 0
    while True:
        expect(page.locator(".meta").first).to_contain_text(f"Lesson {lessons + 1} of")
        button = tab_to(page, lambda e: e["text"].startswith("Mark as done"))
        lessons += 1
        # Buttons work with Space as well as Enter.
        _activate(page, "Space" if lessons % 2 else "Enter")
        if "quiz" in button["text"]:
            break

    # Back on the module page at its quiz section: the next Tab reaches the quiz button.
    expect_page(page, MODULE_TITLE, MODULE_TITLE)
    tab_to(page, lambda e: e["text"] == "Start the quiz")
    _activate(page)
    _talk_with_keys(page, best_choice, best=False)
    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")

    _answer_with_keys(page, quiz_plan(page, correct_options, right=False))
    expect(page.locator(".result-banner")).to_contain_text("Not passed")
    check_page(page)
    tab_to(page, lambda e: e["text"] == "Try again")
    _activate(page, "Space")
    _talk_with_keys(page, best_choice, best=True)

    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")
    _answer_with_keys(page, quiz_plan(page, correct_options, right=True))
    expect(page.locator(".result-banner")).to_contain_text("Passed")

    tab_to(page, lambda e: e["tag"] == "a" and e["text"] == MODULE_TITLE)
    _activate(page)
    expect(page).to_have_url(module_url(live_server))
    expect(page.locator(".page-head .tag")).to_have_text(re.compile("Completed"))

    tab_to(page, lambda e: e["text"] == "My record")
    _activate(page)
    expect(page.get_by_role("row", name=re.compile(MODULE_TITLE))).to_contain_text("100%")

    tab_to(page, lambda e: e["text"].startswith("Log out"))
    _activate(page)
    expect_page(page, "Log in", "Log in")
    expect(page.locator(".flashes")).to_contain_text("You have logged out")
