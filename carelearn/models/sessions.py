"""Signed-in sessions, kept on the server so that signing out ends them everywhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class SignInSession(Model):
    """One sign-in. The browser's cookie holds a random key whose hash is kept here: a copy of
    the cookie stops working once the session has ended (signed out, deactivated, or a new
    password set). How long it may idle and last is checked from the signed cookie's own times."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    # signed out, timed out, deactivated, or new password
    end_reason: Mapped[str | None] = mapped_column(String(20))
