"""Huddles read back: a team's (with the teams below it), the ones a person came to, how many
each team held month by month, and every huddle the viewer sees as a CSV file. Each is a fixed
number of queries, whatever the number of huddles, teams or people."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, literal, select

from ...core.clock import today
from ...extensions import db
from ...models import Huddle, HuddleAttendance, HuddleCard, ModuleVersion, Team, User
from ..reporting.exports import BATCH, csv_lines, safe_cell
from ..reporting.permissions import managed_team_ids_query, team_subtree
from ..reporting.person_record import Section, section
from ..reporting.trends import month_starts

MONTHS_SHOWN = 6


@dataclass(frozen=True)
class HuddleLine:
    held_on: date
    team: str
    card: str
    module: str
    led_by: str | None
    attendees: int
    agreed: str | None


def _attendee_counts():
    return (
        select(HuddleAttendance.huddle_id, func.count().label("people"))
        .group_by(HuddleAttendance.huddle_id)
        .subquery()
    )


def _lines_query(team_ids):
    """Huddles of the teams `team_ids` selects, newest first, with everything a line shows."""
    counts = _attendee_counts()
    return (
        select(
            Huddle.held_on,
            Team.name,
            HuddleCard.title,
            ModuleVersion.title,
            User.name,
            func.coalesce(counts.c.people, 0),
            Huddle.agreed,
        )
        .join(Team, Team.id == Huddle.team_id)
        .join(HuddleCard, HuddleCard.id == Huddle.card_id)
        .join(ModuleVersion, ModuleVersion.id == HuddleCard.module_version_id)
        .outerjoin(User, User.id == Huddle.led_by_id)
        .outerjoin(counts, counts.c.huddle_id == Huddle.id)
        .where(Huddle.team_id.in_(team_ids))
        .order_by(Huddle.held_on.desc(), Huddle.id.desc())
    )


def team_huddles(team_id: int, page: int = 1) -> Section[HuddleLine]:
    """A page of the huddles held by the team and the teams below it, newest first."""
    found = section(_lines_query(team_subtree(select(literal(team_id)))), page)
    return Section([HuddleLine(*row) for row in found.items], found.page, found.has_older)


@dataclass(frozen=True)
class AttendedHuddle:
    held_on: date
    card: str
    team: str


def attended_huddles(person: User, page: int = 1) -> Section[AttendedHuddle]:
    """A page of the huddles the person came to, newest first: one query."""
    found = section(
        select(Huddle.held_on, HuddleCard.title, Team.name)
        .join(HuddleAttendance, HuddleAttendance.huddle_id == Huddle.id)
        .join(HuddleCard, HuddleCard.id == Huddle.card_id)
        .join(Team, Team.id == Huddle.team_id)
        .where(HuddleAttendance.user_id == person.id)
        .order_by(Huddle.held_on.desc(), Huddle.id.desc()),
        page,
    )
    return Section([AttendedHuddle(*row) for row in found.items], found.page, found.has_older)


@dataclass(frozen=True)
class HuddleMonths:
    """How many huddles each team held (with the teams below it) in each of the last months."""

    months: list[date]  # each month's first day, oldest first; the last is this month
    counts: dict[int, list[int]]  # team id -> a count per month

    def of(self, team_id: int) -> list[int]:
        return self.counts.get(team_id, [0] * len(self.months))

    def this_month(self, team_id: int) -> int:
        return self.of(team_id)[-1]


def monthly_counts(
    viewer: User, team_ids: Sequence[int], months: int = MONTHS_SHOWN, on: date | None = None
) -> HuddleMonths:
    """For each of the teams (those the viewer sees), its huddles and its sub-teams' in each of
    the last `months` calendar months: one grouped query, however many teams or huddles."""
    on = on or today()
    starts = month_starts(months, on)
    counts = {team_id: [0] * months for team_id in team_ids}
    if not team_ids:
        return HuddleMonths(starts, counts)
    tree = (
        select(Team.id.label("root_id"), Team.id.label("id"))
        .where(Team.id.in_(list(team_ids)), Team.id.in_(managed_team_ids_query(viewer)))
        .cte(recursive=True)
    )
    tree = tree.union_all(select(tree.c.root_id, Team.id).join(tree, Team.parent_id == tree.c.id))
    month = case(*[(Huddle.held_on >= starts[k], k) for k in reversed(range(months))], else_=-1)
    rows = db.session.execute(
        select(tree.c.root_id, month, func.count(Huddle.id))
        .join(Huddle, Huddle.team_id == tree.c.id)
        .where(Huddle.held_on >= starts[0], Huddle.held_on <= on)
        .group_by(tree.c.root_id, month)
    )
    for root_id, k, n in rows:
        if root_id in counts and 0 <= k < months:
            counts[root_id][k] = int(n)
    return HuddleMonths(starts, counts)


CSV_HEADER = ["Date", "Team", "Card", "Module", "Led by", "Attendees", "Agreed"]


def huddles_csv(viewer: User) -> Iterator[str]:
    """Every huddle of the teams the viewer sees, newest first, for an inspection."""
    query = _lines_query(managed_team_ids_query(viewer))

    def lines():
        # Run as the response streams, in the session the streaming opens (see completions_csv).
        rows = db.session.execute(query.execution_options(yield_per=BATCH))
        for held_on, team, card, module, led_by, attendees, agreed in rows:
            yield [
                held_on.isoformat(),
                safe_cell(team),
                safe_cell(card),
                safe_cell(module),
                safe_cell(led_by),
                attendees,
                safe_cell(agreed),
            ]

    return csv_lines(CSV_HEADER, lines())
