"""A hospital-sized demo organisation, for benchmarks and for trying CareLearn at scale.

`build_scale_demo(staff, seed)` runs after the small demo (its accounts, teams and paths stay as
they are) and adds, with bulk inserts:

- `staff` generated people in about 300 teams nested organisation → directorate → department
  (→ team), with every job role and a manager for each department and directorate;
- seven generated *practice* modules (titles start "Practice:"), so there are 12 in all;
- years of history: lesson progress, quiz attempts (the recent ones with their questions and
  answers), completions that are valid, expiring or expired, and assignments from onboarding
  rules, managers and recertification, some of them overdue;
- the TrainingRecord rows that summarise it all, rebuilt from those tables at the end.

The demo manager also manages the Planned Care directorate, which holds a fifth of the staff
(about 2,000 of 10,000). The same seed on the same day builds the same data.
"""
from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text, update
from werkzeug.security import generate_password_hash

from .demo import DEMO_PASSWORD
from .extensions import db
from .models import (
    AppRole,
    Assignment,
    AttemptQuestion,
    Completion,
    LearningPath,
    LearningPathStep,
    Lesson,
    LessonProgress,
    Module,
    ModuleVersion,
    OnboardingRule,
    Option,
    Question,
    QuizAttempt,
    Team,
    TeamKind,
    TeamManager,
    TeamMembership,
    User,
)
from .services import clock
from .services.accounts import ensure_job_roles
from .services.audit import record_event
from .services.dates import add_months
from .services.records import rebuild_records

GENERATED_DOMAIN = "generated.carelearn.example"
BATCH = 5000               # rows per INSERT round trip
ATTEMPT_DETAIL_DAYS = 60   # attempts this recent keep their questions and answers
ORGANISATION = "Riverside Health NHS Trust"
MANAGED_DIRECTORATE = "Planned Care"  # the demo manager's, with a fifth of the staff

# (directorate, share of the staff, kind of work, departments)
DIRECTORATES = [
    ("Planned Care", 0.20, "clinical", ["Outpatients", "Theatres", "Day Surgery", "Orthopaedics",
                                        "Ophthalmology", "Endoscopy", "Pre-operative Assessment"]),
    ("Unscheduled Care", 0.16, "clinical", ["Emergency Department", "Acute Medical Unit",
                                            "Urgent Treatment Centre", "Same Day Emergency Care",
                                            "Discharge Lounge"]),
    ("Medicine", 0.15, "clinical", ["Cardiology", "Respiratory", "Elderly Care", "Stroke",
                                    "Gastroenterology", "Diabetes and Endocrinology"]),
    ("Surgery", 0.12, "clinical", ["General Surgery", "Urology", "Vascular Surgery", "Critical Care",
                                   "Ear, Nose and Throat"]),
    ("Women and Children", 0.10, "clinical", ["Maternity", "Neonatal Unit", "Paediatrics",
                                              "Gynaecology"]),
    ("Clinical Support Services", 0.09, "support", ["Radiology", "Pathology", "Pharmacy",
                                                    "Therapies", "Outpatient Booking"]),
    ("Community and Primary Care", 0.08, "clinical", ["GP Practices", "District Nursing",
                                                      "Community Hospitals", "Health Visiting"]),
    ("Estates and Facilities", 0.06, "facilities", ["Patient Services", "Domestic Services",
                                                    "Catering", "Security", "Grounds and Maintenance"]),
    ("Corporate Services", 0.04, "corporate", ["Human Resources", "Finance",
                                               "Information Technology", "Patient Experience"]),
]
TEAM_SUFFIXES = {
    "clinical": ["Ward A", "Ward B", "Ward C", "Day Unit", "Clinic", "Reception", "Night Team",
                 "Admin Team", "Nursing Team", "Medical Team"],
    "support": ["Reception", "Day Team", "Late Team", "Admin Team", "Clinic", "Bookings"],
    "facilities": ["Day Team", "Night Team", "Weekend Team", "North Site", "South Site"],
    "corporate": ["Team", "Helpdesk", "Operations", "Projects"],
}
# Job-role weights by the kind of team.
ROLE_MIX = {
    "ward": {"nurse": 45, "healthcare-assistant": 35, "doctor": 10, "receptionist": 3,
             "admin-staff": 3, "cleaner": 4},
    "medical": {"doctor": 80, "nurse": 10, "admin-staff": 10},
    "front-desk": {"receptionist": 65, "admin-staff": 35},
    "clinic": {"nurse": 40, "doctor": 25, "healthcare-assistant": 20, "receptionist": 15},
    "facilities": {"porter": 45, "cleaner": 45, "admin-staff": 10},
    "corporate": {"admin-staff": 90, "receptionist": 10},
}

