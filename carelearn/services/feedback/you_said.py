""" "You said, we did": what a team changed because of what it heard, posted by its manager and
shown on the team's public page until it is removed (kept, with removed_at, for the record)."""

from __future__ import annotations

from sqlalchemy import select

from ...core.audit import record_event
from ...core.clock import today, utcnow
from ...core.identifiers import identifier_problem
from ...extensions import db
from ...models import Team, User, YouSaidWeDid
from ..reporting.person_record import Section, section
from ..reporting.reports import team_in_scope
from .moderation import EntryNotFound, ModerationProblem

YOU_SAID_MAX = 300
WE_DID_MAX = 500


class YouSaidProblems(ValueError):
    def __init__(self, problems: list[ModerationProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _checked(field: str, label: str, text: str | None, most: int) -> tuple[str, list]:
    text = (text or "").strip()
    if not text:
        return text, [ModerationProblem(field, f"Write what {label.lower()}.")]
    if len(text) > most:
        return text, [
            ModerationProblem(
                field, f"Keep “{label}” to {most} characters or fewer (this is {len(text)})."
            )
        ]
    if patient_details := identifier_problem(text, f"“{label}”"):
        return text, [ModerationProblem(field, patient_details)]
    return text, []


def post_you_said(
    viewer: User, team: Team, you_said: str | None, we_did: str | None
) -> YouSaidWeDid:
    """Post what the team heard and what it changed; the caller commits. Raises YouSaidProblems
    with everything to fix."""
    heard, problems = _checked("you_said", "You said", you_said, YOU_SAID_MAX)
    done, more = _checked("we_did", "We did", we_did, WE_DID_MAX)
    if problems + more:
        raise YouSaidProblems(problems + more)
    item = YouSaidWeDid(
        team_id=team.id, you_said=heard, we_did=done, posted_by_id=viewer.id, posted_on=today()
    )
    db.session.add(item)
    db.session.flush()
    record_event("you_said.post", "team", team.id, actor_id=viewer.id, item_id=item.id)
    return item


def remove_you_said(viewer: User, item_id: int) -> YouSaidWeDid:
    """Take a post off the team's public page; the caller commits. Raises EntryNotFound for one
    of a team the viewer does not see."""
    item = db.session.get(YouSaidWeDid, item_id)
    if item is None or team_in_scope(viewer, item.team_id) is None:
        raise EntryNotFound(item_id)
    if item.removed_at is None:
        item.removed_at = utcnow()
        record_event("you_said.remove", "team", item.team_id, actor_id=viewer.id, item_id=item.id)
    return item


def team_you_said(team_id: int, page: int = 1) -> Section[YouSaidWeDid]:
    """A page of the team's posts still shown, newest first."""
    return section(
        select(YouSaidWeDid)
        .where(YouSaidWeDid.team_id == team_id, YouSaidWeDid.removed_at.is_(None))
        .order_by(YouSaidWeDid.posted_on.desc(), YouSaidWeDid.id.desc()),
        page,
        scalars=True,
    )
