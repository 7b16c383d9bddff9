"""Fresh quiz attempts for the quiz-submit and conversation-step rows (see bench.py).

A person may have one open attempt per module version, so each prepared attempt belongs to
another learner, and each of those learners is signed in with a session of their own. The
sessions are made in the process that prepares the attempts, the way the login view makes them
(`login_user`, then `start_session`, then a form token), in a request from wrk's address and
user agent, and signed with the served app's secret key: no password is checked for each.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import quote, urlencode


@dataclass(frozen=True)
class FreshAttempt:
    attempt_id: int
    fields: list[tuple[str, str]]  # the form fields of one request (a submit or a first step)
    cookie: str  # the learner's session cookie
    csrf_token: str  # a form token for that session

    def body(self) -> str:
        return f"csrf_token={quote(self.csrf_token)}&{urlencode(self.fields)}"


def prepare(
    db, count: int, seed: int, slug: str, user_agent: str, conversation: bool
) -> list[FreshAttempt]:
    """Up to `count` unsubmitted attempts at module `slug`, one for each of as many active
    learners with a job role and no open attempt there, each learner signed in: learners whose
    role has a conversation in the module (`conversation`), or whose role has none.

    Built in bulk like the service draws them (the conversation first, then questions for the
    role with shuffled options, one reflection). The fields take the conversation's first step;
    without one, they answer every question wrongly, so a submit is scored and recorded as not
    passed.
    """
    from sqlalchemy import exists, func, insert, select
    from sqlalchemy.orm import selectinload

    from carelearn.core.clock import utcnow
    from carelearn.demo.scale_rows import reset_sequences
    from carelearn.models import AttemptQuestion, Question, QuizAttempt, User
    from carelearn.services.training.learning import current_version

    rng = random.Random(seed)
    version = current_version(slug)
    open_here = exists().where(
        QuizAttempt.user_id == User.id,
        QuizAttempt.module_version_id == version.id,
        QuizAttempt.submitted_at.is_(None),
    )
    learners = db.session.scalars(
        select(User).where(User.active, User.job_role_id.is_not(None), ~open_here).order_by(User.id)
    ).all()
    bank = db.session.scalars(
        select(Question)
        .where(Question.module_version_id == version.id)
        .options(selectinload(Question.options))
    ).all()
    talks = {
        role: any(q.kind == "conversation" and q.fits_role(role) for q in bank)
        for role in {learner.job_role.slug for learner in learners}
    }
    learners = [x for x in learners if talks[x.job_role.slug] == conversation][:count]
    if not learners:
        return []
    next_attempt = (db.session.scalar(select(func.max(QuizAttempt.id))) or 0) + 1
    next_item = (db.session.scalar(select(func.max(AttemptQuestion.id))) or 0) + 1
    attempts, items, prepared = [], [], []
    for attempt_id, learner in enumerate(learners, start=next_attempt):
        fitting = [q for q in bank if q.fits_role(learner.job_role.slug)]
        conversations = [q for q in fitting if q.kind == "conversation"]
        scored = [q for q in fitting if q.is_scored and q.kind != "conversation"]
        reflections = [q for q in fitting if not q.is_scored]
        attempts.append(
            {
                "id": attempt_id,
                "user_id": learner.id,
                "module_version_id": version.id,
                "started_at": utcnow(),
            }
        )
        fields: list[tuple[str, str]] = []
        talk = [rng.choice(conversations)] if conversations else []
        drawn = talk + rng.sample(scored, version.questions_per_attempt - len(talk))
        drawn += reflections[:1]
        for position, question in enumerate(drawn, start=1):
            order = [o.id for o in question.options]
            rng.shuffle(order)
            items.append(
                {
                    "id": next_item,
                    "attempt_id": attempt_id,
                    "question_id": question.id,
                    "position": position,
                    "option_order": order,
                    "shared_with_manager": False,
                    "steps_taken": 0,
                }
            )
            if question.kind == "conversation":
                fields += [("item", str(next_item)), ("taken", "0"), ("choice", "0")]
            elif not talk:  # with a conversation, the requests take its first step only
                fields.append((f"q-{next_item}", _wrong_answer(question)))
            next_item += 1
        prepared.append((attempt_id, fields))
    db.session.execute(insert(QuizAttempt.__table__), attempts)
    for start in range(0, len(items), 5000):
        db.session.execute(insert(AttemptQuestion.__table__), items[start : start + 5000])
    reset_sequences()
    sessions = _signed_in(db, learners, user_agent)
    db.session.commit()
    return [
        FreshAttempt(attempt_id, fields, *session)
        for (attempt_id, fields), session in zip(prepared, sessions, strict=True)
    ]


def _wrong_answer(question) -> str:
    if question.is_scored:
        return str(next(o.id for o in question.options if not o.is_correct))
    return "I will say who I am and what happens next."


def _signed_in(db, learners, user_agent: str) -> list[tuple[str, str]]:
    """A session cookie and a form token for each learner, as the login view makes them."""
    from flask import current_app, g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from carelearn.services.people.sign_in_sessions import start_session

    app = current_app._get_current_object()
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    made = []
    for learner in learners:
        with app.test_request_context(
            "/login",
            method="POST",
            headers={"User-Agent": user_agent},
            environ_base={"REMOTE_ADDR": "127.0.0.1"},
        ):
            # The app context (and its `g`) outlives each request here: forget the last
            # learner's form token and signed-in person, as a new request would.
            g.pop("csrf_token", None)
            g.pop("_login_user", None)
            login_user(learner)
            start_session(learner.id, session)
            token = generate_csrf()
            made.append((f"{name}={serializer.dumps(dict(session))}", token))
    db.session.flush()
    return made


def submitted(db, attempt_ids: list[int]) -> int:
    """How many of these attempts (prepared together: one run of ids) have been submitted."""
    from sqlalchemy import func, select

    from carelearn.models import QuizAttempt

    return db.session.scalar(
        select(func.count()).where(
            QuizAttempt.id.between(min(attempt_ids), max(attempt_ids)),
            QuizAttempt.submitted_at.is_not(None),
        )
    )


def discard_open(db, attempt_ids: list[int]) -> None:
    """Remove those of these attempts still open (with their questions), so their learners may
    be given fresh ones in the next run."""
    from sqlalchemy import delete, select

    from carelearn.models import AttemptQuestion, QuizAttempt

    still_open = (
        select(QuizAttempt.id)
        .where(
            QuizAttempt.id.between(min(attempt_ids), max(attempt_ids)),
            QuizAttempt.submitted_at.is_(None),
        )
        .scalar_subquery()
    )
    db.session.execute(delete(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(still_open)))
    db.session.execute(delete(QuizAttempt).where(QuizAttempt.id.in_(still_open)))
    db.session.commit()
