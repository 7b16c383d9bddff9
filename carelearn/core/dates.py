"""Calendar arithmetic for due and expiry dates, and how dates are written for people."""

from __future__ import annotations

import calendar
from datetime import date, datetime


def add_months(start: date, months: int) -> date:
    """The same day `months` later; the month's last day when that day does not exist
    (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def expiry_date(completed_on: date, recertify_after_months: int | None) -> date | None:
    return add_months(completed_on, recertify_after_months) if recertify_after_months else None


def format_day(value: date | None) -> str:
    """A date as people read it everywhere in CareLearn: "5 Jan 2027" ("–" for none)."""
    return f"{value.day} {value:%b %Y}" if value else "–"


def format_moment(value: datetime | None) -> str:
    """A time of day with its date: "5 Jan 2027, 14:05"."""
    return f"{format_day(value)}, {value:%H:%M}" if value else "–"
