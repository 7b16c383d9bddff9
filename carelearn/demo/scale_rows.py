"""Writing the large demo's rows quickly: batched inserts with ids chosen up front."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, insert, select, text

from ..extensions import Model, db
from ..models import (
    Assignment,
    AttemptQuestion,
    Completion,
    LessonProgress,
    QuizAttempt,
    TeamManager,
    TeamMembership,
    User,
)
from .scale_data import BATCH, ROLE_MIX

# A team people are put in: (team id, directorate index, role mix).
LeafTeam = tuple[int, int, dict[str, int]]
# (user id, job role slug, start date, department id, active)
GeneratedPerson = tuple[int, str, date, int, bool]


@dataclass
class ScaleModule:
    module_id: int
    version_id: int
    lessons: list[tuple[int, int]]  # (lesson id, minutes), in order
    pass_mark: int
    per_attempt: int
    recertify: int | None
    rollout: date  # when staff were first asked to take it
    practice_required: bool = False  # a pass waits for its observed practice to be signed off
    questions: dict[str, list[tuple]] = field(default_factory=dict)  # role -> scored questions


class RowWriter:
    """Rows buffered per table and inserted in batches, parent tables before their children."""

    ORDER: list[type[Model]] = [
        User,
        TeamMembership,
        TeamManager,
        LessonProgress,
        QuizAttempt,
        AttemptQuestion,
        Completion,
        Assignment,
    ]

    def __init__(self) -> None:
        self.rows: dict[type[Model], list[dict]] = {model: [] for model in self.ORDER}
        self.counts: Counter[str] = Counter()

    def add(self, model: type[Model], row: dict) -> None:
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            if rows:
                db.session.execute(insert(model.__table__), rows)
                self.counts[model.__tablename__] += len(rows)
                rows.clear()


class IdAllocator:
    """Explicit primary keys, so children can point at parents without reading them back."""

    def __init__(self) -> None:
        self._next: dict[type[Model], int] = {}

    def take(self, model) -> int:
        if model not in self._next:
            self._next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


def at_hour(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def role_mix(team_name: str, work: str) -> dict[str, int]:
    if work in ("facilities", "corporate"):
        return ROLE_MIX[work]
    for words, mix in (
        (("Reception", "Admin", "Bookings", "Booking"), "front-desk"),
        (("Medical",), "medical"),
        (("Clinic", "Day", "Late"), "clinic"),
    ):
        if any(w in team_name for w in words):
            return ROLE_MIX[mix]
    return ROLE_MIX["ward"]


def weighted_choice(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move on."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in (
        "team",
        "user",
        "team_membership",
        "team_manager",
        "module",
        "module_version",
        "lesson",
        "question",
        "option",
        "learning_path",
        "learning_path_step",
        "onboarding_rule",
        "lesson_progress",
        "quiz_attempt",
        "attempt_question",
        "completion",
        "assignment",
        "training_record",
    ):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
            )
        )
