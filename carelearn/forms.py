"""What every blueprint's forms share: the button form, choice coercion, and the error summary
at the top of a page. Blueprints import these from here, never from each other."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import Form

from .core.numbers import parse_id
from .services.training import published


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""


def optional_int(value) -> int | None:
    """A select's value as an id, or None for its empty first option. Anything but ASCII
    digits of a number an id can be (see core/numbers.py) raises ValueError, which WTForms
    reports as an invalid choice."""
    if value in (None, "", "None"):
        return None
    if isinstance(value, int):
        return value
    found = parse_id(str(value))
    if found is None:
        raise ValueError("not an id")
    return found


def form_problems(*forms: Form, extra: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(target id, message) for the page's error summary: each field's first error, linked to
    the field, then problems that belong to no field (linked to the page's main content)."""
    found = [
        (f.id, f.errors[0]) for form in forms for f in form if f.errors and f.name != "csrf_token"
    ]
    return found + [("main", message) for message in extra]


def has_problems(*forms: Form, extra: Iterable[str] = ()) -> bool:
    return bool(form_problems(*forms, extra=extra))


def show_error(form: Form, error: Exception, general: list[str]) -> None:
    """A domain error on the field it names (its `field`), or among the page's general problems."""
    name = getattr(error, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        general.append(str(error))


def module_choices() -> list[tuple[int, str]]:
    """The published modules, by title: what assign and path forms offer."""
    return [(v.module_id, v.title) for v in published.current_versions()]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["form_problems"] = form_problems  # for the error-summary macro
