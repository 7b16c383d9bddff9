"""Quiz attempts: drawing questions, taking answers, scoring once, recording completion."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from ...core.audit import record_event
from ...core.clock import utcnow
from ...core.database import run
from ...core.numbers import parse_id
from ...extensions import db
from ...models import AttemptQuestion, QuizAttempt, User
from .attempts import Attempt
from .completions import previous_completion_day, record_completion, signed_off_observation
from .progress import module_progress
from .published import PublishedQuestion, PublishedVersion
from .question_types import QUESTION_TYPES
from .records import sync_records
from .redo import pending_redo
from .scoring import Score, score_results
from .status import Status

REFLECTION_MAX_CHARS = 2000
_random = random.SystemRandom()


class QuizNotAvailable(Exception):
    """The learner cannot take this quiz now; the message says why."""


_A, _Q = QuizAttempt.__table__.c, AttemptQuestion.__table__.c
_CLAIM = (
    update(QuizAttempt.__table__)
    .where(_A.id == bindparam("attempt_id"), _A.submitted_at.is_(None))
    .values(
        submitted_at=bindparam("now"), score_percent=bindparam("score"), passed=bindparam("passed")
    )
)
_ANSWER = (
    update(AttemptQuestion.__table__)
    .where(_Q.id == bindparam("item_id"))
    .values(
        selected_option_ids=bindparam("selected"),
        response_text=bindparam("text"),
        shared_with_manager=bindparam("shared"),
        is_correct=bindparam("correct"),
    )
)


def open_attempt(user: User, version: PublishedVersion, testing_out: bool = False) -> QuizAttempt:
    """The learner's unfinished attempt at this version (of either kind: one at a time), or a
    fresh draw. Testing out skips the lessons, where the module allows it, once per version."""
    progress = module_progress(user, version)
    if progress.status == Status.AWAITING_SIGN_OFF:
        raise QuizNotAvailable(
            "You have passed the quiz. Next, your manager or a practice supervisor watches you "
            "at work and signs off the checklist."
        )
    if progress.status == Status.COMPLETED and pending_redo(user.id, version.module_id) is None:
        raise QuizNotAvailable(
            "You have completed this module. It will be due again when it expires."
        )
    if testing_out and version.test_out_mark is None:
        raise QuizNotAvailable("This module has no test-out: work through the lessons instead.")
    if (unfinished := _unfinished_attempt(user, version)) is not None:
        return unfinished
    if testing_out:
        _check_test_out(user, version, progress.all_lessons_done)
    elif not progress.all_lessons_done:
        raise QuizNotAvailable("Finish every lesson first: the quiz comes at the end.")
    try:
        return _draw_attempt(user, version, testing_out)
    except IntegrityError:
        # Pressed twice at once: the database keeps one open attempt per person and version
        # (a unique index), so the other press's attempt is the one to take.
        db.session.rollback()
        unfinished = _unfinished_attempt(user, version)
        assert unfinished is not None
        return unfinished


def _unfinished_attempt(user: User, version: PublishedVersion) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_version_id == version.id,
            QuizAttempt.submitted_at.is_(None),
        )
    )


def _check_test_out(user: User, version: PublishedVersion, lessons_done: bool) -> None:
    if lessons_done:
        raise QuizNotAvailable("You have finished the lessons, so take the quiz as usual.")
    if tried_testing_out(user, version):
        raise QuizNotAvailable(
            "You have already tried testing out of this version of the module. "
            "Work through the lessons, then take the quiz."
        )


def tried_testing_out(user: User, version: PublishedVersion) -> bool:
    """Whether the learner has submitted a test-out attempt at this version: one is allowed."""
    return (
        db.session.scalar(
            select(QuizAttempt.id)
            .where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.module_version_id == version.id,
                QuizAttempt.testing_out.is_(True),
                QuizAttempt.submitted_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )


def mark_needed(version: PublishedVersion, testing_out: bool) -> int:
    """The mark an attempt must reach: the test-out mark when testing out, else the pass mark."""
    if testing_out and version.test_out_mark is not None:
        return version.test_out_mark
    return version.pass_mark


@dataclass(frozen=True)
class _Pools:
    """What a draw chooses from, for one job role."""

    conversations: list[PublishedQuestion]  # for the role: one of them is drawn first
    fitting: list[PublishedQuestion]  # other scored questions for the role (or for everyone)
    others: list[PublishedQuestion]  # other scored questions written for other roles
    reflections: list[PublishedQuestion]


def _pools(version: PublishedVersion, role_slug: str) -> _Pools:
    """The draw's pools: content/guessing.py works out a non-reader's chances from the same."""
    bank = version.questions
    ordinary = [q for q in bank if q.is_scored and q.kind != "conversation"]
    return _Pools(
        conversations=[q for q in bank if q.kind == "conversation" and q.fits_role(role_slug)],
        fitting=[q for q in ordinary if q.fits_role(role_slug)],
        others=[q for q in ordinary if not q.fits_role(role_slug)],
        reflections=[q for q in bank if not q.is_scored and q.fits_role(role_slug)],
    )


@dataclass(frozen=True)
class QuizSize:
    """How many questions a draw for this learner holds: scored ones, and a reflection or not."""

    questions: int
    reflections: int

    @property
    def words(self) -> str:
        """For instance "8 questions and one reflection", or "1 question"."""
        text = f"{self.questions} question{'' if self.questions == 1 else 's'}"
        if self.reflections == 1:
            text += " and one reflection"
        elif self.reflections:
            text += f" and {self.reflections} reflections"
        return text


def quiz_size(user: User, version: PublishedVersion) -> QuizSize:
    """What the next draw for this learner will hold: the same rule as the draw itself."""
    pools = _pools(version, user.job_role.slug)
    available = min(len(pools.conversations), 1) + len(pools.fitting) + len(pools.others)
    return QuizSize(min(version.questions_per_attempt, available), 1 if pools.reflections else 0)


def _draw_attempt(user: User, version: PublishedVersion, testing_out: bool) -> QuizAttempt:
    pools = _pools(version, user.job_role.slug)
    needed = version.questions_per_attempt
    drawn = [_random.choice(pools.conversations)] if pools.conversations and needed else []
    drawn += _random.sample(pools.fitting, min(needed - len(drawn), len(pools.fitting)))
    if len(drawn) < needed:
        # Someone outside the module's audience (assigned it anyway) gets a full quiz too.
        others = pools.others
        drawn += _random.sample(others, min(needed - len(drawn), len(others)))
    if pools.reflections:
        drawn.append(_random.choice(pools.reflections))

    attempt = QuizAttempt(user_id=user.id, module_version_id=version.id, testing_out=testing_out)
    for position, question in enumerate(drawn, start=1):
        option_ids = [o.id for o in question.options]
        if question.kind != "true_false":  # True before False reads naturally
            _random.shuffle(option_ids)
        attempt.items.append(
            AttemptQuestion(question_id=question.id, position=position, option_order=option_ids)
        )
    db.session.add(attempt)
    db.session.commit()
    return attempt


@dataclass
class ParsedAnswers:
    selections: dict[int, list[int]]  # item id -> chosen option ids
    texts: dict[int, str]  # item id -> reflection text
    shared: set[int]  # item ids of reflections the learner shares with their manager
    errors: dict[int, str]  # item id -> what to fix


def parse_answers(attempt: Attempt, form) -> ParsedAnswers:
    """Read the submitted form; every scored question must have a valid answer."""
    parsed = ParsedAnswers({}, {}, set(), {})
    for item in attempt.items:
        qtype = QUESTION_TYPES[item.question.kind]
        field = f"q-{item.id}"
        if qtype.input == "conversation":
            if item.outcome is None:
                parsed.errors[item.id] = "Finish the conversation before you submit."
            continue
        if qtype.input == "text":
            text = (form.get(field) or "").strip()
            parsed.texts[item.id] = text
            if form.get(f"share-{item.id}") == "yes":
                parsed.shared.add(item.id)
            if len(text) > REFLECTION_MAX_CHARS:
                parsed.errors[item.id] = (
                    f"Keep your reflection under {REFLECTION_MAX_CHARS} characters."
                )
            continue
        raw = form.getlist(field)
        chosen = [n for n in map(parse_id, raw) if n is not None and n in item.option_order]
        parsed.selections[item.id] = chosen
        if len(chosen) != len(raw):
            parsed.errors[item.id] = "That answer is not one of the options. Choose again."
        elif not chosen:
            parsed.errors[item.id] = (
                "Tick at least one answer." if qtype.input == "checkbox" else "Choose an answer."
            )
        elif qtype.input == "radio" and len(chosen) > 1:
            parsed.errors[item.id] = "Choose only one answer."
    return parsed


def submit_attempt(user: User, attempt: Attempt, answers: ParsedAnswers) -> bool:
    """Score and record the attempt. Returns False when it was already submitted (nothing changes).

    The attempt is scored first, then claimed with its score by one conditional UPDATE, so two
    submissions racing each other are counted once.
    """
    now = utcnow()
    answered: list[dict[str, object]] = []  # parameters of _ANSWER, one set per question
    results: list[Fraction | bool | None] = []
    for item in attempt.items:
        qtype = QUESTION_TYPES[item.question.kind]
        if qtype.input == "conversation":
            # Its path and ending were saved step by step (services/training/conversations.py).
            answered.append(
                {
                    "item_id": item.id,
                    "selected": None,
                    "text": None,
                    "shared": False,
                    "correct": item.outcome == "best",
                }
            )
            results.append(item.marks)
            continue
        if qtype.input == "text":
            text = answers.texts.get(item.id) or None
            answered.append(
                {
                    "item_id": item.id,
                    "selected": None,
                    "text": text,
                    "shared": item.id in answers.shared and text is not None,
                    "correct": None,
                }
            )
            results.append(None)
            continue
        selected = answers.selections.get(item.id, [])
        correct = {o.id for o in item.question.options if o.is_correct}
        is_correct = qtype.grade(correct, set(selected))
        answered.append(
            {
                "item_id": item.id,
                "selected": selected,
                "text": None,
                "shared": False,
                "correct": is_correct,
            }
        )
        results.append(is_correct)
    score = score_results(results, mark_needed(attempt.module_version, attempt.testing_out))

    claimed = run(
        _CLAIM, attempt_id=attempt.id, now=now, score=score.percent, passed=score.passed
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False
    if answered:
        db.session.connection().execute(_ANSWER, answered)
    attempt.submitted_at, attempt.score_percent, attempt.passed = now, score.percent, score.passed
    record_event(
        "quiz.submit",
        "quiz_attempt",
        attempt.id,
        actor_id=user.id,
        score=score.percent,
        passed=score.passed,
        **({"testing_out": True} if attempt.testing_out else {}),
    )
    if score.passed:
        _record_completion(user, attempt, score)
    db.session.commit()
    return True


def _record_completion(user: User, attempt: Attempt, score: Score) -> None:
    """A passed quiz completes the module, unless its observed practice must be signed off
    first: then the record waits (records.py) until a sign-off completes it
    (services/evidence/observations.py)."""
    version = attempt.module_version
    observation_id = None
    if version.practice_required:
        since = previous_completion_day(user.id, version.module_id)
        observation = signed_off_observation(user.id, version.module_id, since)
        if observation is None:
            sync_records([(user.id, version.module_id)])
            return
        observation_id = observation.id
    record_completion(
        user.id,
        version,
        method="tested_out" if attempt.testing_out else "quiz",
        actor_id=user.id,
        attempt_id=attempt.id,
        score_percent=score.percent,
        observation_id=observation_id,
    )
