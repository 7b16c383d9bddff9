"""Everything a team's page shows: its figures, whom to chase, where each module stands and
its sub-teams side by side; kept by each worker until something the viewer sees changes."""

from __future__ import annotations

from dataclasses import dataclass

from ...core.clock import today
from ...core.freshness import cached
from ...extensions import db
from ...models import Team, User
from .chase import ChaseList, expiring_people, overdue_people
from .reports import TeamFigures, TeamRef, TeamsPage, sub_teams_page, team_figures, team_in_scope
from .trends import ModuleStanding, module_standings


@dataclass
class TeamPage:
    team: TeamRef
    parent: TeamRef | None  # when the viewer may see it too
    summary: TeamFigures
    overdue: ChaseList
    expiring: ChaseList
    modules: list[ModuleStanding]
    sub_teams: TeamsPage


def team_page(viewer: User, team_id: int, page: int = 1) -> TeamPage | None:
    """The page of a team the viewer may see (None alike for a missing team and one out of
    their scope); `page` is the page of its sub-teams."""

    def compute():
        team = team_in_scope(viewer, team_id)
        if team is None:
            return None
        on = today()
        (summary,) = team_figures([team], on)
        summary.team = ref = TeamRef(team.id, team.name, team.kind)
        parent = None
        if team.parent_id is not None and team_in_scope(viewer, team.parent_id) is not None:
            above = db.session.get(Team, team.parent_id)
            parent = TeamRef(above.id, above.name, above.kind) if above else None
        return TeamPage(
            ref,
            parent,
            summary,
            overdue_people(viewer, team.id, on=on),
            expiring_people(viewer, team.id, on=on),
            module_standings(viewer, team.id, on),
            sub_teams_page(team, page),
        )

    return cached(viewer, "team page", (team_id, page), compute)
