"""A few months of feedback for the demo teams, so the managers' Feedback pages, the comments
and the CSV have something to show, and one "You said, we did" for the public page. Stored
through the same services as the form and the pages, on the days they were given, only when
there is no feedback yet. Every comment is made up and names nobody."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from ..core import clock
from ..extensions import db
from ..models import FeedbackEntry, Team, User
from ..services.feedback.public_form import store_patient_feedback
from ..services.feedback.staff_log import HeardFeedback, log_heard_feedback
from ..services.feedback.you_said import post_you_said

DAYS = 120
# (team, patients' answers in the period, the share of them Very good or Good)
PATIENT_FEEDBACK = [
    ("Outpatients Reception", 18, 0.78),
    ("Outpatients Nursing", 12, 0.92),
    ("Portering", 5, 0.8),
    ("Housekeeping", 5, 0.8),
]
COMMENTS = {
    True: [
        "The receptionist smiled and told me exactly where to go.",
        "Thank you for explaining the delay before I had to ask.",
        "Calm and kind, even on a very busy morning.",
    ],
    False: [
        "We waited over an hour and nobody said why.",
        "It was hard to hear at the desk with the phones ringing.",
    ],
}
# (who logged it, team, days ago, kind, themes, note)
HEARD = [
    (
        "reception@carelearn.example",
        "Outpatients Reception",
        70,
        "concern",
        ["waiting"],
        "Patient worried the clinic had forgotten them after a long wait.",
    ),
    ("reception@carelearn.example", "Outpatients Reception", 40, "compliment", ["kindness"], None),
    (
        "nurse@carelearn.example",
        "Outpatients Nursing",
        25,
        "compliment",
        ["listening", "kindness"],
        "A daughter thanked us for taking time to explain her father's dressing.",
    ),
    (
        "newstarter@carelearn.example",
        "Outpatients Reception",
        12,
        "complaint",
        ["phone-access", "waiting"],
        "Caller could not get through for two mornings running.",
    ),
    ("porter@carelearn.example", "Portering", 8, "compliment", ["kindness"], None),
]
YOU_SAID = (
    "Outpatients Reception",
    "We were not told how long the clinic was running late.",
    "We now write the waiting time on the board by the desk and update it every 30 minutes.",
)


def seed_feedback() -> str:
    if db.session.scalar(select(FeedbackEntry.id).limit(1)) is not None:
        return "Demo feedback: some is already there, so none was added."
    rng = random.Random(7)
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    people = {u.email: u for u in db.session.scalars(select(User))}
    now = datetime.combine(clock.today(), datetime.min.time()) + timedelta(hours=12)
    # (days ago, how to store it, what), stored oldest first, as it came in
    given: list[tuple[int, Callable[..., object], tuple]] = []
    for name, count, good_share in PATIENT_FEEDBACK:
        if name not in teams:
            continue
        for _ in range(count):
            happy = rng.random() < good_share
            answer = rng.choice(
                ("very_good", "very_good", "good") if happy else ("neither", "poor")
            )
            aspects = {"listened": happy, "waiting": happy or rng.random() < 0.3}
            comment = rng.choice(COMMENTS[happy]) if rng.random() < 0.4 else None
            what = (teams[name].id, answer, aspects, comment, "en")
            given.append((rng.randrange(DAYS), store_patient_feedback, what))
    for email, name, days_ago, kind, themes, note in HEARD:
        if email in people and name in teams:
            heard = HeardFeedback(teams[name].id, kind, themes, note)
            given.append((days_ago, log_heard_feedback, (people[email], heard)))
    for days_ago, store, what in sorted(given, key=lambda g: -g[0]):
        with clock.frozen_at(now - timedelta(days=days_ago)):
            store(*what)
    team_name, you_said, we_did = YOU_SAID
    manager = people.get("manager@carelearn.example")
    if manager is not None and team_name in teams:
        post_you_said(manager, teams[team_name], you_said, we_did)
    db.session.commit()
    return f"Demo feedback ready: {len(given)} entries and one “You said, we did”."
