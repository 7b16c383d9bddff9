"""A manager reminds everyone overdue in a team at once: first a preview (who gets it, and the
email they get), then the emails, queued like every other. Nobody gets more than one
manager's reminder a day, whoever sends it; the action is written to the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ...core.audit import record_event
from ...core.clock import today
from ...core.database import chunked
from ...extensions import db
from ...models import Team, User
from ..reporting.chase import ChaseList, overdue_people, overdue_person_ids
from .reminders import (
    MANUAL_SUBJECT,
    manual_reminder_lines,
    manual_reminder_text,
    queue_manual_reminder,
    reminded_today,
)

RECIPIENTS_PAGE_SIZE = 25


@dataclass(frozen=True)
class ExampleEmail:
    to: str  # the person's name
    subject: str
    body: str


@dataclass(frozen=True)
class TeamReminderPlan:
    recipients: ChaseList  # a page of the people overdue
    reminded_today: set[int]  # those of them who have had a reminder today: skipped
    to_send: int  # emails the action would queue now
    skipped: int  # people overdue who have had a reminder today
    example: ExampleEmail | None  # the email the first of them would get


def _who(viewer: User, team: Team, on: date) -> tuple[list[int], set[int]]:
    ids = overdue_person_ids(viewer, team.id, on)
    done: set[int] = set()
    for chunk in chunked(ids):
        done |= reminded_today(chunk, on)
    return ids, done


def plan_team_reminder(viewer: User, team: Team, page: int = 1) -> TeamReminderPlan:
    """What reminding everyone overdue in `team` (and below it) would do, without doing it."""
    on = today()
    ids, done = _who(viewer, team, on)
    recipients = overdue_people(viewer, team.id, on=on, per_page=RECIPIENTS_PAGE_SIZE, page=page)
    first = next((i for i in ids if i not in done), None)
    example = None
    if first is not None:
        person = db.session.get(User, first)
        lines = manual_reminder_lines({first}, on).get(first, [])
        if person is not None and lines:
            body = manual_reminder_text(person, viewer.name, lines)
            example = ExampleEmail(person.name, MANUAL_SUBJECT, body)
    on_page = {line.person_id for line in recipients.lines}
    return TeamReminderPlan(recipients, done & on_page, len(ids) - len(done), len(done), example)


@dataclass(frozen=True)
class TeamReminderOutcome:
    queued: int
    skipped: int  # had a reminder today already


def remind_team_overdue(viewer: User, team: Team) -> TeamReminderOutcome:
    """Queue a reminder to each person overdue in the team who has had none today. The caller
    commits (two managers pressing at once: the second commit fails on the once-a-day rule)."""
    on = today()
    ids, done = _who(viewer, team, on)
    wanted = [i for i in ids if i not in done]
    queued = 0
    for chunk in chunked(wanted):
        lines = manual_reminder_lines(chunk, on)
        for person in db.session.scalars(select(User).where(User.id.in_(chunk))):
            if lines.get(person.id):
                queue_manual_reminder(person, viewer.name, lines[person.id], on)
                queued += 1
    record_event(
        "reminder.team_overdue",
        "team",
        team.id,
        actor_id=viewer.id,
        team=team.name,
        people=queued,
        skipped=len(done),
    )
    return TeamReminderOutcome(queued, len(done))
