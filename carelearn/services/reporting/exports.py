"""CSV evidence for inspections: streamed row by row, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ...core.clock import today
from ...extensions import db
from ...models import JobRole, ModuleVersion, PracticeObservation, TrainingRecord, User
from ..training import published
from ..training.completions import METHOD_WORDS
from ..training.requirement import Requirement, is_required
from ..training.status import Status, status_sql
from .cells import OPTIONAL_UNTOUCHED, csv_text, record_cell
from .reports import MatrixFilters, matrix_modules, matrix_people_query

BATCH = 1000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Text Excel shows as typed: a leading = + - @ (or tab/CR) would start a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterator[list]) -> Iterator[str]:
    """The CSV text in pieces of about 32 kB. Each row's text cells (names, titles: anything
    people typed) must already have been through safe_cell; dates, numbers and statuses are
    written by the app and cannot start a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # Where the list separator is ";" (much of Europe), a spreadsheet splits an unquoted cell at
    # each ";", and what follows one could start a formula: a row holding one is fully quoted.
    quoted = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    yield "\ufeff"  # a byte-order mark, so Excel reads the file as UTF-8
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        if any(isinstance(cell, str) and ";" in cell for cell in row):
            quoted.writerow(row)
        else:
            writer.writerow(row)
        if buffer.tell() > 32_768:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _latest_sign_off(column):
    """`column` of the record's latest observation with every item met, as a subquery."""
    observer = aliased(User)
    return (
        select(column(observer))
        .select_from(PracticeObservation)
        .join(observer, observer.id == PracticeObservation.observer_id)
        .where(
            PracticeObservation.user_id == TrainingRecord.user_id,
            PracticeObservation.module_id == TrainingRecord.module_id,
            PracticeObservation.outcome == "met",
        )
        .order_by(PracticeObservation.observed_at.desc(), PracticeObservation.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _sign_off_words(observer: str | None, observed_at) -> str:
    return f"signed off by {observer} on {observed_at.date().isoformat()}" if observer else ""


def completions_csv(viewer: User, filters: MatrixFilters, on: date | None = None) -> Iterator[str]:
    """One row per person and module they have a record for: required or optional (only
    required training counts in the figures), status, dates and score."""
    on = on or today()
    people = matrix_people_query(viewer, filters, on).subquery()
    modules = {m.id: m for m in matrix_modules(filters)}
    titles = dict(
        db.session.execute(
            select(ModuleVersion.module_id, ModuleVersion.title).where(
                ModuleVersion.id.in_([m.current_version_id for m in modules.values()])
            )
        ).all()
    )
    status = status_sql(TrainingRecord, on)
    query = (
        select(
            people.c.name,
            people.c.email,
            JobRole.name,
            TrainingRecord.module_id,
            status,
            TrainingRecord.due_on,
            TrainingRecord.started_at,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            TrainingRecord.score_percent,
            TrainingRecord.version_label,
            TrainingRecord.method,
            _latest_sign_off(lambda observer: observer.name),
            _latest_sign_off(lambda _observer: PracticeObservation.observed_at),
        )
        .join(TrainingRecord, TrainingRecord.user_id == people.c.id)
        .join(JobRole, JobRole.id == people.c.job_role_id)
        .where(TrainingRecord.module_id.in_(list(modules)))
        .order_by(people.c.name, people.c.id, TrainingRecord.module_id)
    )
    if filters.status:
        query = query.where(status == filters.status.value)

    def lines():
        # Run as the response streams, in the session the streaming opens: the view's own
        # session is closed as soon as it returns, and a PostgreSQL cursor with it.
        rows = db.session.execute(query.execution_options(yield_per=BATCH))
        safe_titles = {module_id: safe_cell(title) for module_id, title in titles.items()}
        for (
            name,
            email,
            role,
            module_id,
            state,
            due,
            started,
            done,
            expires,
            score,
            label,
            method,
            observer,
            observed_at,
        ) in rows:
            required = is_required(due_on=due)
            yield [
                safe_cell(name),
                safe_cell(email),
                safe_cell(role),
                safe_titles.get(module_id, ""),
                (Requirement.REQUIRED if required else Requirement.OPTIONAL).value,
                state,
                _iso(due),
                _iso(started.date() if started else None),
                _iso(done),
                _iso(expires),
                "" if score is None else score,
                safe_cell(label),
                METHOD_WORDS.get(method or "", ""),
                safe_cell(_sign_off_words(observer, observed_at)),
            ]

    header = [
        "Name",
        "Email",
        "Job role",
        "Module",
        "Required",
        "Status",
        "Due",
        "Started",
        "Completed",
        "Expires",
        "Score %",
        "Version",
        "How",
        "Observed practice",
    ]
    return csv_lines(header, lines())


def matrix_csv(viewer: User, filters: MatrixFilters, on: date | None = None) -> Iterator[str]:
    """The staff × module matrix: one row per person, one column per module, saying what the
    page's cell says."""
    on = on or today()
    people = matrix_people_query(viewer, filters, on).subquery()
    modules = matrix_modules(filters)
    titles = dict(
        db.session.execute(
            select(ModuleVersion.module_id, ModuleVersion.title).where(
                ModuleVersion.id.in_([m.current_version_id for m in modules])
            )
        ).all()
    )
    module_ids = [m.id for m in modules]
    # People and their records arrive together, ordered by person, so memory holds one person.
    query = (
        select(
            people.c.id,
            people.c.name,
            people.c.email,
            JobRole.name,
            JobRole.slug,
            TrainingRecord.module_id,
            status_sql(TrainingRecord, on),
            TrainingRecord.due_on,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            TrainingRecord.method,
        )
        .join(JobRole, JobRole.id == people.c.job_role_id)
        .outerjoin(
            TrainingRecord,
            (TrainingRecord.user_id == people.c.id) & TrainingRecord.module_id.in_(module_ids),
        )
        .order_by(people.c.name, people.c.id)
    )

    audiences = {v.module_id: v.audience for v in published.current_versions()}

    def lines():
        rows = db.session.execute(query.execution_options(yield_per=BATCH))  # see completions_csv
        current, cells, person, slug = None, {}, None, ""
        for user_id, name, email, role, slug_, module_id, state, due, done, expires, method in rows:
            if user_id != current:
                if person:
                    yield person + [csv_text(cells.get(m)) for m in module_ids]
                current, person, slug = (
                    user_id,
                    [safe_cell(name), safe_cell(email), safe_cell(role)],
                    slug_,
                )
                cells = {m: OPTIONAL_UNTOUCHED for m in module_ids if slug in audiences.get(m, ())}
            if module_id is not None:
                cells[module_id] = record_cell(
                    Status(state),
                    required=is_required(due_on=due),
                    due_on=due,
                    completed_on=done,
                    expires_on=expires,
                    method=method,
                )
        if person:
            yield person + [csv_text(cells.get(m)) for m in module_ids]

    return csv_lines(
        ["Name", "Email", "Job role"] + [titles.get(m, "") for m in module_ids], lines()
    )
