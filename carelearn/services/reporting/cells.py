"""What one cell of the staff × module matrix says: the status, whether it is required, and the
date that matters, written out (the page and its CSV download say the same)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ...core.dates import format_day
from ..training.completions import METHOD_WORDS
from ..training.requirement import Requirement, requirement_words
from ..training.status import Status

NOT_INCLUDED = "Not in their training"


@dataclass(frozen=True)
class Cell:
    status: Status | None  # None: optional and never begun
    requirement: Requirement
    note: str  # e.g. "Required · due 5 Jan 2027", "Completed 3 Mar 2026", "Optional"


def the_date_that_matters(
    status: Status, due_on: date | None, completed_on: date | None, expires_on: date | None
) -> str:
    """Due for open training, the completion for completed, the expiry once it nears or passes."""
    if status == Status.COMPLETED:
        return f"Completed {format_day(completed_on)}"
    if status == Status.EXPIRING:
        return f"Expires {format_day(expires_on)}"
    if status == Status.EXPIRED:
        return f"Expired {format_day(expires_on)}"
    return ""


def record_cell(
    status: Status,
    *,
    required: bool,
    due_on: date | None,
    completed_on: date | None,
    expires_on: date | None,
    method: str | None = None,
) -> Cell:
    """The cell for someone's record of a module; a completion not earned by the quiz says how
    it was ("tested out", "recognised prior learning")."""
    when = the_date_that_matters(status, due_on, completed_on, expires_on)
    if when and method and method != "quiz":
        when += f" · {METHOD_WORDS[method]}"
    if required:
        return Cell(status, Requirement.REQUIRED, when or requirement_words(due_on))
    return Cell(status, Requirement.OPTIONAL, " · ".join(filter(None, ["Optional", when])))


OPTIONAL_UNTOUCHED = Cell(None, Requirement.OPTIONAL, "Optional")


def csv_text(cell: Cell | None) -> str:
    """The cell in the matrix's CSV download: the status, then what the page says under it."""
    if cell is None:
        return NOT_INCLUDED.lower()
    if cell.status is None:
        return cell.note.lower()
    return f"{cell.status.value} ({cell.note})"
