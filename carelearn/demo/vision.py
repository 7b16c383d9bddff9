"""The demo trust's service vision and its teams' one-line promises."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Team, User
from ..services.people.teams import set_team_promise
from ..services.site.vision import current_vision, save_vision

DEMO_ADMIN = "admin@carelearn.example"

DEMO_STATEMENT = (
    "At Riverside Health, every patient and visitor is met by someone who notices them, "
    "treats them as a person and keeps them in the picture, whoever they meet and however busy "
    "the day."
)
DEMO_PROMISES = [
    "We say hello, give our name and say what we are there to do.",
    "We tell people what is happening and how long it will take, before they have to ask.",
    "If we cannot help, we find someone who can, and we check it happened.",
    "We speak up when something is not safe, not kind or not fair.",
]
# Team name (as in DEMO_TEAMS) to its promise; teams missing from the database are left out.
DEMO_TEAM_PROMISES = {
    "Outpatients Reception": "Nobody waits at our desk without being seen and told how long.",
    "Outpatients Nursing": "Every patient knows who is looking after them and what comes next.",
    "Portering": "We tell every patient where we are going and why, before we move them.",
    "Housekeeping": "We say hello and ask before we clean around someone's bed or belongings.",
}


def seed_vision() -> bool:
    """Write the demo vision and the demo teams' promises, unless a vision exists already.
    Safe to run again: returns whether anything was written."""
    if current_vision() is not None:
        return False
    admin = db.session.scalar(select(User).where(User.email == DEMO_ADMIN))
    actor_id = admin.id if admin is not None else None
    save_vision(admin, DEMO_STATEMENT, DEMO_PROMISES)
    teams = db.session.scalars(select(Team).where(Team.name.in_(DEMO_TEAM_PROMISES)))
    for team in teams:
        if not team.service_promise:
            set_team_promise(team, DEMO_TEAM_PROMISES[team.name], actor_id)
    db.session.commit()
    return True
