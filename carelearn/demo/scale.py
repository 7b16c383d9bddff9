"""A hospital-sized demo organisation, for benchmarks and for trying CareLearn at scale.

`build_scale_demo(staff, seed)` runs after the small demo (its accounts, teams and paths stay as
they are) and adds, with bulk inserts:

- `staff` generated people in about 300 teams nested organisation → directorate → department
  (→ team), with every job role and a manager for each department and directorate;
- seven generated *practice* modules (titles start "Practice:"), so there are 12 in all;
- years of history: lesson progress, quiz attempts (the recent ones with their questions and
  answers), completions that are valid, expiring or expired, and assignments from onboarding
  rules, managers and recertification, some of them overdue;
- two years of feedback from patients and staff on the teams that see patients, with the
  FeedbackMonth rows that count it (scale_feedback.py);
- the TrainingRecord rows that summarise it all, rebuilt from those tables at the end.

The demo manager also manages the Planned Care directorate, which holds a fifth of the staff
(about 2,000 of 10,000). The same seed on the same day builds the same data.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from ..core import clock
from ..core.audit import record_event
from ..extensions import db
from ..models import (
    AppRole,
    LearningPath,
    LearningPathStep,
    Module,
    OnboardingRule,
    Team,
    TeamKind,
    TeamManager,
    TeamMembership,
    User,
)
from ..services.people.accounts import ensure_job_roles
from ..services.training.records import rebuild_records
from . import DEMO_PASSWORD
from .scale_content import ContentBuilder
from .scale_data import (
    DIRECTORATES,
    FIRST_NAMES,
    GENERATED_DOMAIN,
    LAST_NAMES,
    ORGANISATION,
    PRACTICE_PATH,
    TEAM_SUFFIXES,
)
from .scale_feedback import FeedbackBuilder
from .scale_history import HistoryBuilder
from .scale_rows import (
    GeneratedPerson,
    IdAllocator,
    LeafTeam,
    RowWriter,
    ScaleModule,
    reset_sequences,
    role_mix,
    weighted_choice,
)


def build_scale_demo(staff: int, seed: int = 1) -> str:
    """Add the large organisation (after `seed_demo`). Running it again changes nothing."""
    if db.session.scalar(select(User.id).where(User.email.like(f"%@{GENERATED_DOMAIN}")).limit(1)):
        return "The large demo organisation is already there; nothing changed."
    started = time.monotonic()
    counts = _ScaleBuilder(staff, seed).build()
    db.session.commit()
    _tidy_after_loading()
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    return f"Large demo organisation ready in {time.monotonic() - started:.0f} s: {summary}."


def _tidy_after_loading() -> None:
    """On PostgreSQL, vacuum and analyse once the load has committed, as after any bulk load.
    Loading in one transaction bumps each team's freshness counter thousands of times, and the
    row versions it leaves behind stay in the table and its index until a vacuum: without one,
    the counters every signed-in request reads would cost several times their due (a server with
    autovacuum turned off would never clear them). The planner gets fresh statistics too."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))


