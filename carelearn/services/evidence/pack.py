"""Evidence packs for an inspection: asked for on a page, built by the worker, downloaded.

A request writes an EvidencePack row and queues a job in the same transaction. The worker
(`build_pack`) reads people a chunk at a time, saving its progress as it goes, writes the ZIP
to a temporary file member by member, copies the file into the database in chunks of about
1 MB (so any web process can stream it), and emails the person who asked. The job is safe to
run twice: it starts again from nothing unless the pack is already ready.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.dates import add_months, format_day
from ...core.email import absolute_url
from ...core.jobs import enqueue_job
from ...core.outbox import send_email
from ...extensions import db
from ...models import (
    AppRole,
    BackgroundJob,
    EvidencePack,
    EvidencePackChunk,
    JobState,
    Team,
    User,
)
from ..reporting.permissions import managed_team_ids
from .as_at import content_as_at
from .pack_members import (
    MatrixPass,
    Scope,
    audit_lines,
    huddle_lines,
    matrix_lines,
    observation_lines,
    write_certificates,
    write_text,
)
from .pack_summary import SummaryFacts, summary_pdf

logger = logging.getLogger(__name__)

PACK_JOB = "evidence.pack"
CHUNK_BYTES = 1024 * 1024
PACKS_LISTED = 20
PERIOD_MONTHS = 12
READY_SUBJECT = "Your evidence pack is ready"
FAILED_MESSAGE = "Something went wrong while the pack was being built. Ask for it again."


class PackProblem(ValueError):
    """Something to fix in a request: `field` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class PackProblems(ValueError):
    """Everything to fix in a request, in the order of the form."""

    def __init__(self, problems: list[PackProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class TeamOutOfScope(LookupError):
    """A team the viewer may not see (or that does not exist): the page answers 404."""


@dataclass(frozen=True)
class PackRequest:
    as_at: date | None = None  # today when not given
    period_from: date | None = None  # 12 months before as_at when not given
    team_ids: tuple[int, ...] = ()
    whole_organisation: bool = False


def first_day() -> date | None:
    """The day the organisation's first person was added: no pack can be as at before it."""
    first = db.session.scalar(select(func.min(User.created_at)))
    return first.date() if first else None


def check_request(viewer: User, wanted: PackRequest) -> list[PackProblem]:
    """Every problem with the request (dates, teams), each with what to do; raises
    TeamOutOfScope for a team the viewer may not see."""
    problems = []
    as_at = wanted.as_at or today()
    if as_at > today():
        problems.append(
            PackProblem("as_at", "The as-at date is in the future. Choose today or a day before.")
        )
    elif (first := first_day()) is not None and as_at < first:
        problems.append(
            PackProblem(
                "as_at",
                f"CareLearn holds nothing before {format_day(first)}. "
                "Choose that day or a later one.",
            )
        )
    if wanted.period_from and wanted.period_from > as_at:
        problems.append(
            PackProblem(
                "period_from",
                "The start of the audit period is after the as-at date. "
                "Put the earlier date first.",
            )
        )
    if wanted.whole_organisation and viewer.app_role != AppRole.ADMIN:
        raise TeamOutOfScope("only admins may ask for the whole organisation")
    if wanted.team_ids and not set(wanted.team_ids) <= managed_team_ids(viewer):
        raise TeamOutOfScope("a team outside the viewer's teams")
    if not wanted.team_ids and not wanted.whole_organisation:
        problems.append(PackProblem("teams", "Choose at least one team."))
    return problems


def request_pack(viewer: User, wanted: PackRequest) -> EvidencePack:
    """Add the pack and its job to the session (the caller commits). Raises PackProblems, or
    TeamOutOfScope."""
    problems = check_request(viewer, wanted)
    if problems:
        raise PackProblems(problems)
    as_at = wanted.as_at or today()
    period_from = wanted.period_from or add_months(as_at, -PERIOD_MONTHS)
    whole = wanted.whole_organisation
    pack = EvidencePack(
        requested_by_id=viewer.id,
        scope="organisation" if whole else "teams",
        team_ids=[] if whole else sorted(set(wanted.team_ids)),
        as_at=as_at,
    )
    db.session.add(pack)
    db.session.flush()
    enqueue_job(
        PACK_JOB,
        {"pack_id": pack.id, "period_from": period_from.isoformat()},
        dedupe_key=_job_key(pack.id),
    )
    record_event(
        "evidence_pack.request",
        "evidence_pack",
        pack.id,
        actor_id=viewer.id,
        as_at=as_at.isoformat(),
        period_from=period_from.isoformat(),
        scope=pack.scope,
        team_ids=pack.team_ids,
    )
    return pack


def viewer_packs(viewer: User) -> Sequence[EvidencePack]:
    """The viewer's latest packs, newest first: one query."""
    return db.session.scalars(
        select(EvidencePack)
        .where(EvidencePack.requested_by_id == viewer.id)
        .order_by(EvidencePack.id.desc())
        .limit(PACKS_LISTED)
    ).all()


def team_names(packs: Sequence[EvidencePack]) -> dict[int, str]:
    """The names of every team the packs name: one query."""
    wanted = {team_id for pack in packs for team_id in pack.team_ids}
    if not wanted:
        return {}
    return dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(wanted))).all())


