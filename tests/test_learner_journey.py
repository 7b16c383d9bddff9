"""A learner's whole journey through the Flask test client, as they would see it."""

import re

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from carelearn.core import clock
from carelearn.models import AttemptQuestion, Completion, QuizAttempt
from tests.conftest import csrf_token, login
from tests.factories import answers


def page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def post(client, path, data=None, from_page=None):
    data = MultiDict(data or {})
    data.setdefault("csrf_token", csrf_token(client, from_page or "/learn"))
    return client.post(path, data=data)


def attempt_id_from(response) -> int:
    return int(re.search(r"/learn/attempts/(\d+)", response.headers["Location"]).group(1))


def test_whole_journey(app, db, client, make):
    from datetime import datetime

    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(title="Active listening", lessons=2, questions=8, questions_per_attempt=4)
    learner = make.user(role="receptionist", name="Tom Hughes")

    assert login(client, learner.email, "wrong password").status_code == 422
    assert login(client, learner.email).status_code == 302

    home = page(client, "/learn")
    assert "Active listening" in home and "Not started" in home and "0% done" in home

    # Start: the first lesson; finish it and go straight on to the next.
    response = client.get(f"/learn/{version.slug}/continue")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}/lessons/1")
    assert "Body of lesson 1" in page(client, f"/learn/{version.slug}/lessons/1")
    response = post(client, f"/learn/{version.slug}/lessons/1/complete")
    assert response.headers["Location"].endswith("/lessons/2")

    # The quiz is closed until every lesson is done.
    response = post(client, f"/learn/{version.slug}/quiz")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}")
    assert "Finish every lesson first" in page(client, f"/learn/{version.slug}")
    assert "In progress" in page(client, "/learn")

    # Another device picks up where they left off.
    other_device = app.test_client()
    login(other_device, learner.email)
    response = other_device.get(f"/learn/{version.slug}/continue")
    assert response.headers["Location"].endswith("/lessons/2")
    response = post(other_device, f"/learn/{version.slug}/lessons/2/complete")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}#quiz")

    # Quiz: a reload shows the same attempt; no answer or feedback reaches the browser.
    first = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    assert attempt_id_from(post(client, f"/learn/{version.slug}/quiz")) == first
    quiz_html = page(client, f"/learn/attempts/{first}")
    shown = re.findall(r'name="q-(\d+)" value="(\d+)"', quiz_html)
    assert (
        shown
        and re.findall(r'name="q-(\d+)" value="(\d+)"', page(client, f"/learn/attempts/{first}"))
        == shown
    )
    assert "Feedback" not in quiz_html and "Explanation of" not in quiz_html
    assert "correct" not in quiz_html.lower()
    attempt = db.session.get(QuizAttempt, first)
    assert len([i for i in attempt.items if i.question.is_scored]) == 4

    # Unanswered questions: told what to fix, nothing chosen is lost.
    partial = answers(attempt, right=False)
    first_item = attempt.items[0]
    chosen = partial.getlist(f"q-{first_item.id}")[0]
    response = post(
        client,
        f"/learn/attempts/{first}",
        {f"q-{first_item.id}": chosen},
        from_page=f"/learn/attempts/{first}",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Choose an answer." in html
    assert f'value="{chosen}" checked' in html

    # Wrong answers: failed, with each answer explained.
    response = post(
        client, f"/learn/attempts/{first}", partial, from_page=f"/learn/attempts/{first}"
    )
    assert response.headers["Location"].endswith(f"/learn/attempts/{first}")
    result = page(client, f"/learn/attempts/{first}")
    assert "0%" in result and "Not passed this time" in result and "Explanation of" in result
    assert "You chose this:" in result and "The right answer:" in result

    # Submitting the same attempt again changes nothing.
    post(
        client,
        f"/learn/attempts/{first}",
        answers(attempt, right=True),
        from_page=f"/learn/attempts/{first}",
    )
    db.session.expire_all()
    assert db.session.get(QuizAttempt, first).score_percent == 0
    assert db.session.scalar(select(func.count(Completion.id))) == 0

    # Retry draws a fresh attempt; passing completes the module.
    second = attempt_id_from(
        post(client, f"/learn/{version.slug}/quiz", from_page=f"/learn/attempts/{first}")
    )
    assert second != first
    retry = db.session.get(QuizAttempt, second)
    post(
        client,
        f"/learn/attempts/{second}",
        answers(retry, right=True),
        from_page=f"/learn/attempts/{second}",
    )
    result = page(client, f"/learn/attempts/{second}")
    assert "100%" in result and "Passed." in result
    assert "I will say my name first." in result  # their reflection is kept for them

    home = page(client, "/learn")
    assert "Completed" in home and "100% done" in home
    record = page(client, "/learn/record")
    assert "Active listening" in record and "2 Mar 2026" in record and "100%" in record
    assert "1.0" in record and "2 Mar 2027" in record

    # Logging out ends the session.
    response = post(client, "/logout")
    assert response.headers["Location"].endswith("/login")
    assert client.get("/learn").status_code == 302


def test_completed_module_cannot_be_retaken_for_a_second_completion(db, make, logged_in):
    version = make.module()
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    attempt = db.session.get(QuizAttempt, attempt_id)
    post(
        client,
        f"/learn/attempts/{attempt_id}",
        answers(attempt),
        from_page=f"/learn/attempts/{attempt_id}",
    )
    response = post(client, f"/learn/{version.slug}/quiz")
    assert response.headers["Location"].endswith(f"/learn/{version.slug}")
    assert "You have completed this module" in page(client, f"/learn/{version.slug}")


def test_expired_completion_offers_a_refresher(db, make, logged_in):
    from datetime import datetime

    version = make.module(recertify_after_months=12)
    learner = make.user()
    make.finish_lessons(learner, version)
    clock.freeze(datetime(2025, 1, 10, 12, 0))
    client = logged_in(learner)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    attempt = db.session.get(QuizAttempt, attempt_id)
    post(
        client,
        f"/learn/attempts/{attempt_id}",
        answers(attempt),
        from_page=f"/learn/attempts/{attempt_id}",
    )
    clock.freeze(datetime(2026, 1, 10, 12, 0))
    client = logged_in(learner)  # a year on: the old session has long timed out
    home = page(client, "/learn")
    assert "Expired" in home
    assert "Take the refresher quiz" in page(client, f"/learn/{version.slug}")
    renewal = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    assert renewal != attempt_id
    renewal_attempt = db.session.get(QuizAttempt, renewal)
    post(
        client,
        f"/learn/attempts/{renewal}",
        answers(renewal_attempt),
        from_page=f"/learn/attempts/{renewal}",
    )
    assert db.session.scalar(select(func.count(Completion.id))) == 2
    assert "Completed" in page(client, "/learn")


def test_questions_fit_the_learners_job_role(db, make, logged_in):
    version = make.module(
        questions=2,
        questions_per_attempt=4,
        role_variants={"receptionist": 2, "nurse": 2},
        audience=["receptionist", "nurse"],
    )
    nurse = make.user(role="nurse")
    make.finish_lessons(nurse, version)
    client = logged_in(nurse)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    keys = {i.question.key for i in db.session.get(QuizAttempt, attempt_id).items}
    assert keys == {"q0", "q1", "nurse-q0", "nurse-q1", "reflect"}


def test_options_are_shuffled_per_attempt(db, make, logged_in):
    version = make.module(questions=12, questions_per_attempt=12, kinds=("single",))
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    attempt_id = attempt_id_from(post(client, f"/learn/{version.slug}/quiz"))
    items = db.session.scalars(
        select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
    ).all()
    natural = [[o.id for o in item.question.options] for item in items]
    # 12 questions of 3 options all left in file order would happen 1 time in 6**12.
    assert [item.option_order for item in items] != natural
    assert all(
        sorted(item.option_order) == sorted(n) for item, n in zip(items, natural, strict=True)
    )


def test_module_cards_show_each_learners_own_place(db, make, logged_in):
    """Cards are rendered once per worker for each point a learner can be at: learners at the
    same point share one, and any step forward shows at once."""
    from datetime import date, datetime

    from carelearn.services.onboarding.assignments import assign_modules

    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(title="Active listening", lessons=3)
    ahead, behind, twin = (make.user(role="receptionist") for _ in range(3))
    for person in (ahead, twin):
        make.finish_lessons(person, version)
    assign_modules([behind.id], [version.module_id], date(2026, 3, 20), source="manager")
    db.session.commit()

    assert "3 of 3 lessons done" in page(logged_in(ahead), "/learn")
    assert "Go to the quiz" in page(logged_in(twin), "/learn")
    html = page(logged_in(behind), "/learn")
    assert (
        "0 of 3 lessons done" in html and "Required · due 20 Mar 2026" in html and "Start<" in html
    )
    assert "3 of 3" not in html and "Go to the quiz" not in html

    client = logged_in(behind)
    post(client, f"/learn/{version.slug}/lessons/1/complete")
    html = page(client, "/learn")
    assert "1 of 3 lessons done" in html and "Continue<" in html and "25% done" in html
    assert "Required · due 20 Mar 2026" in html
    clock.freeze(datetime(2026, 3, 21, 9, 0))
    client = logged_in(behind)  # days later: the old session has timed out
    assert "Overdue" in page(client, "/learn")
