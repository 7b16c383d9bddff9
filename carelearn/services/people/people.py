"""People and teams: the rules behind the admin pages and the staff import.

Each writing function adds its changes, with an audit event for each one, to the current
transaction and flushes; the caller commits once. A page commits after one change; the staff
import commits once after every row, so an import is all or nothing.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, delete, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import AppRole, JobRole, Team, TeamKind, TeamManager, TeamMembership, User
from ..models.people import normalise_email
from .audit import record_event
from .permissions import team_subtree

NAME_MAX = 120
EMAIL_MAX = 254
TEAM_NAME_MAX = 120
PEOPLE_PER_PAGE = 50

# Higher in the tree first: a team may only sit below a kind that ranks above its own.
KIND_ORDER = [TeamKind.ORGANISATION, TeamKind.DIRECTORATE, TeamKind.DEPARTMENT, TeamKind.TEAM]
KIND_RANK = {kind.value: rank for rank, kind in enumerate(KIND_ORDER)}
KIND_LABELS = {
    TeamKind.ORGANISATION.value: "Organisation",
    TeamKind.DIRECTORATE.value: "Directorate",
    TeamKind.DEPARTMENT.value: "Department",
    TeamKind.TEAM.value: "Team",
}
APP_ROLE_LABELS = {
    AppRole.LEARNER.value: "Learner",
    AppRole.MANAGER.value: "Manager",
    AppRole.ADMIN.value: "Admin",
}


class PeopleError(ValueError):
    """A change that the rules refuse. `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------------------------------------
# Checking what was entered


def clean_email(value: str | None) -> str:
    """A valid email address, lower-cased; raises PeopleError saying what is wrong."""
    value = (value or "").strip()
    if not value:
        raise PeopleError("Enter an email address.", "email")
    if len(value) > EMAIL_MAX:
        raise PeopleError(f"The email address must be {EMAIL_MAX} characters or fewer.", "email")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise PeopleError(f"Enter an email address like name@example.org ({error}).",
                          "email") from error
    return normalise_email(checked.normalized)


def clean_name(value: str | None) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise PeopleError("Enter the person's name.", "name")
    if len(value) > NAME_MAX:
        raise PeopleError(f"The name must be {NAME_MAX} characters or fewer.", "name")
    return value


def email_taken(email: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == normalise_email(email))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query.limit(1)) is not None


@dataclass
class PersonDetails:
    """Everything an admin sets about a person."""

    email: str
    name: str
    job_role_id: int
    app_role: str = AppRole.LEARNER.value
    team_ids: Sequence[int] = field(default_factory=list)
    start_date: date | None = None


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _checked(batch: list[tuple[User | None, PersonDetails]]) -> list[PersonDetails]:
    """Clean each person's details and check them against the database, in a few queries
    whatever the size of the batch. Raises PeopleError for the first problem found."""
    cleaned = []
    for _user, details in batch:
        cleaned.append(PersonDetails(
            email=clean_email(details.email), name=clean_name(details.name),
            job_role_id=details.job_role_id, app_role=details.app_role,
            team_ids=sorted(set(details.team_ids)), start_date=details.start_date))
        if details.app_role not in APP_ROLE_LABELS:
            raise PeopleError("Choose what the person can do in CareLearn.", "app_role")
        if details.job_role_id is None:
            raise PeopleError("Choose a job role.", "job_role")
    owners: dict[str, int | None] = {}
    for (user, _details), details in zip(batch, cleaned, strict=True):
        if details.email in owners:
            raise PeopleError(f"{details.email} is given for two people.", "email")
        owners[details.email] = user.id if user else None
    for chunk in _chunks(list(owners)):
        for user_id, email in db.session.execute(
            select(User.id, User.email).where(User.email.in_(chunk))
        ):
            if owners[email] != user_id:
                raise PeopleError(
                    f"Someone already has the email address {email}. Find them on the People "
                    "page and edit them instead.", "email")
    role_ids = {d.job_role_id for d in cleaned}
    if len(set(db.session.scalars(select(JobRole.id).where(JobRole.id.in_(role_ids))))) \
            != len(role_ids):
        raise PeopleError("Choose a job role.", "job_role")
    team_ids = {t for d in cleaned for t in d.team_ids}
    if team_ids and len(set(db.session.scalars(
            select(Team.id).where(Team.id.in_(team_ids))))) != len(team_ids):
        raise PeopleError("One of the chosen teams no longer exists. Choose again.", "teams")
    return cleaned


# ---------------------------------------------------------------------------------------------
# People


def team_ids_of(user_id: int) -> list[int]:
    return sorted(db.session.scalars(
        select(TeamMembership.team_id).where(TeamMembership.user_id == user_id)))


def team_ids_of_people(user_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {i: set() for i in user_ids}
    for chunk in _chunks(user_ids):
        for user_id, team_id in db.session.execute(
            select(TeamMembership.user_id, TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(chunk))
        ):
            found[user_id].add(team_id)
    return found


def managed_team_ids_of(user_id: int) -> list[int]:
    return sorted(db.session.scalars(
        select(TeamManager.team_id).where(TeamManager.user_id == user_id)))


def create_person(details: PersonDetails, actor_id: int | None = None) -> User:
    """Add a person (without a password: they set one from their invitation)."""
    return create_people([details], actor_id)[0]


def create_people(batch: list[PersonDetails], actor_id: int | None = None) -> list[User]:
    """Add several people at once, in a handful of queries (the staff import uses this)."""
    if not batch:
        return []
    cleaned = _checked([(None, d) for d in batch])
    users = [User(email=d.email, name=d.name, job_role_id=d.job_role_id, app_role=d.app_role,
                  active=True, start_date=d.start_date) for d in cleaned]
    db.session.add_all(users)
    db.session.flush()
    for user, details in zip(users, cleaned, strict=True):
        record_event("user.create", "user", user.id, actor_id=actor_id, email=user.email,
                     name=user.name, job_role_id=user.job_role_id, app_role=user.app_role,
                     start_date=_plain(user.start_date))
        if user.app_role != AppRole.LEARNER:
            record_event("user.role", "user", user.id, actor_id=actor_id, role=user.app_role,
                         previous=None)
        _set_memberships(user, details.team_ids, set(), actor_id)
    db.session.flush()
    return users


def person_changes(user: User, current_team_ids: Iterable[int],
                   details: PersonDetails) -> dict[str, tuple]:
    """What `details` would change about `user`, as {field: (before, after)}. Writes nothing.

    `details` must already be clean (see create_person and update_person)."""
    changes: dict[str, tuple] = {}
    if user.email != details.email:
        changes["email"] = (user.email, details.email)
    if user.name != details.name:
        changes["name"] = (user.name, details.name)
    if user.job_role_id != details.job_role_id:
        changes["job_role_id"] = (user.job_role_id, details.job_role_id)
    if user.app_role != details.app_role:
        changes["app_role"] = (user.app_role, details.app_role)
    if user.start_date != details.start_date:
        changes["start_date"] = (user.start_date, details.start_date)
    before, after = sorted(set(current_team_ids)), sorted(set(details.team_ids))
    if before != after:
        changes["team_ids"] = (before, after)
    return changes


def update_person(user: User, details: PersonDetails, actor_id: int | None = None) -> list[str]:
    """Change a person's details; returns the names of the fields that changed."""
    return update_people([(user, details)], actor_id)[user.id]


def update_people(batch: list[tuple[User, PersonDetails]],
                  actor_id: int | None = None) -> dict[int, list[str]]:
    """Change several people at once; returns the changed fields by person id."""
    if not batch:
        return {}
    cleaned = _checked(list(batch))
    for user, details in zip((u for u, _ in batch), cleaned, strict=True):
        if (actor_id == user.id and user.app_role == AppRole.ADMIN
                and details.app_role != AppRole.ADMIN):
            raise PeopleError("You cannot take away your own admin role. Ask another admin.",
                              "app_role")
    current_teams = team_ids_of_people([u.id for u, _ in batch])
    changed: dict[int, list[str]] = {}
    removals: list[tuple[int, int]] = []
    for (user, _raw), details in zip(batch, cleaned, strict=True):
        changes = person_changes(user, current_teams[user.id], details)
        changed[user.id] = list(changes)
        if not changes:
            continue
        user.email = details.email
        user.name = details.name
        user.job_role_id = details.job_role_id
        user.start_date = details.start_date
        plain = {name: [_plain(before), _plain(after)]
                 for name, (before, after) in changes.items()
                 if name not in ("app_role", "team_ids")}
        if plain:
            record_event("user.update", "user", user.id, actor_id=actor_id, changes=plain)
        if "app_role" in changes:
            _set_app_role(user, details.app_role, actor_id)
        if "team_ids" in changes:
            removals += _set_memberships(user, details.team_ids, current_teams[user.id],
                                         actor_id)
    _remove_memberships(removals)
    db.session.flush()
    return changed


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def _set_app_role(user: User, role: str, actor_id: int | None) -> None:
    previous = user.app_role
    if previous == role:
        return
    user.app_role = role
    record_event("user.role", "user", user.id, actor_id=actor_id, role=role, previous=previous)


def _set_memberships(user: User, team_ids: Iterable[int], current: set[int],
                     actor_id: int | None) -> list[tuple[int, int]]:
    """Add the new memberships to the session; returns the (person, team) pairs to remove, so
    the caller can remove many people's in one statement."""
    wanted = set(team_ids)
    for team_id in sorted(wanted - current):
        db.session.add(TeamMembership(user_id=user.id, team_id=team_id))
        record_event("team.member_add", "user", user.id, actor_id=actor_id, team_id=team_id)
    removed = sorted(current - wanted)
    for team_id in removed:
        record_event("team.member_remove", "user", user.id, actor_id=actor_id, team_id=team_id)
    return [(user.id, team_id) for team_id in removed]


def _remove_memberships(pairs: list[tuple[int, int]]) -> None:
    for chunk in _chunks(pairs):
        db.session.execute(delete(TeamMembership).where(
            tuple_(TeamMembership.user_id, TeamMembership.team_id).in_(chunk)
        ).execution_options(synchronize_session=False))


def set_active(user: User, active: bool, actor_id: int | None = None) -> bool:
    """Deactivate a leaver or bring them back. Nobody is deleted: their records stay.

    A deactivated person cannot log in. Returns False when nothing changed."""
    if user.active == active:
        return False
    if not active and actor_id == user.id:
        raise PeopleError("You cannot deactivate your own account. Ask another admin.")
    user.active = active
    record_event("user.reactivate" if active else "user.deactivate", "user", user.id,
                 actor_id=actor_id)
    db.session.flush()
    return True


def make_manager_of(user: User, team: Team, manages: bool, actor_id: int | None = None) -> bool:
    """Make `user` a manager of `team` (raising a learner to the manager role), or stop it.

    Returns True when something changed. Stopping leaves the person's app role alone."""
    return set_manager_flags([(user, team, manages)], actor_id) > 0


def set_manager_flags(flags: list[tuple[User, Team, bool]], actor_id: int | None = None) -> int:
    """make_manager_of for many (person, team, manages) at once; returns how many changed."""
    links = {}
    for chunk in _chunks(sorted({u.id for u, _, _ in flags})):
        links.update(((link.user_id, link.team_id), link) for link in db.session.scalars(
            select(TeamManager).where(TeamManager.user_id.in_(chunk))))
    changed = 0
    for user, team, manages in flags:
        link = links.get((user.id, team.id))
        touched = False
        if manages and link is None:
            links[(user.id, team.id)] = TeamManager(user_id=user.id, team_id=team.id)
            db.session.add(links[(user.id, team.id)])
            record_event("team.manager_add", "team", team.id, actor_id=actor_id,
                         user_id=user.id)
            touched = True
        elif not manages and link is not None:
            db.session.delete(link)
            del links[(user.id, team.id)]
            record_event("team.manager_remove", "team", team.id, actor_id=actor_id,
                         user_id=user.id)
            touched = True
        if manages and user.app_role == AppRole.LEARNER:
            _set_app_role(user, AppRole.MANAGER.value, actor_id)
            touched = True
        changed += touched
    db.session.flush()
    return changed


def welcome_new_people(users: list[User], actor_id: int | None = None) -> str | None:
    """After new people are committed: give them their onboarding plan, then invite them.

    The people are saved whatever happens here. If the invitations cannot be sent, returns
    what went wrong, for the page or command to show, rather than failing."""
    if not users:
        return None
    # Imported here: these modules own onboarding and invitations; people only hands over.
    from .email import EmailError
    from .invitations import invite_users
    from .onboarding import apply_onboarding_rules

    apply_onboarding_rules(users, actor_id=actor_id)
    try:
        invite_users(users, actor_id=actor_id)
    except EmailError as error:
        db.session.rollback()
        return (f"The invitation emails could not all be sent ({error}). The people are saved; "
                "send their invitations again once email works.")
    return None


# ---------------------------------------------------------------------------------------------
# Finding people


@dataclass
class PeopleFilters:
    q: str = ""
    team_id: int | None = None
    job_role: str = ""  # a job role slug
    status: str = "active"  # active, inactive or all


@dataclass
class PeoplePage:
    people: list[tuple[User, list[Team]]]
    total: int
    page: int
    pages: int
    per_page: int

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        return min(self.page * self.per_page, self.total)


def _people_query(filters: PeopleFilters) -> Select:
    query = select(User)
    if filters.q.strip():
        needle = filters.q.strip().lower()
        query = query.where(or_(func.lower(User.name).contains(needle, autoescape=True),
                                User.email.contains(needle, autoescape=True)))
    if filters.team_id is not None:
        in_teams = team_subtree(select(Team.id).where(Team.id == filters.team_id))
        query = query.where(User.id.in_(
            select(TeamMembership.user_id).where(TeamMembership.team_id.in_(in_teams))))
    if filters.job_role:
        query = query.where(User.job_role_id.in_(
            select(JobRole.id).where(JobRole.slug == filters.job_role)))
    if filters.status == "active":
        query = query.where(User.active.is_(True))
    elif filters.status == "inactive":
        query = query.where(User.active.is_(False))
    return query


def search_people(filters: PeopleFilters, page: int = 1,
                  per_page: int = PEOPLE_PER_PAGE) -> PeoplePage:
    """One page of people matching the filters, by name, each with their teams.

    Three queries, however many people there are: a count, the page, and the page's teams."""
    query = _people_query(filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    people = list(db.session.scalars(
        query.order_by(func.lower(User.name), User.id)
        .limit(per_page).offset((page - 1) * per_page)
    ))
    teams: dict[int, list[Team]] = {p.id: [] for p in people}
    if people:
        rows = db.session.execute(
            select(TeamMembership.user_id, Team)
            .join(Team, Team.id == TeamMembership.team_id)
            .where(TeamMembership.user_id.in_(list(teams)))
            .order_by(Team.name)
        )
        for user_id, team in rows:
            teams[user_id].append(team)
    return PeoplePage([(p, teams[p.id]) for p in people], total, page, pages, per_page)


def find_active_person(email: str) -> User | None:
    return db.session.scalar(select(User).where(
        User.email == normalise_email(email), User.active.is_(True)))


# ---------------------------------------------------------------------------------------------
# Teams


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
        parent = nodes.get(node.team.parent_id)
        (parent.children if parent else roots).append(node)
    if with_details:
        direct: dict[int, set[int]] = {}
        for team_id, user_id in db.session.execute(
            select(TeamMembership.team_id, TeamMembership.user_id)
            .join(User, User.id == TeamMembership.user_id).where(User.active.is_(True))
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
            select(TeamManager.team_id, User).join(User, User.id == TeamManager.user_id)
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
            "or another kind.", "parent")
    if team is not None:
        child_kinds = set(db.session.scalars(select(Team.kind).where(Team.parent_id == team.id)))
        if any(KIND_RANK[c] <= KIND_RANK[kind] for c in child_kinds):
            raise PeopleError(
                f"This team has teams inside it that cannot sit inside a "
                f"{KIND_LABELS[kind].lower()}. Move them first, or choose another kind.", "kind")


def _parent_or_error(parent_id: int | None) -> Team | None:
    if parent_id is None:
        return None
    parent = db.session.get(Team, parent_id)
    if parent is None:
        raise PeopleError("The chosen parent team no longer exists. Choose again.", "parent")
    return parent


def create_team(name: str, kind: str, parent_id: int | None = None,
                actor_id: int | None = None) -> Team:
    name = _clean_team_name(name, None)
    kind = _check_kind(kind)
    parent = _parent_or_error(parent_id)
    _check_place(None, kind, parent)
    team = Team(name=name, kind=kind, parent_id=parent.id if parent else None)
    db.session.add(team)
    _flush_team_name(name)
    record_event("team.create", "team", team.id, actor_id=actor_id, name=name, kind=kind,
                 parent_id=team.parent_id)
    return team


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


def update_team(team: Team, *, name: str, kind: str, parent_id: int | None,
                actor_id: int | None = None) -> list[str]:
    """Rename, re-kind and move a team in one go; returns what changed.

    Kind and parent are checked together, so a department can become a directorate and move
    up to the organisation in one step."""
    changed = []
    kind = _check_kind(kind)
    name = _clean_team_name(name, team)
    old_kind, old_parent = team.kind, team.parent_id
    _place_team(team, kind, parent_id, actor_id)
    if rename_team(team, name, actor_id):
        changed.append("name")
    if team.kind != old_kind:
        changed.append("kind")
    if team.parent_id != old_parent:
        changed.append("parent")
    return changed


def _place_team(team: Team, kind: str, parent_id: int | None, actor_id: int | None) -> bool:
    if kind == team.kind and parent_id == team.parent_id:
        return False
    if parent_id is not None and parent_id != team.parent_id and parent_id in descendant_ids(team.id):
        raise PeopleError("A team cannot move inside itself or inside a team below it. "
                          "Choose another parent.", "parent")
    parent = _parent_or_error(parent_id)
    _check_place(team, kind, parent)
    if kind != team.kind:
        record_event("team.kind", "team", team.id, actor_id=actor_id, previous=team.kind,
                     kind=kind)
        team.kind = kind
    if parent_id != team.parent_id:
        record_event("team.move", "team", team.id, actor_id=actor_id, previous=team.parent_id,
                     parent_id=parent_id)
        team.parent_id = parent_id
    db.session.flush()
    return True


def set_team_managers(team: Team, user_ids: Iterable[int], actor_id: int | None = None
                      ) -> tuple[list[User], list[User]]:
    """Make exactly these people the team's managers; returns (added, removed).

    Only active people can be made managers. A learner who is made a manager gets the manager
    role; someone who stops managing keeps their role until an admin changes it."""
    wanted = set(user_ids)
    current = set(db.session.scalars(
        select(TeamManager.user_id).where(TeamManager.team_id == team.id)))
    new_ids = wanted - current
    touched = new_ids | (current - wanted)
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(touched)))}
    for user_id in new_ids:
        person = people.get(user_id)
        if person is None:
            raise PeopleError("That person does not exist.", "add_email")
        if not person.active:
            raise PeopleError(f"{person.name} is deactivated, so cannot manage a team.",
                              "add_email")
    added = [people[i] for i in sorted(new_ids)]
    removed = [people[i] for i in sorted(current - wanted)]
    for person in added:
        make_manager_of(person, team, True, actor_id)
    for person in removed:
        make_manager_of(person, team, False, actor_id)
    return added, removed


def team_managers(team_id: int) -> list[User]:
    return list(db.session.scalars(
        select(User).join(TeamManager, TeamManager.user_id == User.id)
        .where(TeamManager.team_id == team_id).order_by(User.name)))


def teams_by_name() -> dict[str, list[Team]]:
    """Every team by lower-cased name (a list, in case older data has two teams of one name)."""
    found: dict[str, list[Team]] = {}
    for team in db.session.scalars(select(Team)):
        found.setdefault(team.name.lower(), []).append(team)
    return found
