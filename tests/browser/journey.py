"""Steps of the learner journey, shared by the mouse, touch and keyboard tests."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import JOURNEY_MODULE

MODULE_TITLE = "Active listening"

QUIZ_JS = """() => [...document.querySelectorAll('fieldset.question')].map(f => ({
  textarea: (f.querySelector('textarea[name^="q-"]') || {}).id || null,
  inputs: [...f.querySelectorAll('input[name^="q-"]')]
    .map(i => ({id: i.id, name: i.name, type: i.type, value: Number(i.value)})),
}))"""


def quiz_plan(page, correct_options, *, right: bool) -> list[dict]:
    """For each question on the page, the inputs to choose: all right, or one wrong answer.

    Which options are right comes from the database, never from the page.
    """
    questions = page.evaluate(QUIZ_JS)
    assert questions, "no questions on the quiz page"
    right_ids = correct_options([i["value"] for q in questions for i in q["inputs"]])
    plan = []
    for q in questions:
        if q["textarea"]:
            plan.append({"textarea": q["textarea"], "inputs": q["inputs"], "choose": []})
            continue
        good = [i for i in q["inputs"] if i["value"] in right_ids]
        bad = [i for i in q["inputs"] if i["value"] not in right_ids]
        assert good and bad, f"question {q} should have right and wrong options"
        if right:
            choose = good if q["inputs"][0]["type"] == "checkbox" else good[:1]
        else:
            choose = bad[:1]
        plan.append({"textarea": None, "inputs": q["inputs"], "choose": choose})
    return plan


def talk_through(page, best_choice, press, *, best: bool = True, check=None) -> int:
    """Take the conversation a quiz opens with, if it has one: the best way, or always the
    first choice shown. Each step is a form post, as without JavaScript. Returns the steps
    taken here."""
    steps = 0
    # Both the conversation and the questions are headed "Quiz: ..."; wait for one of them.
    expect(page.locator("h1")).to_have_text(re.compile("^Quiz: "))
    while page.locator("form[action$='/step']").count():
        expect(page.locator(".question__number")).to_contain_text("a conversation")
        if check and steps == 0:
            check()
        item = int(page.locator("input[name=item]").get_attribute("value"))
        taken = int(page.locator("input[name=taken]").get_attribute("value"))
        value = best_choice(item, taken) if best else None
        radio = page.locator(
            f"input[name=choice][value='{value}']" if best else "input[name=choice]"
        ).first
        press(page.locator(f"label[for='{radio.get_attribute('id')}']"))
        expect(radio).to_be_checked()
        with page.expect_navigation():
            press(page.get_by_role("button", name="Say this"))
        steps += 1
    return steps


def expect_page(page, title_start: str, heading: str | re.Pattern) -> None:
    expect(page).to_have_title(re.compile("^" + re.escape(title_start) + ".* – CareLearn$"))
    expect(page.locator("h1")).to_have_text(heading)


def module_url(server) -> str:
    return f"{server.url}/learn/{JOURNEY_MODULE}"


def assert_quiz_errors_are_tied_to_questions(page) -> None:
    """After submitting nothing: a summary that is announced and links to each question, and
    each question's fieldset points at its own error message."""
    expect(page).to_have_title(re.compile("^Error: Quiz"))
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    assert links.count() >= 1
    for href in links.evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        assert page.locator(href).count() == 1, f"error summary link {href} goes nowhere"
    problems = page.evaluate("""() => [...document.querySelectorAll('fieldset.form-group--error')]
      .map(f => {
        const ids = (f.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
        return ids.length && ids.every(id => {
          const el = document.getElementById(id);
          return el && f.contains(el) && el.textContent.trim().length > 0;
        });
      })""")
    assert problems and all(problems), "each question in error must be described by its message"


def assert_login_errors_are_tied_to_fields(page) -> None:
    expect(page).to_have_title(re.compile("^Error: Log in"))
    expect(page.locator(".error-summary")).to_have_attribute("role", "alert")
    expect(page.locator(".error-summary")).to_be_focused()
    for field in ("email", "password"):
        box = page.locator(f"#{field}")
        described = box.get_attribute("aria-describedby") or ""
        if box.get_attribute("aria-invalid") == "true":
            assert described, f"{field} is invalid but not described by its error"
            for error_id in described.split():
                expect(page.locator(f"#{error_id}")).not_to_be_empty()
