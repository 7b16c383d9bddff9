"""Team huddles: the cards each module version brings, and the huddles managers run with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model
from .content import ModuleVersion


class HuddleCard(Model):
    """One card of a published module version's huddles.yml: never changed once published."""

    __table_args__ = (
        UniqueConstraint("module_version_id", "key"),
        UniqueConstraint("module_version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_version.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(80))
    situation: Mapped[str] = mapped_column(Text)
    prompts: Mapped[list[str]] = mapped_column(JSON)
    remember: Mapped[str] = mapped_column(Text)

    module_version: Mapped[ModuleVersion] = relationship()


class Huddle(Model):
    """A huddle a manager ran with a team on a day, with one card, and what the team agreed."""

    __table_args__ = (Index("ix_huddle_team_held_on", "team_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"))
    card_id: Mapped[int] = mapped_column(ForeignKey("huddle_card.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    led_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    agreed: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    card: Mapped[HuddleCard] = relationship()


class HuddleAttendance(Model):
    """Who came to a huddle."""

    huddle_id: Mapped[int] = mapped_column(ForeignKey("huddle.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True, index=True)
