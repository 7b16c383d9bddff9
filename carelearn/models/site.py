"""What the organisation writes for itself: the Help page's text and its service vision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class HelpPage(Model):
    """The Help page (whom to ask), in Markdown: one row, written when an admin first saves it.
    With no row, the page shows the standard text (services/site/help.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class OrganisationVision(Model):
    """The organisation's own service vision: a short statement and up to five promises. One
    row, written when an admin first saves it; without it, lessons read as written."""

    __table_args__ = (CheckConstraint("length(statement) > 0", name="statement_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement: Mapped[str] = mapped_column(Text)
    promises: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
