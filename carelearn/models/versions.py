"""Change counters that tell cached manager pages when they are out of date."""
from __future__ import annotations

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class TeamVersion(db.Model):
    """How many times something about a team's members has changed (see services/freshness.py).

    `team_id` is a team's id, or NO_TEAM (0) for people in no team, or STRUCTURE (-1) for the
    shape of the organisation: teams, who manages them, job roles. Not a foreign key, for those
    two rows.
    """

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
