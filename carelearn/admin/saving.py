"""Saving an admin form's change: commit it, or roll back and show why on the form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from flask import abort
from sqlalchemy.exc import IntegrityError
from wtforms import Form

from ..extensions import db
from ..forms import show_error
from ..services.people.checks import PeopleError

T = TypeVar("T")


@dataclass(frozen=True)
class Saved(Generic[T]):
    """The change was committed; `result` is what it returned."""

    result: T
    ok: Literal[True] = True


@dataclass(frozen=True)
class NotSaved:
    """The change was rolled back, and the form says why."""

    ok: Literal[False] = False


def save(
    change: Callable[[], T],
    form: Form,
    general: list[str],
    *,
    taken: tuple[str, str] | None = None,
    on_error: Callable[[], None] | None = None,
) -> Saved[T] | NotSaved:
    """Run `change` and commit. A PeopleError rolls back and shows on the form (then
    `on_error` runs, e.g. to reload an object the change had altered). With `taken` as
    (field, message), a unique constraint broken by someone else's save a moment ago shows that
    message on the field; otherwise that is a bug, and raises."""
    try:
        result = change()
        db.session.commit()
    except PeopleError as error:
        db.session.rollback()
        if on_error is not None:
            on_error()
        show_error(form, error, general)
        return NotSaved()
    except IntegrityError:
        db.session.rollback()
        if taken is None:
            raise
        form[taken[0]].errors = [taken[1]]
        return NotSaved()
    return Saved(result)


def get_or_404(model: type[T], ident: int) -> T:
    thing = db.session.get(model, ident)
    if thing is None:
        abort(404)
    return thing
