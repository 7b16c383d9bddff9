"""A person's own whole training record, to take to another employer: as a PDF to read and as
JSON for another system. The JSON's shape is stable (described in the README under
"Certificates and verification"): keys in snake_case, dates as YYYY-MM-DD, a missing value
as null; new keys may be added, none are renamed or removed without a new `format_version`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.dates import format_day
from ...extensions import db
from ...models import (
    Certificate,
    Completion,
    ModuleVersion,
    ObservationItem,
    PracticeObservation,
    User,
)
from ..huddles.history import attended_huddles
from ..training.completions import METHOD_WORDS
from .certificate_pdf import document, expiry_words, line, table
from .certificate_status import stops_counting_on
from .certificates import verification_address

FORMAT = "carelearn-training-record"
FORMAT_VERSION = 1
KINDS = ("pdf", "json")


@dataclass(frozen=True)
class CertificateRef:
    code: str
    verification_url: str


@dataclass(frozen=True)
class CompletionEntry:
    module: str
    version: str
    completed_on: date
    method: str  # quiz, tested_out or prior_learning
    how_earned: str  # the method in words
    score_percent: int | None  # None for recognised prior learning
    expires_on: date | None  # when it stops counting (None: does not expire)
    certificate: CertificateRef | None


@dataclass(frozen=True)
class SignOffEntry:
    module: str
    version: str
    observed_on: date
    observer: str
    items_met: int
    items: int


@dataclass(frozen=True)
class HuddleEntry:
    held_on: date
    card: str
    team: str


@dataclass(frozen=True)
class OwnRecord:
    name: str
    job_role: str
    organisation: str
    generated_on: date
    completions: list[CompletionEntry]
    observed_practice: list[SignOffEntry]
    huddles: list[HuddleEntry]


def _completions(person: User) -> list[CompletionEntry]:
    rows = db.session.execute(
        select(Completion, ModuleVersion.title, ModuleVersion.label, Certificate.code)
        .join(ModuleVersion, ModuleVersion.id == Completion.module_version_id)
        .outerjoin(Certificate, Certificate.completion_id == Completion.id)
        .where(Completion.user_id == person.id)
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
    )
    return [
        CompletionEntry(
            module=title,
            version=label,
            completed_on=c.completed_on,
            method=c.method,
            how_earned=METHOD_WORDS[c.method],
            score_percent=c.score_percent if c.method != "prior_learning" else None,
            expires_on=stops_counting_on(c.expires_on, c.redo_by),
            certificate=CertificateRef(code, verification_address(code)) if code else None,
        )
        for c, title, label, code in rows
    ]


def _sign_offs(person: User) -> list[SignOffEntry]:
    observer = aliased(User)
    items = (
        select(
            ObservationItem.observation_id,
            func.count().label("items"),
            func.count().filter(ObservationItem.met.is_(True)).label("met"),
        )
        .group_by(ObservationItem.observation_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            ModuleVersion.title,
            ModuleVersion.label,
            PracticeObservation.observed_at,
            observer.name,
            func.coalesce(items.c.met, 0),
            func.coalesce(items.c["items"], 0),
        )
        .join(ModuleVersion, ModuleVersion.id == PracticeObservation.module_version_id)
        .join(observer, observer.id == PracticeObservation.observer_id)
        .outerjoin(items, items.c.observation_id == PracticeObservation.id)
        .where(PracticeObservation.user_id == person.id, PracticeObservation.outcome == "met")
        .order_by(PracticeObservation.observed_at.desc(), PracticeObservation.id.desc())
    )
    return [
        SignOffEntry(title, label, observed_at.date(), name, met, count)
        for title, label, observed_at, name, met, count in rows
    ]


def _huddles(person: User) -> list[HuddleEntry]:
    """Every huddle they came to, read a page at a time as their record page shows them."""
    found: list[HuddleEntry] = []
    page = 1
    while True:
        section = attended_huddles(person, page)
        found += [HuddleEntry(h.held_on, h.card, h.team) for h in section.items]
        if not section.has_older:
            return found
        page += 1


def own_record(person: User) -> OwnRecord:
    return OwnRecord(
        name=person.name,
        job_role=person.job_role.name,
        organisation=current_app.config["ORGANISATION_NAME"],
        generated_on=today(),
        completions=_completions(person),
        observed_practice=_sign_offs(person),
        huddles=_huddles(person),
    )


def _plain(value):
    """Dates as YYYY-MM-DD, for JSON."""
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def record_json(record: OwnRecord) -> str:
    document_ = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(record)}
    return json.dumps(document_, default=_plain, indent=2, ensure_ascii=False) + "\n"


def _completion_row(c: CompletionEntry) -> list[str]:
    score = f"{c.score_percent}%" if c.score_percent is not None else "Recognised prior learning"
    certificate = f"{c.certificate.code}\n{c.certificate.verification_url}" if c.certificate else ""
    return [
        c.module,
        c.version,
        format_day(c.completed_on),
        score,
        c.how_earned.capitalize(),
        expiry_words(c.expires_on),
        certificate or "-",
    ]


def record_pdf(record: OwnRecord) -> bytes:
    pdf = document(
        title=f"Training record: {record.name}",
        subject=f"The training record of {record.name} on {format_day(record.generated_on)}",
        author=record.organisation,
        created=utcnow(),
        landscape=True,  # room for a certificate's code and address on one line each
    )
    pdf.add_page()
    line(pdf, "Training record", 24, "B", height=12)
    line(pdf, record.name, 16, "B", height=9)
    line(pdf, f"{record.job_role}, {record.organisation}", 11, height=7)
    line(pdf, f"Made on {format_day(record.generated_on)} from CareLearn", 11, height=7)
    table(
        pdf,
        "Completed training",
        ["Module", "Version", "Completed", "Score", "How", "Expires", "Certificate"],
        [_completion_row(c) for c in record.completions],
        widths=[50, 14, 22, 24, 24, 22, 101],
    )
    table(
        pdf,
        "Observed practice signed off",
        ["Module", "Version", "Observed", "Observer", "Items met"],
        [
            [
                s.module,
                s.version,
                format_day(s.observed_on),
                s.observer,
                f"{s.items_met} of {s.items}",
            ]
            for s in record.observed_practice
        ],
    )
    table(
        pdf,
        "Team huddles attended",
        ["Date", "Card", "Team"],
        [[format_day(h.held_on), h.card, h.team] for h in record.huddles],
    )
    return bytes(pdf.output())


def take_own_record(person: User, kind: str) -> bytes:
    """The person's record as a file of this kind (pdf or json), noted in the audit trail."""
    record = own_record(person)
    data = record_pdf(record) if kind == "pdf" else record_json(record).encode()
    record_event("record.download", "user", person.id, actor_id=person.id, format=kind)
    return data
