"""The quarterly staff pulse: three questions about service in a person's team, answered
anonymously, once per round, while an admin has a round open.

What is kept cannot tie an answer to a person: PulseTaken says only that someone has answered
this quarter (so they answer once), and PulseResponse holds only the quarter, the team and the
three answers, with a random id and no time. The two are written in one transaction with
nothing linking them, and answering writes no audit entry and no log line: an entry's time and
place in the trail would be one more thing to line up against the people who answered.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ...core.audit import record_event
from ...core.clock import today
from ...core.dates import format_day
from ...core.numbers import parse_id
from ...extensions import db
from ...models import PulseResponse, PulseRound, PulseTaken, Team, TeamMembership, User

# (column, statement), in the order the form asks them.
QUESTIONS = (
    ("know_vision", "I know our service vision"),
    ("can_raise_concern", "I can raise a concern about a patient's experience"),
    ("team_acts", "My team acts on feedback"),
)
SCALE = (
    (1, "Strongly disagree"),
    (2, "Disagree"),
    (3, "Neither agree nor disagree"),
    (4, "Agree"),
    (5, "Strongly agree"),
)
AGREE_FROM = 4  # Agree and Strongly agree
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PulseProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class PulseProblems(ValueError):
    def __init__(self, problems: list[PulseProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


class CannotAnswer(LookupError):
    """Why this person cannot answer now: the message to show them."""


NOT_OPEN = "The pulse is not open at the moment. When it opens, you will see it on My training."
ALREADY = "You have answered this quarter's pulse already. Thank you: it counts once."
NO_TEAM = (
    "You are not in a team in CareLearn yet, so you cannot answer: answers are counted by team. "
    "Ask your manager or training lead to add you to your team."
)


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_end(quarter: str) -> date:
    found = QUARTER.match(quarter)
    if found is None:
        raise ValueError(f"not a quarter: {quarter!r}")
    year, last_month = int(found.group(1)), int(found.group(2)) * 3
    return date(year, last_month, calendar.monthrange(year, last_month)[1])


def is_open(pulse_round: PulseRound, on: date | None = None) -> bool:
    day = on or today()
    return pulse_round.opened_on <= day <= pulse_round.closes_on


def _open_today():
    day = today()
    return (PulseRound.opened_on <= day) & (PulseRound.closes_on >= day)


def open_round() -> PulseRound | None:
    return db.session.scalar(select(PulseRound).where(_open_today()))


def all_rounds() -> list[PulseRound]:
    """Every round, newest first."""
    return list(db.session.scalars(select(PulseRound).order_by(PulseRound.quarter.desc())))


# -- Opening and closing a round (admins) --------------------------------------------------------


def start_round(admin: User, closes_on: date | None) -> PulseRound:
    """Open this quarter's round, until `closes_on` (the quarter's end unless given). Each
    quarter has one round; the caller commits (a round opened by someone else a moment ago
    breaks the unique quarter)."""
    quarter = quarter_of(today())
    end = quarter_end(quarter)
    if db.session.scalar(select(PulseRound.id).where(PulseRound.quarter == quarter)):
        raise PulseProblem("closes_on", f"The pulse for {quarter} has been opened already.")
    closes_on = closes_on or end
    if closes_on < today():
        raise PulseProblem("closes_on", "The closing date cannot be in the past.")
    if closes_on > end:
        raise PulseProblem(
            "closes_on", f"Close the round by the end of its quarter, {format_day(end)}."
        )
    pulse_round = PulseRound(
        quarter=quarter, opened_by_id=admin.id, opened_on=today(), closes_on=closes_on
    )
    db.session.add(pulse_round)
    db.session.flush()
    record_event(
        "pulse.open",
        "pulse_round",
        pulse_round.id,
        actor_id=admin.id,
        quarter=quarter,
        closes_on=closes_on.isoformat(),
    )
    return pulse_round


def close_round(admin: User, round_id: int) -> PulseRound | None:
    """Close an open round early: yesterday was its last day, so nobody answers from now on.
    None when there is no such open round."""
    pulse_round = db.session.get(PulseRound, round_id)
    if pulse_round is None or not is_open(pulse_round):
        return None
    pulse_round.closes_on = today() - timedelta(days=1)
    record_event(
        "pulse.close", "pulse_round", pulse_round.id, actor_id=admin.id, quarter=pulse_round.quarter
    )
    return pulse_round


# -- Answering -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseInvite:
    """The open round, as one person sees it on My training."""

    quarter: str
    closes_on: date
    answered: bool
    in_a_team: bool


def pulse_invite(person: User) -> PulseInvite | None:
    """The open round and where this person stands in it (one query), or None when closed."""
    answered = exists().where(
        PulseTaken.user_id == person.id, PulseTaken.quarter == PulseRound.quarter
    )
    in_a_team = exists().where(TeamMembership.user_id == person.id)
    row = db.session.execute(
        select(PulseRound.quarter, PulseRound.closes_on, answered, in_a_team).where(_open_today())
    ).first()
    return PulseInvite(row[0], row[1], bool(row[2]), bool(row[3])) if row else None


def answering_team(person: User) -> Team | None:
    """The team an answer counts for: the person's team, or the first by name of several."""
    return db.session.scalar(
        select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == person.id)
        .order_by(func.lower(Team.name), Team.id)
        .limit(1)
    )


def parse_answers(sent: Mapping[str, str | None]) -> dict[str, int]:
    """The three answers as numbers 1 to 5; PulseProblems names each one missing or unreadable."""
    answers, problems = {}, []
    for column, statement in QUESTIONS:
        number = parse_id((sent.get(column) or "").strip())  # "²" is a digit, not a number
        if number is not None and 1 <= number <= len(SCALE):
            answers[column] = number
        else:
            problems.append(PulseProblem(column, f"Choose how much you agree: {statement}."))
    if problems:
        raise PulseProblems(problems)
    return answers


def why_cannot_answer(person: User) -> str | None:
    invite = pulse_invite(person)
    if invite is None:
        return NOT_OPEN
    if invite.answered:
        return ALREADY
    if not invite.in_a_team:
        return NO_TEAM
    return None


def record_answers(person: User, sent: Mapping[str, str | None]) -> str:
    """Keep the answers and that this person has answered, in one transaction with nothing
    between them; returns the quarter. The caller commits. Raises CannotAnswer (the round is
    closed, they answered already, they are in no team) or PulseProblems."""
    reason = why_cannot_answer(person)
    if reason:
        raise CannotAnswer(reason)
    answers = parse_answers(sent)
    pulse_round, team = open_round(), answering_team(person)
    assert pulse_round is not None and team is not None  # checked above
    db.session.add(PulseTaken(user_id=person.id, quarter=pulse_round.quarter))
    db.session.add(PulseResponse(quarter=pulse_round.quarter, team_id=team.id, **answers))
    try:
        db.session.flush()
    except IntegrityError:  # the same person answering in another tab a moment ago
        db.session.rollback()
        raise CannotAnswer(ALREADY) from None
    return pulse_round.quarter
