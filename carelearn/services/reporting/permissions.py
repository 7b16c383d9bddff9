"""Who may see whom: learners themselves, managers their teams and every team below, admins all.

Checked on the server for every request; views use these, never their own rules.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select, literal, select

from ...extensions import db
from ...models import AppRole, Team, TeamManager, TeamMembership, User


def role_required(*roles: AppRole):
    """Logged in, and holding one of `roles`; anyone else gets 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.app_role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


manager_required = role_required(AppRole.MANAGER, AppRole.ADMIN)
admin_required = role_required(AppRole.ADMIN)


def team_subtree(root_ids: Select) -> Select:
    """The ids of the given teams and every team nested below them (a recursive query)."""
    # Unnamed, so one query can hold several of these without their names clashing.
    tree = select(Team.id.label("id")).where(Team.id.in_(root_ids)).cte(recursive=True)
    tree = tree.union_all(select(Team.id).join(tree, Team.parent_id == tree.c.id))
    return select(tree.c.id)


def managed_team_ids_query(viewer: User) -> Select:
    """Teams the viewer may see: all for an admin, managed teams and their sub-teams for a
    manager."""
    if viewer.app_role == AppRole.ADMIN:
        return select(Team.id)
    if viewer.app_role != AppRole.MANAGER:
        return select(Team.id).where(literal(False))
    return team_subtree(select(TeamManager.team_id).where(TeamManager.user_id == viewer.id))


def managed_team_ids(viewer: User) -> set[int]:
    return set(db.session.scalars(managed_team_ids_query(viewer)))


def visible_user_ids_query(viewer: User, team_ids: Select | None = None) -> Select:
    """Ids of the people the viewer may see, optionally only within `team_ids` (and below)."""
    if viewer.app_role == AppRole.ADMIN and team_ids is None:
        return select(User.id)
    scope = managed_team_ids_query(viewer)
    query = select(TeamMembership.user_id).where(TeamMembership.team_id.in_(scope))
    if team_ids is not None:
        query = query.where(TeamMembership.team_id.in_(team_subtree(team_ids)))
    return query.distinct()


def can_view_user(viewer: User, user_id: int) -> bool:
    if viewer.id == user_id or viewer.app_role == AppRole.ADMIN:
        return True
    if viewer.app_role != AppRole.MANAGER:
        return False
    return (
        db.session.scalar(
            visible_user_ids_query(viewer).where(TeamMembership.user_id == user_id).limit(1)
        )
        is not None
    )


def visible_user_or_404(viewer: User, user_id: int) -> User:
    """Another person's record for a manager or admin; 404 alike for missing and out of scope."""
    person = db.session.get(User, user_id)
    if person is None or not can_view_user(viewer, user_id):
        abort(404)
    return person


def landing_endpoint(user: User) -> str:
    """Where someone lands after signing in: managers and admins on My teams, where their work
    is; everyone else on My training."""
    if user.app_role in (AppRole.MANAGER, AppRole.ADMIN):
        return "manage.dashboard"
    return "learn.my_training"
