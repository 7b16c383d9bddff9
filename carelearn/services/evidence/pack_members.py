"""The members of an evidence pack, each written straight into the ZIP as it is read: the matrix
as at the day, the certificates with their index, observations, huddles and audit entries.

People are read a chunk at a time (by name, then id, from the last one read), so memory holds
one chunk of people and their records, never the whole organisation.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, literal, or_, select, tuple_
from sqlalchemy.orm import aliased

from ...core.clock import utcnow
from ...extensions import db
from ...models import (
    AuditEvent,
    Certificate,
    Huddle,
    JobRole,
    Module,
    ModuleVersion,
    ObservationItem,
    PracticeObservation,
    Team,
    TeamMembership,
    User,
)
from ..huddles.history import CSV_HEADER as HUDDLES_HEADER
from ..huddles.history import _lines_query as huddle_lines_query
from ..reporting.audit_sentences import ACTION_LABELS, SYSTEM, describe, load_names
from ..reporting.audit_trail import AuditFilters, audit_query
from ..reporting.cells import OPTIONAL_UNTOUCHED, csv_text, record_cell
from ..reporting.exports import csv_lines, safe_cell
from ..reporting.permissions import team_subtree
from ..training.requirement import is_required
from .as_at import Content, RecordAsAt, end_of, records_as_at
from .certificates import issue_certificate
from .pack_summary import TeamTally

PEOPLE_CHUNK = 100  # people read, and progress saved, at a time
CERTIFICATE_BATCH = 50
AUDIT_BATCH = 500
CERTIFIED_METHODS = ("quiz", "tested_out")


@dataclass(frozen=True)
class Scope:
    """Whom a pack is about: the teams chosen (and those below them), or everyone."""

    team_ids: tuple[int, ...] | None  # None: the whole organisation
    day: date

    def team_ids_query(self) -> Select:
        if self.team_ids is None:
            return select(Team.id)
        return team_subtree(select(Team.id).where(Team.id.in_(self.team_ids)))

    def people_ids(self) -> Select:
        """Everyone in scope who had joined by the end of the day and not yet left (their last
        leaving day, if they have left since, is after it): see PEOPLE_NOTE."""
        until = end_of(self.day)
        query = select(User.id).where(
            User.created_at < until,
            or_(User.active.is_(True), User.deactivated_at >= until),
        )
        if self.team_ids is not None:
            members = select(TeamMembership.user_id).where(
                TeamMembership.team_id.in_(self.team_ids_query())
            )
            query = query.where(User.id.in_(members))
        return query


@dataclass(frozen=True)
class CertificateDue:
    completion_id: int
    person: str
    user_id: int
    module_id: int
    completed_on: date
    version: str


@dataclass
class MatrixPass:
    people: int = 0
    tallies: dict[int, TeamTally] = field(default_factory=dict)
    certificates: list[CertificateDue] = field(default_factory=list)


def write_text(archive: zipfile.ZipFile, name: str, pieces: Iterable[str]) -> None:
    """A text member, compressed, written piece by piece."""
    with archive.open(zipfile.ZipInfo(name, _zip_time()), "w") as out:
        for piece in pieces:
            out.write(piece.encode("utf-8"))


def _zip_time() -> tuple[int, int, int, int, int, int]:
    return utcnow().timetuple()[:6]


def _people_chunks(scope: Scope) -> Iterator[Sequence[Any]]:
    base = (
        select(User.id, User.name, User.email, JobRole.name.label("role"), JobRole.slug)
        .join(JobRole, JobRole.id == User.job_role_id)
        .where(User.id.in_(scope.people_ids()))
        .order_by(User.name, User.id)
        .limit(PEOPLE_CHUNK)
    )
    last = None
    while True:
        query = base
        if last is not None:
            query = query.where(
                tuple_(User.name, User.id) > tuple_(literal(last[0]), literal(last[1]))
            )
        chunk = db.session.execute(query).all()
        if not chunk:
            return
        yield chunk
        last = (chunk[-1].name, chunk[-1].id)


def _top_teams_of(user_ids: list[int], root_ids: list[int]) -> dict[int, set[int]]:
    """Which of the top teams (with the teams below them) each person is in."""
    tree = (
        select(Team.id.label("root_id"), Team.id.label("id"))
        .where(Team.id.in_(root_ids))
        .cte(recursive=True)
    )
    tree = tree.union_all(select(tree.c.root_id, Team.id).join(tree, Team.parent_id == tree.c.id))
    found: dict[int, set[int]] = {}
    for root_id, user_id in db.session.execute(
        select(tree.c.root_id, TeamMembership.user_id)
        .join(TeamMembership, TeamMembership.team_id == tree.c.id)
        .where(TeamMembership.user_id.in_(user_ids))
        .distinct()
    ):
        found.setdefault(user_id, set()).add(root_id)
    return found


def matrix_lines(
    scope: Scope,
    content: Content,
    top_teams: list[tuple[int, str]],
    found: MatrixPass,
    progress: Callable[[int], None],
) -> Iterator[str]:
    """The matrix as it stood on the day, in the words of today's matrix export (which say how
    a completion was earned, when not by the quiz). Tallies the top teams' figures and the
    certificates to pack as it goes, and reports progress after each chunk of people."""
    modules = content.modules
    found.tallies = {team_id: TeamTally(team_id, name) for team_id, name in top_teams}
    root_ids = [team_id for team_id, _name in top_teams]

    def rows():
        for chunk in _people_chunks(scope):
            ids = [person.id for person in chunk]
            records = records_as_at(ids, content)
            by_person: dict[int, list[RecordAsAt]] = {}
            for record in records.values():
                by_person.setdefault(record.user_id, []).append(record)
            tops = _top_teams_of(ids, root_ids) if root_ids else {}
            for person in chunk:
                mine = by_person.get(person.id, [])
                for root_id in tops.get(person.id, ()):
                    found.tallies[root_id].add_person(mine)
                yield _matrix_row(person, modules, records, mine, found)
            found.people += len(chunk)
            progress(found.people)

    return csv_lines(["Name", "Email", "Job role"] + [m.title for m in modules], rows())


def _matrix_row(person, modules, records: dict, mine: list[RecordAsAt], found: MatrixPass) -> list:
    cells = []
    for module in modules:
        record = records.get((person.id, module.module_id))
        if record is None:
            cells.append(csv_text(OPTIONAL_UNTOUCHED if person.slug in module.audience else None))
            continue
        cell = record_cell(
            record.status,
            required=is_required(due_on=record.due_on),
            due_on=record.due_on,
            completed_on=record.completed_on,
            expires_on=record.expires_on,
            method=record.method,
        )
        cells.append(csv_text(cell))
    for record in mine:
        if record.completion_id is None or record.completed_on is None:
            continue
        if record.status.is_done and record.method in CERTIFIED_METHODS:
            found.certificates.append(
                CertificateDue(
                    record.completion_id,
                    person.name,
                    person.id,
                    record.module_id,
                    record.completed_on,
                    record.version_label or "",
                )
            )
    return [safe_cell(person.name), safe_cell(person.email), safe_cell(person.role), *cells]


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "person"


def write_certificates(
    archive: zipfile.ZipFile, due: list[CertificateDue], commit: Callable[[], None]
) -> int:
    """Each valid completion's certificate (issued now if it never was) and an index with each
    one's code and SHA-256. Returns how many were packed."""
    slugs = dict(db.session.execute(select(Module.id, Module.slug)).all())
    names: set[str] = set()
    index: list[list] = []
    for start in range(0, len(due), CERTIFICATE_BATCH):
        batch = {d.completion_id: d for d in due[start : start + CERTIFICATE_BATCH]}
        issued = set(
            db.session.scalars(
                select(Certificate.completion_id).where(Certificate.completion_id.in_(batch))
            )
        )
        for completion_id in sorted(batch.keys() - issued):
            issue_certificate(completion_id)
        commit()  # what was issued is kept even if a later step fails
        for completion_id, code, sha256, pdf in db.session.execute(
            select(Certificate.completion_id, Certificate.code, Certificate.sha256, Certificate.pdf)
            .where(Certificate.completion_id.in_(batch))
            .order_by(Certificate.completion_id)
        ):
            item = batch[completion_id]
            stem = f"{_slug(item.person)}-{slugs.get(item.module_id, 'module')}-{item.completed_on}"
            if stem in names:  # two people of the same name
                stem = f"{_slug(item.person)}-{item.user_id}-{stem[len(_slug(item.person)) + 1 :]}"
            names.add(stem)
            archive.writestr(
                zipfile.ZipInfo(f"certificates/{stem}.pdf", _zip_time()),
                pdf,
                compress_type=zipfile.ZIP_STORED,  # a PDF is compressed already
            )
            index.append(
                [
                    safe_cell(item.person),
                    safe_cell(slugs.get(item.module_id, "")),
                    safe_cell(item.version),
                    code,
                    sha256,
                    f"{stem}.pdf",
                ]
            )
        db.session.expunge_all()
    write_text(
        archive,
        "certificates/index.csv",
        csv_lines(["Person", "Module", "Version", "Code", "SHA-256", "File"], iter(index)),
    )
    return len(index)


