"""What staff hear in person and log: a compliment, concern or complaint about a team, the
themes it touches and a short note. Anyone signed in may log about their own teams; managers
about any team they see, admins about any team."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from ...content.themes import FEEDBACK_THEMES
from ...core.audit import record_event
from ...core.clock import today
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import AppRole, FeedbackEntry, Team, TeamMembership, User
from ...models.feedback import STAFF_LOGGED_KINDS
from ..reporting.permissions import managed_team_ids_query
from .monthly import count_entry

NOTE_MAX = 500
KIND_WORDS = {"compliment": "Compliment", "concern": "Concern", "complaint": "Complaint"}

# What to do next after hearing a concern or complaint. In England a person may complain to
# the service itself or to the body that pays for it (the integrated care board); PALS helps
# with either; the Ombudsman looks at it only after the local process is done.
NEXT_STEPS = {
    "concern": (
        "If you can, put it right now or find the person in charge. If they want more help, "
        "give them the details of PALS (the Patient Advice and Liaison Service)."
    ),
    "complaint": (
        "If the person wants to make a complaint, give them the details of PALS or the "
        "complaints team. They may complain to us or to the integrated care board that pays "
        "for the service. If they are unhappy with our final reply, they can ask the "
        "Parliamentary and Health Service Ombudsman to look at it."
    ),
}


class LogProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class LogProblems(ValueError):
    """Everything to fix at once."""

    def __init__(self, problems: list[LogProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class HeardFeedback:
    """What the person sent: the team, the kind, theme slugs and an optional note."""

    team_id: int | None
    kind: str | None
    themes: Sequence[str] = field(default_factory=list)
    note: str | None = None


def loggable_teams_query(viewer: User):
    """Teams the viewer may log feedback about: their own, and for a manager or admin every
    team they see."""
    own = select(TeamMembership.team_id).where(TeamMembership.user_id == viewer.id)
    query = select(Team.id, Team.name)
    if viewer.app_role in (AppRole.MANAGER, AppRole.ADMIN):
        query = query.where(or_(Team.id.in_(own), Team.id.in_(managed_team_ids_query(viewer))))
    else:
        query = query.where(Team.id.in_(own))
    return query.order_by(Team.name, Team.id)


def loggable_teams(viewer: User) -> list[tuple[int, str]]:
    return [(team_id, name) for team_id, name in db.session.execute(loggable_teams_query(viewer))]


def own_team_id(viewer: User) -> int | None:
    """The viewer's first team (by name), the form's starting choice."""
    return db.session.scalar(
        select(Team.id)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == viewer.id)
        .order_by(Team.name, Team.id)
        .limit(1)
    )


def _problems(viewer: User, heard: HeardFeedback) -> tuple[list[LogProblem], Team | None]:
    problems: list[LogProblem] = []
    team = None
    if heard.team_id is not None:
        allowed = loggable_teams_query(viewer).where(Team.id == heard.team_id).limit(1)
        if db.session.execute(allowed).first() is not None:
            team = db.session.get(Team, heard.team_id)
    if team is None:
        problems.append(LogProblem("team", "Choose the team the feedback is about."))
    if heard.kind not in STAFF_LOGGED_KINDS:
        problems.append(LogProblem("kind", "Choose compliment, concern or complaint."))
    themes = list(heard.themes)
    if not themes or any(t not in FEEDBACK_THEMES for t in themes):
        problems.append(LogProblem("themes", "Tick at least one thing it was about."))
    note = (heard.note or "").strip()
    if len(note) > NOTE_MAX:
        problems.append(
            LogProblem(
                "note", f"Keep the note to {NOTE_MAX} characters or fewer (this is {len(note)})."
            )
        )
    elif patient_details := identifier_problem(note, "The note"):
        problems.append(LogProblem("note", patient_details))
    return problems, team


def log_heard_feedback(viewer: User, heard: HeardFeedback) -> tuple[FeedbackEntry, Team]:
    """Store what the viewer heard and count it in the team's month, with an audit entry that
    leaves the note out; the caller commits. Raises LogProblems with everything to fix."""
    problems, team = _problems(viewer, heard)
    if problems:
        raise LogProblems(problems)
    assert team is not None  # a problem above otherwise
    themes = [t for t in FEEDBACK_THEMES if t in set(heard.themes)]  # known order, no repeats
    entry = FeedbackEntry(
        team_id=team.id,
        source="staff",
        kind=heard.kind,
        themes=themes,
        comment=(heard.note or "").strip() or None,
        received_on=today(),
        logged_by_id=viewer.id,
    )
    db.session.add(entry)
    db.session.flush()
    count_entry(entry, +1)
    record_event(
        "feedback.log",
        "team",
        team.id,
        actor_id=viewer.id,
        entry_id=entry.id,
        kind=heard.kind,
        themes=themes,
        with_note=entry.comment is not None,
    )
    return entry, team