def downloadable_pack(viewer: User, pack_id: int) -> EvidencePack | None:
    """A ready pack the viewer asked for (any, for an admin); None alike for missing, not ready
    and someone else's."""
    pack = db.session.get(EvidencePack, pack_id)
    if pack is None or pack.state != "ready":
        return None
    if pack.requested_by_id != viewer.id and viewer.app_role != AppRole.ADMIN:
        return None
    return pack


def record_download(viewer: User, pack: EvidencePack) -> None:
    record_event("evidence_pack.download", "evidence_pack", pack.id, actor_id=viewer.id)


def pack_bytes(pack_id: int) -> Iterator[bytes]:
    """The ZIP's chunks in order, one read from the database at a time."""
    chunk_ids = db.session.scalars(
        select(EvidencePackChunk.id)
        .where(EvidencePackChunk.pack_id == pack_id)
        .order_by(EvidencePackChunk.position)
    ).all()
    for chunk_id in chunk_ids:
        yield (
            db.session.scalar(
                select(EvidencePackChunk.data).where(EvidencePackChunk.id == chunk_id)
            )
            or b""
        )


def pack_file_name(pack: EvidencePack) -> str:
    return f"carelearn-evidence-as-at-{pack.as_at.isoformat()}-{pack.id}.zip"


# -- Building, in the worker ---------------------------------------------------------------------


def build_pack(payload: dict) -> None:
    """The job: build the pack, or mark it failed with a short reason the page shows."""
    pack_id = payload["pack_id"]
    pack = db.session.get(EvidencePack, pack_id)
    if pack is None or pack.state == "ready":
        return
    period_from = date.fromisoformat(payload["period_from"])
    try:
        _build(pack, period_from)
    except Exception:
        db.session.rollback()
        logger.exception("Evidence pack %s could not be built", pack_id)
        _set(pack_id, state="failed", error=FAILED_MESSAGE, finished_at=utcnow())
        db.session.commit()


def _job_key(pack_id: int) -> str:
    return f"{PACK_JOB}:{pack_id}"


def _keep_claim(pack_id: int) -> None:
    """Push the job's lease on while the pack is built: a large pack takes longer than one
    lease, and another worker must not take it over and build it a second time alongside."""
    lease = timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"])
    db.session.execute(
        update(BackgroundJob)
        .where(
            BackgroundJob.dedupe_key == _job_key(pack_id),
            BackgroundJob.state == JobState.RUNNING.value,
        )
        .values(lease_until=utcnow() + lease)
    )


