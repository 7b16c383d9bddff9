"""Question analysis a manager can use: the situation and the question, how many answers each
figure comes from, too few to judge under 5, and each question as learners saw it with the
right answer and the wrong answer chosen most (from the manager's own people only)."""

from datetime import datetime

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AttemptQuestion, Question, QuizAttempt


def _answer(db, person, version, picks: dict[str, str]) -> None:
    """One submitted attempt of `person`: for each question key, the text of the option chosen."""
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        submitted_at=datetime(2026, 6, 1),
        score_percent=0,
        passed=False,
    )
    db.session.add(attempt)
    db.session.flush()
    questions = {
        q.key: q
        for q in db.session.scalars(
            select(Question).where(Question.module_version_id == version.id)
        )
    }
    for position, (key, text) in enumerate(picks.items(), 1):
        option = next(o for o in questions[key].options if o.text == text)
        db.session.add(
            AttemptQuestion(
                attempt_id=attempt.id,
                question_id=questions[key].id,
                position=position,
                option_order=[o.id for o in questions[key].options],
                selected_option_ids=[option.id],
                is_correct=option.is_correct,
            )
        )
    db.session.commit()


@pytest.fixture
def answered(make, db):
    """Six of the manager's people answer q0 (a scenario): 2 right, 3 choose B, 1 chooses C;
    two answer q1. Four outsiders all choose q0's C."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    ours, theirs = make.team("Outpatients", "department"), make.team("Wards", "department")
    manager = make.manager_of(ours, name="Grace Manager")
    version = make.module(title="Active listening", questions=4)
    picks = ["q0 choice A"] * 2 + ["q0 choice B"] * 3 + ["q0 choice C"]
    for i, pick in enumerate(picks):
        person = make.user(name=f"Ours {i}")
        make.join(person, ours)
        answers = {"q0": pick}
        if i < 2:
            answers["q1"] = "q1 choice A"
        _answer(db, person, version, answers)
    for i in range(4):
        person = make.user(name=f"Theirs {i}")
        make.join(person, theirs)
        _answer(db, person, version, {"q0": "q0 choice C"})
    return {"manager": manager, "version": version}


def test_rows_show_the_situation_and_how_many_answers(answered, logged_in):
    version = answered["version"]
    html = (
        logged_in(answered["manager"])
        .get(f"/manage/questions?module={version.module_id}")
        .get_data(as_text=True)
    )
    assert "A situation." in html and "Prompt q0?" in html  # the scenario, then the question
    assert "<strong>33%</strong> (2)" in html and "6 answers" in html  # outsiders not counted
    assert "Too few answers to judge" in html and "2 answers" in html  # q1
    assert html.index("Prompt q0?") < html.index("Prompt q1?")  # too few to judge come last
    link = f'href="/manage/questions/{version.module_id}/q0"'
    assert link in html


def test_a_question_as_learners_saw_it_with_the_wrong_answer_chosen_most(answered, logged_in):
    version = answered["version"]
    client = logged_in(answered["manager"])
    html = client.get(f"/manage/questions/{version.module_id}/q0").get_data(as_text=True)
    assert "A situation." in html and "Prompt q0?" in html and "Explanation of q0." in html
    assert "Right answer" in html and "q0 choice A" in html
    # B, chosen 3 times by the manager's people, not C (chosen by the outsiders).
    assert "“q0 choice B”, in 3 of 6 answers" in html
    assert "Chosen in 1 of 6 answers." in html  # C, by one of ours only


def test_too_few_answers_say_so(answered, logged_in):
    version = answered["version"]
    html = (
        logged_in(answered["manager"])
        .get(f"/manage/questions/{version.module_id}/q1")
        .get_data(as_text=True)
    )
    assert "Only 2 answers: too few to judge" in html
    assert "wrong answer chosen most" not in html.lower()


def test_questions_that_are_not_published_are_not_found(answered, make, logged_in):
    version = answered["version"]
    client = logged_in(answered["manager"])
    assert client.get(f"/manage/questions/{version.module_id}/no-such-key").status_code == 404
    assert client.get(f"/manage/questions/{version.module_id}/reflect").status_code == 404
    assert client.get("/manage/questions/99999/q0").status_code == 404
    # Any published question may be shown, even with no answers from the manager's teams.
    other = make.module(title="Managing expectations")
    html = client.get(f"/manage/questions/{other.module_id}/q0").get_data(as_text=True)
    assert "No answers yet: too few to judge" in html
    assert logged_in(make.user()).get(f"/manage/questions/{version.module_id}/q0").status_code == (
        403
    )
