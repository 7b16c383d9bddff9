"""Teams: the nested tree, and adding, renaming, moving and managing teams, and each team's
one-line service promise."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...core.audit import record_event
from ...extensions import db
from ...models import Team, TeamManager, TeamMembership, User
from ..reporting.permissions import team_subtree
from .checks import KIND_LABELS, KIND_RANK, TEAM_NAME_MAX, PeopleError
from .people import make_manager_of

TEAM_PROMISE_MAX = 200  # as Team.service_promise holds


@dataclass
class TeamNode:
    team: Team
    depth: int
    children: list[TeamNode] = field(default_factory=list)
    members: int = 0  # active people in the team and every team inside it
    managers: list[User] = field(default_factory=list)


def team_tree(with_details: bool = False) -> list[TeamNode]:
    """Every team as a forest of nodes, each level sorted by name.

    One query for the teams, and with details two more: members and managers."""
    teams = db.session.scalars(select(Team)).all()
    nodes = {t.id: TeamNode(t, 0) for t in teams}
    roots: list[TeamNode] = []
    for node in nodes.values():
        parent_id = node.team.parent_id
        parent = None if parent_id is None else nodes.get(parent_id)
        (parent.children if parent else roots).append(node)
    if with_details:
        direct: dict[int, set[int]] = {}
        for team_id, user_id in db.session.execute(
            select(TeamMembership.team_id, TeamMembership.user_id)
            .join(User, User.id == TeamMembership.user_id)
            .where(User.active.is_(True))
        ):
            direct.setdefault(team_id, set()).add(user_id)

        def everyone(node: TeamNode) -> set[int]:
            found = set(direct.get(node.team.id, ()))
            for child in node.children:
                found |= everyone(child)
            node.members = len(found)
            return found

        for root in roots:
            everyone(root)
        for team_id, user in db.session.execute(
            select(TeamManager.team_id, User)
            .join(User, User.id == TeamManager.user_id)
            .order_by(User.name)
        ):
            nodes[team_id].managers.append(user)

    def settle(level: list[TeamNode], depth: int) -> None:
        level.sort(key=lambda n: (n.team.name.lower(), n.team.id))
        for node in level:
            node.depth = depth
            settle(node.children, depth + 1)

    settle(roots, 0)
    return roots


def flatten_tree(roots: list[TeamNode]) -> list[TeamNode]:
    """The nodes in page order: each team followed by the teams below it."""
    order: list[TeamNode] = []
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(node.children))
    return order


def search_tree(roots: list[TeamNode], q: str) -> list[tuple[TeamNode, list[str]]]:
    """The teams whose name holds `q` (any capitals), in page order, each with the names of
    the teams it sits inside, outermost first."""
    needle = " ".join(q.split()).lower()
    found: list[tuple[TeamNode, list[str]]] = []
    stack: list[tuple[TeamNode, list[str]]] = [(r, []) for r in reversed(roots)]
    while stack:
        node, above = stack.pop()
        if needle in node.team.name.lower():
            found.append((node, above))
        stack.extend((child, [*above, node.team.name]) for child in reversed(node.children))
    return found


def descendant_ids(team_id: int) -> set[int]:
    """The team's id and the ids of every team nested below it."""
    return set(db.session.scalars(team_subtree(select(Team.id).where(Team.id == team_id))))