FIRST_NAMES = [
    "Aaliyah", "Abdul", "Ada", "Adebayo", "Aisha", "Alan", "Alice", "Amir", "Ana", "Andrew", "Anita",
    "Ben", "Bethan", "Carlos", "Catherine", "Chen", "Chloe", "Chukwuma", "Daniel", "Deepa", "Dylan",
    "Eilidh", "Elena", "Emeka", "Emily", "Fatima", "Femi", "Fiona", "Gareth", "Grace", "Hannah",
    "Harpreet", "Hassan", "Isla", "Jack", "Jamal", "James", "Jia", "Joanna", "Kamala", "Kofi",
    "Laura", "Leon", "Lucy", "Mahmoud", "Maria", "Mark", "Maya", "Mohammed", "Nadia", "Niamh",
    "Oliver", "Olu", "Owen", "Priya", "Rachel", "Ravi", "Rhys", "Rosa", "Ruth", "Sam", "Sara",
    "Sean", "Siobhan", "Sofia", "Sunil", "Tariq", "Thomas", "Tomasz", "Wei", "Yasmin", "Zara",
]
LAST_NAMES = [
    "Abbott", "Adeyemi", "Ahmed", "Ali", "Anderson", "Bailey", "Baker", "Banerjee", "Bell", "Bennett",
    "Campbell", "Chen", "Clarke", "Collins", "Cooper", "Davies", "Evans", "Fernandes", "Fisher",
    "Green", "Griffiths", "Hall", "Harris", "Hughes", "Hussain", "Iqbal", "Jackson", "James",
    "Jenkins", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "Kowalski", "Lee", "Lewis", "Lloyd",
    "Martin", "Mensah", "Mitchell", "Morgan", "Murphy", "Nguyen", "Novak", "Obi", "Okafor", "Owen",
    "Parker", "Patel", "Phillips", "Price", "Rahman", "Roberts", "Robinson", "Rossi", "Scott",
    "Shah", "Singh", "Smith", "Stewart", "Taylor", "Thomas", "Thompson", "Turner", "Walker",
    "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young",
]

ALL_ROLES = ["receptionist", "admin-staff", "nurse", "doctor", "healthcare-assistant", "porter",
             "cleaner"]
CLINICAL = ["nurse", "doctor", "healthcare-assistant"]
# (slug, topic, audience, lessons, questions, months before recertifying; None: never expires)
PRACTICE_MODULES = [
    ("practice-telephone-manner", "Telephone manner", ALL_ROLES, 4, 12, 12),
    ("practice-dignity-and-privacy", "Dignity and privacy", ALL_ROLES, 5, 14, 12),
    ("practice-difficult-conversations", "Difficult conversations", CLINICAL, 6, 12, 24),
    ("practice-wayfinding", "Helping people find their way", ALL_ROLES, 3, 10, None),
    ("practice-handover", "Handing over with the patient in mind", CLINICAL, 4, 12, 24),
    ("practice-busy-reception", "A busy reception desk", ["receptionist", "admin-staff"], 4, 10, 12),
    ("practice-calm-under-pressure", "Calm under pressure", ALL_ROLES, 5, 12, 12),
]
PRACTICE_PATH = ("Practice: clinical communication",
                 ["practice-difficult-conversations", "practice-handover"], CLINICAL, 60)


@dataclass
class _Module:
    module_id: int
    version_id: int
    lessons: list[tuple[int, int]]              # (lesson id, minutes), in order
    pass_mark: int
    per_attempt: int
    recertify: int | None
    rollout: date                               # when staff were first asked to take it
    questions: dict[str, list[tuple]] = field(default_factory=dict)  # role -> scored questions


