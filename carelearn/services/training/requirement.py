"""The one place that says which training a person must do, and which they may.

- **Required**: a module assigned to them, by a manager, an onboarding rule or to recertify.
  Their TrainingRecord then always holds a due date: of the earliest open assignment, or, once
  every assignment is done, of the latest one (records.py keeps it so). Required training is
  what completion figures count, everywhere: team cards, the dashboard, exports and digests.
- **Optional**: a module My training shows them without anyone asking: one for their job role,
  or one they have begun. It shows its status but counts in no figure.
- Anything else is not in their training at all.

`is_required` decides for one record in Python; `required_sql` is the same rule in SQL, so
lists can count and filter in the database. A test holds the two equal. `requirement_words` are
the words learners and managers both read.
"""

from __future__ import annotations

import enum
from datetime import date

from flask import Flask
from sqlalchemy.sql.elements import ColumnElement

from ...core.dates import format_day


class Requirement(enum.StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    NOT_INCLUDED = "not in their training"


def is_required(*, due_on: date | None) -> bool:
    """Assigned to them: only an assignment gives a record a due date, and it keeps one."""
    return due_on is not None


def required_sql(record) -> ColumnElement[bool]:
    """`is_required` as a SQL condition over a TrainingRecord-shaped table or alias."""
    return record.due_on.is_not(None)


def requirement(*, due_on: date | None, for_role: bool, begun: bool) -> Requirement:
    """Where a module stands for a person: required, optional, or not in their training."""
    if is_required(due_on=due_on):
        return Requirement.REQUIRED
    if for_role or begun:
        return Requirement.OPTIONAL
    return Requirement.NOT_INCLUDED


def requirement_words(due_on: date | None, done: bool = False) -> str:
    """ "Required · due 5 Jan 2027" while there is something to do, "Required" once it is done,
    "Optional" otherwise: the same words on the learner's and the manager's pages."""
    if not is_required(due_on=due_on):
        return "Optional"
    return "Required" if done else f"Required · due {format_day(due_on)}"


def init_app(app: Flask) -> None:
    app.jinja_env.globals["requirement_words"] = requirement_words
