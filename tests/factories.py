"""Test data built straight into the database. Each function returns what it made."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from werkzeug.datastructures import MultiDict
from werkzeug.security import generate_password_hash

from carelearn.content.roles import JOB_ROLES
from carelearn.extensions import db
from carelearn.models import (
    AppRole,
    Completion,
    Lesson,
    LessonProgress,
    Module,
    ModuleVersion,
    Option,
    Question,
    QuizAttempt,
    User,
)
from carelearn.services.people.accounts import ensure_job_roles

PASSWORD = "correct horse battery"
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: hashing is slow on purpose
_sequence = itertools.count(1)


def user(
    *,
    email: str | None = None,
    name: str | None = None,
    role: str = "receptionist",
    app_role: AppRole = AppRole.LEARNER,
    active: bool = True,
    commit: bool = True,
) -> User:
    n = next(_sequence)
    roles = ensure_job_roles()
    person = User(
        email=email or f"person{n}@example.org",
        name=name or f"Person {n}",
        job_role=roles[role],
        app_role=app_role,
        active=active,
        start_date=date(2025, 1, 6),
    )
    person.password_hash = _PASSWORD_HASH
    db.session.add(person)
    if commit:
        db.session.commit()
    return person


def users(count: int, role: str = "receptionist") -> list[User]:
    people = [user(role=role, commit=False) for _ in range(count)]
    db.session.commit()
    return people


def module(
    *,
    slug: str | None = None,
    title: str | None = None,
    lessons: int = 2,
    questions: int = 4,
    questions_per_attempt: int = 3,
    pass_mark: int = 80,
    audience: list[str] | None = None,
    recertify_after_months: int | None = 12,
    role_variants: dict[str, int] | None = None,
    reflection: bool = True,
    kinds: tuple[str, ...] = ("scenario", "single", "multiple", "true_false"),
    conversations: int = 0,
) -> ModuleVersion:
    """A published module with `questions` scored questions for everyone, plus role variants
    and `conversations` copies of CONVERSATION_STEPS."""
    n = next(_sequence)
    slug = slug or f"module-{n}"
    mod = Module(slug=slug)
    version = ModuleVersion(
        module=mod,
        number=1,
        label="1.0",
        content_hash=f"hash-{n}",
        title=title or f"Module {n}",
        summary="A module made for a test.",
        audience=audience or list(JOB_ROLES),
        estimated_minutes=5 * lessons,
        pass_mark=pass_mark,
        questions_per_attempt=questions_per_attempt,
        recertify_after_months=recertify_after_months,
    )
    db.session.add(version)
    for position in range(1, lessons + 1):
        db.session.add(
            Lesson(
                module_version=version,
                position=position,
                title=f"Lesson {position}",
                minutes=5,
                body_html=f"<p>Body of lesson {position} of {slug}.</p>",
            )
        )
    specs = [(f"q{i}", kinds[i % len(kinds)], []) for i in range(questions)]
    for role, count in (role_variants or {}).items():
        specs += [(f"{role}-q{i}", "single", [role]) for i in range(count)]
    if reflection:
        specs.append(("reflect", "reflection", []))
    specs += [(f"talk{i}", "conversation", []) for i in range(conversations)]
    for key, kind, roles in specs:
        db.session.add(question(version, key, kind, roles))
    db.session.flush()
    mod.current_version = version
    db.session.commit()
    return version


# A short conversation: the first choice leads on, the second ends poor; at the second step the
# first choice ends best and the second, the longer, acceptable.
CONVERSATION_STEPS = [
    {
        "id": "start",
        "says": '"I have waited four hours for news of my dad."',
        "choices": [
            {
                "text": '"I\'m sorry. Let me find out for you now."',
                "reaction": "She nods and sits down.",
                "feedback": "Saying sorry and acting turns anger into a shared task.",
                "next": "update",
            },
            {
                "text": '"Please take a seat. Someone will come."',
                "reaction": "She turns away and starts typing a complaint.",
                "feedback": "Someone, some time: a promise with no name or time.",
                "outcome": "poor",
            },
        ],
    },
    {
        "id": "update",
        "says": '"So what is happening with him?"',
        "choices": [
            {
                "text": '"He\'s in bay 3. His nurse will see you in ten minutes."',
                "reaction": "She thanks you and waits by the bay.",
                "feedback": "A place, a name and a time she can hold you to.",
                "outcome": "best",
            },
            {
                "text": "\"He's being well looked after in there. It won't be long now.\"",
                "reaction": "She sighs but sits down again.",
                "feedback": 'Kind, but "not long" gives her nothing to plan with.',
                "outcome": "acceptable",
            },
        ],
    },
]


def question(version: ModuleVersion, key: str, kind: str, roles: list[str]) -> Question:
    if kind == "conversation":
        return Question(
            module_version=version,
            key=key,
            kind=kind,
            prompt="Talk with the daughter.",
            scenario="An evening in the emergency department.",
            explanation="Acknowledge, find out, and come back when you said.",
            roles=roles,
            steps=CONVERSATION_STEPS,
        )
    if kind == "reflection":
        options = []
    elif kind == "true_false":
        options = [("True", True), ("False", False)]
    elif kind == "multiple":
        options = [(f"{key} choice A", True), (f"{key} choice B", True), (f"{key} choice C", False)]
    else:
        options = [
            (f"{key} choice A", True),
            (f"{key} choice B", False),
            (f"{key} choice C", False),
        ]
    return Question(
        module_version=version,
        key=key,
        kind=kind,
        prompt=f"Prompt {key}?",
        scenario="A situation." if kind == "scenario" else None,
        explanation=f"Explanation of {key}.",
        roles=roles,
        options=[
            Option(position=i, text=t, is_correct=c, feedback=f"Feedback {key} {i}.")
            for i, (t, c) in enumerate(options, start=1)
        ],
    )


def finish_lessons(person: User, version: ModuleVersion) -> None:
    for lesson in version.lessons:
        db.session.add(
            LessonProgress(
                user_id=person.id,
                lesson_id=lesson.id,
                module_id=version.module_id,
                completed_at=db.func.now(),
            )
        )
    db.session.commit()


def answers(attempt: QuizAttempt, right: bool = True) -> MultiDict:
    """Form data answering every question of the attempt rightly (or wrongly)."""
    form = MultiDict()
    for item in attempt.items:
        q = item.question
        if q.kind == "conversation":  # answered step by step: see take_conversation
            continue
        if q.kind == "reflection":
            form.add(f"q-{item.id}", "I will say my name first.")
            continue
        picks = [o for o in q.options if o.is_correct == right]
        if q.kind != "multiple":
            picks = picks[:1]
        for option in picks:
            form.add(f"q-{item.id}", str(option.id))
    return form


def team(name: str | None = None, kind: str = "team", parent=None):
    from carelearn.models import Team

    made = Team(name=name or f"Team {next(_sequence)}", kind=kind, parent=parent)
    db.session.add(made)
    db.session.commit()
    return made


def join(person: User, *teams) -> None:
    from carelearn.models import TeamMembership

    db.session.add_all(TeamMembership(user_id=person.id, team_id=t.id) for t in teams)
    db.session.commit()


def manager_of(*teams, **user_fields) -> User:
    from carelearn.models import TeamManager

    person = user(app_role=AppRole.MANAGER, role=user_fields.pop("role", "nurse"), **user_fields)
    db.session.add_all(TeamManager(user_id=person.id, team_id=t.id) for t in teams)
    db.session.commit()
    return person


def completion(
    person: User, version: ModuleVersion, on: date, expires: date | None = None
) -> Completion:
    """A passed attempt on day `on` and its completion, flushed but not committed (the caller may
    add the assignment it completes, then sync the person's record)."""
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        submitted_at=datetime.combine(on, datetime.min.time()),
        score_percent=100,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    made = Completion(
        user_id=person.id,
        module_id=version.module_id,
        module_version_id=version.id,
        attempt_id=attempt.id,
        completed_on=on,
        score_percent=100,
        expires_on=expires,
    )
    db.session.add(made)
    db.session.flush()
    return made


def record(person: User, version: ModuleVersion, **fields):
    """A TrainingRecord as the services would keep it (started, due, completed, expires...)."""
    from carelearn.models import TrainingRecord

    made = TrainingRecord(user_id=person.id, module_id=version.module_id, **fields)
    db.session.add(made)
    db.session.commit()
    return made


def staff_in(team_, count: int, role: str = "receptionist") -> list[User]:
    """Many people in one team, inserted in bulk."""
    from carelearn.models import TeamMembership

    people = users(count, role=role)
    db.session.add_all(TeamMembership(user_id=p.id, team_id=team_.id) for p in people)
    db.session.commit()
    return people


def bulk_staff(team_, count: int, role: str = "receptionist") -> list[int]:
    """Many people in one team with two INSERTs and no ORM objects: for the 2,000-staff guards.
    Returns their ids."""
    from sqlalchemy import insert, select

    from carelearn.models import TeamMembership

    batch = next(_sequence)
    role_id = ensure_job_roles()[role].id
    db.session.execute(
        insert(User.__table__),
        [
            {
                "email": f"bulk{batch}-{i:05d}@example.org",
                "name": f"Bulk {batch} {i:05d}",
                "password_hash": _PASSWORD_HASH,
                "job_role_id": role_id,
                "app_role": AppRole.LEARNER.value,
                "active": True,
                "start_date": date(2025, 1, 6),
            }
            for i in range(count)
        ],
    )
    ids = db.session.scalars(
        select(User.id).where(User.email.like(f"bulk{batch}-%")).order_by(User.id)
    ).all()
    if team_ is not None:
        db.session.execute(
            insert(TeamMembership.__table__), [{"user_id": i, "team_id": team_.id} for i in ids]
        )
    db.session.commit()
    return list(ids)


def bulk_records(user_ids: list[int], versions, **fields) -> None:
    """A TrainingRecord for each person and module, inserted in one statement."""
    from sqlalchemy import insert

    from carelearn.models import TrainingRecord

    db.session.execute(
        insert(TrainingRecord.__table__),
        [{"user_id": u, "module_id": v.module_id, **fields} for u in user_ids for v in versions],
    )
    db.session.commit()
