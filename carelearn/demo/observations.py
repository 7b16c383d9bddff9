"""Observed practice in the demo: Tom Hughes, an experienced receptionist, is named a practice
supervisor of Outpatients Reception; his manager watched him at the desk and signed his Front
desk and telephone practice off, and he has read it; he then watched Aisha Begum, the new
starter, and two items are not yet met, so her passed quiz waits for a sign-off. Made through
the same services as the pages (with their audit entries), only once, and only when the module
asks for a sign-off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from ..core import clock
from ..extensions import db
from ..models import PracticeObservation, Team, User
from ..services.evidence.observations import (
    ItemAnswer,
    acknowledge_observation,
    checklist_version,
    record_observation,
)
from ..services.evidence.supervisors import name_supervisor
from ..services.training import learning
from ..services.training.published import PublishedVersion

MODULE = "front-desk-telephone"
TEAM = "Outpatients Reception"
# Aisha's first weeks on the desk: what Tom saw, item by item (by position, from 1).
NOT_YET_FOR_AISHA = {
    3: "When the clinic ran 40 minutes late, say so and give a time to check back. People "
    "were left guessing.",
    5: "You gave clear directions. Ask them to tell you back which lift and floor before they go.",
}


def seed_observations(pass_quiz: Callable[[User, PublishedVersion], None]) -> str:
    """Name the supervisor and record the demo's observations, if there are none yet."""
    if db.session.scalar(select(PracticeObservation.id).limit(1)) is not None:
        return "Demo observations: some are already recorded, so none were added."
    version = checklist_version(MODULE)
    if version is None or not version.practice_required:
        return "Demo observations: the module asks for no sign-off, so none were added."
    people = {
        u.email: u
        for u in db.session.scalars(select(User).where(User.email.like("%@carelearn.example")))
    }
    grace = people["manager@carelearn.example"]
    tom = people["reception@carelearn.example"]
    aisha = people["newstarter@carelearn.example"]
    team_id = db.session.scalar(select(Team.id).where(Team.name == TEAM))
    assert team_id is not None  # seed_demo makes the demo teams first
    name_supervisor(grace, team_id, tom.id)
    db.session.commit()

    _at(20, lambda: _finish_and_pass(tom, version, pass_quiz))
    every_item_met = [ItemAnswer(True) for _ in version.practice_checklist]
    signed = _at(18, lambda: record_observation(grace, tom.id, MODULE, every_item_met))
    _at(17, lambda: acknowledge_observation(tom, signed.observation.id))

    _at(5, lambda: _finish_and_pass(aisha, version, pass_quiz))
    for_aisha = [
        ItemAnswer(False, NOT_YET_FOR_AISHA[n]) if n in NOT_YET_FOR_AISHA else ItemAnswer(True)
        for n in range(1, len(version.practice_checklist) + 1)
    ]
    _at(2, lambda: record_observation(tom, aisha.id, MODULE, for_aisha))
    return "Demo observations ready: one supervisor named, two observations recorded."


def _at(days_ago: int, act: Callable):
    """Do it as if `days_ago` days ago, and commit."""
    with clock.frozen_at(clock.utcnow() - timedelta(days=days_ago)):
        done = act()
        db.session.commit()
    return done


def _finish_and_pass(user: User, version: PublishedVersion, pass_quiz) -> None:
    for position in range(1, len(version.lessons) + 1):
        learning.complete_lesson(user, version, position)
    pass_quiz(user, version)
