"""What the organisation writes on its own pages: the Help page's text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Text
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
