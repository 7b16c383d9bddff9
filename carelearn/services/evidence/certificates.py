"""Certificates: issued once per completion (a quiz passed or tested out), kept byte for byte,
and checked by anyone with their code.

Whether one still stands is worked out when asked (certificate_status.py); only a revocation
is written.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import cast

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import aliased, defer
from sqlalchemy.orm.attributes import set_committed_value

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.database import chunked
from ...core.dates import format_day
from ...core.email import absolute_url
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import (
    Certificate,
    Completion,
    Module,
    ModuleVersion,
    ObservationItem,
    PracticeObservation,
    User,
)
from ..training.completions import METHOD_WORDS
from .certificate_pdf import CertificateFacts, SignOff, render_certificate
from .certificate_status import (
    CertificateStatus,
    newer_completion_day,
    standing,
    stops_counting_on,
)

# Crockford's base 32: digits and capitals without I, L, O and U, which are misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16  # 80 random bits
CODE_GROUP = 4  # written ABCD-EFGH-JKMN-PQRS
_TYPED_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
REASON_MAX = 500


class NoCertificate(LookupError):
    """No such completion of this person, or one recognised from elsewhere (prior learning),
    whose evidence is the other provider's own file."""


class RevokeProblem(ValueError):
    """Why a certificate cannot be revoked as asked, in words for the admin."""


def new_code() -> str:
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(chars[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def normalise_code(typed: str) -> str | None:
    """A code as someone may type it (any case, with or without dashes or spaces, O for 0, I or
    L for 1) in the form it is stored in; None when it cannot be a code."""
    plain = _SEPARATORS.sub("", typed[:64]).upper().translate(_TYPED_AS)
    if len(plain) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in plain):
        return None
    return "-".join(plain[i : i + CODE_GROUP] for i in range(0, CODE_LENGTH, CODE_GROUP))


def verification_address(code: str) -> str:
    """The page that checks this certificate, built from CARELEARN_BASE_URL (as links in emails
    are) so the worker, which has no request, writes the same address."""
    return absolute_url("verify.certificate", code=code)


# -- Issuing -------------------------------------------------------------------------------------


def _facts_query(completion_id: int):
    observer = aliased(User)
    items = (
        select(func.count(ObservationItem.id))
        .where(ObservationItem.observation_id == Completion.observation_id)
        .scalar_subquery()
    )
    return (
        select(
            Completion,
            User.name,
            ModuleVersion.title,
            ModuleVersion.label,
            Module.slug,
            PracticeObservation.observed_at,
            observer.name,
            items,
        )
        .join(User, User.id == Completion.user_id)
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .join(Module, Module.id == Completion.module_id)
        .outerjoin(PracticeObservation, PracticeObservation.id == Completion.observation_id)
        .outerjoin(observer, observer.id == PracticeObservation.observer_id)
        .where(Completion.id == completion_id)
    )


def _by_completion(completion_id: int) -> Certificate | None:
    # Whole, even if certificates_for(..., with_pdf=False) read it without its file before.
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.completion_id == completion_id)
        .execution_options(populate_existing=True)
    )