class _Writer:
    """Rows buffered per table and inserted in batches, parent tables before their children."""

    ORDER = [User, TeamMembership, TeamManager, LessonProgress, QuizAttempt, AttemptQuestion,
             Completion, Assignment]

    def __init__(self):
        self.rows = {model: [] for model in self.ORDER}
        self.counts: Counter[str] = Counter()

    def add(self, model, row: dict) -> None:
        rows = self.rows[model]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:
            rows = self.rows[model]
            if rows:
                db.session.execute(insert(model.__table__), rows)
                self.counts[model.__tablename__] += len(rows)
                rows.clear()


class _Ids:
    """Explicit primary keys, so children can point at parents without reading them back."""

    def __init__(self):
        self._next: dict = {}

    def take(self, model) -> int:
        if model not in self._next:
            self._next[model] = (db.session.scalar(select(func.max(model.id))) or 0) + 1
        value = self._next[model]
        self._next[model] = value + 1
        return value


def build_scale_demo(staff: int, seed: int = 1) -> str:
    """Add the large organisation (after `seed_demo`). Running it again changes nothing."""
    if db.session.scalar(select(User.id).where(User.email.like(f"%@{GENERATED_DOMAIN}")).limit(1)):
        return "The large demo organisation is already there; nothing changed."
    started = time.monotonic()
    counts = _ScaleBuilder(staff, seed).build()
    db.session.commit()
    summary = ", ".join(f"{n:,} {table}" for table, n in counts.items())
    return f"Large demo organisation ready in {time.monotonic() - started:.0f} s: {summary}."


