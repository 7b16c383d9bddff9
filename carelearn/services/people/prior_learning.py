"""Recognised prior learning: equivalent training someone did elsewhere, recorded by an admin
with its evidence. It stands behind a completion of one of our modules (method
"prior_learning"), with its own expiry.

The evidence file is kept in the database, so every web process can serve it. Its type is read
from its first bytes, never from the name or the type the browser claimed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import defer

from ...core.audit import record_event
from ...core.clock import today
from ...core.dates import expiry_date, format_day
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import AppRole, Completion, Module, PriorLearning, User
from ..reporting.permissions import can_view_user
from ..training.completions import record_completion
from .checks import PeopleError

EVIDENCE_MAX_BYTES = 5 * 1024 * 1024
TITLE_MAX = 200
PROVIDER_MAX = 200
APPROVED_BY_MAX = 120
EVIDENCE_NAME_MAX = 200
# How each kind of file we accept begins, and the type it is served as.
EVIDENCE_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass
class PriorLearningEntry:
    """What the admin's form gives, as typed (checked by `record_prior_learning`)."""

    module_id: int | None
    title: str
    provider: str
    completed_on: date | None
    expires_on: date | None
    approved_by: str
    evidence_name: str
    evidence: bytes


def evidence_type(data: bytes) -> str | None:
    """The content type of a PDF, PNG or JPEG file by its first bytes; None for anything else."""
    return next((kind for start, kind in EVIDENCE_SIGNATURES if data.startswith(start)), None)


def clean_file_name(name: str) -> str:
    """The file's own name, without any folders a browser sent with it."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name.strip()
    return base[-EVIDENCE_NAME_MAX:] or "evidence"


def _text(value: str, field: str, what: str, most: int) -> str:
    value = (value or "").strip()
    if not value:
        raise PeopleError(f"Enter {what}.", field)
    if len(value) > most:
        raise PeopleError(f"Keep {what} to {most} characters or fewer.", field)
    problem = identifier_problem(value, "This")
    if problem:
        raise PeopleError(problem, field)
    return value


def _check_dates(entry: PriorLearningEntry, recertify_months: int | None) -> date | None:
    """The expiry to keep: the one given, or the completion date plus the module's period."""
    if entry.completed_on is None:
        raise PeopleError(
            "Enter the date they completed it, for example 2026-03-12.", "completed_on"
        )
    if entry.completed_on > today():
        raise PeopleError("The date they completed it cannot be in the future.", "completed_on")
    expires_on = entry.expires_on
    if expires_on is None and recertify_months:
        expires_on = expiry_date(entry.completed_on, recertify_months)
    if expires_on is not None and expires_on <= entry.completed_on:
        raise PeopleError("The expiry date must be after the date they completed it.", "expires_on")
    return expires_on


def _check_evidence(entry: PriorLearningEntry) -> str:
    if not entry.evidence:
        raise PeopleError("Choose the evidence file: a PDF, PNG or JPEG.", "evidence")
    if len(entry.evidence) > EVIDENCE_MAX_BYTES:
        raise PeopleError(
            f"The evidence file is too large: upload one of at most "
            f"{EVIDENCE_MAX_BYTES // (1024 * 1024)} MB.",
            "evidence",
        )
    kind = evidence_type(entry.evidence)
    if kind is None:
        raise PeopleError(
            "The evidence file must be a PDF, PNG or JPEG (a scan or a photo of the "
            "certificate will do).",
            "evidence",
        )
    return kind


def record_prior_learning(person: User, entry: PriorLearningEntry, actor_id: int) -> PriorLearning:
    """Check the entry and record it with its completion of the module's current version.
    Raises PeopleError naming the field to fix; the caller commits."""
    module = db.session.get(Module, entry.module_id) if entry.module_id else None
    if module is None or module.current_version is None:
        raise PeopleError("Choose which of our modules it stands for.", "module")
    version = module.current_version
    title = _text(entry.title, "title", "the course title", TITLE_MAX)
    provider = _text(entry.provider, "provider", "who provided it", PROVIDER_MAX)
    expires_on = _check_dates(entry, version.recertify_after_months)
    approved_by = _text(entry.approved_by, "approved_by", "who approved it", APPROVED_BY_MAX)
    kind = _check_evidence(entry)
    assert entry.completed_on is not None  # checked above
    if _completed_that_day(person.id, version.id, entry.completed_on):
        raise PeopleError(
            f"{person.name} already has a completion of this module on "
            f"{format_day(entry.completed_on)}.",
            "completed_on",
        )
    prior = PriorLearning(
        user_id=person.id,
        module_id=module.id,
        title=title,
        provider=provider,
        completed_on=entry.completed_on,
        expires_on=expires_on,
        approved_by=approved_by,
        evidence_name=clean_file_name(entry.evidence_name),
        evidence_type=kind,
        evidence=entry.evidence,
        recorded_by_id=actor_id,
    )
    db.session.add(prior)
    db.session.flush()
    record_completion(
        person.id,
        version,
        method="prior_learning",
        actor_id=actor_id,
        prior_learning_id=prior.id,
        completed_on=entry.completed_on,
        expires_on=expires_on,
    )
    record_event(
        "prior_learning.record",
        "user",
        person.id,
        actor_id=actor_id,
        module=module.slug,
        title=title,
        provider=provider,
        completed_on=entry.completed_on.isoformat(),
        expires_on=expires_on.isoformat() if expires_on else None,
        approved_by=approved_by,
        evidence=prior.evidence_name,
    )
    return prior


def _completed_that_day(user_id: int, version_id: int, day: date) -> bool:
    return (
        db.session.scalar(
            select(Completion.id).where(
                Completion.user_id == user_id,
                Completion.module_version_id == version_id,
                Completion.completed_on == day,
            )
        )
        is not None
    )


def prior_learning_of(person: User) -> Sequence[PriorLearning]:
    """The person's recognised prior learning, newest first, without the files themselves."""
    return db.session.scalars(
        select(PriorLearning)
        .where(PriorLearning.user_id == person.id)
        .options(defer(PriorLearning.evidence))
        .order_by(PriorLearning.completed_on.desc(), PriorLearning.id.desc())
    ).all()


def evidence_for(viewer: User, prior_learning_id: int) -> PriorLearning | None:
    """The evidence, for an admin or a manager of the person's teams; None for anyone else (or
    none at all), so the page says "not found" alike. Records the download."""
    if viewer.app_role not in (AppRole.ADMIN, AppRole.MANAGER):
        return None
    prior = db.session.get(PriorLearning, prior_learning_id)
    if prior is None or not can_view_user(viewer, prior.user_id):
        return None
    record_event(
        "prior_learning.evidence_download",
        "user",
        prior.user_id,
        actor_id=viewer.id,
        evidence=prior.evidence_name,
        prior_learning_id=prior.id,
    )
    return prior