def issue_certificate(
    completion_id: int, *, holder_id: int | None = None, actor_id: int | None = None
) -> Certificate:
    """The certificate of this completion: the one issued before, else a new one, drawn once and
    kept. With `holder_id`, only a completion of that person (NoCertificate otherwise). Added to
    the caller's transaction; two first downloads at the same moment make one certificate."""
    existing = _by_completion(completion_id)
    if existing is not None:
        if holder_id is not None and existing.user_id != holder_id:
            raise NoCertificate(completion_id)
        return existing
    found = db.session.execute(_facts_query(completion_id)).first()
    if found is None:
        raise NoCertificate(completion_id)
    completion, holder, title, label, slug, observed_at, observer, items = found
    if completion.method == "prior_learning" or holder_id not in (None, completion.user_id):
        raise NoCertificate(completion_id)
    code, issued_at = new_code(), utcnow()
    pdf = render_certificate(
        CertificateFacts(
            holder=holder,
            module_title=title,
            version_label=label,
            completed_on=completion.completed_on,
            score_percent=completion.score_percent or 0,
            method_words=METHOD_WORDS[completion.method],
            stops_counting_on=stops_counting_on(completion.expires_on, completion.redo_by),
            organisation=current_app.config["ORGANISATION_NAME"],
            code=code,
            address=verification_address(code),
            sign_off=SignOff(observer, observed_at.date(), items) if observed_at else None,
            issued_at=issued_at,
        )
    )
    # Two first downloads at once: the database keeps the first row (one per completion) and
    # quietly skips the second, which then reads the first's. Nothing else is undone.
    insert = (
        postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    )
    db.session.execute(
        insert(Certificate)
        .values(
            code=code,
            completion_id=completion.id,
            user_id=completion.user_id,
            issued_at=issued_at,
            pdf=pdf,
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
        .on_conflict_do_nothing(index_elements=["completion_id"])
    )
    certificate = _by_completion(completion_id)
    assert certificate is not None  # this one, or the one that was first
    if certificate.code != code:
        return certificate
    record_event(
        "certificate.issue",
        "user",
        completion.user_id,
        actor_id=actor_id,
        module=slug,
        version=label,
        code=code,
        completion_id=completion.id,
    )
    return certificate


class CertificateRemoved(LookupError):
    """Its PDF was deleted with a leaver's details (services/people/leavers.py)."""


def certificate_to_download(completion_id: int, *, holder_id: int, actor_id: int) -> Certificate:
    """The certificate to hand over, issued on its first download; each download is recorded
    in the audit trail. The caller commits."""
    issued = issue_certificate(completion_id, holder_id=holder_id, actor_id=actor_id)
    if not issued.pdf:
        raise CertificateRemoved(issued.code)
    record_event("certificate.download", "user", holder_id, actor_id=actor_id, code=issued.code)
    return issued


def certificates_for(
    completion_ids: Iterable[int], *, with_pdf: bool = True
) -> dict[int, Certificate]:
    """The certificates issued so far for these completions, by completion id, in one query per
    500. Without `with_pdf` the files are not read (and reading one raises, not a query each)."""
    ids = sorted(set(completion_ids))
    found: dict[int, Certificate] = {}
    for chunk in chunked(ids):
        query = select(Certificate).where(Certificate.completion_id.in_(chunk))
        if not with_pdf:
            query = query.options(defer(Certificate.pdf, raiseload=True))
        found.update((c.completion_id, c) for c in db.session.scalars(query))
    return found


# -- Checking one by its code --------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """All the verification page shows, and the hash an uploaded copy is checked against."""

    holder: str
    module_title: str
    version_label: str
    issued_on: date
    stops_counting_on: date | None
    status: CertificateStatus
    sha256: str


_VERIFICATION = (
    select(
        User.name,
        ModuleVersion.title,
        ModuleVersion.label,
        Certificate.issued_at,
        Certificate.sha256,
        Certificate.revoked_at,
        Completion.expires_on,
        Completion.redo_by,
        newer_completion_day(),
    )
    .join(Completion, Completion.id == Certificate.completion_id)
    .join(User, User.id == Certificate.user_id)
    .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
)


def verification(typed_code: str, on: date | None = None) -> Verification | None:
    """The certificate with this code as it stands, or None. One query whether or not the code
    is well formed or known, so the answer takes as long either way."""
    # A malformed code is looked up as one no code can equal, so it costs the same query.
    code = normalise_code(typed_code) or "(not a code)"
    found = db.session.execute(_VERIFICATION.where(Certificate.code == code)).first()
    if found is None:
        return None
    holder, title, label, issued_at, sha256, revoked_at, expires_on, redo_by, newer_on = found
    stops = stops_counting_on(expires_on, redo_by)
    return Verification(
        holder=holder,
        module_title=title,
        version_label=label,
        issued_on=issued_at.date(),
        stops_counting_on=stops,
        status=standing(
            revoked_at=revoked_at,
            superseded_on=newer_on,
            stops_counting=stops,
            on=on or today(),
        ),
        sha256=sha256,
    )


def is_issued_copy(found: Verification, data: bytes) -> bool:
    """Whether `data` is exactly the file issued: its SHA-256, compared in constant time."""
    return hmac.compare_digest(hashlib.sha256(data).hexdigest(), found.sha256)


# -- Revoking ------------------------------------------------------------------------------------


def revoke_certificate(
    certificate_id: int, reason: str, actor_id: int, *, holder_id: int | None = None
) -> Certificate:
    """Revoke a certificate for good, with the admin's reason (RevokeProblem says what to fix).
    With `holder_id`, only a certificate of that person (NoCertificate otherwise). There is no
    way back: a certificate revoked by mistake is replaced by a new completion."""
    found = db.session.execute(
        select(Certificate, Module.slug)
        .join(Completion, Completion.id == Certificate.completion_id)
        .join(Module, Module.id == Completion.module_id)
        .where(Certificate.id == certificate_id)
        .options(defer(Certificate.pdf, raiseload=True))
    ).first()
    if found is None or holder_id not in (None, found[0].user_id):
        raise NoCertificate(certificate_id)
    certificate, slug = found
    reason = reason.strip()
    if not reason:
        raise RevokeProblem("Write why the certificate is revoked: the audit trail keeps it.")
    if len(reason) > REASON_MAX:
        raise RevokeProblem(
            f"Write the reason in {REASON_MAX} characters or fewer (it has {len(reason)})."
        )
    if patient_details := identifier_problem(reason, "The reason"):
        raise RevokeProblem(patient_details)
    now = utcnow()
    # Conditional, so two admins revoking at the same moment revoke it once.
    revoked = cast(
        CursorResult,
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == certificate_id, Certificate.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
            .execution_options(synchronize_session=False)
        ),
    )
    if revoked.rowcount == 0:
        db.session.refresh(certificate, ["revoked_at"])
        when = format_day(certificate.revoked_at.date() if certificate.revoked_at else None)
        raise RevokeProblem(f"This certificate was already revoked on {when}.")
    set_committed_value(certificate, "revoked_at", now)
    set_committed_value(certificate, "revoked_reason", reason)
    record_event(
        "certificate.revoke",
        "user",
        certificate.user_id,
        actor_id=actor_id,
        module=slug,
        code=certificate.code,
        reason=reason,
    )
    return certificate
