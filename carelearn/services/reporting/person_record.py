"""Everything a manager sees about one person: records, history, attempts, shared reflections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...core.clock import today
from ...extensions import db
from ...models import (
    AttemptQuestion,
    Completion,
    Module,
    ModuleVersion,
    Question,
    QuizAttempt,
    SentReminder,
    Team,
    TeamMembership,
    TrainingRecord,
    User,
)
from ..training.status import Status, status_sql


@dataclass
class RecordLine:
    module_title: str
    status: Status
    due_on: date | None
    completed_on: date | None
    expires_on: date | None
    score_percent: int | None


@dataclass
class AttemptLine:
    module_title: str
    version_label: str
    submitted_at: datetime
    score_percent: int
    passed: bool


@dataclass
class SharedReflection:
    module_title: str
    prompt: str
    text: str
    submitted_at: datetime


@dataclass
class PersonPage:
    teams: list[str]
    records: list[RecordLine]
    completions: list[Completion]
    attempts: list[AttemptLine]
    reflections: list[SharedReflection]
    reminders: list[SentReminder]


def person_page(person: User) -> PersonPage:
    on = today()
    teams = db.session.scalars(
        select(Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == person.id)
        .order_by(Team.name)
    ).all()
    current_title = (
        select(ModuleVersion.title)
        .join(Module, Module.current_version_id == ModuleVersion.id)
        .where(Module.id == TrainingRecord.module_id)
        .scalar_subquery()
    )
    records = [
        RecordLine(title, Status(state), due, done, expires, score)
        for title, state, due, done, expires, score in db.session.execute(
            select(
                current_title,
                status_sql(TrainingRecord, on),
                TrainingRecord.due_on,
                TrainingRecord.completed_on,
                TrainingRecord.expires_on,
                TrainingRecord.score_percent,
            )
            .where(TrainingRecord.user_id == person.id)
            .order_by(current_title)
        )
    ]
    completions = db.session.scalars(
        select(Completion)
        .where(Completion.user_id == person.id)
        .options(joinedload(Completion.module_version))
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
    ).all()
    attempts = []
    for title, label, submitted_at, score, passed in db.session.execute(
        select(
            ModuleVersion.title,
            ModuleVersion.label,
            QuizAttempt.submitted_at,
            QuizAttempt.score_percent,
            QuizAttempt.passed,
        )
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(QuizAttempt.user_id == person.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc())
        .limit(50)
    ):
        # Submitting an attempt sets its time, score and result in one update.
        assert submitted_at is not None and score is not None and passed is not None
        attempts.append(AttemptLine(title, label, submitted_at, score, passed))
    reflections = []
    for title, prompt, text, submitted_at in db.session.execute(
        select(
            ModuleVersion.title,
            Question.prompt,
            AttemptQuestion.response_text,
            QuizAttempt.submitted_at,
        )
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(
            QuizAttempt.user_id == person.id,
            AttemptQuestion.shared_with_manager.is_(True),
            AttemptQuestion.response_text.is_not(None),
        )
        .order_by(QuizAttempt.submitted_at.desc())
    ):
        # Answers are saved with the submission, and only written ones are asked for.
        assert text is not None and submitted_at is not None
        reflections.append(SharedReflection(title, prompt, text, submitted_at))
    reminders = db.session.scalars(
        select(SentReminder)
        .where(SentReminder.user_id == person.id)
        .order_by(SentReminder.sent_at.desc())
        .limit(50)
    ).all()
    return PersonPage(
        list(teams), records, list(completions), attempts, reflections, list(reminders)
    )
