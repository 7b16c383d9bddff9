"""Branching conversations in a quiz: one step at a time, saved on the server, scored only there,
replayed on the result page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from carelearn.models import AttemptQuestion, Completion, Question, QuizAttempt
from tests.conftest import csrf_token
from tests.factories import CONVERSATION_STEPS

# What each step and choice would give away if the page held more than the step reached.
LATER_STEP = "So what is happening with him?"
UNCHOSEN_REACTION = "She turns away and starts typing a complaint."


@pytest.fixture
def quiz(make, logged_in):
    """A learner at the start of a quiz that opens with a conversation."""
    version = make.module(questions=3, questions_per_attempt=3, conversations=1, pass_mark=60)
    learner = make.user()
    make.finish_lessons(learner, version)
    client = logged_in(learner)
    token = csrf_token(client, "/learn")
    started = client.post(f"/learn/{version.slug}/quiz", data={"csrf_token": token})
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    return client, token, attempt_id, learner


def conversation_row(db, attempt_id: int) -> AttemptQuestion:
    db.session.expire_all()
    return db.session.scalar(
        select(AttemptQuestion)
        .join(AttemptQuestion.question)
        .where(AttemptQuestion.attempt_id == attempt_id)
        .where(AttemptQuestion.position == 1)
    )


def step(client, token, attempt_id, item_id, taken, choice):
    return client.post(
        f"/learn/attempts/{attempt_id}/step",
        data={"csrf_token": token, "item": item_id, "taken": taken, "choice": choice},
    )


def shown_choice_values(html: str) -> dict[str, str]:
    """label text -> the value the form sends for it."""
    values = dict(re.findall(r'id="(choice-[^"]+)" name="choice" value="(\d+)"', html))
    labels = re.findall(r'<label for="(choice-[^"]+)">(.*?)</label>', html, re.S)
    return {text.strip(): values[target] for target, text in labels}


def test_the_quiz_opens_with_the_first_step_only_and_no_score_or_map(quiz, db):
    client, _token, attempt_id, _ = quiz
    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "I have waited four hours" in page
    assert "What do you say or do?" in page
    assert LATER_STEP not in page
    assert UNCHOSEN_REACTION not in page
    for giveaway in ("best", "acceptable", "poor", "outcome", "Feedback", "Saying sorry"):
        assert giveaway not in page
    # The rest of the quiz waits until the conversation ends.
    assert "Submit my answers" not in page


def test_a_learner_talks_through_resumes_after_reload_and_then_answers_the_rest(quiz, db, make):
    client, token, attempt_id, learner = quiz
    item = conversation_row(db, attempt_id)
    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    choices = shown_choice_values(page)
    lead_on = choices["&#34;I&#39;m sorry. Let me find out for you now.&#34;"]

    response = step(client, token, attempt_id, item.id, 0, lead_on)
    assert response.status_code == 302
    # A reload (or another device) shows the step reached, with the reaction to the first.
    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "She nods and sits down." in page
    assert LATER_STEP in page
    assert conversation_row(db, attempt_id).path == [0]

    # Pressing the first step's button again (a second tab, a double click) changes nothing.
    again = step(client, token, attempt_id, item.id, 0, lead_on)
    assert "already taken" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert conversation_row(db, attempt_id).path == [0]

    acceptable = shown_choice_values(page)[
        "&#34;He&#39;s being well looked after in there. It won&#39;t be long now.&#34;"
    ]
    step(client, token, attempt_id, item.id, 1, acceptable)
    row = conversation_row(db, attempt_id)
    assert (row.path, row.outcome, row.steps_taken) == ([0, 1], "acceptable", 2)

    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "You finished this conversation" in page
    assert "Submit my answers" in page
    assert "acceptable" not in page  # still no score before submitting

    form = make.answers(db.session.get(QuizAttempt, attempt_id), right=True)
    form["csrf_token"] = token
    assert client.post(f"/learn/attempts/{attempt_id}", data=form).status_code == 302
    result = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    # Two right answers and half a mark: 2½ of 3, 83%.
    assert "2½ of 3 (83%)" in result
    assert "An acceptable ending · ½ of 1 mark" in result
    assert "Saying sorry and acting turns anger into a shared task." in result
    assert "The best path" in result
    assert "A place, a name and a time she can hold you to." in result
    assert db.session.scalar(select(Completion).where(Completion.user_id == learner.id))

    # After submitting, the path cannot change.
    late = step(client, token, attempt_id, item.id, 2, "0")
    assert "cannot change" in client.get(late.headers["Location"]).get_data(as_text=True)
    assert conversation_row(db, attempt_id).path == [0, 1]


def test_the_best_path_scores_a_full_mark_and_says_so(quiz, db, make):
    client, token, attempt_id, _ = quiz
    item = conversation_row(db, attempt_id)
    step(client, token, attempt_id, item.id, 0, "0")
    step(client, token, attempt_id, item.id, 1, "0")
    form = make.answers(db.session.get(QuizAttempt, attempt_id), right=False)
    form["csrf_token"] = token
    client.post(f"/learn/attempts/{attempt_id}", data=form)
    result = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert "1 of 3 (33%)" in result
    assert "The best ending · 1 of 1 mark" in result
    assert "You took the best path." in result


def test_a_poor_first_choice_ends_the_conversation_at_once(quiz, db):
    client, token, attempt_id, _ = quiz
    item = conversation_row(db, attempt_id)
    step(client, token, attempt_id, item.id, 0, "1")
    row = conversation_row(db, attempt_id)
    assert (row.path, row.outcome) == ([1], "poor")
    page = client.get(f"/learn/attempts/{attempt_id}").get_data(as_text=True)
    assert UNCHOSEN_REACTION in page  # the reaction to what was said, as its ending


@pytest.mark.parametrize("choice", ["", "7", "-1", "x", "²", "99999999999999999999999"])
def test_a_choice_that_is_not_on_the_page_is_refused_and_nothing_is_saved(quiz, db, choice):
    client, token, attempt_id, _ = quiz
    item = conversation_row(db, attempt_id)
    response = step(client, token, attempt_id, item.id, 0, choice)
    assert response.status_code == 422
    assert "Choose what you would say or do." in response.get_data(as_text=True)
    assert conversation_row(db, attempt_id).path in (None, [])


def test_submitting_before_the_conversation_ends_goes_back_to_it(quiz, db):
    client, token, attempt_id, _ = quiz
    response = client.post(f"/learn/attempts/{attempt_id}", data={"csrf_token": token})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Finish the conversation first" in page
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_another_persons_attempt_or_a_question_that_is_not_a_conversation_is_not_found(
    quiz, db, make, logged_in
):
    client, token, attempt_id, _ = quiz
    item = conversation_row(db, attempt_id)
    stranger = logged_in(make.user(email="someone.else@example.org"))
    their_token = csrf_token(stranger, "/learn")
    assert step(stranger, their_token, attempt_id, item.id, 0, "0").status_code == 404
    other = db.session.scalar(
        select(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id, AttemptQuestion.position == 2
        )
    )
    assert step(client, token, attempt_id, other.id, 0, "0").status_code == 404
    assert conversation_row(db, attempt_id).path in (None, [])


def test_every_attempt_draws_one_conversation_first_as_one_of_its_scored_questions(make, db):
    from carelearn.services.training import published
    from carelearn.services.training.quiz import open_attempt, quiz_size

    version = make.module(questions=6, questions_per_attempt=4, conversations=2)
    learner = make.user()
    make.finish_lessons(learner, version)
    attempt = open_attempt(learner, published.version(version.id))
    kinds = [item.question.kind for item in attempt.items]
    assert kinds[0] == "conversation"
    assert kinds.count("conversation") == 1
    assert len([k for k in kinds if k != "reflection"]) == 4
    assert quiz_size(learner, published.version(version.id)).questions == 4


def test_the_steps_as_stored_are_the_steps_as_written(make, db):
    make.module(conversations=1)
    talk = db.session.scalar(select(Question).where(Question.kind == "conversation"))
    assert talk.steps == CONVERSATION_STEPS


def test_managers_see_how_often_each_choice_was_taken_at_each_step(make, db, logged_in):
    from datetime import datetime

    ours, theirs = make.team("Emergency", "department"), make.team("Wards", "department")
    manager = make.manager_of(ours)
    version = make.module(title="Managing expectations", conversations=1)
    talk = db.session.scalar(select(Question).where(Question.kind == "conversation"))
    # Ours: three went on and ended best, one ended acceptable, one ended poor at once.
    # Someone outside the manager's teams ended poor: not counted.
    paths = [(ours, [0, 0], "best")] * 3 + [(ours, [0, 1], "acceptable"), (ours, [1], "poor")]
    for team, path, outcome in [*paths, (theirs, [1], "poor")]:
        person = make.user()
        make.join(person, team)
        attempt = QuizAttempt(
            user_id=person.id,
            module_version_id=version.id,
            submitted_at=datetime(2026, 6, 1),
            score_percent=0,
            passed=False,
        )
        db.session.add(attempt)
        db.session.flush()
        db.session.add(
            AttemptQuestion(
                attempt_id=attempt.id,
                question_id=talk.id,
                position=1,
                option_order=[],
                path=path,
                steps_taken=len(path),
                outcome=outcome,
                is_correct=outcome == "best",
            )
        )
    db.session.commit()

    client = logged_in(manager)
    page = client.get(f"/manage/questions/{version.module_id}/{talk.key}")
    assert page.status_code == 200
    text = " ".join(page.get_data(as_text=True).split())
    assert "Endings: 3 best, 1 acceptable, 1 poor, of 5." in text
    assert "Reached in 5 of 5 answers." in text
    assert "Reached in 4 of 5 answers." in text
    # At the start 4 of 5 went on and 1 ended poor; at the second step 3 of 4 ended best.
    cells = re.findall(r'data-label="Taken">([^<]+)<', page.get_data(as_text=True))
    assert cells == ["4 of 5", "1 of 5", "3 of 4", "1 of 4"]
    assert "The best ending" in text and "A poor ending" in text


def test_conversation_pages_stay_within_the_quiz_pages_query_counts(quiz, db, count_queries):
    """The step reached and each step taken cost what the quiz page costs: the map comes from
    the published-content cache, and a step is one conditional UPDATE."""
    client, token, attempt_id, _ = quiz
    item = conversation_row(db, attempt_id)
    client.get(f"/learn/attempts/{attempt_id}")  # content cached, as on any busy server
    with count_queries() as page:
        assert client.get(f"/learn/attempts/{attempt_id}").status_code == 200
    with count_queries() as first:
        assert step(client, token, attempt_id, item.id, 0, "0").status_code == 302
    with count_queries() as second:
        assert step(client, token, attempt_id, item.id, 1, "0").status_code == 302
    with count_queries() as questions:
        assert client.get(f"/learn/attempts/{attempt_id}").status_code == 200
    # The page: the session's person, and the attempt with its answers.
    assert page.count == questions.count == 2
    # A step: the person, the attempt, and the UPDATE that takes the step.
    assert first.count == second.count == 3
