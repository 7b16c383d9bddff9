"""The learner's pages tell the truth, in the real browser: the pager's "Next lesson" counts as
reading, the result says how many were right and what comes next, My record shows every column
on a phone with the learner's own reflections, and the Help page is there for everyone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .checks import check_page
from .conftest import DESKTOP
from .journey import MODULE_TITLE, expect_page, module_url, quiz_plan, talk_through
from .test_pages import DEVICES, log_in

pytestmark = pytest.mark.browser

REFLECTION = "I will let them finish, then say back what I heard."

CELLS_JS = """() => {
  const width = document.documentElement.clientWidth;
  const wrap = document.querySelector('.table-wrap');
  return {
    wrapScrolls: wrap.scrollWidth > wrap.clientWidth,
    cut: [...document.querySelectorAll('.record-table th, .record-table td')]
      .filter(cell => !cell.closest('thead'))
      .filter(cell => {
        const r = cell.getBoundingClientRect();
        return !cell.getClientRects().length || r.left < 0 || r.right > width + 0.5;
      })
      .map(cell => cell.textContent.trim()),
  };
}"""


def _read_with_the_pager_only(page, server, press, check) -> int:
    """Every lesson but the last left with "Next lesson"; the last with its button."""
    press(page.get_by_role("link", name=re.compile("Start the first lesson")))
    position = 1
    while True:
        expect(page.locator(".meta").first).to_contain_text(f"Lesson {position} of")
        next_button = page.get_by_role("button", name="Next lesson", exact=True)
        if next_button.count() == 0:
            break
        if position == 1:
            check()
        press(next_button)
        position += 1
    assert position >= 2
    press(page.get_by_role("button", name="Mark as done and go to the quiz"))
    return position


@pytest.mark.parametrize("device", DEVICES)
def test_a_learner_who_uses_only_the_pager_reaches_an_open_quiz(
    live_server, learner, correct_options, best_choice, new_page, device
):
    page = new_page(**DEVICES[device])
    phone = device == "phone"

    def press(locator):
        locator.tap() if phone else locator.click()

    def check(name=None):
        check_page(page, phone=phone, screenshot=f"{name}-{device}" if name else None)

    log_in(page, live_server, learner)
    page.goto(module_url(live_server))
    expect(page.locator("main .meta").first).to_contain_text("Optional")
    check()
    lessons = _read_with_the_pager_only(page, live_server, press, check)

    expect_page(page, MODULE_TITLE, MODULE_TITLE)
    expect(page.locator(".flashes")).to_have_text(
        "You have finished the lessons. The quiz is next."
    )
    expect(page.locator(".lesson-list__item--done")).to_have_count(lessons)
    expect(page.get_by_text("Not done yet")).to_have_count(0)
    expect(page.locator("#quiz + p")).to_contain_text(re.compile(r"^\d+ questions"))
    check()
    press(page.get_by_role("button", name="Start the quiz"))
    talked = 1 if talk_through(page, best_choice, press) else 0
    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")

    # Pass, writing a reflection: the result says how many were right and what comes next.
    plan = quiz_plan(page, correct_options, right=True)
    scored = [None] * talked + [q for q in plan if not q["textarea"]]
    expect(page.locator(".question__number").first).to_have_text(
        f"Question 1 of {len(scored)}" + (": a conversation" if talked else "")
    )
    for question in plan:
        if question["textarea"]:
            page.locator(f"#{question['textarea']}").fill(REFLECTION)
        for option in question["choose"]:
            press(page.locator(f"label[for='{option['id']}']"))
    press(page.get_by_role("button", name="Submit my answers"))
    expect_page(page, "Your result", f"Your result: {MODULE_TITLE}")
    expect(page.locator(".result-banner__score")).to_have_text(
        f"{len(scored)} of {len(scored)} (100%)"
    )
    banner = page.locator(".result-banner")
    expect(banner.get_by_role("link", name="Back to my training")).to_be_visible()
    check("result-next-step")

    # My record: every column on the screen, and the reflection they wrote.
    press(page.get_by_role("link", name="My record"))
    expect_page(page, "My record", "My record")
    cells = page.evaluate(CELLS_JS)
    assert not cells["wrapScrolls"] and not cells["cut"], cells
    reflections = page.locator(".reflections li")
    if any(q["textarea"] for q in plan):
        expect(reflections.first).to_contain_text(REFLECTION)
        expect(reflections.first).to_contain_text(MODULE_TITLE)
        expect(reflections.first).to_contain_text("Only you can see this")
    check("record-with-reflections")


def test_reading_with_the_pager_works_without_javascript(live_server, learner, new_page):
    page = new_page(**DEVICES["desktop"], java_script_enabled=False)
    log_in(page, live_server, learner)
    page.goto(module_url(live_server))
    page.get_by_role("link", name=re.compile("Start the first lesson")).click()
    page.get_by_role("button", name="Next lesson", exact=True).click()
    expect(page.locator(".meta").first).to_contain_text("Lesson 2 of")
    page.goto(module_url(live_server))
    expect(page.locator(".lesson-list__item--done")).to_have_count(1)

    # Jumping to the last lesson and leaving it: told which lessons are left, with a link.
    last = page.locator(".lesson-list__item a").last
    last.click()
    page.get_by_role("button", name="Mark as done and go to the quiz").click()
    flash = page.locator(".flashes")
    expect(flash).to_contain_text("not done yet, so the quiz is not open")
    expect(page.get_by_role("button", name="Start the quiz")).to_have_count(0)
    flash.get_by_role("link", name=re.compile("^Go to lesson 2")).click()
    expect(page.locator(".meta").first).to_contain_text("Lesson 2 of")


@pytest.mark.parametrize("device", DEVICES)
def test_the_help_page_for_everyone(live_server, learner, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    page.goto(live_server.url + "/login")
    page.locator("footer").get_by_role("link", name="Help").click()
    expect_page(page, "Help", "Help")
    expect(page.get_by_role("heading", name="Whom to ask")).to_be_visible()
    check_page(page, phone=phone, screenshot=f"help-{device}")
    log_in(page, live_server, learner)
    page.locator("footer").get_by_role("link", name="Help").click()
    expect(page.get_by_role("link", name="Back to my training")).to_be_visible()
    check_page(page, phone=phone)


def test_a_conversation_step_by_step_without_javascript(
    live_server, learner, best_choice, new_page
):
    """Each choice is a form post; a reload comes back to the step reached; the result replays
    the path with feedback and shows the best path."""
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    log_in(page, live_server, learner)
    page.goto(module_url(live_server))
    _read_with_the_pager_only(page, live_server, lambda locator: locator.click(), lambda: None)
    page.get_by_role("button", name="Start the quiz").click()
    expect_page(page, "Conversation", f"Quiz: {MODULE_TITLE}")
    first_words = page.locator(".conversation__says--now").inner_text()
    page.locator("label[for^='choice-']").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Say this").click()
    if page.locator("form[action$='/step']").count():
        # The step reached survives a reload, with the first step's words above it.
        said = page.locator(".conversation__so-far .conversation__you").inner_text()
        page.reload()
        expect(page.locator(".conversation__so-far .conversation__you")).to_have_text(said)
        expect(page.locator(".conversation__so-far .conversation__says")).to_have_text(first_words)
        talk_through(page, best_choice, lambda locator: locator.click())
    expect(page.get_by_text("You finished this conversation")).to_be_visible()
    # Without JavaScript nothing can be read from the page by script: tick each question's
    # first answer.
    for question in page.locator("fieldset.question:not(:has(textarea))").all():
        question.locator("label").first.click()
    page.get_by_role("button", name="Submit my answers").click()
    expect_page(page, "Your result", f"Your result: {MODULE_TITLE}")
    replay = page.locator(".answer").first
    expect(replay.get_by_role("heading", name="What you said")).to_be_visible()
    expect(replay.locator(".answer__feedback").first).not_to_be_empty()
    expect(replay.locator(".tag")).to_contain_text(re.compile("ending"))
