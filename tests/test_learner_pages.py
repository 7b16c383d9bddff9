"""What the learner's pages say matches where the learner really stands: lessons read through
the pager, the flash after the last lesson, the quiz's size, the result, the next step, the
record on a phone and their own reflections."""

import re
from datetime import date, datetime

from werkzeug.datastructures import MultiDict

from carelearn.core import clock
from carelearn.models import QuizAttempt
from carelearn.services.onboarding.assignments import assign_modules
from carelearn.services.training.learning import module_progress, my_reflections, next_due
from carelearn.services.training.published import current_version
from carelearn.services.training.quiz import QuizSize, quiz_size
from tests.factories import answers
from tests.test_learner_journey import attempt_id_from, page, post


def _submit(client, db, attempt_id: int, form: MultiDict) -> str:
    response = post(
        client, f"/learn/attempts/{attempt_id}", form, from_page=f"/learn/attempts/{attempt_id}"
    )
    assert response.status_code == 302
    return page(client, f"/learn/attempts/{attempt_id}")


def _pass(client, db, version) -> tuple[int, str]:
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    html = _submit(client, db, attempt_id, answers(db.session.get(QuizAttempt, attempt_id)))
    return attempt_id, html


def _flash(html: str) -> str:
    found = re.search(r'<div class="flashes" role="status">(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


# Reading a lesson counts ------------------------------------------------------------------


def test_the_pagers_next_button_marks_the_lesson_read_and_moves_on(db, make, logged_in):
    version = make.module(lessons=3)
    learner = make.user()
    client = logged_in(learner)
    html = page(client, f"/learn/{version.slug}/lessons/1")
    # "Next lesson" is a button in a form that posts, with the CSRF token, to mark the lesson read.
    pager = re.search(r'<nav class="pager" aria-label="Lessons">(.*?)</nav>', html, re.S).group(1)
    assert f'action="/learn/{version.slug}/lessons/1/complete"' in pager
    assert 'name="csrf_token"' in pager and "Next lesson" in pager and "<a" not in pager

    response = post(client, f"/learn/{version.slug}/lessons/1/complete")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}/lessons/2")
    progress = module_progress(learner, current_version(version.slug))
    assert progress.lessons_done == 1
    module_html = page(client, f"/learn/{version.slug}")
    assert module_html.count("Not done yet") == 2

    # Going back is a plain link that changes nothing; the last lesson has no "Next lesson".
    html = page(client, f"/learn/{version.slug}/lessons/2")
    assert f'href="/learn/{version.slug}/lessons/1" rel="prev"' in html
    assert "Next lesson" not in page(client, f"/learn/{version.slug}/lessons/3")


def test_marking_a_lesson_read_needs_the_csrf_token(db, make, logged_in):
    version = make.module(lessons=2)
    learner = make.user()
    client = logged_in(learner)
    page(client, f"/learn/{version.slug}/lessons/1")
    assert client.post(f"/learn/{version.slug}/lessons/1/complete").status_code == 400
    assert module_progress(learner, current_version(version.slug)).lessons_done == 0
    assert post(client, f"/learn/{version.slug}/lessons/9/complete").status_code == 404


def test_a_learner_who_only_uses_the_pager_reaches_an_open_quiz(db, make, logged_in):
    version = make.module(lessons=4)
    client = logged_in(make.user())
    response = client.get(f"/learn/{version.slug}/continue")
    while "/lessons/" in response.headers.get("Location", ""):
        position = int(response.headers["Location"].rsplit("/", 1)[1])
        page(client, f"/learn/{version.slug}/lessons/{position}")
        response = post(client, f"/learn/{version.slug}/lessons/{position}/complete")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}#quiz")
    html = page(client, f"/learn/{version.slug}")
    assert "You have finished the lessons. The quiz is next." in _flash(html)
    assert "Not done yet" not in html and "Start the quiz" in html


