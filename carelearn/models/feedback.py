"""What patients and staff say about service: feedback, what teams changed, the staff pulse, and
learners' ratings of modules. Nothing here says who a patient is: no name, address, cookie or
network address is kept, and free text is checked for patients' details before it is stored."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model

# The Friends and Family Test's six answers, best first, as stored.
FFT_ANSWERS = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
# The aspects the form asks about: each "good" (true) or "could be better" (false), or skipped.
ASPECTS = ("listened", "kindness", "information", "waiting", "cleanliness")
STAFF_LOGGED_KINDS = ("compliment", "concern", "complaint")


class FeedbackEntry(Model):
    """One piece of feedback about a team: a patient's answer to the public form, or what a member
    of staff heard in person and logged."""

    __table_args__ = (
        CheckConstraint(
            "answer IN ('very_good', 'good', 'neither', 'poor', 'very_poor', 'dont_know')",
            name="answer_known",
        ),
        CheckConstraint("source IN ('patient', 'staff')", name="source_known"),
        CheckConstraint("kind IN ('compliment', 'concern', 'complaint')", name="kind_known"),
        # A patient answers the question; staff log a kind of remark instead.
        CheckConstraint(
            "(source = 'patient' AND answer IS NOT NULL AND kind IS NULL AND logged_by_id IS NULL)"
            " OR (source = 'staff' AND kind IS NOT NULL AND logged_by_id IS NOT NULL)",
            name="source_fields",
        ),
        CheckConstraint("length(comment) <= 2000", name="comment_short"),
        Index("ix_feedback_entry_team_received", "team_id", "received_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    source: Mapped[str] = mapped_column(String(8))
    answer: Mapped[str | None] = mapped_column(String(10))
    kind: Mapped[str | None] = mapped_column(String(10))
    # Aspects: true good, false could be better, null not answered.
    listened: Mapped[bool | None] = mapped_column(Boolean)
    kindness: Mapped[bool | None] = mapped_column(Boolean)
    information: Mapped[bool | None] = mapped_column(Boolean)
    waiting: Mapped[bool | None] = mapped_column(Boolean)
    cleanliness: Mapped[bool | None] = mapped_column(Boolean)
    # Theme slugs (content/themes.py), from staff tags or the aspects marked "could be better".
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # The day only: a time of day could help pick out who wrote it.
    received_on: Mapped[date] = mapped_column(Date)
    logged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class YouSaidWeDid(Model):
    """What a team changed because of what it heard, shown on its public feedback page."""

    __table_args__ = (
        CheckConstraint("length(you_said) > 0 AND length(we_did) > 0", name="both_written"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    you_said: Mapped[str] = mapped_column(String(300))
    we_did: Mapped[str] = mapped_column(String(500))
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    posted_on: Mapped[date] = mapped_column(Date)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime)


class FeedbackMonth(Model):
    """Each team's feedback counted by month, kept in step with every entry stored, hidden or
    shown again (services/feedback), so insight pages add up a few rows instead of counting
    thousands of entries. Hidden entries are not counted."""

    __table_args__ = (UniqueConstraint("team_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    month: Mapped[date] = mapped_column(Date)  # its first day
    very_good: Mapped[int] = mapped_column(Integer, default=0)
    good: Mapped[int] = mapped_column(Integer, default=0)
    neither: Mapped[int] = mapped_column(Integer, default=0)
    poor: Mapped[int] = mapped_column(Integer, default=0)
    very_poor: Mapped[int] = mapped_column(Integer, default=0)
    dont_know: Mapped[int] = mapped_column(Integer, default=0)
    compliments: Mapped[int] = mapped_column(Integer, default=0)
    concerns: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    # Per aspect, how many said good and how many could be better; per theme, how many entries.
    aspects_good: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    aspects_better: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    themes: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)


def _random_id() -> str:
    return secrets.token_hex(16)


class PulseResponse(Model):
    """One anonymous answer to the quarterly staff pulse: the team and the three answers, and
    nothing that says who gave it (PulseTaken records only that someone has answered). Its id
    is random, so the order rows were added in cannot pair an answer with a PulseTaken row."""

    __table_args__ = (
        CheckConstraint("know_vision BETWEEN 1 AND 5", name="know_vision_scale"),
        CheckConstraint("can_raise_concern BETWEEN 1 AND 5", name="can_raise_concern_scale"),
        CheckConstraint("team_acts BETWEEN 1 AND 5", name="team_acts_scale"),
        Index("ix_pulse_response_quarter_team", "quarter", "team_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_random_id)
    quarter: Mapped[str] = mapped_column(String(7))  # "2026-Q4"
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    know_vision: Mapped[int] = mapped_column(SmallInteger)
    can_raise_concern: Mapped[int] = mapped_column(SmallInteger)
    team_acts: Mapped[int] = mapped_column(SmallInteger)


class PulseRound(Model):
    """A quarter in which an admin has opened the staff pulse: it is optional for the
    organisation, and each person may answer once per round."""

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter: Mapped[str] = mapped_column(String(7), unique=True)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)


class PulseTaken(Model):
    """That a person has answered a quarter's pulse, so they answer once; kept apart from the
    answers, with no link between them."""

    __table_args__ = (UniqueConstraint("user_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    quarter: Mapped[str] = mapped_column(String(7))


class ModuleRating(Model):
    """A learner's rating of a module version they completed, 1 to 5, with an optional comment."""

    __table_args__ = (
        UniqueConstraint("user_id", "module_version_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"), index=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
