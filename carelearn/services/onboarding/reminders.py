"""The reminder ladder, run daily by the worker (or by hand with `flask send-reminders`).

Learners get one email listing what is due at a step of the ladder (by default 30 and 7 days
before a due or expiry date, on the day, and 7 days after). From the first step after the date
their managers are told too, and each manager gets a weekly digest. Every message is queued
with a record per item, in one transaction, so a second run on the same day (or two at once)
sends nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, or_, select

from ...core.clock import today
from ...core.dates import format_day
from ...core.email import absolute_url
from ...core.outbox import send_email
from ...extensions import db
from ...models import (
    AppRole,
    Module,
    ModuleVersion,
    SentReminder,
    Team,
    TeamManager,
    TeamMembership,
    TrainingRecord,
    User,
)
from ..reporting.permissions import visible_user_ids_query
from ..training.requirement import required_sql
from ..training.status import Status, status_sql

DIGEST_LINES = 40


@dataclass(frozen=True)
class DueItem:
    user_id: int
    module_id: int
    kind: str  # "due" or "expiry"
    on: date
    step: int  # days before the date; negative once it has passed

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.module_id}:{self.on.isoformat()}:{self.step}"


@dataclass
class ReminderRun:
    learner_emails: int = 0
    escalations: int = 0
    digests: int = 0


def due_items(on: date, steps: list[int]) -> list[DueItem]:
    """Every open due date and every expiry that falls on a step of the ladder today."""
    dates = {on + timedelta(days=step): step for step in steps}
    rows = db.session.execute(
        select(
            TrainingRecord.user_id,
            TrainingRecord.module_id,
            TrainingRecord.due_on,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
        )
        .join(User, User.id == TrainingRecord.user_id)
        .where(User.active.is_(True))
        .where(
            or_(
                and_(TrainingRecord.completed_on.is_(None), TrainingRecord.due_on.in_(dates)),
                and_(
                    TrainingRecord.completed_on.is_not(None),
                    TrainingRecord.expires_on.in_(dates),
                    required_sql(TrainingRecord),  # optional training expires unremarked
                ),
            )
        )
    ).all()
    items = []
    for user_id, module_id, due_on, completed_on, expires_on in rows:
        kind, when = ("due", due_on) if completed_on is None else ("expiry", expires_on)
        items.append(DueItem(user_id, module_id, kind, when, dates[when]))
    return items


def _titles() -> dict[int, str]:
    return dict(
        db.session.execute(
            select(Module.id, ModuleVersion.title).join(
                ModuleVersion, ModuleVersion.id == Module.current_version_id
            )
        ).all()
    )


def describe(item: DueItem, title: str) -> str:
    when = format_day(item.on)
    if item.kind == "due":
        if item.step > 0:
            return f"{title}: due {when} ({item.step} days to go)"
        return f"{title}: due today" if item.step == 0 else f"{title}: overdue since {when}"
    if item.step > 0:
        return f"{title}: expires {when} ({item.step} days to go); renew it before then"
    return f"{title}: expires today" if item.step == 0 else f"{title}: expired on {when}"


def _already_sent(user_ids: set[int]) -> set[tuple[int, str]]:
    if not user_ids:
        return set()
    return {
        tuple(row)
        for row in db.session.execute(
            select(SentReminder.user_id, SentReminder.key).where(SentReminder.user_id.in_(user_ids))
        )
    }


# Who sends each kind of reminder and why: said straight after the greeting.
FROM_WHOM = "Your organisation uses CareLearn for staff training."
WHY_LEARNER = "You are getting this reminder because some of your training is due, soonest first:"
WHY_ESCALATION = (
    "You are getting this because training is overdue for people in a team you manage, "
    "soonest first:"
)
WHY_DIGEST = (
    "This is your weekly summary of training overdue or expiring in the teams you manage, "
    "soonest first:"
)
WHY_MANUAL = "{manager} asked CareLearn to remind you about the training you have still to do:"
SIGN_OFF = (
    "This email was sent automatically by CareLearn for your organisation: replies are not "
    "read. If you have a question about your training, ask your manager."
)


def reminder_body(person: User, why: str, lines: list[str], link: str) -> str:
    """A reminder's text: a greeting, who sends it and why, the items (already in date order),
    a link, and what to do with questions."""
    return (
        f"Hello {person.first_name},\n\n{FROM_WHOM} {why}\n\n"
        + "\n".join(f"- {line}" for line in lines)
        + f"\n\nOpen CareLearn: {link}\n\n{SIGN_OFF}\n"
    )


def _queue_reminder(person: User, subject: str, why: str, lines: list[str], link: str) -> None:
    send_email(person.email, subject, reminder_body(person, why, lines, link))


def send_reminders(on: date | None = None) -> ReminderRun:
    on = on or today()
    steps = current_app.config["REMINDER_STEPS"]
    run = ReminderRun()
    titles = _titles()
    items = due_items(on, steps)
    sent = _already_sent({i.user_id for i in items})
    people = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({i.user_id for i in items})))
    }

    by_person: dict[int, list[DueItem]] = defaultdict(list)
    for item in sorted(items, key=lambda i: (i.on, titles.get(i.module_id, ""))):
        if (item.user_id, item.key) not in sent:
            by_person[item.user_id].append(item)
    escalate: list[DueItem] = []
    for user_id, new_items in by_person.items():
        person = people[user_id]
        lines = [describe(i, titles.get(i.module_id, "A module")) for i in new_items]
        _queue_reminder(
            person,
            "Your CareLearn training: what is due",
            WHY_LEARNER,
            lines,
            absolute_url("learn.my_training"),
        )
        run.learner_emails += 1
        db.session.add_all(
            SentReminder(user_id=user_id, key=i.key, kind="learner", summary=line)
            for i, line in zip(new_items, lines, strict=True)
        )
        escalate += [i for i in new_items if i.step < 0]
    db.session.commit()
    run.escalations = _escalate(escalate, people, titles)
    if on.weekday() == current_app.config["DIGEST_WEEKDAY"]:
        run.digests = _queue_digests(on, titles)
    return run


def nearest_managers(user_ids: set[int]) -> dict[int, set[int]]:
    """person -> the managers of their teams; where a team has none, of the nearest team above."""
    parents = dict(db.session.execute(select(Team.id, Team.parent_id)).all())
    managers: dict[int, set[int]] = defaultdict(set)
    for manager_id, team_id in db.session.execute(select(TeamManager.user_id, TeamManager.team_id)):
        managers[team_id].add(manager_id)
    result: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id in db.session.execute(
        select(TeamMembership.user_id, TeamMembership.team_id).where(
            TeamMembership.user_id.in_(user_ids)
        )
    ):
        while team_id is not None and not managers.get(team_id):
            team_id = parents.get(team_id)
        if team_id is not None:
            result[user_id] |= managers[team_id] - {user_id}
    return result


def _escalate(items: list[DueItem], people: dict[int, User], titles: dict[int, str]) -> int:
    if not items:
        return 0
    managers_of = nearest_managers({i.user_id for i in items})
    per_manager: dict[int, list[DueItem]] = defaultdict(list)
    for item in items:
        for manager_id in managers_of.get(item.user_id, ()):
            per_manager[manager_id].append(item)
    sent = _already_sent(set(per_manager))
    managers = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(per_manager), User.active.is_(True))
        )
    }
    emails = 0
    for manager_id, manager_items in per_manager.items():
        manager = managers.get(manager_id)
        fresh = sorted(
            (
                i
                for i in manager_items
                if (manager_id, f"escalation:{i.user_id}:{i.key}") not in sent
            ),
            key=lambda i: (i.on, people[i.user_id].name),
        )
        if manager is None or not fresh:
            continue
        lines = [
            f"{people[i.user_id].name} – {describe(i, titles.get(i.module_id, 'A module'))}"
            for i in fresh
        ]
        _queue_reminder(
            manager,
            "CareLearn: training overdue in your team",
            WHY_ESCALATION,
            lines,
            absolute_url("manage.matrix", status=Status.OVERDUE.value),
        )
        emails += 1
        db.session.add_all(
            SentReminder(
                user_id=manager_id,
                key=f"escalation:{i.user_id}:{i.key}",
                kind="escalation",
                summary=line,
            )
            for i, line in zip(fresh, lines, strict=True)
        )
    db.session.commit()
    return emails


def _queue_digests(on: date, titles: dict[int, str]) -> int:
    year, week, _ = on.isocalendar()
    key = f"digest:{year}-W{week:02d}"
    managers = db.session.scalars(
        select(User).where(
            User.app_role == AppRole.MANAGER,
            User.active.is_(True),
            User.id.in_(select(TeamManager.user_id)),
        )
    ).all()
    done = {u for u, k in _already_sent({m.id for m in managers}) if k == key}
    status = status_sql(TrainingRecord, on)
    # The date that matters: when overdue training was due, when expiring training expires.
    when = case(
        (status == Status.OVERDUE.value, TrainingRecord.due_on), else_=TrainingRecord.expires_on
    )
    queued = 0
    for manager in managers:
        if manager.id in done:
            continue
        rows = db.session.execute(
            select(User.name, TrainingRecord.module_id, status, when)
            .join(User, User.id == TrainingRecord.user_id)
            .where(
                User.id.in_(visible_user_ids_query(manager)),
                User.active.is_(True),
                required_sql(TrainingRecord),
                status.in_([Status.OVERDUE.value, Status.EXPIRING.value]),
            )
            .order_by(when, User.name)
        ).all()
        overdue = sum(1 for r in rows if r[2] == Status.OVERDUE.value)
        expiring = len(rows) - overdue
        lines = [f"{overdue} overdue and {expiring} expiring within 30 days across your teams."]
        lines += [
            f"{name} – {titles.get(module_id, 'A module')}: "
            + ("overdue since " if state == Status.OVERDUE.value else "expires ")
            + format_day(day)
            for name, module_id, state, day in rows[:DIGEST_LINES]
        ]
        if len(rows) > DIGEST_LINES:
            lines.append(f"…and {len(rows) - DIGEST_LINES} more: see the full list in CareLearn.")
        _queue_reminder(
            manager,
            f"CareLearn weekly summary: {overdue} overdue, {expiring} expiring",
            WHY_DIGEST,
            lines,
            absolute_url("manage.dashboard"),
        )
        queued += 1
        db.session.add(SentReminder(user_id=manager.id, key=key, kind="digest", summary=lines[0]))
        db.session.commit()
    return queued


OPEN_STATES = (
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.OVERDUE,
    Status.EXPIRING,
    Status.EXPIRED,
)
MANUAL_SUBJECT = "A reminder about your CareLearn training"


def manual_reminder_lines(person_ids: Collection[int], on: date) -> dict[int, list[str]]:
    """person -> a line for each piece of required training they have still to do, by the date
    that matters (due, or expiry), soonest first: one query for any number of people."""
    status = status_sql(TrainingRecord, on)
    titles = _titles()
    rows = db.session.execute(
        select(
            TrainingRecord.user_id,
            TrainingRecord.module_id,
            TrainingRecord.due_on,
            TrainingRecord.expires_on,
            status,
        ).where(
            TrainingRecord.user_id.in_(person_ids),
            required_sql(TrainingRecord),
            status.in_([s.value for s in OPEN_STATES]),
        )
    ).all()
    items: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for user_id, module_id, due, expires, state in rows:
        title = titles.get(module_id, "A module")
        if state == Status.EXPIRING.value:
            when, line = expires, f"{title}: expires {format_day(expires)}; renew it before then"
        elif state == Status.EXPIRED.value:
            when, line = expires, f"{title}: expired on {format_day(expires)}; take it again"
        else:
            when, line = due, f"{title}: {state}, due {format_day(due)}"
        items[user_id].append((when or on, line))
    return {user_id: [line for _, line in sorted(found)] for user_id, found in items.items()}


def manual_reminder_text(person: User, manager_name: str | None, lines: list[str]) -> str:
    """The text of the reminder a manager sends: what the preview shows, and what is sent."""
    why = WHY_MANUAL.format(manager=manager_name or "Your manager")
    return reminder_body(person, why, lines, absolute_url("learn.my_training"))


def manual_reminder_key(on: date) -> str:
    return f"manual:{on.isoformat()}"


def reminded_today(person_ids: Collection[int], on: date) -> set[int]:
    """Who has had a reminder from a manager today: nobody gets more than one a day."""
    key = manual_reminder_key(on)
    return {user_id for user_id, k in _already_sent(set(person_ids)) if k == key}


def queue_manual_reminder(person: User, manager_name: str | None, lines: list[str], on: date):
    """Queue one manager's reminder and note it, so no second one goes today."""
    send_email(person.email, MANUAL_SUBJECT, manual_reminder_text(person, manager_name, lines))
    db.session.add(
        SentReminder(
            user_id=person.id,
            key=manual_reminder_key(on),
            kind="manual",
            summary=f"Reminder sent by a manager: {len(lines)} item(s) open",
        )
    )


def remind_now(person: User, actor_id: int) -> str | None:
    """A manager's "send a reminder" for the required training the person has still to do;
    once a day at most.

    Returns what to tell the manager when nothing was queued, else None.
    """
    on = today()
    if reminded_today({person.id}, on):
        return "A reminder already went to them today."
    lines = manual_reminder_lines({person.id}, on).get(person.id)
    if not person.active or not lines:
        return "They have nothing open to be reminded about."
    actor = db.session.get(User, actor_id)
    queue_manual_reminder(person, actor.name if actor else None, lines, on)
    from ...core.audit import record_event

    record_event("reminder.manual", "user", person.id, actor_id=actor_id, items=len(lines))
    db.session.commit()
    return None
