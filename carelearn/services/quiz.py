"""Quiz attempts: drawing questions, taking answers, scoring once, recording completion."""
from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    Assignment,
    AttemptQuestion,
    Completion,
    ModuleVersion,
    Question,
    QuizAttempt,
    User,
)
from .audit import record_event
from .clock import today, utcnow
from .dates import expiry_date
from .progress import module_progress
from .question_types import QUESTION_TYPES
from .records import sync_records
from .scoring import Score, score_results
from .status import Status

REFLECTION_MAX_CHARS = 2000
_random = random.SystemRandom()


class QuizNotAvailable(Exception):
    """The learner cannot take this quiz now; the message says why."""


def find_attempt(user: User, attempt_id: int) -> QuizAttempt | None:
    """The learner's own attempt, with everything its page shows, or None (another's is not found)."""
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user.id)
        .options(
            selectinload(QuizAttempt.items)
            .joinedload(AttemptQuestion.question)
            .selectinload(Question.options),
            selectinload(QuizAttempt.module_version),
        )
    )


def open_attempt(user: User, version: ModuleVersion) -> QuizAttempt:
    """The learner's unfinished attempt at this version, or a fresh draw."""
    progress = module_progress(user, version)
    if not progress.all_lessons_done:
        raise QuizNotAvailable("Finish every lesson first: the quiz comes at the end.")
    if progress.status == Status.COMPLETED:
        raise QuizNotAvailable("You have completed this module. It will be due again when it expires.")
    unfinished = db.session.scalar(
        select(QuizAttempt)
        .where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_version_id == version.id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.id.desc())
    )
    return unfinished or _draw_attempt(user, version)


def _draw_attempt(user: User, version: ModuleVersion) -> QuizAttempt:
    bank = db.session.scalars(
        select(Question)
        .where(Question.module_version_id == version.id)
        .options(selectinload(Question.options))
    ).all()
    role = user.job_role.slug
    fitting = [q for q in bank if q.fits_role(role)]
    reflections = [q for q in fitting if not q.is_scored]
    needed = version.questions_per_attempt
    scored = [q for q in fitting if q.is_scored]
    drawn = _random.sample(scored, min(needed, len(scored)))
    if len(drawn) < needed:
        # Someone outside the module's audience (assigned it anyway) gets a full quiz too.
        others = [q for q in bank if q.is_scored and q not in fitting]
        drawn += _random.sample(others, min(needed - len(drawn), len(others)))
    if reflections:
        drawn.append(_random.choice(reflections))

    attempt = QuizAttempt(user_id=user.id, module_version_id=version.id)
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
    texts: dict[int, str]             # item id -> reflection text
    shared: set[int]                  # item ids of reflections the learner shares with their manager
    errors: dict[int, str]            # item id -> what to fix


def parse_answers(attempt: QuizAttempt, form) -> ParsedAnswers:
    """Read the submitted form; every scored question must have a valid answer."""
    parsed = ParsedAnswers({}, {}, set(), {})
    for item in attempt.items:
        qtype = QUESTION_TYPES[item.question.kind]
        field = f"q-{item.id}"
        if qtype.input == "text":
            text = (form.get(field) or "").strip()
            parsed.texts[item.id] = text
            if form.get(f"share-{item.id}") == "yes":
                parsed.shared.add(item.id)
            if len(text) > REFLECTION_MAX_CHARS:
                parsed.errors[item.id] = f"Keep your reflection under {REFLECTION_MAX_CHARS} characters."
            continue
        raw = form.getlist(field)
        chosen = [int(v) for v in raw if v.isdigit() and int(v) in item.option_order]
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


def submit_attempt(user: User, attempt: QuizAttempt, answers: ParsedAnswers) -> bool:
    """Score and record the attempt. Returns False when it was already submitted (nothing changes).

    The conditional UPDATE claims the attempt atomically, so two submissions racing each other
    are counted once.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return False

    results = []
    for item in attempt.items:
        qtype = QUESTION_TYPES[item.question.kind]
        if qtype.input == "text":
            item.response_text = answers.texts.get(item.id) or None
            item.shared_with_manager = item.id in answers.shared and item.response_text is not None
            results.append(None)
            continue
        selected = answers.selections.get(item.id, [])
        correct = {o.id for o in item.question.options if o.is_correct}
        item.selected_option_ids = selected
        item.is_correct = qtype.grade(correct, set(selected))
        results.append(item.is_correct)

    version = attempt.module_version
    score = score_results(results, version.pass_mark)
    attempt.submitted_at = now
    attempt.score_percent = score.percent
    attempt.passed = score.passed
    record_event("quiz.submit", "quiz_attempt", attempt.id, actor_id=user.id,
                 score=score.percent, passed=score.passed)
    if score.passed:
        _record_completion(user, attempt, score)
    db.session.commit()
    return True


def _record_completion(user: User, attempt: QuizAttempt, score: Score) -> None:
    version = attempt.module_version
    completed_on = today()
    completion = Completion(
        user_id=user.id, module_id=version.module_id, module_version_id=version.id,
        attempt_id=attempt.id, completed_on=completed_on, score_percent=score.percent,
        expires_on=expiry_date(completed_on, version.recertify_after_months),
    )
    db.session.add(completion)
    db.session.execute(
        update(Assignment)
        .where(Assignment.user_id == user.id, Assignment.module_id == version.module_id,
               Assignment.completed_at.is_(None))
        .values(completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    sync_records([(user.id, version.module_id)])
    record_event("completion.create", "completion", completion.id, actor_id=user.id,
                 module=version.module.slug, version=version.label, score=score.percent,
                 expires_on=completion.expires_on.isoformat() if completion.expires_on else None)
