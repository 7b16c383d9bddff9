"""Onboarding: learning paths that new staff get by rule, with due dates from their start date."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, exists, literal, select
from sqlalchemy.orm import aliased

from ...core.clock import today
from ...extensions import db
from ...models import Assignment, LearningPath, OnboardingRule, TeamMembership, User
from ..reporting.permissions import team_subtree
from .assignments import assign_modules


def path_module_ids(path: LearningPath) -> list[int]:
    return [step.module_id for step in path.steps]


def onboarding_due_date(start_date: date, due_days: int) -> date:
    """Due `due_days` after the start date, or after today if the rule comes later than that:
    staff who started years ago and are imported today are not overdue on day one."""
    return max(start_date, today()) + timedelta(days=due_days)


def apply_onboarding_rules(users: list[User] | None = None, actor_id: int | None = None) -> int:
    """Give new staff the paths their job role (and team) calls for. Applying twice changes nothing.

    Returns how many assignments were created. `users=None` applies to every active person.
    """
    rules = db.session.scalars(select(OnboardingRule)).all()
    created = 0
    for rule in rules:
        path = db.session.get_one(LearningPath, rule.path_id)
        modules = path_module_ids(path)
        if not modules:
            continue
        query = select(User.id, User.start_date, User.created_at).where(
            User.active.is_(True), User.job_role_id == rule.job_role_id
        )
        if users is not None:
            query = query.where(User.id.in_([u.id for u in users]))
        if rule.team_id is not None:
            query = query.where(
                User.id.in_(
                    select(TeamMembership.user_id).where(
                        TeamMembership.team_id.in_(team_subtree(select(literal(rule.team_id))))
                    )
                )
            )
        # People who already got this path from a rule are left alone, whatever they did since.
        given = aliased(Assignment)
        query = query.where(
            ~exists().where(
                and_(
                    given.user_id == User.id,
                    given.path_id == path.id,
                    given.source == "rule",
                )
            )
        )
        by_due: dict[date, list[int]] = {}
        for user_id, start_date, created_at in db.session.execute(query):
            by_due.setdefault(
                onboarding_due_date(start_date or created_at.date(), rule.due_days), []
            ).append(user_id)
        for due_on, user_ids in by_due.items():
            created += assign_modules(
                user_ids, modules, due_on, source="rule", actor_id=actor_id, path_id=path.id
            ).created
    db.session.commit()
    return created
