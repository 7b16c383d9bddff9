"""Every observation of the people a manager sees, as a CSV file for an inspection: one row per
observation, with the items not yet met and what the observer said about them."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from ...core.audit import record_event
from ...extensions import db
from ...models import ModuleVersion, PracticeObservation, User
from ..reporting.exports import BATCH, csv_lines, safe_cell
from ..reporting.permissions import visible_user_ids_query

CSV_HEADER = [
    "Name",
    "Email",
    "Module",
    "Version",
    "Observed on",
    "Observed by",
    "Outcome",
    "Items met",
    "Items",
    "Not yet met, with comments",
    "Read by the person on",
]


def record_export(viewer: User) -> None:
    """The audit entry for a download of the observations CSV; the caller commits."""
    record_event("export", "user", viewer.id, actor_id=viewer.id, what="observations")


def observations_csv(viewer: User) -> Iterator[str]:
    """The observations of everyone the viewer sees, by person, newest first."""
    observer = aliased(User)
    person = aliased(User)
    query = (
        select(PracticeObservation, person.name, person.email, ModuleVersion, observer.name)
        .join(person, person.id == PracticeObservation.user_id)
        .join(observer, observer.id == PracticeObservation.observer_id)
        .join(ModuleVersion, ModuleVersion.id == PracticeObservation.module_version_id)
        .where(PracticeObservation.user_id.in_(visible_user_ids_query(viewer)))
        .options(selectinload(PracticeObservation.items))
        .order_by(
            person.name,
            person.id,
            PracticeObservation.observed_at.desc(),
            PracticeObservation.id.desc(),
        )
    )

    def lines():
        # Run as the response streams, in the session the streaming opens (see completions_csv).
        rows = db.session.execute(query.execution_options(yield_per=BATCH))
        for observation, name, email, version, observed_by in rows:
            items = observation.items
            not_met = [
                f"{i.text}: {i.comment}" if i.comment else i.text for i in items if not i.met
            ]
            acknowledged = observation.acknowledged_at
            yield [
                safe_cell(name),
                safe_cell(email),
                safe_cell(version.title),
                safe_cell(version.label),
                observation.observed_at.date().isoformat(),
                safe_cell(observed_by),
                observation.outcome,
                sum(1 for i in items if i.met),
                len(items),
                safe_cell(" | ".join(not_met)),
                acknowledged.date().isoformat() if acknowledged else "",
            ]

    return csv_lines(CSV_HEADER, lines())