def _clean_team_name(name: str | None, team: Team | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise PeopleError("Enter a name for the team.", "name")
    if len(name) > TEAM_NAME_MAX:
        raise PeopleError(f"The name must be {TEAM_NAME_MAX} characters or fewer.", "name")
    if _name_in_use(name, team):
        raise _name_taken(name)
    return name


def _name_in_use(name: str, team: Team | None) -> bool:
    same = select(Team.id).where(func.lower(Team.name) == name.lower())
    if team is not None:
        same = same.where(Team.id != team.id)
    return db.session.scalar(same.limit(1)) is not None


def _name_taken(name: str) -> PeopleError:
    # Names are unique so that the staff import can find a team by its name.
    return PeopleError(f"There is already a team called {name}. Choose another name.", "name")


def _flush_team_name(name: str) -> None:
    """Write the team; the database's unique index settles two admins choosing one name at once."""
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise _name_taken(name) from None


def _check_kind(kind: str) -> str:
    if kind not in KIND_RANK:
        raise PeopleError("Choose what kind of team this is.", "kind")
    return kind


def _check_place(team: Team | None, kind: str, parent: Team | None) -> None:
    """The kind must rank below its parent's and above its children's."""
    if parent is not None and KIND_RANK[kind] <= KIND_RANK[parent.kind]:
        raise PeopleError(
            f"A {KIND_LABELS[kind].lower()} cannot sit inside a "
            f"{KIND_LABELS[parent.kind].lower()}. Choose a parent higher in the tree, "
            "or another kind.",
            "parent",
        )
    if team is not None:
        child_kinds = set(db.session.scalars(select(Team.kind).where(Team.parent_id == team.id)))
        if any(KIND_RANK[c] <= KIND_RANK[kind] for c in child_kinds):
            raise PeopleError(
                f"This team has teams inside it that cannot sit inside a "
                f"{KIND_LABELS[kind].lower()}. Move them first, or choose another kind.",
                "kind",
            )


def _parent_or_error(parent_id: int | None) -> Team | None:
    if parent_id is None:
        return None
    parent = db.session.get(Team, parent_id)
    if parent is None:
        raise PeopleError("The chosen parent team no longer exists. Choose again.", "parent")
    return parent


def create_team(
    name: str,
    kind: str,
    parent_id: int | None = None,
    actor_id: int | None = None,
    service_promise: str | None = None,
) -> Team:
    name = _clean_team_name(name, None)
    kind = _check_kind(kind)
    promise = _clean_promise(service_promise)
    parent = _parent_or_error(parent_id)
    _check_place(None, kind, parent)
    team = Team(name=name, kind=kind, parent_id=parent.id if parent else None)
    db.session.add(team)
    _flush_team_name(name)
    record_event(
        "team.create",
        "team",
        team.id,
        actor_id=actor_id,
        name=name,
        kind=kind,
        parent_id=team.parent_id,
    )
    set_team_promise(team, promise, actor_id)
    return team


def _clean_promise(promise: str | None) -> str | None:
    promise = " ".join((promise or "").split())
    if len(promise) > TEAM_PROMISE_MAX:
        raise PeopleError(
            f"Keep the team's promise to {TEAM_PROMISE_MAX} characters or fewer: it has "
            f"{len(promise)}.",
            "service_promise",
        )
    return promise or None


def set_team_promise(team: Team, promise: str | None, actor_id: int | None = None) -> bool:
    """Give the team its one-line service promise (empty or None: it has none). Returns False
    when it is the same as before (nothing is changed or recorded)."""
    promise = _clean_promise(promise)
    if promise == team.service_promise:
        return False
    record_event(
        "team.promise",
        "team",
        team.id,
        actor_id=actor_id,
        previous=team.service_promise,
        promise=promise,
    )
    team.service_promise = promise
    db.session.flush()
    return True


def rename_team(team: Team, name: str, actor_id: int | None = None) -> bool:
    name = _clean_team_name(name, team)
    if name == team.name:
        return False
    previous = team.name
    team.name = name
    _flush_team_name(name)
    record_event("team.rename", "team", team.id, actor_id=actor_id, previous=previous, name=name)
    return True


def change_team_kind(team: Team, kind: str, actor_id: int | None = None) -> bool:
    return _place_team(team, _check_kind(kind), team.parent_id, actor_id)


def move_team(team: Team, parent_id: int | None, actor_id: int | None = None) -> bool:
    """Put a team under another parent (or at the top). A team cannot go under itself or
    under any team nested below it: that would make a loop."""
    return _place_team(team, team.kind, parent_id, actor_id)


def update_team(
    team: Team,
    *,
    name: str,
    kind: str,
    parent_id: int | None,
    actor_id: int | None = None,
    service_promise: str | None = None,
) -> list[str]:
    """Rename, re-kind and move a team, and change its promise, in one go; returns what
    changed. A `service_promise` of None leaves the promise as it is; "" removes it.

    Kind and parent are checked together, so a department can become a directorate and move
    up to the organisation in one step."""
    changed = []
    kind = _check_kind(kind)
    name = _clean_team_name(name, team)
    if service_promise is not None:
        _clean_promise(service_promise)  # refused before anything else changes
    old_kind, old_parent = team.kind, team.parent_id
    _place_team(team, kind, parent_id, actor_id)
    if rename_team(team, name, actor_id):
        changed.append("name")
    if team.kind != old_kind:
        changed.append("kind")
    if team.parent_id != old_parent:
        changed.append("parent")
    if service_promise is not None and set_team_promise(team, service_promise, actor_id):
        changed.append("promise")
    return changed


def _place_team(team: Team, kind: str, parent_id: int | None, actor_id: int | None) -> bool:
    if kind == team.kind and parent_id == team.parent_id:
        return False
    if (
        parent_id is not None
        and parent_id != team.parent_id
        and parent_id in descendant_ids(team.id)
    ):
        raise PeopleError(
            "A team cannot move inside itself or inside a team below it. Choose another parent.",
            "parent",
        )
    parent = _parent_or_error(parent_id)
    _check_place(team, kind, parent)
    if kind != team.kind:
        record_event("team.kind", "team", team.id, actor_id=actor_id, previous=team.kind, kind=kind)
        team.kind = kind
    if parent_id != team.parent_id:
        record_event(
            "team.move",
            "team",
            team.id,
            actor_id=actor_id,
            previous=team.parent_id,
            parent_id=parent_id,
        )
        team.parent_id = parent_id
    db.session.flush()
    return True


def set_team_managers(
    team: Team, user_ids: Iterable[int], actor_id: int | None = None
) -> tuple[list[User], list[User]]:
    """Make exactly these people the team's managers; returns (added, removed).

    Only active people can be made managers. A learner who is made a manager gets the manager
    role; someone who stops managing keeps their role until an admin changes it."""
    wanted = set(user_ids)
    current = set(
        db.session.scalars(select(TeamManager.user_id).where(TeamManager.team_id == team.id))
    )
    new_ids = wanted - current
    touched = new_ids | (current - wanted)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(touched)))}
    for user_id in new_ids:
        person = people.get(user_id)
        if person is None:
            raise PeopleError("That person does not exist.", "add_email")
        if not person.active:
            raise PeopleError(
                f"{person.name} is deactivated, so cannot manage a team.", "add_email"
            )
    added = [people[i] for i in sorted(new_ids)]
    removed = [people[i] for i in sorted(current - wanted)]
    for person in added:
        make_manager_of(person, team, True, actor_id)
    for person in removed:
        make_manager_of(person, team, False, actor_id)
    return added, removed


def team_managers(team_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(TeamManager, TeamManager.user_id == User.id)
            .where(TeamManager.team_id == team_id)
            .order_by(User.name)
        )
    )


def teams_by_name() -> dict[str, list[Team]]:
    """Every team by lower-cased name (a list, in case older data has two teams of one name)."""
    found: dict[str, list[Team]] = {}
    for team in db.session.scalars(select(Team)):
        found.setdefault(team.name.lower(), []).append(team)
    return found