def test_the_last_lesson_with_others_unread_says_which_and_links_to_the_first(db, make, logged_in):
    version = make.module(lessons=5)
    learner = make.user()
    client = logged_in(learner)
    # Skipped ahead by the lesson list, then read lesson 3 and the last one.
    post(client, f"/learn/{version.slug}/lessons/3/complete")
    response = post(client, f"/learn/{version.slug}/lessons/5/complete")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}")
    html = page(client, f"/learn/{version.slug}")
    message = _flash(html)
    assert "finished the lessons" not in message and "quiz is next" not in message
    assert "lessons 1, 2 and 4 are not done yet, so the quiz is not open" in message
    assert f'<a href="/learn/{version.slug}/lessons/1">Go to lesson 1: Lesson 1</a>' in message
    assert html.count("Not done yet") == 3 and "Start the quiz" not in html

    post(client, f"/learn/{version.slug}/lessons/1/complete")
    post(client, f"/learn/{version.slug}/lessons/2/complete")
    post(client, f"/learn/{version.slug}/lessons/5/complete")
    message = _flash(page(client, f"/learn/{version.slug}"))
    assert "lesson 4 is not done yet" in message
    assert f'href="/learn/{version.slug}/lessons/4">Go to lesson 4: Lesson 4</a>' in message


def test_lesson_titles_in_the_message_are_escaped(db, make, logged_in):
    version = make.module(lessons=2)
    version.lessons[0].title = "<b>Hello</b> & welcome"
    db.session.commit()
    client = logged_in(make.user())
    post(client, f"/learn/{version.slug}/lessons/2/complete")
    message = _flash(page(client, f"/learn/{version.slug}"))
    assert "Go to lesson 1: &lt;b&gt;Hello&lt;/b&gt; &amp; welcome</a>" in message


