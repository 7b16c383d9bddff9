"""A few past huddles for the demo teams, so My teams, a team's huddles, people's records and
the huddles CSV have something to show. Recorded through the same service as the pages (with
their audit entries), only when there are none yet and only once cards are published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from ..core.clock import today
from ..extensions import db
from ..models import Huddle, Team, User
from ..services.huddles.cards import offered_cards
from ..services.huddles.recording import HuddleEntry, record_huddle


@dataclass(frozen=True)
class DemoHuddle:
    team: str
    led_by: str  # an email of the demo accounts
    days_ago: int
    came: tuple[str, ...]  # emails of the demo accounts
    agreed: str


DEMO_HUDDLES = [
    DemoHuddle(
        "Outpatients Reception",
        "manager@carelearn.example",
        75,
        ("reception@carelearn.example", "newstarter@carelearn.example"),
        "When a clinic runs late we tell everyone waiting how long, and update them every "
        "30 minutes, even when nothing has changed.",
    ),
    DemoHuddle(
        "Outpatients Nursing",
        "manager@carelearn.example",
        48,
        ("nurse@carelearn.example", "hca@carelearn.example"),
        "Whoever calls a patient in says their own name and role first. We try it for a month "
        "and talk about it at the next huddle.",
    ),
    DemoHuddle(
        "Outpatients Reception",
        "manager@carelearn.example",
        20,
        ("reception@carelearn.example", "newstarter@carelearn.example"),
        "On busy mornings one of us stays off the phones and looks after the desk queue.",
    ),
    DemoHuddle(
        "Portering",
        "admin@carelearn.example",
        33,
        ("porter@carelearn.example",),
        "We tell each patient where we are taking them and why before we move the bed.",
    ),
    DemoHuddle(
        "Housekeeping",
        "admin@carelearn.example",
        9,
        ("cleaner@carelearn.example",),
        "Thank-you cards go on the staff board the day they arrive, with the name of the "
        "person they are for.",
    ),
]


def seed_huddles() -> str:
    """Record the demo huddles, each with a different card, if no huddle exists yet."""
    if db.session.scalar(select(Huddle.id).limit(1)) is not None:
        return "Demo huddles: some are already recorded, so none were added."
    cards = [card for module in offered_cards() for card in module.cards]
    if not cards:
        return "Demo huddles: no huddle cards are published yet, so none were added."
    teams = {t.name: t.id for t in db.session.scalars(select(Team))}
    people = {u.email: u for u in db.session.scalars(select(User))}
    made = 0
    for n, demo in enumerate(DEMO_HUDDLES):
        leader = people.get(demo.led_by)
        came = [people[e].id for e in demo.came if e in people]
        if demo.team not in teams or leader is None or not came:
            continue
        entry = HuddleEntry(
            cards[n * 3 % len(cards)].id, today() - timedelta(days=demo.days_ago), came, demo.agreed
        )
        record_huddle(leader, teams[demo.team], entry)
        made += 1
    db.session.commit()
    return f"Demo huddles ready: {made} recorded."