class _ScaleBuilder(ContentBuilder, HistoryBuilder, FeedbackBuilder):
    def __init__(self, staff: int, seed: int):
        self.staff = staff
        self.rng = random.Random(seed)
        self.today = clock.today()
        self.now = datetime.combine(self.today, datetime.min.time()) + timedelta(hours=9)
        self.ids = IdAllocator()
        self.out = RowWriter()
        self.roles = {slug: role.id for slug, role in ensure_job_roles().items()}
        self.admin_id = db.session.scalar(
            select(User.id).where(User.email == "admin@carelearn.example")
        )

    def build(self) -> Counter:
        if db.engine.dialect.name == "sqlite":  # keep the indexes being filled in memory
            db.session.execute(text("PRAGMA cache_size = -262144"))
        modules = self._modules()
        leaves, departments, directorates = self._teams()
        people = self._people(leaves, departments, directorates)
        rules = self._paths_and_rules(modules)
        self._history(people, modules, rules)
        self._feedback(leaves, people)
        self.out.flush()
        db.session.flush()
        self.out.counts["training_record"] = rebuild_records()
        record_event(
            "demo.scale",
            "organisation",
            None,
            actor_id=self.admin_id,
            staff=self.staff,
            rows=dict(self.out.counts),
        )
        reset_sequences()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA cache_size = -2000"))
        return self.out.counts

    # -- teams and people ----------------------------------------------------------------------

    def _teams(self) -> tuple[list[LeafTeam], list[tuple[int, int]], list[int]]:
        """Directorates, departments and teams; returns the units people belong to."""
        existing = {
            (t.name, t.parent_id): t.id for t in db.session.scalars(select(Team).order_by(Team.id))
        }
        org_id = existing[(ORGANISATION, None)]
        rows: list[dict] = []

        def team(name: str, kind: TeamKind, parent_id: int) -> int:
            if (name, parent_id) in existing:
                return existing[(name, parent_id)]
            team_id = self.ids.take(Team)
            rows.append({"id": team_id, "name": name, "kind": kind.value, "parent_id": parent_id})
            existing[(name, parent_id)] = team_id
            return team_id

        leaves: list[LeafTeam] = []
        departments: list[tuple[int, int]] = []  # (id, directorate index)
        directorates: list[int] = []
        for index, (name, _share, work, department_names) in enumerate(DIRECTORATES):
            directorate_id = team(name, TeamKind.DIRECTORATE, org_id)
            directorates.append(directorate_id)
            for department in department_names:
                department_id = team(department, TeamKind.DEPARTMENT, directorate_id)
                departments.append((department_id, index))
                children = [n for (n, p) in existing if p == department_id]
                if not children and self.rng.random() < 0.15:
                    leaves.append((department_id, index, role_mix(department, work)))
                    continue
                wanted = self.rng.randint(4, 8) - len(children)
                suffixes = [s for s in TEAM_SUFFIXES[work] if f"{department} {s}" not in children]
                children += [
                    f"{department} {s}"
                    for s in self.rng.sample(suffixes, max(0, min(wanted, len(suffixes))))
                ]
                for child in children:
                    leaves.append(
                        (team(child, TeamKind.TEAM, department_id), index, role_mix(child, work))
                    )
        db.session.execute(insert(Team.__table__), rows)
        return leaves, departments, directorates

    def _people(
        self, leaves: list[LeafTeam], departments: list[tuple[int, int]], directorates: list[int]
    ) -> list[GeneratedPerson]:
        """Generated staff in their teams; a manager for each department and directorate."""
        rng, today = self.rng, self.today
        password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash for every generated person
        by_directorate: dict[int, list[LeafTeam]] = {}
        for leaf in leaves:
            by_directorate.setdefault(leaf[1], []).append(leaf)
        shares = [d[1] for d in DIRECTORATES]
        quotas = [int(self.staff * s / sum(shares)) for s in shares]
        quotas[0] += self.staff - sum(quotas)
        department_of = {
            team_id: parent_id
            for team_id, parent_id in db.session.execute(select(Team.id, Team.parent_id))
            if parent_id is not None
        }
        department_ids = {d for d, _ in departments}
        people: list[GeneratedPerson] = []
        managers: dict[int, int] = {}  # team id -> user id
        n = 0
        for index, quota in enumerate(quotas):
            units = by_directorate[index]
            for _ in range(quota):
                n += 1
                team_id, _, mix = units[rng.randrange(len(units))]
                role = weighted_choice(rng, mix)
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                if rng.random() < 0.05:  # new starters
                    start = today - timedelta(days=rng.randint(0, 60))
                else:
                    start = today - timedelta(days=rng.randint(61, 15 * 365))
                department_id = team_id if team_id in department_ids else department_of[team_id]
                user_id = self.ids.take(User)
                app_role = AppRole.LEARNER
                for unit in (department_id, directorates[index]):
                    # The demo manager runs the first directorate.
                    if unit not in managers and unit != directorates[0]:
                        managers[unit] = user_id
                        app_role = AppRole.MANAGER
                active = rng.random() >= 0.02  # a few leavers, kept for audit
                self.out.add(
                    User,
                    {
                        "id": user_id,
                        "email": f"{first}.{last}.{n}@{GENERATED_DOMAIN}".lower(),
                        "name": f"{first} {last}",
                        "password_hash": password_hash,
                        "job_role_id": self.roles[role],
                        "app_role": app_role.value,
                        "active": active,
                        "start_date": start,
                        "created_at": datetime.combine(start, datetime.min.time()),
                    },
                )
                self.out.add(
                    TeamMembership,
                    {"id": self.ids.take(TeamMembership), "user_id": user_id, "team_id": team_id},
                )
                if rng.random() < 0.03:  # bank staff who also work in a second team
                    other = units[rng.randrange(len(units))][0]
                    if other != team_id:
                        self.out.add(
                            TeamMembership,
                            {
                                "id": self.ids.take(TeamMembership),
                                "user_id": user_id,
                                "team_id": other,
                            },
                        )
                people.append((user_id, role, start, department_id, active))
        for team_id, user_id in managers.items():
            self.out.add(
                TeamManager,
                {"id": self.ids.take(TeamManager), "user_id": user_id, "team_id": team_id},
            )
        demo_manager = db.session.scalar(
            select(User.id).where(User.email == "manager@carelearn.example")
        )
        if demo_manager is not None:
            self.out.add(
                TeamManager,
                {
                    "id": self.ids.take(TeamManager),
                    "user_id": demo_manager,
                    "team_id": directorates[0],
                },
            )
        self.managers = managers
        self.out.flush()
        return people

    def _paths_and_rules(
        self, modules: list[ScaleModule]
    ) -> dict[tuple[int, int], tuple[int, int]]:
        """(job role id, module id) -> (path id, due days) from the onboarding rules."""
        name, slugs, roles, due_days = PRACTICE_PATH
        if db.session.scalar(select(LearningPath.id).where(LearningPath.name == name)) is None:
            path_id = self.ids.take(LearningPath)
            module_ids = dict(
                db.session.execute(
                    select(Module.slug, Module.id).where(Module.slug.in_(slugs))
                ).all()
            )
            db.session.execute(
                insert(LearningPath.__table__),
                [{"id": path_id, "name": name, "description": "Generated practice path."}],
            )
            db.session.execute(
                insert(LearningPathStep.__table__),
                [
                    {
                        "id": self.ids.take(LearningPathStep),
                        "path_id": path_id,
                        "module_id": module_ids[s],
                        "position": p,
                    }
                    for p, s in enumerate(slugs, start=1)
                    if s in module_ids
                ],
            )
            db.session.execute(
                insert(OnboardingRule.__table__),
                [
                    {
                        "id": self.ids.take(OnboardingRule),
                        "job_role_id": self.roles[r],
                        "team_id": None,
                        "path_id": path_id,
                        "due_days": due_days,
                    }
                    for r in roles
                ],
            )
        rules: dict[tuple[int, int], tuple[int, int]] = {}
        for role_id, path_id, days, module_id in db.session.execute(
            select(
                OnboardingRule.job_role_id,
                OnboardingRule.path_id,
                OnboardingRule.due_days,
                LearningPathStep.module_id,
            )
            .join(LearningPathStep, LearningPathStep.path_id == OnboardingRule.path_id)
            .where(OnboardingRule.team_id.is_(None))
            .order_by(OnboardingRule.id, LearningPathStep.position)
        ):
            rules.setdefault((role_id, module_id), (path_id, days))
        return rules
