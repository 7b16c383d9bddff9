"""Recording a completion, whichever way it was earned: a passed quiz, testing out, a passed quiz
whose observed practice has now been signed off, or recognised prior learning."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.dates import expiry_date
from ...extensions import db
from ...models import Assignment, Completion, ModuleVersion, PracticeObservation
from .published import PublishedVersion
from .records import sync_records

METHOD_WORDS = {
    "quiz": "quiz passed",
    "tested_out": "tested out",
    "prior_learning": "recognised prior learning",
}


def signed_off_observation(
    user_id: int, module_id: int, since: date | None = None
) -> PracticeObservation | None:
    """The latest observation of this person on this module with every item met, made on or
    after `since` (their previous completion's day, so each completion has its own)."""
    query = (
        select(PracticeObservation)
        .where(
            PracticeObservation.user_id == user_id,
            PracticeObservation.module_id == module_id,
            PracticeObservation.outcome == "met",
        )
        .order_by(PracticeObservation.observed_at.desc(), PracticeObservation.id.desc())
        .limit(1)
    )
    observation = db.session.scalar(query)
    if observation is not None and since is not None and observation.observed_at.date() < since:
        return None
    return observation


def previous_completion_day(user_id: int, module_id: int) -> date | None:
    return db.session.scalar(
        select(Completion.completed_on)
        .where(Completion.user_id == user_id, Completion.module_id == module_id)
        .order_by(Completion.completed_on.desc())
        .limit(1)
    )


def record_completion(
    user_id: int,
    version: ModuleVersion | PublishedVersion,
    *,
    method: str,
    actor_id: int | None,
    attempt_id: int | None = None,
    score_percent: int | None = None,
    observation_id: int | None = None,
    prior_learning_id: int | None = None,
    completed_on: date | None = None,
    expires_on: date | None = None,
) -> Completion:
    """Add the completion, close the person's open assignments of the module and bring their
    record up to date. Its expiry follows the version's recertification period unless given."""
    completed_on = completed_on or today()
    if expires_on is None and method != "prior_learning":
        expires_on = expiry_date(completed_on, version.recertify_after_months)
    completion = Completion(
        user_id=user_id,
        module_id=version.module_id,
        module_version_id=version.id,
        attempt_id=attempt_id,
        completed_on=completed_on,
        score_percent=score_percent,
        expires_on=expires_on,
        method=method,
        observation_id=observation_id,
        prior_learning_id=prior_learning_id,
    )
    db.session.add(completion)
    db.session.execute(
        update(Assignment)
        .where(
            Assignment.user_id == user_id,
            Assignment.module_id == version.module_id,
            Assignment.completed_at.is_(None),
        )
        .values(completed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    sync_records([(user_id, version.module_id)])
    record_event(
        "completion.create",
        "completion",
        completion.id,
        actor_id=actor_id,
        module=version.slug,
        version=version.label,
        score=score_percent,
        method=method,
        expires_on=expires_on.isoformat() if expires_on else None,
    )
    return completion
