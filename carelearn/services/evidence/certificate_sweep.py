"""Issuing certificates in the background: the worker, when it has nothing else to do, issues
the certificates of completions that have none yet, newest first. So a certificate is ready
moments after a completion, the request that completes a module never waits for a PDF, and an
evidence pack rarely has one to draw."""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Certificate, Completion, User
from .certificates import issue_certificate

_MISSING = (
    select(Completion.id)
    .join(User, User.id == Completion.user_id)
    .outerjoin(Certificate, Certificate.completion_id == Completion.id)
    .where(
        Certificate.id.is_(None),
        Completion.method != "prior_learning",  # its evidence is the other provider's
        User.anonymised_at.is_(None),
    )
    .order_by(Completion.id.desc())
)


def issue_missing_certificates(limit: int = 50) -> int:
    """Issue up to `limit` missing certificates, committing each; returns how many."""
    completion_ids = list(db.session.scalars(_MISSING.limit(limit)))
    for completion_id in completion_ids:
        issue_certificate(completion_id)
        db.session.commit()
    return len(completion_ids)
