"""What a newly published version means for the people who completed an older one.

A minor change carries every completion over: nothing to do. After a major change, everyone
active whose latest completion is of an older version must take the new one within the
version's grace period: that completion stops counting on its redo date, they are assigned the
module due that day, and each is told once by email. Publishing the same files again publishes
nothing, so nobody is asked twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from ...content.publisher import PublishOutcome
from ...core.audit import record_event
from ...core.database import chunked
from ...core.dates import format_day
from ...core.email import absolute_url
from ...core.outbox import send_email
from ...extensions import db
from ...models import Completion, ModuleVersion, SentReminder, User
from ..training.records import sync_records
from .assignments import assign_modules
from .reminders import reminder_body


def apply_new_versions(outcomes: Iterable[PublishOutcome], actor_id: int | None = None) -> int:
    """Ask for a redo of every major version just published; returns how many people were
    asked. Commits."""
    asked = 0
    for outcome in outcomes:
        if outcome.status == "published" and outcome.version.change_kind == "major":
            asked += len(ask_to_redo(outcome.version, actor_id))
    db.session.commit()
    return asked


def redo_date(version: ModuleVersion) -> date:
    """The end of the grace period: the publishing day plus the version's grace days."""
    return version.published_at.date() + timedelta(days=version.grace_days)


def ask_to_redo(version: ModuleVersion, actor_id: int | None = None) -> list[int]:
    """Give the completions of older versions their redo date, assign the module due then and
    queue one email each. Returns the ids of the people asked."""
    redo_by = redo_date(version)
    found = db.session.execute(_completions_to_redo(version, redo_by)).all()
    if not found:
        return []
    # One statement per chunk, not one per completion: the counter triggers run per statement.
    for chunk in chunked([completion_id for completion_id, _person in found]):
        db.session.execute(
            update(Completion)
            .where(Completion.id.in_(chunk))
            .values(redo_by=redo_by)
            .execution_options(synchronize_session=False)
        )
    people = [person for _completion_id, person in found]
    user_ids = [person.id for person in people]
    assigned = assign_modules(
        user_ids,
        [version.module_id],
        redo_by,
        source="recertification",
        actor_id=actor_id,
        target={"version_id": version.id},
    )
    # A new assignment brings its record up to date; the others' records still need the date.
    sync_records((u, version.module_id) for u in user_ids if u not in assigned.people)
    _tell(people, version, redo_by)
    record_event(
        "content.major_version",
        "module",
        version.module_id,
        actor_id=actor_id,
        version=version.label,
        redo_by=redo_by.isoformat(),
        people=len(people),
    )
    return user_ids


def _completions_to_redo(version: ModuleVersion, redo_by: date):
    """Each active person's latest completion of the module, when it is of an older version and
    would still count on the redo date (one that runs out sooner is renewed on the new version
    anyway) and has no redo date already (an earlier one stands)."""
    newer = aliased(Completion)
    taken = aliased(ModuleVersion)
    return (
        select(Completion.id, User)
        .join(User, User.id == Completion.user_id)
        .join(taken, taken.id == Completion.module_version_id)
        .where(
            Completion.module_id == version.module_id,
            User.active.is_(True),
            taken.number < version.number,
            Completion.redo_by.is_(None),
            or_(Completion.expires_on.is_(None), Completion.expires_on > redo_by),
        )
        .where(
            ~exists().where(
                newer.user_id == Completion.user_id,
                newer.module_id == Completion.module_id,
                or_(
                    newer.completed_on > Completion.completed_on,
                    and_(newer.completed_on == Completion.completed_on, newer.id > Completion.id),
                ),
            )
        )
        .order_by(User.id)
    )


def new_version_subject(title: str, redo_by: date) -> str:
    return f"{title} has changed: please take the new version by {format_day(redo_by)}"


def _tell(people: list[User], version: ModuleVersion, redo_by: date) -> None:
    day = format_day(redo_by)
    subject = new_version_subject(version.title, redo_by)
    why = (
        f"You are getting this because {version.title} has a new version with important "
        f"changes. Your earlier completion counts until {day}; after that it no longer does, "
        "so please take the new version before then:"
    )
    lines = [f"{version.title}, version {version.label}: take it by {day}"]
    link = absolute_url("learn.module", slug=version.slug)
    key = f"new-version:{version.id}"
    summary = f"Told about the new version of {version.title}: take it by {day}"
    for person in people:
        send_email(person.email, subject, reminder_body(person, why, lines, link))
        # Listed with the person's reminders, and a mark that this version's email went.
        db.session.add(
            SentReminder(user_id=person.id, key=key, kind="new_version", summary=summary)
        )