def observation_lines(scope: Scope, counts: dict[str, int]) -> Iterator[str]:
    """Every observation of practice of the people in scope up to the day, one row per item."""
    observer = aliased(User)
    query = (
        select(
            PracticeObservation.id,
            PracticeObservation.observed_at,
            User.name,
            ModuleVersion.title,
            ModuleVersion.label,
            observer.name,
            PracticeObservation.outcome,
            ObservationItem.position,
            ObservationItem.text,
            ObservationItem.met,
            ObservationItem.comment,
        )
        .join(User, User.id == PracticeObservation.user_id)
        .join(observer, observer.id == PracticeObservation.observer_id)
        .join(ModuleVersion, ModuleVersion.id == PracticeObservation.module_version_id)
        .outerjoin(ObservationItem, ObservationItem.observation_id == PracticeObservation.id)
        .where(
            PracticeObservation.user_id.in_(scope.people_ids()),
            PracticeObservation.observed_at < end_of(scope.day),
        )
        .order_by(PracticeObservation.observed_at, PracticeObservation.id, ObservationItem.position)
    )

    def rows():
        seen = None
        for (
            oid,
            at,
            person,
            module,
            label,
            by,
            outcome,
            position,
            text,
            met,
            comment,
        ) in db.session.execute(query.execution_options(yield_per=1000)):
            if oid != seen:
                seen = oid
                counts["observations"] += 1
                counts["sign_offs"] += outcome == "met"
            yield [
                at.isoformat(sep=" ", timespec="minutes"),
                safe_cell(person),
                safe_cell(module),
                safe_cell(label),
                safe_cell(by),
                outcome,
                "" if position is None else position,
                safe_cell(text),
                "" if met is None else ("met" if met else "not yet"),
                safe_cell(comment),
            ]

    header = ["Observed (UTC)", "Person", "Module", "Version", "Observer", "Outcome"]
    return csv_lines(header + ["Item", "What was watched for", "Item outcome", "Comment"], rows())


