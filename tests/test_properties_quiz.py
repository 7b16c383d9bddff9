"""The quiz, sent hostile answers and conversation steps: never a server error; an attempt is
either untouched or scored exactly once, and holds only its own questions' options."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from carelearn.content.conversation import OUTCOME_MARKS, Conversation
from carelearn.models import AttemptQuestion, AuditEvent, QuizAttempt
from carelearn.services.training import published
from carelearn.services.training.quiz import open_attempt
from tests.conftest import csrf_token
from tests.hostile import (
    NOT_ASCII_DIGITS,
    NUMBERS,
    broken_rows,
    examples,
    hostile_text,
    hostile_value,
    urlencoded,
)

URLENCODED = "application/x-www-form-urlencoded"
not_a_number = st.one_of(st.sampled_from(NOT_ASCII_DIGITS + NUMBERS), hostile_value)


class Learner:
    """Whoever takes the quiz now: a new learner once one has passed and has no quiz left."""

    def __init__(self, make, logged_in, version):
        self.make, self.logged_in, self.version = make, logged_in, version
        self._start()

    def _start(self):
        self.person = self.make.user()
        self.make.finish_lessons(self.person, self.version)
        self.client = self.logged_in(self.person)
        self.token = csrf_token(self.client, "/learn")

    def post(self, path: str, pairs):
        response = self.client.post(path, data=urlencoded(pairs), content_type=URLENCODED)
        assert response.status_code < 500, (path, pairs, response.status_code)
        return response

    def open_attempt(self, db) -> QuizAttempt:
        """The learner's open attempt, started through the module page as they would."""
        started = self.post(f"/learn/{self.version.slug}/quiz", [("csrf_token", self.token)])
        where = started.headers["Location"]
        if "/learn/attempts/" not in where:  # passed: nothing left to take
            self._start()
            return self.open_attempt(db)
        db.session.rollback()
        return db.session.get(QuizAttempt, int(where.rsplit("/", 1)[1]))


@pytest.fixture
def other_attempt(make):
    """Someone else's attempt at the same module: its items are not the learner's to answer."""

    def opened(version) -> QuizAttempt:
        person = make.user()
        make.finish_lessons(person, version)
        return open_attempt(person, published.version(version.id))

    return opened


