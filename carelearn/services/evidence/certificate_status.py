"""How a certificate stands on a day, worked out from the completions, never stored: revoked
from the day an admin revoked it, else superseded from the day the same person completed the
module again, else expired from the day its completion stops counting, else valid."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ...core.clock import today
from ...core.database import chunked
from ...core.dates import format_day
from ...extensions import db
from ...models import Certificate, Completion


def stops_counting_on(expires_on: date | None, redo_by: date | None) -> date | None:
    """The day a completion stops counting: its expiry, or earlier the redo-by date a major new
    version set."""
    days = [d for d in (expires_on, redo_by) if d is not None]
    return min(days) if days else None


class Standing(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"


@dataclass(frozen=True)
class CertificateStatus:
    kind: Standing
    since: date | None  # the day it became so; None while valid

    @property
    def words(self) -> str:
        day = format_day(self.since)
        return {
            Standing.VALID: "Valid",
            Standing.EXPIRED: f"Expired on {day}",
            Standing.SUPERSEDED: f"Superseded on {day} by a newer certificate",
            Standing.REVOKED: f"Revoked on {day}",
        }[self.kind]


def standing(
    *,
    revoked_at: datetime | None,
    superseded_on: date | None,
    stops_counting: date | None,
    on: date,
) -> CertificateStatus:
    """The rule, in order: a revocation wins, then a newer completion, then expiry."""
    if revoked_at is not None and revoked_at.date() <= on:
        return CertificateStatus(Standing.REVOKED, revoked_at.date())
    if superseded_on is not None and superseded_on <= on:
        return CertificateStatus(Standing.SUPERSEDED, superseded_on)
    if stops_counting is not None and stops_counting <= on:
        return CertificateStatus(Standing.EXPIRED, stops_counting)
    return CertificateStatus(Standing.VALID, None)


def newer_completion_day():
    """The first day the same person completed the same module again after the completion in
    the query (a later day, or the same day with a higher id), as a correlated subquery."""
    newer = aliased(Completion)
    return (
        select(func.min(newer.completed_on))
        .where(
            newer.user_id == Completion.user_id,
            newer.module_id == Completion.module_id,
            or_(
                newer.completed_on > Completion.completed_on,
                and_(newer.completed_on == Completion.completed_on, newer.id > Completion.id),
            ),
        )
        .scalar_subquery()
    )


def certificate_statuses(
    certificate_ids: Iterable[int], on: date | None = None
) -> dict[int, CertificateStatus]:
    """How each certificate stood on `on` (today by default), by id: one query per 500."""
    on = on or today()
    statuses: dict[int, CertificateStatus] = {}
    for chunk in chunked(sorted(set(certificate_ids))):
        rows = db.session.execute(
            select(
                Certificate.id,
                Certificate.revoked_at,
                newer_completion_day(),
                Completion.expires_on,
                Completion.redo_by,
            )
            .join(Completion, Completion.id == Certificate.completion_id)
            .where(Certificate.id.in_(chunk))
        )
        for certificate_id, revoked_at, newer_on, expires_on, redo_by in rows:
            statuses[certificate_id] = standing(
                revoked_at=revoked_at,
                superseded_on=newer_on,
                stops_counting=stops_counting_on(expires_on, redo_by),
                on=on,
            )
    return statuses


def certificate_status(certificate: Certificate, on: date | None = None) -> CertificateStatus:
    return certificate_statuses([certificate.id], on)[certificate.id]
