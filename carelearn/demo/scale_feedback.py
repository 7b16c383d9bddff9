"""Two years of feedback for the large demo: about 20 entries per member of staff, across the
teams that see patients, mostly patients' answers (about 85 % Very good or Good), some logged by
staff, a few with a comment; and the FeedbackMonth rows counted from them as they are made."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy import insert, select

from ..content.themes import ASPECT_THEMES, FEEDBACK_THEMES
from ..core.dates import add_months
from ..extensions import db
from ..models import FeedbackEntry, FeedbackMonth, Team
from ..models.feedback import ASPECTS, FFT_ANSWERS
from ..services.feedback.monthly import KIND_COLUMNS
from .scale_data import BATCH, DIRECTORATES
from .scale_rows import GeneratedPerson, LeafTeam, RowWriter, weighted_choice

ENTRIES_PER_STAFF = 20
MONTHS = 24
STAFF_SHARE = 0.06  # logged by staff rather than given by patients
COMMENT_SHARE = 0.12
WELSH_SHARE = 0.02
# Answers, best first, for a team of middling service: Very good and Good make about 85 %.
ANSWERS = {"very_good": 61, "good": 24, "neither": 5, "poor": 4, "very_poor": 3, "dont_know": 3}
KINDS = {"compliment": 60, "concern": 28, "complaint": 12}
PRAISE = [
    "The nurse explained everything and checked I had understood.",
    "Reception were friendly and told us how long the wait would be.",
    "Kind and calm staff, even though it was very busy.",
    "I felt listened to for the first time in a long while.",
    "Clean, quiet and well organised.",
    "Thank you for looking after my mum so gently.",
]
GRUMBLES = [
    "We waited two hours and nobody told us why.",
    "Hard to get through on the phone in the morning.",
    "The doctor was kind but I left without knowing what happens next.",
    "Felt rushed and nobody asked if I had questions.",
    "The toilets on the corridor were not clean.",
    "Talked about my results where others could hear.",
]
NOTES = [
    "Patient's son thanked the whole team for the care over the weekend.",
    "Visitor upset about the wait for discharge medicines.",
    "Patient said the signs to the clinic were confusing.",
    "Carer asked for information in large print and was pleased we had it.",
    "Patient unhappy that the appointment was moved twice.",
]


class FeedbackBuilder:
    """The part of the builder that writes feedback (see scale.py)."""

    rng: random.Random
    today: date
    out: RowWriter

    def _feedback(self, leaves: list[LeafTeam], people: list[GeneratedPerson]) -> None:
        rng, today = self.rng, self.today
        parent_of = {t: p for t, p in db.session.execute(select(Team.id, Team.parent_id))}
        staff_of: dict[int, list[int]] = defaultdict(list)  # department id -> active staff
        for user_id, _role, _start, department_id, active in people:
            if active:
                staff_of[department_id].append(user_id)
        # The teams that see patients; the small demo's keep the feedback it gave them.
        seeded = set(db.session.scalars(select(FeedbackMonth.team_id).distinct()))
        facing = [
            leaf
            for leaf in leaves
            if DIRECTORATES[leaf[1]][2] in ("clinical", "support") and leaf[0] not in seeded
        ]
        volume = {leaf[0]: rng.uniform(0.3, 1.7) for leaf in facing}  # busy and quiet teams
        quality = {leaf[0]: rng.gauss(0, 0.5) for leaf in facing}  # some teams do better
        per_team_month = ENTRIES_PER_STAFF * len(people) / sum(volume.values()) / MONTHS
        first = add_months(today.replace(day=1), -(MONTHS - 1))
        months: dict[tuple[int, date], dict] = {}
        rows: list[dict] = []
        for k in range(MONTHS):
            start = add_months(first, k)
            days = ((add_months(start, 1) - timedelta(days=1)) if k < MONTHS - 1 else today).day
            improving = k / MONTHS  # service gets a little better over the two years
            for team_id, _, _ in facing:
                department = team_id if team_id in staff_of else parent_of.get(team_id)
                loggers = staff_of.get(department or -1, [])
                count = round(per_team_month * volume[team_id] * days / 30 * rng.uniform(0.8, 1.2))
                for _ in range(count):
                    day = start + timedelta(days=rng.randrange(days))
                    if loggers and rng.random() < STAFF_SHARE:
                        row = self._staff_row(team_id, day, rng.choice(loggers))
                    else:
                        row = self._patient_row(team_id, day, quality[team_id] + improving)
                    rows.append(row)
                    _count(months, row)
                    if len(rows) >= BATCH:
                        self._write(FeedbackEntry, rows)
        self._write(FeedbackEntry, rows)
        self._write(FeedbackMonth, [_month_row(key, counts) for key, counts in months.items()])

    def _write(self, model, rows: list[dict]) -> None:
        if rows:
            db.session.execute(insert(model.__table__), rows)
            self.out.counts[model.__tablename__] += len(rows)
            rows.clear()

    def _patient_row(self, team_id: int, day: date, lift: float) -> dict:
        rng = self.rng
        weights = dict(ANSWERS)
        weights["very_good"] = max(1, round(weights["very_good"] * (1 + 0.25 * lift)))
        answer = weighted_choice(rng, weights)
        happy = answer in ("very_good", "good")
        aspects: dict[str, bool | None] = {}
        for aspect in ASPECTS:
            if rng.random() < 0.5:
                aspects[aspect] = rng.random() < (0.92 if happy else 0.3)
            else:
                aspects[aspect] = None
        comment = None
        if rng.random() < COMMENT_SHARE:
            comment = rng.choice(PRAISE if happy or answer == "dont_know" else GRUMBLES)
        return {
            "team_id": team_id,
            "source": "patient",
            "answer": answer,
            "kind": None,
            **aspects,
            "themes": [ASPECT_THEMES[a] for a in ASPECTS if aspects[a] is False],
            "comment": comment,
            "language": "cy" if rng.random() < WELSH_SHARE else "en",
            "received_on": day,
            "logged_by_id": None,
        }

    def _staff_row(self, team_id: int, day: date, logged_by: int) -> dict:
        rng = self.rng
        themes = rng.sample(list(FEEDBACK_THEMES), rng.choice((1, 1, 2)))
        return {
            "team_id": team_id,
            "source": "staff",
            "answer": None,
            "kind": weighted_choice(rng, KINDS),
            **dict.fromkeys(ASPECTS),
            "themes": [t for t in FEEDBACK_THEMES if t in themes],
            "comment": rng.choice(NOTES) if rng.random() < 0.4 else None,
            "language": "en",
            "received_on": day,
            "logged_by_id": logged_by,
        }


def _count(months: dict[tuple[int, date], dict], row: dict) -> None:
    """Add the entry to its team's month, as services/feedback/monthly.py does for each one."""
    key = (row["team_id"], row["received_on"].replace(day=1))
    counts = months.setdefault(
        key, {"fields": Counter(), "good": Counter(), "better": Counter(), "themes": Counter()}
    )
    if row["answer"]:
        counts["fields"][row["answer"]] += 1
    if row["kind"]:
        counts["fields"][KIND_COLUMNS[row["kind"]]] += 1
    for aspect in ASPECTS:
        if row[aspect] is True:
            counts["good"][aspect] += 1
        elif row[aspect] is False:
            counts["better"][aspect] += 1
    counts["themes"].update(row["themes"])


def _month_row(key: tuple[int, date], counts: dict) -> dict:
    team_id, month = key
    return {
        "team_id": team_id,
        "month": month,
        **{c: counts["fields"][c] for c in (*FFT_ANSWERS, *KIND_COLUMNS.values())},
        "aspects_good": dict(counts["good"]),
        "aspects_better": dict(counts["better"]),
        "themes": dict(counts["themes"]),
    }
