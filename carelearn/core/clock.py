"""One clock for the whole app, so tests can set the date that rules see."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Act as if it were `moment` for a while (demo history, tests), then run on as before."""
    previous = _frozen
    freeze(moment)
    try:
        yield
    finally:
        freeze(previous)
