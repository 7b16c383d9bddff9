"""Keeping each team's monthly feedback counts (FeedbackMonth) in step with its entries.

Every store, hide and show-again calls `count_entry` in the same transaction as the change to
the entry, so the counts can never drift from the entries. Two people sending feedback to one
team at the same moment must not lose a count: the month's row is made if missing with an
INSERT that ignores a clash, then read with FOR UPDATE, so a second writer waits for the first
(PostgreSQL locks the row; SQLite has one writer at a time, and the INSERT already holds it).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ...extensions import db
from ...models.feedback import ASPECTS, FeedbackEntry, FeedbackMonth

# The counter column each staff-logged kind adds to.
KIND_COLUMNS = {"compliment": "compliments", "concern": "concerns", "complaint": "complaints"}


def month_of(day: date) -> date:
    return day.replace(day=1)


def count_entry(entry: FeedbackEntry, sign: int = +1) -> None:
    """Add the entry to its team's month (`sign` +1: stored or shown again), or take it away
    (-1: hidden). Flushes; the caller commits with the change to the entry."""
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    month = _locked_month(entry.team_id, month_of(entry.received_on))
    if entry.answer is not None:
        setattr(month, entry.answer, getattr(month, entry.answer) + sign)
    if entry.kind is not None:
        column = KIND_COLUMNS[entry.kind]
        setattr(month, column, getattr(month, column) + sign)
    good = [a for a in ASPECTS if getattr(entry, a) is True]
    better = [a for a in ASPECTS if getattr(entry, a) is False]
    # New dicts rather than changed ones: a plain JSON column only notices being assigned.
    month.aspects_good = _added(month.aspects_good, good, sign)
    month.aspects_better = _added(month.aspects_better, better, sign)
    month.themes = _added(month.themes, entry.themes or [], sign)
    db.session.flush()


def _added(counts: dict[str, int] | None, keys, sign: int) -> dict[str, int]:
    """The counts with each key moved by `sign`; keys that reach zero are dropped."""
    result = dict(counts or {})
    for key in keys:
        result[key] = result.get(key, 0) + sign
        if result[key] == 0:
            del result[key]
    return result


def _locked_month(team_id: int, month: date) -> FeedbackMonth:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(FeedbackMonth)
        .values(team_id=team_id, month=month, aspects_good={}, aspects_better={}, themes={})
        .on_conflict_do_nothing(index_elements=["team_id", "month"])
    )
    return db.session.scalars(
        select(FeedbackMonth)
        .where(FeedbackMonth.team_id == team_id, FeedbackMonth.month == month)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
