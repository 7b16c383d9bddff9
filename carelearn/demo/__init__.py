"""A small demo organisation to click around in. Demo passwords are for demo data only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from ..core import clock
from ..extensions import db
from ..models import (
    AppRole,
    Assignment,
    LearningPath,
    LearningPathStep,
    LessonProgress,
    Module,
    OnboardingRule,
    Team,
    TeamKind,
    TeamManager,
    TeamMembership,
    User,
)
from ..services.onboarding.assignments import assign_modules
from ..services.onboarding.rules import apply_onboarding_rules
from ..services.people.accounts import ensure_job_roles
from ..services.training import learning
from ..services.training.attempts import Attempt, find_attempt
from ..services.training.conversations import take_step
from ..services.training.published import PublishedVersion
from ..services.training.quiz import open_attempt, parse_answers, submit_attempt
from .feedback import seed_feedback
from .huddles import seed_huddles
from .observations import seed_observations
from .vision import seed_vision

DEMO_PASSWORD = "carelearn-demo"  # demo data only; never use outside a demo

# (name, kind, parent name)
DEMO_TEAMS = [
    ("Riverside Health NHS Trust", TeamKind.ORGANISATION, None),
    ("Planned Care", TeamKind.DIRECTORATE, "Riverside Health NHS Trust"),
    ("Outpatients", TeamKind.DEPARTMENT, "Planned Care"),
    ("Outpatients Reception", TeamKind.TEAM, "Outpatients"),
    ("Outpatients Nursing", TeamKind.TEAM, "Outpatients"),
    ("Estates and Facilities", TeamKind.DIRECTORATE, "Riverside Health NHS Trust"),
    ("Patient Services", TeamKind.DEPARTMENT, "Estates and Facilities"),
    ("Portering", TeamKind.TEAM, "Patient Services"),
    ("Housekeeping", TeamKind.TEAM, "Patient Services"),
]


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    job_role: str
    app_role: AppRole
    team: str
    start_date: date
    manages: str | None = None


DEMO_PEOPLE = [
    DemoPerson(
        "admin@carelearn.example",
        "Priya Shah",
        "admin-staff",
        AppRole.ADMIN,
        "Riverside Health NHS Trust",
        date(2019, 4, 1),
    ),
    DemoPerson(
        "manager@carelearn.example",
        "Grace Okafor",
        "nurse",
        AppRole.MANAGER,
        "Outpatients",
        date(2016, 9, 5),
        manages="Outpatients",
    ),
    DemoPerson(
        "reception@carelearn.example",
        "Tom Hughes",
        "receptionist",
        AppRole.LEARNER,
        "Outpatients Reception",
        date(2024, 2, 12),
    ),
    DemoPerson(
        "newstarter@carelearn.example",
        "Aisha Begum",
        "receptionist",
        AppRole.LEARNER,
        "Outpatients Reception",
        date(2026, 11, 23),
    ),
    DemoPerson(
        "nurse@carelearn.example",
        "Daniel Price",
        "nurse",
        AppRole.LEARNER,
        "Outpatients Nursing",
        date(2021, 6, 1),
    ),
    DemoPerson(
        "hca@carelearn.example",
        "Megan Lloyd",
        "healthcare-assistant",
        AppRole.LEARNER,
        "Outpatients Nursing",
        date(2023, 1, 9),
    ),
    DemoPerson(
        "porter@carelearn.example",
        "Kwame Mensah",
        "porter",
        AppRole.LEARNER,
        "Portering",
        date(2020, 3, 16),
    ),
    DemoPerson(
        "cleaner@carelearn.example",
        "Rosa Silva",
        "cleaner",
        AppRole.LEARNER,
        "Housekeeping",
        date(2022, 10, 3),
    ),
]


def seed_demo() -> str:
    roles = ensure_job_roles()
    teams = _ensure_teams()
    created = 0
    for person in DEMO_PEOPLE:
        user = db.session.scalar(select(User).where(User.email == person.email))
        if user is None:
            user = User(
                email=person.email,
                name=person.name,
                job_role=roles[person.job_role],
                app_role=person.app_role,
                start_date=person.start_date,
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.flush()
            created += 1
        _ensure_link(TeamMembership, user.id, teams[person.team].id)
        if person.manages:
            _ensure_link(TeamManager, user.id, teams[person.manages].id)
    db.session.commit()
    _ensure_paths_and_rules(roles)
    apply_onboarding_rules()
    _assign_leaders_module()
    seed_vision()
    _seed_progress()
    seed_huddles()
    seed_feedback()
    seed_observations(_pass_quiz)
    return f"Demo data ready: {created} new people, {len(DEMO_PEOPLE)} demo accounts in all."


# (path name, module slugs in order, job roles it is for, days after the start date it is due)
DEMO_PATHS = [
    (
        "Front desk onboarding",
        [
            "service-vision",
            "front-desk-telephone",
            "active-listening",
            "managing-expectations",
            "dignity-privacy-respect",
            "extra-support",
        ],
        ["receptionist", "admin-staff"],
        28,
    ),
    (
        "Clinical staff onboarding",
        [
            "service-vision",
            "active-listening",
            "managing-expectations",
            "feedback-complaints",
            "dignity-privacy-respect",
            "extra-support",
            "calm-in-conflict",
        ],
        ["nurse", "doctor", "healthcare-assistant"],
        42,
    ),
    (
        "Support services onboarding",
        ["service-vision", "positive-attitude", "calm-in-conflict", "dignity-privacy-respect"],
        ["porter", "cleaner"],
        28,
    ),
]
# Managers of every job role also get this, due this many days from the demo's first run.
LEADERS_MODULE, LEADERS_DUE_DAYS = "leading-great-service", 60


def _ensure_paths_and_rules(roles) -> None:
    modules = {m.slug: m for m in db.session.scalars(select(Module))}
    for name, slugs, job_roles, due_days in DEMO_PATHS:
        path = db.session.scalar(select(LearningPath).where(LearningPath.name == name))
        if path is None:
            path = LearningPath(name=name, description="")
            db.session.add(path)
        # A demo made before a module existed gets it added at the end of its path.
        present = {step.module_id for step in path.steps}
        for slug in slugs:
            if slug in modules and modules[slug].id not in present:
                path.steps.append(
                    LearningPathStep(module_id=modules[slug].id, position=len(path.steps) + 1)
                )
        db.session.flush()
        for role in job_roles:
            rule = db.session.scalar(
                select(OnboardingRule).where(
                    OnboardingRule.job_role_id == roles[role].id, OnboardingRule.path_id == path.id
                )
            )
            if rule is None:
                db.session.add(
                    OnboardingRule(job_role_id=roles[role].id, path_id=path.id, due_days=due_days)
                )
    db.session.commit()


def _assign_leaders_module() -> None:
    """Leading great service for the demo's managers, as a training lead would assign it: once,
    so running the demo again (or after it is done) adds nothing."""
    version = learning.current_version(LEADERS_MODULE)
    if version is None:
        return
    emails = [p.email for p in DEMO_PEOPLE if p.app_role == AppRole.MANAGER]
    already = select(Assignment.user_id).where(Assignment.module_id == version.module_id)
    managers = db.session.scalars(
        select(User.id).where(User.email.in_(emails), User.id.not_in(already))
    ).all()
    admin_id = db.session.scalar(select(User.id).where(User.app_role == AppRole.ADMIN).limit(1))
    assign_modules(
        managers,
        [version.module_id],
        clock.today() + timedelta(days=LEADERS_DUE_DAYS),
        actor_id=admin_id,
    )
    db.session.commit()


def _ensure_teams() -> dict[str, Team]:
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    for name, kind, parent in DEMO_TEAMS:
        if name not in teams:
            teams[name] = Team(name=name, kind=kind, parent=teams[parent] if parent else None)
            db.session.add(teams[name])
    db.session.flush()
    return teams


def _ensure_link(model, user_id: int, team_id: int) -> None:
    exists = db.session.scalar(
        select(model.id).where(model.user_id == user_id, model.team_id == team_id)
    )
    if exists is None:
        db.session.add(model(user_id=user_id, team_id=team_id))


def _seed_progress() -> None:
    """Some finished and half-finished training, made through the real learner services."""
    # (email, module, goal, how many days ago): goal is "pass" or a number of lessons read.
    plan: list[tuple[str, str, Literal["pass"] | int, int]] = [
        ("nurse@carelearn.example", "service-vision", "pass", 0),
        ("manager@carelearn.example", "service-vision", "pass", 350),  # due again soon
        ("hca@carelearn.example", "service-vision", "pass", 40),
        ("reception@carelearn.example", "active-listening", 2, 3),
        ("porter@carelearn.example", "service-vision", 1, 5),
    ]
    for email, slug, goal, days_ago in plan:
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None  # seed_demo adds every demo account first
        version = learning.current_version(slug)
        if version is None or db.session.scalar(
            select(LessonProgress.id).where(LessonProgress.user_id == user.id).limit(1)
        ):
            continue
        with clock.frozen_at(clock.utcnow() - timedelta(days=days_ago)):
            lessons_to_finish = goal if isinstance(goal, int) else len(version.lessons)
            for position in range(1, lessons_to_finish + 1):
                learning.complete_lesson(user, version, position)
            if goal == "pass":
                _pass_quiz(user, version)
    _seed_overdue_assignment()


def _seed_overdue_assignment() -> None:
    """A manager's assignment that two people have let slip: the dashboard has something to show."""
    version = learning.current_version("feedback-complaints")
    if version is None:
        return
    people = db.session.scalars(
        select(User.id).where(
            User.email.in_(["reception@carelearn.example", "porter@carelearn.example"])
        )
    ).all()
    manager_id = db.session.scalar(select(User.id).where(User.email == "manager@carelearn.example"))
    assign_modules(
        people, [version.module_id], clock.today() - timedelta(days=10), actor_id=manager_id
    )
    db.session.commit()


def _pass_quiz(user: User, version: PublishedVersion) -> None:
    attempt = _talk_the_best_way(user, open_attempt(user, version).id)
    form: MultiDict[str, str] = MultiDict()
    for item in attempt.items:
        for option in item.question.options:
            if option.is_correct:
                form.add(f"q-{item.id}", str(option.id))
    submit_attempt(user, attempt, parse_answers(attempt, form))


def _talk_the_best_way(user: User, attempt_id: int) -> Attempt:
    """The attempt once its conversation, if it has one, is taken along the best path."""
    while True:
        attempt = find_attempt(user, attempt_id)
        assert attempt is not None  # it is theirs, just opened
        item = attempt.unfinished_conversation
        if item is None or item.question.conversation is None:
            return attempt
        best = item.question.conversation.best_path().taken[item.steps_taken]
        take_step(item, item.steps_taken, str(best.index))