def assert_sound(db, attempt_id: int, first_scores: dict) -> None:
    """Untouched (open, no score, no answers) or scored exactly once, with a score that the
    stored answers give; only the question's own options; a conversation's path on its map."""
    db.session.rollback()
    attempt = db.session.get(QuizAttempt, attempt_id)
    submits = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "quiz.submit", AuditEvent.subject_id == attempt_id
        )
    )
    marks, scored = Fraction(0), 0
    for item in attempt.items:
        question = item.question
        options = {o.id for o in question.options}
        assert sorted(item.option_order) == sorted(options)
        assert set(item.selected_option_ids or []) <= options, item.selected_option_ids
        if question.kind == "conversation":
            walk = Conversation.from_steps(question.steps).walk(item.path or [])
            assert (item.steps_taken, item.outcome) == (len(item.path or []), walk.outcome)
            marks += OUTCOME_MARKS[item.outcome] if item.outcome else 0
        elif question.kind != "reflection":
            marks += 1 if item.is_correct else 0
        scored += question.kind != "reflection"
        if attempt.submitted_at is None:
            assert (item.selected_option_ids, item.response_text, item.is_correct) == (None,) * 3
    if attempt.submitted_at is None:
        assert (attempt.score_percent, attempt.passed, submits) == (None, None, 0)
        return
    assert submits == 1
    assert 0 <= marks <= scored
    assert attempt.score_percent == int(marks * 100 // scored)
    scoring = (attempt.submitted_at, attempt.score_percent, attempt.passed)
    assert first_scores.setdefault(attempt_id, scoring) == scoring


# What to send for each question, drawn before the attempt is known (Hypothesis must draw the
# same way for every attempt): how, which options by index, odd values, a reflection's text.
_slot = st.tuples(
    # Mostly its own options, so that many attempts are scored; one odd answer refuses all.
    st.sampled_from(["own", "own", "own", "anyone", "not a number", "several", "none"]),
    st.lists(st.integers(0, 99), min_size=1, max_size=3),
    st.lists(not_a_number, min_size=1, max_size=2),
    st.one_of(st.just("Say my name first."), hostile_text),
    st.sampled_from(["yes", "no", "²", ""]),
)
answer_plans = st.tuples(
    st.sampled_from(["token"] * 9 + ["", "²"]),
    st.lists(_slot, min_size=4, max_size=4),
    st.lists(st.integers(0, 99), max_size=2),  # answers to another attempt's questions
    st.lists(
        st.tuples(st.sampled_from(["q-²", f"q-{2**63}", "q--1", "q-"]), not_a_number), max_size=2
    ),
)


def answers(plan, items: list[AttemptQuestion], foreign: list[AttemptQuestion], token: str):
    """An answer form: each question answered with one of its options, another question's,
    another attempt's, a number no id can be, several at once, or not at all."""
    sent_token, slots, foreign_picks, extra = plan
    every_option = sorted({o for i in items + foreign for o in i.option_order})
    pairs = [("csrf_token", token if sent_token == "token" else sent_token)]
    for item, (how, picks, odd, text, share) in zip(items, slots, strict=False):
        name = f"q-{item.id}"
        if item.question.kind == "reflection":
            pairs += [(name, text), (f"share-{item.id}", share)]
            continue
        own = [str(item.option_order[n % len(item.option_order)]) for n in picks]
        assert own, "each scored question here has options"
        anyone = [str(every_option[n % len(every_option)]) for n in picks]
        sent = {"own": own[:1], "anyone": anyone[:1], "not a number": odd[:1]}
        sent["several"] = own + anyone[1:] + odd
        pairs += [(name, value) for value in sent.get(how, [])]
    answerable = [i for i in foreign if i.option_order]
    for n in foreign_picks:
        item = answerable[n % len(answerable)]
        pairs.append((f"q-{item.id}", str(item.option_order[0])))
    return pairs + extra


def test_hostile_answers_never_break_an_attempt(app, db, make, logged_in, other_attempt):
    version = make.module(questions=6, questions_per_attempt=3, pass_mark=100)
    foreign = other_attempt(version).items
    learner = Learner(make, logged_in, version)
    first_scores: dict = {}

    @examples(100)
    @given(data=st.data())
    def answer(data):
        attempt = learner.open_attempt(db)
        pairs = answers(data.draw(answer_plans), list(attempt.items), foreign, learner.token)
        learner.post(f"/learn/attempts/{attempt.id}", pairs)
        assert_sound(db, attempt.id, first_scores)
        # A second submission, or a late one from another tab, changes nothing.
        learner.post(f"/learn/attempts/{attempt.id}", pairs)
        assert_sound(db, attempt.id, first_scores)

    answer()
    assert first_scores, "no example was scored: the answers never reached the scoring"
    assert broken_rows(db) == []


_field = st.lists(st.one_of(st.integers(-1, 4).map(str), not_a_number), max_size=2)
# Each post: the item (by index: this conversation, another question, another attempt's), then
# "item", "taken" and "choice" values, any of which may be missing, repeated or not numbers.
step_plans = st.lists(st.tuples(st.integers(0, 99), _field, _field, _field), min_size=1, max_size=3)


def steps(plan, attempt: QuizAttempt, foreign: list[AttemptQuestion], token: str):
    """Conversation posts: the step reached or another, a choice on the map or not, for this
    conversation, another question of the attempt, or another attempt's."""
    talk = next(i for i in attempt.items if i.question.kind == "conversation")
    items = [talk.id] * 6 + [i.id for i in attempt.items + foreign]
    for pick, item, taken, choice in plan:
        pairs = [("csrf_token", token), ("item", str(items[pick % len(items)]))]
        # The steps taken so far is the value that a fair post sends.
        pairs += [("taken", str(talk.steps_taken))] if not taken else []
        pairs += [("item", v) for v in item] + [("taken", v) for v in taken]
        yield pairs + [("choice", v) for v in choice]


def test_hostile_conversation_steps_never_break_an_attempt(app, db, make, logged_in, other_attempt):
    version = make.module(questions=4, questions_per_attempt=3, conversations=1, pass_mark=100)
    foreign = other_attempt(version).items
    learner = Learner(make, logged_in, version)
    first_scores: dict = {}

    @examples(100)
    @given(data=st.data(), submit=st.booleans())
    def talk(data, submit):
        attempt = learner.open_attempt(db)
        for pairs in steps(data.draw(step_plans), attempt, foreign, learner.token):
            learner.post(f"/learn/attempts/{attempt.id}/step", pairs)
            assert_sound(db, attempt.id, first_scores)
        if submit:
            form = make.answers(db.session.get(QuizAttempt, attempt.id))
            pairs = [("csrf_token", learner.token), *form.items(multi=True)]
            learner.post(f"/learn/attempts/{attempt.id}", pairs)
            assert_sound(db, attempt.id, first_scores)

    talk()
    taken = select(func.count(AttemptQuestion.id)).where(AttemptQuestion.steps_taken > 0)
    assert db.session.scalar(taken), "no step was ever taken: the posts never reached the map"
    assert broken_rows(db) == []
