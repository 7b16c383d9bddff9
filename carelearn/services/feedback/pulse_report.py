"""The pulse's results for managers (their teams and every team below) and admins (the whole
organisation): per team and at every level of the tree, the % who agree with each statement and
the number answering, only where the group-of-five rule (pulse_tree.py) allows.

Results are shown once a round has closed: figures that changed while people answered would
let someone who saw a colleague answer work out what they said.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import case, func, select

from ...core.clock import today
from ...extensions import db
from ...models import AppRole, PulseResponse, PulseRound, Team, User
from ..reporting.permissions import managed_team_ids
from .pulse import AGREE_FROM, QUESTIONS
from .pulse_tree import NodeFigure, pulse_results

WHOLE_ORGANISATION = 0  # the tree's top, above the top-level teams; no team has id 0


@dataclass(frozen=True)
class PulseRow:
    team_id: int | None  # None for the whole organisation
    name: str
    kind: str
    figure: NodeFigure
    agree: tuple[int, ...] | None  # % agreeing with each question, only when shown


@dataclass(frozen=True)
class PulseLevel:
    number: int
    rows: list[PulseRow]


@dataclass(frozen=True)
class PulseReport:
    quarter: str
    levels: list[PulseLevel]


def closed_rounds() -> list[PulseRound]:
    """Rounds whose results may be read, newest first."""
    return list(
        db.session.scalars(
            select(PulseRound)
            .where(PulseRound.closes_on < today())
            .order_by(PulseRound.quarter.desc())
        )
    )


def _answers_by_team(quarter: str) -> dict[int, tuple[int, ...]]:
    """Per team: how many answered, then how many agreed with each question (one query)."""
    agreed = [
        func.sum(case((getattr(PulseResponse, column) >= AGREE_FROM, 1), else_=0))
        for column, _ in QUESTIONS
    ]
    rows = db.session.execute(
        select(PulseResponse.team_id, func.count(), *agreed)
        .where(PulseResponse.quarter == quarter)
        .group_by(PulseResponse.team_id)
    )
    return {row[0]: tuple(int(n or 0) for n in row[1:]) for row in rows}


def _percent(part: int, whole: int) -> int:
    """A whole percentage, halves rounded up (as people expect: 82.5 % reads 83 %)."""
    return (200 * part + whole) // (2 * whole)


def _agreed_below(
    tree: dict[int, int | None], answers: dict[int, tuple[int, ...]]
) -> dict[int, list[int]]:
    """Per node, how many agreed with each question there and in every node below it."""
    agreed: dict[int, list[int]] = defaultdict(lambda: [0] * len(QUESTIONS))
    for answered_in, (_count, *agree) in answers.items():
        node: int | None = answered_in
        while node is not None:  # each team's answers count for every node above it too
            agreed[node] = [a + b for a, b in zip(agreed[node], agree, strict=True)]
            node = tree[node]
    return agreed


def _tops(viewer: User, parent_of: dict[int, int], team_id: int | None) -> list[int] | None:
    """Where the viewer's results start: the team asked for, or the top of what they see (for
    an admin above several top-level teams, the whole organisation). None for a team they do
    not see."""
    is_admin = viewer.app_role == AppRole.ADMIN
    in_scope = set(parent_of) if is_admin else managed_team_ids(viewer)
    if team_id is not None:
        return [team_id] if team_id in in_scope else None
    tops = [i for i in in_scope if parent_of[i] not in in_scope]
    return [WHOLE_ORGANISATION] if is_admin and len(tops) > 1 else tops


def pulse_report(viewer: User, quarter: str, team_id: int | None = None) -> PulseReport | None:
    """The results of `quarter` that `viewer` may see, from the top of what they see (or from
    `team_id`) down, a level at a time: three queries. None for a team they do not see. The rule
    is applied to the whole organisation's tree, so every viewer's figures are part of one safe
    set."""
    teams = {
        t.id: t for t in db.session.execute(select(Team.id, Team.parent_id, Team.name, Team.kind))
    }
    parent_of = {i: t.parent_id or WHOLE_ORGANISATION for i, t in teams.items()}
    tops = _tops(viewer, parent_of, team_id)
    if tops is None:
        return None
    tree: dict[int, int | None] = {WHOLE_ORGANISATION: None, **parent_of}
    answers = _answers_by_team(quarter)
    figures = pulse_results(tree, {i: a[0] for i, a in answers.items()})
    agreed = _agreed_below(tree, answers)

    def row(node: int) -> PulseRow:
        figure = figures[node]
        agree = tuple(_percent(n, figure.total) for n in agreed[node]) if figure.shown else None
        if node == WHOLE_ORGANISATION:
            return PulseRow(None, "Whole organisation", "organisation", figure, agree)
        return PulseRow(node, teams[node].name, teams[node].kind, figure, agree)

    below: dict[int, list[int]] = defaultdict(list)
    for child, parent in parent_of.items():
        below[parent].append(child)

    def by_name(nodes: list[int]) -> list[int]:
        return sorted(
            nodes, key=lambda n: (n in teams, teams[n].name.lower() if n in teams else "")
        )

    levels: list[PulseLevel] = []
    current = by_name(tops)
    while current:
        levels.append(PulseLevel(len(levels) + 1, [row(n) for n in current]))
        current = by_name([child for n in current for child in below[n]])
    return PulseReport(quarter, levels)
