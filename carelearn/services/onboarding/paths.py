"""Learning paths and the onboarding rules that hand them out: creating and changing them."""

from __future__ import annotations

from sqlalchemy import func, select

from ...core.audit import record_event
from ...extensions import db
from ...models import LearningPath, LearningPathStep, OnboardingRule
from ..training import published


class PathError(ValueError):
    """The path or rule cannot be saved as asked; the message says what to fix, `field` where."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def _check_path(name: str, module_ids: list[int], path_id: int | None) -> str:
    name = name.strip()
    if not name:
        raise PathError("Enter a name for the path.", "name")
    clash = db.session.scalar(
        select(LearningPath.id).where(
            func.lower(LearningPath.name) == name.lower(), LearningPath.id != (path_id or 0)
        )
    )
    if clash:
        raise PathError(f"There is already a path called {name}.", "name")
    if not module_ids:
        raise PathError("Choose at least one module.", "steps")
    if len(set(module_ids)) != len(module_ids):
        raise PathError("Each module can be in a path only once.", "steps")
    # A step must name a module learners can take now: one gone, never published, or a made-up
    # number sent by hand is refused here, not by the database.
    offered = {v.module_id for v in published.current_versions()}
    if not offered.issuperset(module_ids):
        raise PathError("Choose each module from the list.", "steps")
    return name


def save_path(
    path: LearningPath | None, name: str, description: str, module_ids: list[int], actor_id: int
) -> LearningPath:
    """Create a path, or change one; `module_ids` in the order learners take them."""
    name = _check_path(name, module_ids, path.id if path else None)
    if path is None:
        path = LearningPath(name=name)
        db.session.add(path)
    path.name, path.description = name, description.strip()
    path.steps.clear()
    db.session.flush()  # the old steps go before the new ones take their positions
    path.steps.extend(
        LearningPathStep(module_id=m, position=i) for i, m in enumerate(module_ids, start=1)
    )
    db.session.flush()
    record_event(
        "path.save", "learning_path", path.id, actor_id=actor_id, name=name, modules=module_ids
    )
    db.session.commit()
    return path


def add_rule(
    job_role_id: int, team_id: int | None, path_id: int, due_days: int, actor_id: int
) -> OnboardingRule:
    if due_days < 0:
        raise PathError("The number of days cannot be negative.", "due_days")
    exists = db.session.scalar(
        select(OnboardingRule.id).where(
            OnboardingRule.job_role_id == job_role_id,
            OnboardingRule.path_id == path_id,
            OnboardingRule.team_id.is_(None)
            if team_id is None
            else OnboardingRule.team_id == team_id,
        )
    )
    if exists:
        raise PathError("That rule already exists.", "path")
    rule = OnboardingRule(
        job_role_id=job_role_id, team_id=team_id, path_id=path_id, due_days=due_days
    )
    db.session.add(rule)
    db.session.flush()
    record_event(
        "rule.create",
        "onboarding_rule",
        rule.id,
        actor_id=actor_id,
        job_role_id=job_role_id,
        team_id=team_id,
        path_id=path_id,
        due_days=due_days,
    )
    db.session.commit()
    return rule


def remove_rule(rule: OnboardingRule, actor_id: int) -> None:
    """Stop the rule handing out its path; assignments it already made stay."""
    record_event(
        "rule.delete",
        "onboarding_rule",
        rule.id,
        actor_id=actor_id,
        job_role_id=rule.job_role_id,
        team_id=rule.team_id,
        path_id=rule.path_id,
        due_days=rule.due_days,
    )
    db.session.delete(rule)
    db.session.commit()
