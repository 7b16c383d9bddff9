"""After a major new version of a module: whether a person's completion of an older version has
been given an end (its redo date), and when the version that asks for it came out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Completion, ModuleVersion


@dataclass(frozen=True)
class Redo:
    published_on: date  # the day the major version came out
    redo_by: date  # the day the older completion stops counting


def pending_redo(user_id: int, module_id: int) -> Redo | None:
    """The redo asked of this person on this module, if their latest completion has one: one
    query."""
    taken, major = aliased(ModuleVersion), aliased(ModuleVersion)
    # The first major version after the one taken: the one that set the redo date.
    came_out = (
        select(major.published_at)
        .where(
            major.module_id == Completion.module_id,
            major.change_kind == "major",
            major.number > taken.number,
        )
        .order_by(major.number)
        .limit(1)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Completion.redo_by, came_out)
        .join(taken, taken.id == Completion.module_version_id)
        .where(Completion.user_id == user_id, Completion.module_id == module_id)
        .order_by(Completion.completed_on.desc(), Completion.id.desc())
        .limit(1)
    ).first()
    if row is None or row.redo_by is None or row[1] is None:
        return None
    return Redo(row[1].date(), row.redo_by)
