"""One clock for the whole app, so tests can set the date that rules see."""
from __future__ import annotations

from datetime import UTC, date, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """The current UTC time as a naive datetime (stored the same on SQLite and PostgreSQL)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def freeze(moment: datetime | None) -> None:
    """Pin the clock (tests); `None` lets it run again."""
    global _frozen
    _frozen = moment
