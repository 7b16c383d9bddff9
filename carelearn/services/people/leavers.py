"""Removing a leaver's name and email once the organisation's retention period has passed.

What they did stays, so every count, figure and report stays true: their completions, attempts
and huddles remain, under "Former staff member 123". What says who they were goes: name,
preferred name, email, password, start date, what they wrote in reflections, the evidence files
of their prior learning and the stored PDFs of their certificates (a certificate's code and hash
still verify, showing that the holder's details were removed). The audit trail is left as it is:
it is the organisation's record of what happened, and nothing may change it.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import update

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.dates import format_day
from ...extensions import db
from ...models import AttemptQuestion, Certificate, PriorLearning, QuizAttempt, User
from .checks import PeopleError
from .sign_in_sessions import end_all_sessions

ANONYMISED_DOMAIN = "anonymised.invalid"


def anonymise_from(person: User) -> date | None:
    """The first day this person's details may be removed, or None while they are active."""
    if person.active or person.deactivated_at is None:
        return None
    days = current_app.config["LEAVER_RETENTION_DAYS"]
    return person.deactivated_at.date() + timedelta(days=days)


def anonymise_leaver(person: User, actor_id: int) -> None:
    """Remove the leaver's details for good (see above). The caller commits."""
    if person.anonymised_at is not None:
        raise PeopleError("This person's details have already been removed.")
    allowed_from = anonymise_from(person)
    if allowed_from is None:
        raise PeopleError("Only a deactivated leaver's details can be removed.")
    if today() < allowed_from:
        raise PeopleError(
            f"Their details must be kept until {format_day(allowed_from)}, the end of the "
            "retention period after they left."
        )
    person.name = f"Former staff member {person.id}"
    person.preferred_name = None
    person.email = f"former-{person.id}@{ANONYMISED_DOMAIN}"
    person.password_hash = None
    person.start_date = None
    person.anonymised_at = utcnow()
    end_all_sessions(person.id, "anonymised")
    attempts = db.select(QuizAttempt.id).where(QuizAttempt.user_id == person.id)
    db.session.execute(
        update(AttemptQuestion)
        .where(AttemptQuestion.attempt_id.in_(attempts), AttemptQuestion.response_text.is_not(None))
        .values(response_text=None, shared_with_manager=False)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(PriorLearning)
        .where(PriorLearning.user_id == person.id)
        .values(evidence=b"", evidence_name="removed with the leaver's details")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Certificate)
        .where(Certificate.user_id == person.id)
        .values(pdf=b"")
        .execution_options(synchronize_session=False)
    )
    record_event("user.anonymise", "user", person.id, actor_id=actor_id)
    db.session.flush()
