"""Testing out: experienced staff take the quiz before the lessons, and complete the module
without them when they reach the module's test-out mark."""

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import Completion, QuizAttempt
from carelearn.services.training import published
from carelearn.services.training.attempts import find_attempt
from carelearn.services.training.quiz import (
    QuizNotAvailable,
    open_attempt,
    parse_answers,
    submit_attempt,
)
from tests.conftest import csrf_token
from tests.factories import answers

TEST_OUT_MARK = 75  # 3 of the 4 questions drawn
PASS_MARK = 50


@pytest.fixture
def listening(make):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module(
        title="Active listening",
        questions=4,
        questions_per_attempt=4,
        pass_mark=PASS_MARK,
    )
    version.test_out_mark = TEST_OUT_MARK
    _db.session.commit()
    return version


@pytest.fixture
def tom(make):
    return make.user(name="Tom Hughes", email="tom@example.org")


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def current(version):
    return published.version(version.id)


def answered(attempt: QuizAttempt, right: int) -> MultiDict:
    """Right answers to the first `right` scored questions, wrong ones to the rest."""
    good, bad = answers(attempt, right=True), answers(attempt, right=False)
    form = MultiDict()
    scored = [i for i in attempt.items if i.question.kind != "reflection"]
    for item in attempt.items:
        source = good if item not in scored or scored.index(item) < right else bad
        for value in source.getlist(f"q-{item.id}"):
            form.add(f"q-{item.id}", value)
    return form


def take(user, version, right: int, testing_out: bool = True):
    attempt = open_attempt(user, current(version), testing_out=testing_out)
    form = answered(attempt, right)
    loaded = find_attempt(user, attempt.id)
    assert submit_attempt(user, loaded, parse_answers(loaded, form))
    return find_attempt(user, attempt.id)


def completions(user):
    return _db.session.scalars(select(Completion).where(Completion.user_id == user.id)).all()


def module_page(logged_in, user, version) -> str:
    return logged_in(user).get(f"/learn/{version.slug}").get_data(as_text=True)


OFFER = "Already confident? Test out"
EXPLANATION = (
    "Take the quiz now. Score 75% or more and the module is complete without the lessons. "
    "Below that, you work through the lessons as usual."
)


def test_the_offer_shows_before_the_lessons_are_done(listening, tom, logged_in):
    html = module_page(logged_in, tom, listening)
    assert OFFER in html and EXPLANATION in html
    assert 'name="testing_out" value="yes"' in html


def test_no_offer_where_the_module_does_not_allow_it(make, tom, logged_in):
    plain = make.module(title="Managing expectations")
    assert OFFER not in module_page(logged_in, tom, plain)
    with pytest.raises(QuizNotAvailable, match="no test-out"):
        open_attempt(tom, current(plain), testing_out=True)


def test_no_offer_once_the_lessons_are_done(make, listening, tom, logged_in):
    make.finish_lessons(tom, listening)
    html = module_page(logged_in, tom, listening)
    assert OFFER not in html and "Start the quiz" in html
    with pytest.raises(QuizNotAvailable, match="take the quiz as usual"):
        open_attempt(tom, current(listening), testing_out=True)


def test_passing_at_the_mark_completes_without_the_lessons(listening, tom):
    attempt = take(tom, listening, right=3)
    assert attempt.testing_out and attempt.score_percent == TEST_OUT_MARK and attempt.passed
    (completion,) = completions(tom)
    assert completion.method == "tested_out"
    assert completion.attempt_id == attempt.id


def test_below_the_mark_is_not_passed_even_above_the_pass_mark(listening, tom, logged_in):
    attempt = take(tom, listening, right=2)  # 50%: the pass mark, but not the test-out mark
    assert attempt.score_percent == PASS_MARK and not attempt.passed
    assert completions(tom) == []
    html = logged_in(tom).get(f"/learn/attempts/{attempt.id}").get_data(as_text=True)
    assert "You scored 50%, and testing out needs 75%. The lessons come next" in html
    assert f'href="/learn/{listening.slug}/continue"' in html
    assert "Try again" not in html


