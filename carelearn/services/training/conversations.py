"""Taking a branching conversation in a quiz: one form post per step, saved as it goes.

The page shows only the step reached (what the person says and the choices), never the map or
a score. Each choice is saved at once, so the learner carries on from the same step after a
reload or on another device; a step is taken once, and nothing changes after submitting.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import bindparam, exists, select, update

from ...content.conversation import InvalidPath, Step
from ...core.database import run
from ...core.numbers import parse_id
from ...extensions import db
from ...models import AttemptQuestion, QuizAttempt
from .attempts import Attempt, AttemptItem

_A, _Q = QuizAttempt.__table__.c, AttemptQuestion.__table__.c
# Taken only while the attempt is open and the step is still the one the learner saw.
_TAKE = (
    update(AttemptQuestion.__table__)
    .where(
        _Q.id == bindparam("item_id"),
        _Q.steps_taken == bindparam("taken"),
        exists(select(1).where(_A.id == _Q.attempt_id, _A.submitted_at.is_(None))),
    )
    .values(path=bindparam("path"), steps_taken=bindparam("now_taken"), outcome=bindparam("ending"))
)


class StepResult(Enum):
    TAKEN = "taken"
    ALREADY_TAKEN = "already taken"  # a second press, or the step was taken in another tab
    NOT_A_CHOICE = "not a choice"


@dataclass(frozen=True)
class ShownChoice:
    index: int  # the choice's place in the map as written: what the form sends back
    text: str


def shown_choices(item: AttemptItem, step: Step) -> list[ShownChoice]:
    """The step's choices in an order of their own for this attempt, the same on every reload,
    so the best answer is not always in the place the author wrote it."""
    order = list(range(len(step.choices)))
    random.Random(f"{item.id}:{step.id}").shuffle(order)
    return [ShownChoice(i, step.choices[i].text) for i in order]


def conversation_item(attempt: Attempt, item_id: int) -> AttemptItem | None:
    return next(
        (i for i in attempt.items if i.id == item_id and i.question.conversation is not None),
        None,
    )


def take_step(item: AttemptItem, taken: int, choice: str) -> StepResult:
    """Take a choice at the step the learner saw (`taken` steps in). Commits when taken."""
    if taken != item.steps_taken:
        return StepResult.ALREADY_TAKEN
    walk = item.walk
    if walk.current is None:
        return StepResult.ALREADY_TAKEN
    index = parse_id(choice)
    if index is None or index >= len(walk.current.choices):
        return StepResult.NOT_A_CHOICE
    path = [*item.path, index]
    try:
        ending = item.question.conversation.walk(path).outcome  # type: ignore[union-attr]
    except InvalidPath:
        return StepResult.NOT_A_CHOICE
    changed = run(
        _TAKE, item_id=item.id, taken=taken, path=path, now_taken=taken + 1, ending=ending
    ).rowcount
    if changed != 1:
        db.session.rollback()
        return StepResult.ALREADY_TAKEN
    db.session.commit()
    return StepResult.TAKEN
