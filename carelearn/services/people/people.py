"""People: adding, changing, deactivating, managing teams, and welcoming newcomers.

Each writing function adds its changes, with an audit event for each one, to the current
transaction and flushes; the caller commits once. A page commits after one change; the staff
import commits once after every row, so an import is all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import delete, select, tuple_

from ...core.audit import record_event
from ...core.clock import utcnow
from ...core.database import chunked
from ...extensions import db
from ...models import AppRole, Team, TeamManager, TeamMembership, User
from .checks import PeopleError, PersonDetails, checked_details
from .sign_in_sessions import end_all_sessions


def team_ids_of(user_id: int) -> list[int]:
    return sorted(
        db.session.scalars(select(TeamMembership.team_id).where(TeamMembership.user_id == user_id))
    )


def team_ids_of_people(user_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {i: set() for i in user_ids}
    for chunk in chunked(user_ids):
        for user_id, team_id in db.session.execute(
            select(TeamMembership.user_id, TeamMembership.team_id).where(
                TeamMembership.user_id.in_(chunk)
            )
        ):
            found[user_id].add(team_id)
    return found


def managed_team_ids_of(user_id: int) -> list[int]:
    return sorted(
        db.session.scalars(select(TeamManager.team_id).where(TeamManager.user_id == user_id))
    )


def create_person(details: PersonDetails, actor_id: int | None = None) -> User:
    """Add a person (without a password: they set one from their invitation)."""
    return create_people([details], actor_id)[0]


def create_people(batch: list[PersonDetails], actor_id: int | None = None) -> list[User]:
    """Add several people at once, in a handful of queries (the staff import uses this)."""
    if not batch:
        return []
    cleaned = checked_details([(None, d) for d in batch])
    users = [
        User(
            email=d.email,
            name=d.name,
            preferred_name=d.preferred_name,
            job_role_id=d.job_role_id,
            app_role=d.app_role,
            active=True,
            start_date=d.start_date,
        )
        for d in cleaned
    ]
    db.session.add_all(users)
    db.session.flush()
    for user, details in zip(users, cleaned, strict=True):
        record_event(
            "user.create",
            "user",
            user.id,
            actor_id=actor_id,
            email=user.email,
            name=user.name,
            preferred_name=user.preferred_name,
            job_role_id=user.job_role_id,
            app_role=user.app_role,
            start_date=_plain(user.start_date),
        )
        if user.app_role != AppRole.LEARNER:
            record_event(
                "user.role", "user", user.id, actor_id=actor_id, role=user.app_role, previous=None
            )
        _set_memberships(user, details.team_ids, set(), actor_id)
    db.session.flush()
    return users


def person_changes(
    user: User, current_team_ids: Iterable[int], details: PersonDetails
) -> dict[str, tuple]:
    """What `details` would change about `user`, as {field: (before, after)}. Writes nothing.

    `details` must already be clean (see create_person and update_person)."""
    changes: dict[str, tuple] = {}
    if user.email != details.email:
        changes["email"] = (user.email, details.email)
    if user.name != details.name:
        changes["name"] = (user.name, details.name)
    if user.preferred_name != details.preferred_name:
        changes["preferred_name"] = (user.preferred_name, details.preferred_name)
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


def update_people(
    batch: list[tuple[User, PersonDetails]], actor_id: int | None = None
) -> dict[int, list[str]]:
    """Change several people at once; returns the changed fields by person id."""
    if not batch:
        return {}
    cleaned = checked_details(list(batch))
    for user, details in zip((u for u, _ in batch), cleaned, strict=True):
        if (
            actor_id == user.id
            and user.app_role == AppRole.ADMIN
            and details.app_role != AppRole.ADMIN
        ):
            raise PeopleError(
                "You cannot take away your own admin role. Ask another admin.", "app_role"
            )
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
        user.preferred_name = details.preferred_name
        user.job_role_id = details.job_role_id
        user.start_date = details.start_date
        plain = {
            name: [_plain(before), _plain(after)]
            for name, (before, after) in changes.items()
            if name not in ("app_role", "team_ids")
        }
        if plain:
            record_event("user.update", "user", user.id, actor_id=actor_id, changes=plain)
        if "app_role" in changes:
            _set_app_role(user, details.app_role, actor_id)
        if "team_ids" in changes:
            removals += _set_memberships(user, details.team_ids, current_teams[user.id], actor_id)
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


def _set_memberships(
    user: User, team_ids: Iterable[int], current: set[int], actor_id: int | None
) -> list[tuple[int, int]]:
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
    for chunk in chunked(pairs):
        db.session.execute(
            delete(TeamMembership)
            .where(tuple_(TeamMembership.user_id, TeamMembership.team_id).in_(chunk))
            .execution_options(synchronize_session=False)
        )


def set_active(user: User, active: bool, actor_id: int | None = None) -> bool:
    """Deactivate a leaver or bring them back. Nobody is deleted: their records stay.

    A deactivated person cannot log in. Returns False when nothing changed."""
    if user.active == active:
        return False
    if not active and actor_id == user.id:
        raise PeopleError("You cannot deactivate your own account. Ask another admin.")
    if active and user.anonymised_at is not None:
        raise PeopleError("This leaver's details were removed, so they cannot come back.")
    user.active = active
    user.deactivated_at = None if active else utcnow()
    if not active:
        end_all_sessions(user.id, "deactivated")
    record_event(
        "user.reactivate" if active else "user.deactivate", "user", user.id, actor_id=actor_id
    )
    db.session.flush()
    return True


def make_manager_of(user: User, team: Team, manages: bool, actor_id: int | None = None) -> bool:
    """Make `user` a manager of `team` (raising a learner to the manager role), or stop it.

    Returns True when something changed. Stopping leaves the person's app role alone."""
    return set_manager_flags([(user, team, manages)], actor_id) > 0


def set_manager_flags(flags: list[tuple[User, Team, bool]], actor_id: int | None = None) -> int:
    """make_manager_of for many (person, team, manages) at once; returns how many changed."""
    links = {}
    for chunk in chunked(sorted({u.id for u, _, _ in flags})):
        links.update(
            ((link.user_id, link.team_id), link)
            for link in db.session.scalars(
                select(TeamManager).where(TeamManager.user_id.in_(chunk))
            )
        )
    changed = 0
    for user, team, manages in flags:
        link = links.get((user.id, team.id))
        touched = False
        if manages and link is None:
            links[(user.id, team.id)] = TeamManager(user_id=user.id, team_id=team.id)
            db.session.add(links[(user.id, team.id)])
            record_event("team.manager_add", "team", team.id, actor_id=actor_id, user_id=user.id)
            touched = True
        elif not manages and link is not None:
            db.session.delete(link)
            del links[(user.id, team.id)]
            record_event("team.manager_remove", "team", team.id, actor_id=actor_id, user_id=user.id)
            touched = True
        if manages and user.app_role == AppRole.LEARNER:
            _set_app_role(user, AppRole.MANAGER.value, actor_id)
            touched = True
        changed += touched
    db.session.flush()
    return changed


def welcome_new_people(users: list[User], actor_id: int | None = None) -> int:
    """After new people are committed: give them their onboarding plan, then queue their
    invitations. Returns how many invitations were queued."""
    if not users:
        return 0
    # Imported here: these modules own onboarding and invitations; people only hands over.
    from ..onboarding.rules import apply_onboarding_rules
    from .invitations import invite_users

    apply_onboarding_rules(users, actor_id=actor_id)
    return invite_users(users, actor_id=actor_id)