def huddle_lines(scope: Scope, period_from: date, counts: dict[str, int]) -> Iterator[str]:
    """The huddles held in the period by the teams in scope, as the huddles CSV lists them."""
    query = huddle_lines_query(scope.team_ids_query()).where(
        Huddle.held_on >= period_from, Huddle.held_on <= scope.day
    )

    def rows():
        for held_on, team, card, module, led_by, attendees, agreed in db.session.execute(
            query.execution_options(yield_per=1000)
        ):
            counts["huddles"] += 1
            yield [
                held_on.isoformat(),
                safe_cell(team),
                safe_cell(card),
                safe_cell(module),
                safe_cell(led_by),
                attendees,
                safe_cell(agreed),
            ]

    return csv_lines(HUDDLES_HEADER, rows())


def audit_lines(scope: Scope, period_from: date, counts: dict[str, int]) -> Iterator[str]:
    """The period's audit entries about the people in scope or made by them, as sentences, in
    the columns of the audit trail's own CSV."""
    people = scope.people_ids()
    query = audit_query(AuditFilters(date_from=period_from, date_to=scope.day)).where(
        or_(
            AuditEvent.actor_id.in_(people),
            and_(AuditEvent.subject_type == "user", AuditEvent.subject_id.in_(people)),
        )
    )

    def rows():
        before = None
        while True:
            page = query.limit(AUDIT_BATCH)
            if before is not None:
                page = page.where(AuditEvent.id < before)
            events = list(db.session.scalars(page))
            names = load_names(events)
            for event in events:
                counts["audit_entries"] += 1
                yield [
                    event.at.isoformat(sep=" ", timespec="seconds"),
                    safe_cell(
                        SYSTEM if event.actor_id is None else names.of("person", event.actor_id)
                    ),
                    safe_cell(describe(event, names)),
                    safe_cell(ACTION_LABELS.get(event.action, event.action)),
                    event.id,
                ]
            if len(events) < AUDIT_BATCH:
                return
            before = events[-1].id
            db.session.expunge_all()

    return csv_lines(["When (UTC)", "Who", "What happened", "Kind", "Entry number"], rows())