def test_a_second_test_out_is_refused_and_sends_to_the_lessons(listening, tom, logged_in):
    take(tom, listening, right=1)
    with pytest.raises(QuizNotAvailable, match="already tried testing out"):
        open_attempt(tom, current(listening), testing_out=True)
    html = module_page(logged_in, tom, listening)
    assert "You have already tried testing out of this module" in html
    assert 'name="testing_out"' not in html
    assert "Start the first lesson" in html


def test_the_normal_quiz_still_needs_the_lessons_and_the_pass_mark(make, listening, tom):
    with pytest.raises(QuizNotAvailable, match="Finish every lesson first"):
        open_attempt(tom, current(listening))
    make.finish_lessons(tom, listening)
    attempt = take(tom, listening, right=2, testing_out=False)
    assert not attempt.testing_out and attempt.passed  # 50% meets the pass mark
    (completion,) = completions(tom)
    assert completion.method == "quiz"


def test_one_open_attempt_at_a_time(make, listening, tom):
    testing = open_attempt(tom, current(listening), testing_out=True)
    make.finish_lessons(tom, listening)
    # The lessons are done now, but the open test-out attempt is the one to finish.
    assert open_attempt(tom, current(listening)).id == testing.id
    assert open_attempt(tom, current(listening), testing_out=True).id == testing.id
    open_ones = _db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.submitted_at.is_(None))
    ).all()
    assert len(open_ones) == 1


def test_testing_out_through_the_pages(listening, tom, logged_in):
    client = logged_in(tom)
    token = csrf_token(client, f"/learn/{listening.slug}")
    response = client.post(
        f"/learn/{listening.slug}/quiz", data={"csrf_token": token, "testing_out": "yes"}
    )
    attempt_id = int(re.search(r"/learn/attempts/(\d+)", response.headers["Location"]).group(1))
    quiz = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "You are testing out: you need 75% to complete the module without the lessons" in quiz
    form = answered(_db.session.get(QuizAttempt, attempt_id), right=4)
    form["csrf_token"] = token
    client.post(f"/learn/attempts/{attempt_id}", data=form)
    result = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "Tested out." in result and "without the lessons" in result


def test_tested_out_shows_on_my_record(listening, tom, logged_in):
    take(tom, listening, right=4)
    record = logged_in(tom).get("/learn/record").get_data(as_text=True)
    assert '<td data-label="How">tested out</td>' in record


def test_tested_out_shows_on_the_person_page_the_matrix_and_the_csvs(
    make, listening, tom, logged_in
):
    ward = make.team("Ward 7")
    make.join(tom, ward)
    manager = make.manager_of(ward)
    take(tom, listening, right=4)
    client = logged_in(manager)
    person = client.get(f"/manage/people/{tom.id}").get_data(as_text=True)
    history = person[person.index("Completion history") :]
    assert "<td>tested out</td>" in history
    matrix = client.get("/manage/matrix").get_data(as_text=True)
    assert "Completed 2 Mar 2026 · tested out" in matrix
    matrix_csv = client.get("/manage/matrix.csv").get_data(as_text=True)
    assert "Completed 2 Mar 2026 · tested out)" in matrix_csv
    (row,) = csv_rows(client.get("/manage/completions.csv"))
    assert (row["Score %"], row["How"]) == ("100", "tested out")


def test_the_module_page_reads_a_fixed_number_of_queries(listening, tom, logged_in, count_queries):
    client = logged_in(tom)

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/learn/{listening.slug}").status_code == 200
        return counter.count

    queries()  # the published content is read once, then kept
    before = queries()
    take(tom, listening, right=1)
    after = queries()
    assert after == before
    assert after <= 8, after
