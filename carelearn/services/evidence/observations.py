"""Observed practice: someone who may observe a person (supervisors.py) watches them at work and
marks each item of a module's practice checklist met or not yet. The checklist's words are kept
with the observation, so it reads the same after the module changes. A sign-off with every item
met completes a passed quiz that was waiting for it; the person then acknowledges the feedback."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, selectinload

from ...core.audit import record_event
from ...core.clock import utcnow
from ...extensions import db
from ...models import (
    Completion,
    ModuleVersion,
    ObservationItem,
    PracticeObservation,
    QuizAttempt,
    User,
)
from ..reporting.person_record import Section, section
from ..training import published
from ..training.completions import previous_completion_day, record_completion
from ..training.published import PublishedVersion
from .supervisors import may_observe

COMMENT_MAX = 500
MET, NOT_YET = "met", "not yet"


class ObservationNotFound(LookupError):
    """No such person or module, or not one the viewer may observe: the same to them (a 404)."""


@dataclass(frozen=True)
class ItemAnswer:
    """What the observer said about one checklist item: met (True), not yet (False) or nothing
    chosen (None), and their comment."""

    met: bool | None
    comment: str = ""


class ObservationProblem(ValueError):
    """What to fix, on the checklist item it belongs to (its position, from 1)."""

    def __init__(self, position: int, part: str, message: str):
        super().__init__(message)
        self.position, self.part = position, part


class ObservationProblems(ValueError):
    def __init__(self, problems: list[ObservationProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def checklist_version(slug: str) -> PublishedVersion | None:
    """The module's current version, if it has a practice checklist."""
    version = published.current_version(slug)
    return version if version is not None and version.practice_checklist else None


def checklist_versions() -> list[PublishedVersion]:
    """The current versions that have a practice checklist, by title."""
    return [v for v in published.current_versions() if v.practice_checklist]


@dataclass(frozen=True)
class Target:
    person: User
    version: PublishedVersion


def observation_target(viewer: User, person_id: int, slug: str) -> Target:
    """The person and the module's checklist, when the viewer may observe them; else raises
    ObservationNotFound."""
    version = checklist_version(slug)
    person = db.session.get(User, person_id)
    if version is None or person is None or not may_observe(viewer, person_id):
        raise ObservationNotFound(person_id)
    return Target(person, version)


def check_answers(
    checklist: tuple[str, ...], answers: list[ItemAnswer]
) -> list[ObservationProblem]:
    """Every item answered; a comment for each item not yet met, so the person knows what to
    work on; no comment over COMMENT_MAX characters."""
    problems = []
    for position, text in enumerate(checklist, start=1):
        answer = answers[position - 1] if position <= len(answers) else ItemAnswer(None)
        comment = answer.comment.strip()
        if answer.met is None:
            problems.append(
                ObservationProblem(
                    position, "met", f"Choose Met or Not yet for item {position}: {text}"
                )
            )
        elif not answer.met and not comment:
            problems.append(
                ObservationProblem(
                    position,
                    "comment",
                    f"Say what to work on for item {position}, as it is not yet met.",
                )
            )
        if len(comment) > COMMENT_MAX:
            problems.append(
                ObservationProblem(
                    position,
                    "comment",
                    f"Keep the comment on item {position} to {COMMENT_MAX} characters or fewer "
                    f"(this is {len(comment)}).",
                )
            )
    return problems


def outcome_of(answers: list[ItemAnswer]) -> str:
    """Met only when every item was met."""
    return MET if answers and all(a.met for a in answers) else NOT_YET


@dataclass(frozen=True)
class SignOff:
    """What saving an observation did."""

    observation: PracticeObservation
    completion: Completion | None  # the waiting pass it completed
    not_met: int  # items not yet met
    practice_required: bool


def record_observation(
    viewer: User, person_id: int, slug: str, answers: list[ItemAnswer]
) -> SignOff:
    """Save the observation with an audit entry; the caller commits. A met sign-off completes a
    passed quiz waiting for it. Raises ObservationNotFound, or ObservationProblems for anything
    to fix."""
    target = observation_target(viewer, person_id, slug)
    version, checklist = target.version, target.version.practice_checklist
    problems = check_answers(checklist, answers)
    if problems:
        raise ObservationProblems(problems)
    answers = answers[: len(checklist)]
    observation = PracticeObservation(
        user_id=person_id,
        module_id=version.module_id,
        module_version_id=version.id,
        observer_id=viewer.id,
        observed_at=utcnow(),
        outcome=outcome_of(answers),
    )
    observation.items = [
        ObservationItem(position=n, text=text, met=bool(a.met), comment=a.comment.strip())
        for n, (text, a) in enumerate(zip(checklist, answers, strict=True), start=1)
    ]
    db.session.add(observation)
    db.session.flush()
    record_event(
        "observation.record",
        "user",
        person_id,
        actor_id=viewer.id,
        observation_id=observation.id,
        module=version.slug,
        outcome=observation.outcome,
        not_met=sum(1 for a in answers if not a.met),
    )
    completion = None
    if observation.outcome == MET:
        completion = complete_waiting_pass(person_id, version.module_id, observation, viewer.id)
    return SignOff(
        observation, completion, sum(1 for a in answers if not a.met), version.practice_required
    )