def test_rereading_a_completed_module_does_not_promise_a_quiz(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(lessons=2)
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    _pass(client, db, version)
    post(client, f"/learn/{version.slug}/lessons/2/complete")
    message = _flash(page(client, f"/learn/{version.slug}"))
    assert "The quiz is next" not in message
    assert "You completed this module on 2 Mar 2026" in message


# Small truths on the learner pages ----------------------------------------------------------


def test_the_module_page_shows_the_due_date(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(lessons=2)
    learner, other = make.user(), make.user()
    assign_modules([learner.id], [version.module_id], date(2026, 3, 20), source="manager")
    db.session.commit()
    assert "Required · due 20 Mar 2026" in page(logged_in(learner), f"/learn/{version.slug}")
    html = page(logged_in(other), f"/learn/{version.slug}")
    assert "Optional" in html and "due 20 Mar" not in html


def test_the_announced_quiz_matches_the_draw(db, make, logged_in):
    with_reflection = make.module(questions=10, questions_per_attempt=8)
    without = make.module(questions=6, questions_per_attempt=4, reflection=False)
    small_bank = make.module(questions=2, questions_per_attempt=5, reflection=False)
    learner = make.user()
    client = logged_in(learner)
    for version, words, scored, reflections in (
        (with_reflection, "8 questions and one reflection", 8, 1),
        (without, "4 questions", 4, 0),
        (small_bank, "2 questions", 2, 0),
    ):
        make.finish_lessons(learner, version)
        html = page(client, f"/learn/{version.slug}")
        assert f"{words} about situations you may meet at work" in html
        assert ("the reflection is not scored" in html) == bool(reflections)
        attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
        items = db.session.get(QuizAttempt, attempt_id).items
        assert len([i for i in items if i.question.kind != "reflection"]) == scored
        assert len([i for i in items if i.question.kind == "reflection"]) == reflections
        quiz = page(client, f"/learn/attempts/{attempt_id}")
        assert f"Question 1 of {scored}<" in quiz and f"of {scored + 1}<" not in quiz
        assert ('class="question__number">Reflection<' in quiz) == bool(reflections)


def test_quiz_size_follows_the_learners_role(db, make):
    version = make.module(
        questions=1,
        questions_per_attempt=4,
        role_variants={"nurse": 2},
        audience=["receptionist", "nurse"],
    )
    nurse, porter = make.user(role="nurse"), make.user(role="porter")
    published = current_version(version.slug)
    assert quiz_size(nurse, published) == QuizSize(3, 1)
    assert quiz_size(porter, published) == QuizSize(3, 1)  # topped up from other roles' questions
    assert QuizSize(1, 0).words == "1 question"
    assert QuizSize(8, 1).words == "8 questions and one reflection"


def test_the_result_reads_how_many_of_how_many(db, make, logged_in):
    version = make.module(questions=8, questions_per_attempt=8, pass_mark=80)
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    attempt = db.session.get(QuizAttempt, attempt_id)
    right, wrong = answers(attempt, right=True), answers(attempt, right=False)
    scored = [i for i in attempt.items if i.question.kind != "reflection"]
    form = MultiDict()
    for item in attempt.items:
        source = wrong if item in scored[6:] else right
        for value in source.getlist(f"q-{item.id}"):
            form.add(f"q-{item.id}", value)
    html = _submit(client, db, attempt_id, form)
    assert '<p class="result-banner__score">6 of 8 (75%)</p>' in html
    assert "Not passed this time" in html


def test_after_a_pass_the_next_module_due_is_at_the_top(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    first = make.module(title="Active listening")
    later = make.module(title="Calm in conflict")
    soon = make.module(title="Dignity and respect")
    learner = make.user()
    assign_modules([learner.id], [later.module_id], date(2026, 5, 1), source="manager")
    assign_modules([learner.id], [soon.module_id], date(2026, 4, 1), source="manager")
    db.session.commit()
    make.finish_lessons(learner, first)
    client = logged_in(learner)
    _, html = _pass(client, db, first)
    top = html.split("Your answers explained")[0]
    assert "<strong>Next:</strong> Dignity and respect, due 1 Apr 2026." in top
    assert f'href="/learn/{soon.slug}/continue">Start Dignity and respect</a>' in top
    assert next_due(learner, current_version(soon.slug)).version.title == "Calm in conflict"


def test_after_a_pass_with_nothing_else_due_the_way_back_is_at_the_top(db, make, logged_in):
    version = make.module()
    make.module(title="Optional extra")  # for their role, but nobody asked for it
    learner = make.user()
    make.finish_lessons(learner, version)
    _, html = _pass(logged_in(learner), db, version)
    top = html.split("Your answers explained")[0]
    assert "Nothing else is due for you now." in top
    assert 'href="/learn">Back to my training</a>' in top


def test_my_record_labels_every_cell_for_the_stacked_phone_layout(db, make, logged_in):
    version = make.module(title="Active listening")
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    _pass(client, db, version)
    html = page(client, "/learn/record")
    assert 'class="table table--stack record-table"' in html
    for label in ("Completed", "Score", "Version", "Due again"):
        assert f'<td data-label="{label}">' in html


def test_learners_read_back_their_own_reflections_only(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(title="Active listening")
    learner, other = make.user(), make.user()
    for person in (learner, other):
        make.finish_lessons(person, version)
    client = logged_in(learner)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = answers(attempt)
    reflection = next(i for i in attempt.items if i.question.kind == "reflection")
    form.setlist(f"q-{reflection.id}", ["I will <ask> what matters to them first."])
    form.add(f"share-{reflection.id}", "yes")
    _submit(client, db, attempt_id, form)

    html = page(client, "/learn/record")
    assert "My reflections" in html
    assert "I will &lt;ask&gt; what matters to them first." in html
    assert "Prompt reflect?" in html and "Active listening · 2 Mar 2026" in html
    assert "Shared with your manager" in html

    other_html = page(logged_in(other), "/learn/record")
    assert "what matters to them" not in other_html and "None yet." in other_html
    assert my_reflections(other).total == 0
    # Another learner's attempt, with the reflection on it, is not found.
    assert logged_in(other).get(f"/learn/attempts/{attempt_id}").status_code == 404


def test_reflections_are_paginated_newest_first(db, make, logged_in):
    learner = make.user()
    client = logged_in(learner)
    for day in range(1, 13):
        clock.freeze(datetime(2026, 3, day, 9, 0))
        version = make.module(title=f"Module on day {day}")
        make.finish_lessons(learner, version)
        _pass(client, db, version)
    first = page(client, "/learn/record")
    assert first.index("Module on day 12 ·") < first.index("Module on day 3 ·")
    assert "Module on day 2 ·" not in first and 'aria-label="Pages of results"' in first
    second = page(client, "/learn/record?page=2")
    assert "Module on day 2 ·" in second and "Module on day 1 ·" in second
    assert "Module on day 12 ·" not in second
    assert client.get("/learn/record?page=abc").status_code == 200
    assert "Module on day 1 ·" in page(client, "/learn/record?page=99")
