"""Everything a manager sees about one person: records, history, attempts, shared reflections.

Their training is listed as they see it on My training (the same modules, the same words);
the lists that grow with time come a page at a time, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import (
    AttemptQuestion,
    Completion,
    ModuleVersion,
    Question,
    QuizAttempt,
    SentReminder,
    Team,
    TeamMembership,
    User,
)
from ..training.progress import training_overview
from ..training.status import Status

SECTION_PAGE_SIZE = 10
# The lists that come a page at a time (?completions_page=2...); the huddles a person came to
# are read by services/huddles.
SECTIONS = ("completions", "attempts", "reflections", "reminders", "huddles")
T = TypeVar("T")


@dataclass(frozen=True)
class Section(Generic[T]):
    """One page of a list, newest first; whether there are older (or newer) entries."""

    items: list[T]
    page: int
    has_older: bool

    @property
    def has_newer(self) -> bool:
        return self.page > 1


def section(query: Select, page: int, scalars: bool = False) -> Section:
    """A page of `query`'s rows, reading one more than a page to know whether more follow."""
    page = max(page, 1)
    paged = query.limit(SECTION_PAGE_SIZE + 1).offset((page - 1) * SECTION_PAGE_SIZE)
    rows = list(db.session.scalars(paged) if scalars else db.session.execute(paged))
    return Section(rows[:SECTION_PAGE_SIZE], page, len(rows) > SECTION_PAGE_SIZE)


@dataclass
class RecordLine:
    module_title: str
    status: Status
    required: bool
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
    completions: Section[Completion]
    attempts: Section[AttemptLine]
    reflections: Section[SharedReflection]
    reminders: Section[SentReminder]


def person_page(person: User, pages: dict[str, int] | None = None) -> PersonPage:
    """The person's page; `pages` says which page of each list (SECTIONS) to show."""
    pages = pages or {}
    teams = db.session.scalars(
        select(Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == person.id)
        .order_by(Team.name)
    ).all()
    records = [
        RecordLine(
            p.version.title,
            p.status,
            p.required,
            p.due_on,
            p.latest_completion.completed_on if p.latest_completion else None,
            p.latest_completion.expires_on if p.latest_completion else None,
            p.latest_completion.score_percent if p.latest_completion else None,
        )
        for p in training_overview(person)
    ]
    completions = section(
        select(Completion)
        .where(Completion.user_id == person.id)
        .options(joinedload(Completion.module_version))
        .order_by(Completion.completed_on.desc(), Completion.id.desc()),
        pages.get("completions", 1),
        scalars=True,
    )
    attempts = section(
        select(
            ModuleVersion.title,
            ModuleVersion.label,
            QuizAttempt.submitted_at,
            QuizAttempt.score_percent,
            QuizAttempt.passed,
        )
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(QuizAttempt.user_id == person.id, QuizAttempt.submitted_at.is_not(None))
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc()),
        pages.get("attempts", 1),
    )
    # Submitting an attempt sets its time, score and result in one update.
    attempt_lines = [AttemptLine(*row) for row in attempts.items]
    reflections = section(
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
        .order_by(QuizAttempt.submitted_at.desc(), AttemptQuestion.id.desc()),
        pages.get("reflections", 1),
    )
    # Answers are saved with the submission, and only written ones are asked for.
    reflection_lines = [SharedReflection(*row) for row in reflections.items]
    reminders = section(
        select(SentReminder)
        .where(SentReminder.user_id == person.id)
        .order_by(SentReminder.sent_at.desc(), SentReminder.id.desc()),
        pages.get("reminders", 1),
        scalars=True,
    )
    return PersonPage(
        list(teams),
        records,
        completions,
        Section(attempt_lines, attempts.page, attempts.has_older),
        Section(reflection_lines, reflections.page, reflections.has_older),
        reminders,
    )