def waiting_attempt(user_id: int, module_id: int, since: date | None) -> QuizAttempt | None:
    """The person's latest passed quiz on a version of the module that requires a sign-off,
    not yet a completion, taken on or after `since` (the day of their previous completion)."""
    query = (
        select(QuizAttempt)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(
            QuizAttempt.user_id == user_id,
            ModuleVersion.module_id == module_id,
            ModuleVersion.practice_required.is_(True),
            QuizAttempt.passed.is_(True),
            ~select(Completion.id).where(Completion.attempt_id == QuizAttempt.id).exists(),
        )
        .order_by(QuizAttempt.submitted_at.desc(), QuizAttempt.id.desc())
        .limit(1)
    )
    attempt = db.session.scalar(query)
    if attempt is None or attempt.submitted_at is None:
        return None
    if since is not None and attempt.submitted_at.date() < since:
        return None
    return attempt


def complete_waiting_pass(
    user_id: int, module_id: int, observation: PracticeObservation, actor_id: int
) -> Completion | None:
    """Turn the pass waiting for this sign-off into a completion, dated today."""
    attempt = waiting_attempt(user_id, module_id, previous_completion_day(user_id, module_id))
    if attempt is None:
        return None
    return record_completion(
        user_id,
        attempt.module_version,
        method="tested_out" if attempt.testing_out else "quiz",
        actor_id=actor_id,
        attempt_id=attempt.id,
        score_percent=attempt.score_percent,
        observation_id=observation.id,
    )


def next_step_words(person: User, title: str, signed: SignOff) -> str:
    """What the observer is told once the observation is saved: what happens next."""
    name = person.greeting_name
    items = f"{signed.not_met} {'item' if signed.not_met == 1 else 'items'}"
    if signed.completion is not None:
        return f"Signed off. {name}'s module {title} is now complete."
    if signed.observation.outcome == MET:
        if signed.practice_required:
            return (
                f"Signed off. {title} is complete for {name} once they pass its quiz, unless "
                "they have already completed it."
            )
        return f"Signed off. This observation of {title} is kept on {name}'s record."
    if signed.practice_required:
        return (
            f"Saved. {name} is waiting for a sign-off on {items} of {title}. Observe them again "
            "when they are ready; they can read your comments now."
        )
    return f"Saved. {items.capitalize()} of {title} not yet met; {name} can read your comments."


def acknowledge_observation(person: User, observation_id: int) -> PracticeObservation | None:
    """The person says they have read the feedback on their observation (once, with an audit
    entry); the caller commits. None for an observation of someone else, or none at all."""
    observation = db.session.get(PracticeObservation, observation_id)
    if observation is None or observation.user_id != person.id:
        return None
    if observation.acknowledged_at is None:
        observation.acknowledged_at = utcnow()
        record_event(
            "observation.acknowledge",
            "user",
            person.id,
            actor_id=person.id,
            observation_id=observation.id,
        )
    return observation


# -- Reading observations back ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemLine:
    text: str
    met: bool
    comment: str


@dataclass(frozen=True)
class ObservationLine:
    id: int
    module_title: str
    observer: str
    observed_at: datetime
    outcome: str
    acknowledged_at: datetime | None
    items: list[ItemLine] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.outcome == MET

    @property
    def not_met(self) -> int:
        return sum(1 for item in self.items if not item.met)


def observations_of(
    person_id: int, page: int = 1, module_id: int | None = None
) -> Section[ObservationLine]:
    """A page of the person's observations, newest first, each with its items: two queries."""
    observer = aliased(User)
    query = (
        select(PracticeObservation, ModuleVersion.title, observer.name)
        .join(ModuleVersion, ModuleVersion.id == PracticeObservation.module_version_id)
        .join(observer, observer.id == PracticeObservation.observer_id)
        .where(PracticeObservation.user_id == person_id)
        .options(selectinload(PracticeObservation.items))
        .order_by(PracticeObservation.observed_at.desc(), PracticeObservation.id.desc())
    )
    if module_id is not None:
        query = query.where(PracticeObservation.module_id == module_id)
    found = section(query, page)
    return Section(
        [
            ObservationLine(
                o.id,
                title,
                observer_name,
                o.observed_at,
                o.outcome,
                o.acknowledged_at,
                [ItemLine(i.text, i.met, i.comment) for i in o.items],
            )
            for o, title, observer_name in found.items
        ],
        found.page,
        found.has_older,
    )


def last_observations(user_ids: list[int]) -> dict[tuple[int, int], tuple[str, date]]:
    """(person, module) -> the outcome and day of the latest observation: one query."""
    if not user_ids:
        return {}
    newest = (
        select(
            PracticeObservation.user_id,
            PracticeObservation.module_id,
            PracticeObservation.outcome,
            PracticeObservation.observed_at,
            func.row_number()
            .over(
                partition_by=(PracticeObservation.user_id, PracticeObservation.module_id),
                order_by=(PracticeObservation.observed_at.desc(), PracticeObservation.id.desc()),
            )
            .label("n"),
        )
        .where(PracticeObservation.user_id.in_(user_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(newest.c.user_id, newest.c.module_id, newest.c.outcome, newest.c.observed_at).where(
            newest.c.n == 1
        )
    )
    return {(u, m): (outcome, at.date()) for u, m, outcome, at in rows}