def _set(pack_id: int, **values) -> None:
    db.session.execute(update(EvidencePack).where(EvidencePack.id == pack_id).values(**values))


def _top_teams(pack: EvidencePack) -> list[tuple[int, str]]:
    query = select(Team.id, Team.name).order_by(Team.name, Team.id)
    if pack.scope == "organisation":
        query = query.where(Team.parent_id.is_(None))
    else:
        query = query.where(Team.id.in_(pack.team_ids))
    return [(team_id, name) for team_id, name in db.session.execute(query)]


def _build(pack: EvidencePack, period_from: date) -> None:
    pack_id, day = pack.id, pack.as_at
    requester = db.session.get(User, pack.requested_by_id)
    scope = Scope(None if pack.scope == "organisation" else tuple(pack.team_ids), day)
    top_teams = _top_teams(pack)
    db.session.execute(delete(EvidencePackChunk).where(EvidencePackChunk.pack_id == pack_id))
    total = db.session.scalar(select(func.count()).select_from(scope.people_ids().subquery()))
    _set(pack_id, state="building", done=0, total=total, error=None, size_bytes=0)
    db.session.commit()

    def progress(done: int) -> None:
        _set(pack_id, done=done)
        commit()

    def commit() -> None:
        _keep_claim(pack_id)
        db.session.commit()

    content = content_as_at(day)
    found = MatrixPass()
    counts = {"observations": 0, "sign_offs": 0, "huddles": 0, "audit_entries": 0}
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            write_text(
                archive, "matrix.csv", matrix_lines(scope, content, top_teams, found, progress)
            )
            certificates = write_certificates(archive, found.certificates, commit)
            write_text(archive, "observations.csv", observation_lines(scope, counts))
            write_text(archive, "huddles.csv", huddle_lines(scope, period_from, counts))
            write_text(archive, "audit.csv", audit_lines(scope, period_from, counts))
            facts = SummaryFacts(
                organisation=current_app.config["ORGANISATION_NAME"],
                scope=_scope_words(pack, top_teams),
                as_at=day,
                period_from=period_from,
                generated_at=utcnow(),
                requested_by=f"{requester.name} ({requester.email})" if requester else "",
                teams=list(found.tallies.values()),
                people=found.people,
                certificates=certificates,
                **counts,
            )
            archive.writestr("summary.pdf", summary_pdf(facts), compress_type=zipfile.ZIP_STORED)
        size = _store(pack_id, spool)
    _set(pack_id, state="ready", size_bytes=size, finished_at=utcnow(), done=found.people)
    if requester is not None:
        _email_ready(requester, pack_id, day)
    db.session.commit()


def _store(pack_id: int, spool) -> int:
    """Copy the file into the database a chunk at a time; returns its size."""
    spool.seek(0)
    position = size = 0
    while data := spool.read(CHUNK_BYTES):
        db.session.execute(
            insert(EvidencePackChunk).values(pack_id=pack_id, position=position, data=data)
        )
        position += 1
        size += len(data)
    return size


def _scope_words(pack: EvidencePack, top_teams: list[tuple[int, str]]) -> str:
    if pack.scope == "organisation":
        return "The whole organisation"
    return ", ".join(name for _id, name in top_teams) + " (with the teams below them)"


def _email_ready(person: User, pack_id: int, day: date) -> None:
    link = absolute_url("manage.evidence_download", pack_id=pack_id)
    body = (
        f"Hello {person.first_name},\n\n"
        f"The evidence pack you asked for, as at {format_day(day)}, is ready to download:\n\n"
        f"{link}\n\n"
        "Only you (and CareLearn's admins) can download it, after signing in. It holds people's "
        "names and training records: keep it safe and share it only with the inspectors who "
        "need it.\n\n"
        "This email was sent automatically by CareLearn for your organisation: replies are not "
        "read.\n"
    )
    send_email(person.email, READY_SUBJECT, body)