class _ScaleBuilder:
    def __init__(self, staff: int, seed: int):
        self.staff = staff
        self.rng = random.Random(seed)
        self.today = clock.today()
        self.now = datetime.combine(self.today, datetime.min.time()) + timedelta(hours=9)
        self.ids = _Ids()
        self.out = _Writer()
        self.roles = {slug: role.id for slug, role in ensure_job_roles().items()}
        self.admin_id = db.session.scalar(select(User.id).where(User.email == "admin@carelearn.example"))

    def build(self) -> Counter:
        if db.engine.dialect.name == "sqlite":  # keep the indexes being filled in memory
            db.session.execute(text("PRAGMA cache_size = -262144"))
        modules = self._modules()
        leaves, departments, directorates = self._teams()
        people = self._people(leaves, departments, directorates)
        rules = self._paths_and_rules(modules)
        self._history(people, modules, rules)
        self.out.flush()
        db.session.flush()
        self.out.counts["training_record"] = rebuild_records()
        record_event("demo.scale", "organisation", None, actor_id=self.admin_id,
                     staff=self.staff, rows=dict(self.out.counts))
        reset_sequences()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(text("PRAGMA cache_size = -2000"))
        else:  # fresh statistics for the planner after loading a million rows
            db.session.execute(text("ANALYZE"))
        return self.out.counts

    # -- content -------------------------------------------------------------------------------

    def _modules(self) -> list[_Module]:
        self._add_practice_modules()
        versions = db.session.scalars(
            select(ModuleVersion).join(Module, Module.current_version_id == ModuleVersion.id)
            .order_by(Module.id)
        ).all()
        lessons: dict[int, list[tuple[int, int]]] = {}
        for lesson_id, version_id, minutes in db.session.execute(
            select(Lesson.id, Lesson.module_version_id, Lesson.minutes)
            .where(Lesson.module_version_id.in_([v.id for v in versions]))
            .order_by(Lesson.module_version_id, Lesson.position)
        ):
            lessons.setdefault(version_id, []).append((lesson_id, minutes))
        options: dict[int, list[tuple[int, bool]]] = {}
        for option_id, question_id, correct in db.session.execute(
            select(Option.id, Option.question_id, Option.is_correct)
            .join(Question, Question.id == Option.question_id)
            .where(Question.module_version_id.in_([v.id for v in versions]))
            .order_by(Option.question_id, Option.position)
        ):
            options.setdefault(question_id, []).append((option_id, correct))
        questions = db.session.execute(
            select(Question.id, Question.module_version_id, Question.kind, Question.roles)
            .where(Question.module_version_id.in_([v.id for v in versions]),
                   Question.kind != "reflection")
            .order_by(Question.id)
        ).all()
        result = []
        for i, version in enumerate(versions):
            module = _Module(
                module_id=version.module_id, version_id=version.id, lessons=lessons.get(version.id, []),
                pass_mark=version.pass_mark, per_attempt=version.questions_per_attempt,
                recertify=version.recertify_after_months,
                # Rolled out one after another, from 19 months to 2 months ago.
                rollout=self.today - timedelta(days=580 - 45 * i),
            )
            mine = [q for q in questions if q.module_version_id == version.id]
            for role in ALL_ROLES:
                module.questions[role] = [
                    # (id, kind, options, how likely people get it right)
                    (q.id, q.kind, options.get(q.id, []), 0.55 + 0.4 * self.rng.random())
                    for q in mine if not q.roles or role in q.roles
                ]
            if module.lessons:
                result.append(module)
        return result

    def _add_practice_modules(self) -> None:
        """Seven generated modules, published as data: clearly practice content, not training."""
        existing = set(db.session.scalars(select(Module.slug)))
        published = self.now - timedelta(days=1000)
        for slug, topic, audience, lesson_count, question_count, recertify in PRACTICE_MODULES:
            if slug in existing:
                continue
            module_id, version_id = self.ids.take(Module), self.ids.take(ModuleVersion)
            db.session.execute(insert(Module.__table__), [{"id": module_id, "slug": slug,
                                                           "current_version_id": None}])
            db.session.execute(insert(ModuleVersion.__table__), [{
                "id": version_id, "module_id": module_id, "number": 1, "label": "1.0",
                "content_hash": f"generated-{slug}", "title": f"Practice: {topic}",
                "summary": f"Generated practice module about {topic.lower()}, for trying CareLearn "
                           "with a large organisation. It is placeholder content, not training.",
                "audience": audience, "estimated_minutes": 5 * lesson_count, "pass_mark": 80,
                "questions_per_attempt": 5, "recertify_after_months": recertify,
                "published_at": published,
            }])
            db.session.execute(insert(Lesson.__table__), [{
                "id": self.ids.take(Lesson), "module_version_id": version_id, "position": n,
                "title": f"{topic}: part {n}", "minutes": 5,
                "body_html": f"<p>Practice lesson {n} of {lesson_count} about {topic.lower()}. "
                             "This text is generated so that the demo has many modules; "
                             "it is not training content.</p>"
                             "<ul><li>Greet the person.</li><li>Listen first.</li>"
                             "<li>Say what happens next.</li></ul>",
            } for n in range(1, lesson_count + 1)])
            question_rows, option_rows = [], []
            for n in range(1, question_count + 1):
                question_id = self.ids.take(Question)
                kind = ("single", "scenario", "true_false", "multiple")[n % 4]
                question_rows.append({
                    "id": question_id, "module_version_id": version_id, "key": f"practice-q{n}",
                    "kind": kind, "scenario": "A generated practice situation." if kind == "scenario" else None,
                    "prompt": f"Practice question {n} about {topic.lower()}: which is best?",
                    "explanation": "Generated practice question: the first option is the right one.",
                    "roles": [],
                })
                choices = [("True", True), ("False", False)] if kind == "true_false" else [
                    ("Option A (right)", True), ("Option B (also right)", kind == "multiple"),
                    ("Option C", False),
                ]
                option_rows += [{"id": self.ids.take(Option), "question_id": question_id, "position": p,
                                 "text": label, "is_correct": correct, "feedback": "Practice feedback."}
                                for p, (label, correct) in enumerate(choices, start=1)]
            db.session.execute(insert(Question.__table__), question_rows)
            db.session.execute(insert(Option.__table__), option_rows)
            db.session.execute(update(Module.__table__).where(Module.__table__.c.id == module_id)
                               .values(current_version_id=version_id))

    # -- teams and people ----------------------------------------------------------------------

    def _teams(self):
        """Directorates, departments and teams; returns the units people belong to."""
        existing = {(t.name, t.parent_id): t.id for t in db.session.scalars(select(Team).order_by(Team.id))}
        org_id = existing[(ORGANISATION, None)]
        rows: list[dict] = []

        def team(name: str, kind: TeamKind, parent_id: int) -> int:
            if (name, parent_id) in existing:
                return existing[(name, parent_id)]
            team_id = self.ids.take(Team)
            rows.append({"id": team_id, "name": name, "kind": kind.value, "parent_id": parent_id})
            existing[(name, parent_id)] = team_id
            return team_id

        # leaves: (team id, directorate index, role mix); departments: (id, directorate index)
        leaves, departments, directorates = [], [], []
        for index, (name, _share, work, department_names) in enumerate(DIRECTORATES):
            directorate_id = team(name, TeamKind.DIRECTORATE, org_id)
            directorates.append(directorate_id)
            for department in department_names:
                department_id = team(department, TeamKind.DEPARTMENT, directorate_id)
                departments.append((department_id, index))
                children = [n for (n, p) in existing if p == department_id]
                if not children and self.rng.random() < 0.15:
                    leaves.append((department_id, index, _mix(department, work)))
                    continue
                wanted = self.rng.randint(4, 8) - len(children)
                suffixes = [s for s in TEAM_SUFFIXES[work] if f"{department} {s}" not in children]
                children += [f"{department} {s}" for s in self.rng.sample(suffixes, max(0, min(wanted, len(suffixes))))]
                for child in children:
                    leaves.append((team(child, TeamKind.TEAM, department_id), index, _mix(child, work)))
        db.session.execute(insert(Team.__table__), rows)
        return leaves, departments, directorates

    def _people(self, leaves, departments, directorates) -> list[tuple]:
        """Generated staff in their teams; a manager for each department and directorate."""
        rng, today = self.rng, self.today
        password_hash = generate_password_hash(DEMO_PASSWORD)  # one hash for every generated person
        by_directorate: dict[int, list] = {}
        for leaf in leaves:
            by_directorate.setdefault(leaf[1], []).append(leaf)
        shares = [d[1] for d in DIRECTORATES]
        quotas = [int(self.staff * s / sum(shares)) for s in shares]
        quotas[0] += self.staff - sum(quotas)
        department_of = {}
        for team_id, parent_id in db.session.execute(select(Team.id, Team.parent_id)):
            department_of[team_id] = parent_id
        department_ids = {d for d, _ in departments}
        people = []  # (user id, role slug, start date, department id, active)
        managers: dict[int, int] = {}  # team id -> user id
        n = 0
        for index, quota in enumerate(quotas):
            units = by_directorate[index]
            for _ in range(quota):
                n += 1
                team_id, _, mix = units[rng.randrange(len(units))]
                role = _weighted(rng, mix)
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                if rng.random() < 0.05:   # new starters
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
                self.out.add(User, {
                    "id": user_id, "email": f"{first}.{last}.{n}@{GENERATED_DOMAIN}".lower(),
                    "name": f"{first} {last}", "password_hash": password_hash,
                    "job_role_id": self.roles[role], "app_role": app_role.value, "active": active,
                    "start_date": start, "created_at": datetime.combine(start, datetime.min.time()),
                })
                self.out.add(TeamMembership, {"id": self.ids.take(TeamMembership), "user_id": user_id,
                                              "team_id": team_id})
                if rng.random() < 0.03:  # bank staff who also work in a second team
                    other = units[rng.randrange(len(units))][0]
                    if other != team_id:
                        self.out.add(TeamMembership, {"id": self.ids.take(TeamMembership),
                                                      "user_id": user_id, "team_id": other})
                people.append((user_id, role, start, department_id, active))
        for team_id, user_id in managers.items():
            self.out.add(TeamManager, {"id": self.ids.take(TeamManager), "user_id": user_id,
                                       "team_id": team_id})
        demo_manager = db.session.scalar(select(User.id).where(User.email == "manager@carelearn.example"))
        if demo_manager is not None:
            self.out.add(TeamManager, {"id": self.ids.take(TeamManager), "user_id": demo_manager,
                                       "team_id": directorates[0]})
        self.managers = managers
        self.out.flush()
        return people

    def _paths_and_rules(self, modules: list[_Module]) -> dict[tuple[int, int], tuple[int, int]]:
        """(job role id, module id) -> (path id, due days) from the onboarding rules."""
        name, slugs, roles, due_days = PRACTICE_PATH
        if db.session.scalar(select(LearningPath.id).where(LearningPath.name == name)) is None:
            path_id = self.ids.take(LearningPath)
            module_ids = dict(db.session.execute(select(Module.slug, Module.id).where(Module.slug.in_(slugs))).all())
            db.session.execute(insert(LearningPath.__table__), [{"id": path_id, "name": name,
                                                                 "description": "Generated practice path."}])
            db.session.execute(insert(LearningPathStep.__table__), [
                {"id": self.ids.take(LearningPathStep), "path_id": path_id, "module_id": module_ids[s],
                 "position": p} for p, s in enumerate(slugs, start=1) if s in module_ids])
            db.session.execute(insert(OnboardingRule.__table__), [
                {"id": self.ids.take(OnboardingRule), "job_role_id": self.roles[r], "team_id": None,
                 "path_id": path_id, "due_days": due_days} for r in roles])
        rules: dict[tuple[int, int], tuple[int, int]] = {}
        for role_id, path_id, days, module_id in db.session.execute(
            select(OnboardingRule.job_role_id, OnboardingRule.path_id, OnboardingRule.due_days,
                   LearningPathStep.module_id)
            .join(LearningPathStep, LearningPathStep.path_id == OnboardingRule.path_id)
            .where(OnboardingRule.team_id.is_(None))
            .order_by(OnboardingRule.id, LearningPathStep.position)
        ):
            rules.setdefault((role_id, module_id), (path_id, days))
        return rules

    # -- history -------------------------------------------------------------------------------

    def _history(self, people, modules: list[_Module], rules) -> None:
        """Every module is mandatory: each person is asked to take it, and most have."""
        for user_id, role, start, department_id, _active in people:
            diligence = self.rng.random()
            assigner = self.managers.get(department_id, self.admin_id)
            for module in modules:
                self._person_module(user_id, role, start, diligence, assigner, module,
                                    rules.get((self.roles[role], module.module_id)))

    def _person_module(self, user_id, role, start, diligence, assigner, module: _Module, rule) -> None:
        rng, today = self.rng, self.today
        assigned_on = max(start, module.rollout)
        if rule:
            path_id, due_days, source, assigned_by = rule[0], rule[1], "rule", None
        else:
            path_id, due_days, source, assigned_by = None, 90, "manager", assigner
        due_on = assigned_on + timedelta(days=due_days)
        # (due on, source, path, assigned by, created on); the first one asks them to take it.
        assignments = [(due_on, source, path_id, assigned_by, assigned_on)]
        open_due = None  # the due date of the assignment left open, if any

        # When they first passed: mostly before the due date, some late, a few never.
        completions: list[date] = []
        if rng.random() < 0.86 + 0.12 * diligence:
            if rng.random() < 0.8:
                first = assigned_on + timedelta(days=rng.randint(1, due_days))
            else:
                first = due_on + timedelta(days=rng.randint(1, 150))
            if first <= today:
                completions.append(first)
        if not completions:
            open_due = due_on
        # Then recertification: most renew around the expiry date; some lapse (expired).
        while completions and module.recertify:
            expires = add_months(completions[-1], module.recertify)
            if expires > today:
                break
            renewed = expires + timedelta(days=rng.randint(-30, 45))
            if rng.random() > 0.8 + 0.18 * diligence or renewed > today:
                assignments.append((expires, "recertification", None, None, expires))
                open_due = expires
                break
            if renewed > expires:  # after the expiry date, so a recertification was assigned
                assignments.append((expires, "recertification", None, None, expires))
            completions.append(renewed)

        lessons = module.lessons
        if completions:
            read = len(lessons)
            reading_from = completions[0] - timedelta(days=rng.randint(0, 6))
        elif rng.random() < 0.55:
            read = rng.randint(1, len(lessons))
            reading_from = assigned_on + timedelta(days=rng.randint(0, (today - assigned_on).days))
        else:
            read, reading_from = 0, None
        failed_only = not completions and read == len(lessons) and rng.random() < 0.3
        for position, (lesson_id, minutes) in enumerate(lessons[:read]):
            day = min(reading_from + timedelta(days=position // 2), today)
            viewed = _at(day, 8 + position, rng.randint(0, 59))
            finished = bool(completions) or failed_only or position < read - 1 or rng.random() < 0.5
            self.out.add(LessonProgress, {
                "id": self.ids.take(LessonProgress), "user_id": user_id, "lesson_id": lesson_id,
                "module_id": module.module_id, "viewed_at": viewed,
                "completed_at": viewed + timedelta(minutes=minutes) if finished else None,
            })

        # Quiz attempts: a pass on each completion day, sometimes after a failed try or two.
        days = [(day, True) for day in completions]
        if failed_only:
            days.append((min(reading_from + timedelta(days=len(lessons) // 2 + 1), today), False))
        for day, passes in days:
            fails = _weighted(rng, {0: 80, 1: 16, 2: 4}) if passes else 1
            for n in range(fails):
                self._attempt(user_id, role, module, day, n, passed=False)
            if passes:
                attempt_id, score = self._attempt(user_id, role, module, day, fails, passed=True)
                self.out.add(Completion, {
                    "id": self.ids.take(Completion), "user_id": user_id, "module_id": module.module_id,
                    "module_version_id": module.version_id, "attempt_id": attempt_id,
                    "completed_on": day, "score_percent": score,
                    "expires_on": add_months(day, module.recertify) if module.recertify else None,
                })

        seen = set()
        for due, kind, path, by, created in assignments:
            if due in seen:  # one assignment per person, module and due date
                continue
            seen.add(due)
            done = None if due == open_due else next((c for c in completions if c >= created), None)
            self.out.add(Assignment, {
                "id": self.ids.take(Assignment), "user_id": user_id, "module_id": module.module_id,
                "due_on": due, "source": kind, "assigned_by_id": by, "path_id": path,
                "created_at": _at(created, 7, 0),
                "completed_at": _at(done, 15, 0) if done else None,
            })

    def _attempt(self, user_id, role, module: _Module, day: date, n: int,
                 passed: bool) -> tuple[int, int]:
        rng = self.rng
        attempt_id = self.ids.take(QuizAttempt)
        submitted = _at(day, 10 + n, rng.randint(0, 50))
        bank = module.questions[role] or module.questions["nurse"]
        drawn = rng.sample(bank, min(module.per_attempt, len(bank)))
        needed = -(-module.pass_mark * len(drawn) // 100)  # fewest right answers that pass
        right = rng.randint(needed, len(drawn)) if passed else rng.randint(max(0, needed - 3), needed - 1)
        # The easier questions are the ones more often right.
        order = sorted(drawn, key=lambda q: rng.random() ** (1 / q[3]), reverse=True)
        correct_ids = {q[0] for q in order[:right]}
        score = right * 100 // len(drawn) if drawn else 0
        self.out.add(QuizAttempt, {
            "id": attempt_id, "user_id": user_id, "module_version_id": module.version_id,
            "started_at": submitted - timedelta(minutes=rng.randint(4, 15)), "submitted_at": submitted,
            "score_percent": score, "passed": passed,
        })
        if (self.today - day).days <= ATTEMPT_DETAIL_DAYS:
            for position, (question_id, kind, options, _ease) in enumerate(drawn, start=1):
                order_ids = [o[0] for o in options]
                if kind != "true_false":
                    rng.shuffle(order_ids)
                is_right = question_id in correct_ids
                chosen = [o for o, ok in options if ok] if is_right else [o for o, ok in options if not ok][:1]
                self.out.add(AttemptQuestion, {
                    "id": self.ids.take(AttemptQuestion), "attempt_id": attempt_id,
                    "question_id": question_id, "position": position, "option_order": order_ids,
                    "selected_option_ids": chosen, "response_text": None, "shared_with_manager": False,
                    "is_correct": is_right,
                })
        return attempt_id, score


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def _mix(team_name: str, work: str) -> dict[str, int]:
    if work in ("facilities", "corporate"):
        return ROLE_MIX[work]
    for words, mix in ((("Reception", "Admin", "Bookings", "Booking"), "front-desk"),
                       (("Medical",), "medical"), (("Clinic", "Day", "Late"), "clinic")):
        if any(w in team_name for w in words):
            return ROLE_MIX[mix]
    return ROLE_MIX["ward"]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def reset_sequences() -> None:
    """PostgreSQL hands out ids from sequences, which explicit ids do not move on."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("team", "user", "team_membership", "team_manager", "module", "module_version",
                  "lesson", "question", "option", "learning_path", "learning_path_step",
                  "onboarding_rule", "lesson_progress", "quiz_attempt", "attempt_question",
                  "completion", "assignment", "training_record"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{table}\"), false)"
        ))
