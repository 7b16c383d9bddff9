"""A manager assigning a module or a learning path by hand: whom they may choose (people in
the teams they manage, found by search, a page at a time), what a choice comes to before it is
made (the preview), and making it, with an email to each person who gets something new."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, func, literal, or_, select

from ...core.clock import today
from ...core.database import chunked
from ...core.dates import format_day
from ...core.email import absolute_url
from ...core.numbers import parse_id
from ...core.outbox import send_email
from ...extensions import db
from ...models import JobRole, LearningPath, LearningPathStep, Team, User
from ..reporting.permissions import managed_team_ids_query, visible_user_ids_query
from ..training import published
from .assignments import AssignOutcome, assign_modules

PEOPLE_PER_PAGE = 25
NAMES_SHOWN = 20  # the preview names this many people, then says how many more
TARGETS = ("people", "team", "job_role")


class AssignProblem(ValueError):
    """What to fix, on the field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class AssignProblems(ValueError):
    """Everything to fix in a choice, so that all of it can be shown at once."""

    def __init__(self, problems: list[AssignProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class AssignChoice:
    """What the manager chose: `what` is "module:ID" or "path:ID"; the target is one of
    TARGETS, with its people, team or job role."""

    what: str
    target: str
    due_on: date | None
    people: list[int] = field(default_factory=list)
    team_id: int | None = None
    job_role_id: int | None = None


@dataclass
class AssignPlan:
    """A checked choice: everything the confirmation page shows, and what assigning needs."""

    choice: AssignChoice
    due_on: date
    title: str  # the module's title, or the path's name
    is_path: bool
    module_ids: list[int]
    module_titles: list[str]
    path_id: int | None
    people_query: Select  # ids of the people it goes to
    count: int
    names: list[str]  # the first NAMES_SHOWN, by name

    @property
    def more(self) -> int:
        return self.count - len(self.names)


@dataclass
class PersonPage:
    people: list[User]
    total: int
    page: int
    pages: int


def assignable_people(viewer: User) -> Select:
    """Ids of the people the viewer may assign training to: active, in the teams they manage
    (and the teams below), or anyone for an admin."""
    return select(User.id).where(User.id.in_(visible_user_ids_query(viewer)), User.active.is_(True))


def search_people(viewer: User, q: str = "", page: int = 1) -> PersonPage:
    """One page of the people the viewer may assign to, by name, matching `q` in their name or
    email. Two queries, however many people there are."""
    query = select(User).where(User.id.in_(assignable_people(viewer)))
    needle = q.strip().lower()
    if needle:
        query = query.where(
            or_(
                func.lower(User.name).contains(needle, autoescape=True),
                User.email.contains(needle, autoescape=True),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PEOPLE_PER_PAGE))
    page = min(max(page, 1), pages)
    people = db.session.scalars(
        query.order_by(func.lower(User.name), User.id)
        .limit(PEOPLE_PER_PAGE)
        .offset((page - 1) * PEOPLE_PER_PAGE)
    ).all()
    return PersonPage(list(people), total, page, pages)


def chosen_people(viewer: User, user_ids: list[int]) -> list[User]:
    """The ticked people the viewer may assign to, by name; any other id is dropped."""
    ids = sorted(set(user_ids))
    found: list[User] = []
    for chunk in chunked(ids):
        found += db.session.scalars(
            select(User).where(User.id.in_(chunk), User.id.in_(assignable_people(viewer)))
        ).all()
    return sorted(found, key=lambda p: (p.name.lower(), p.id))


def what_choices() -> list[tuple[str, str]]:
    """The modules (published) and learning paths a manager can assign, as form choices."""
    modules = [(f"module:{v.module_id}", v.title) for v in published.current_versions()]
    paths = [
        (f"path:{path_id}", f"Learning path: {name}")
        for path_id, name in db.session.execute(
            select(LearningPath.id, LearningPath.name).order_by(LearningPath.name)
        )
    ]
    return modules + paths


def team_choices(viewer: User) -> list[tuple[int, str]]:
    return [
        (team_id, name)
        for team_id, name in db.session.execute(
            select(Team.id, Team.name)
            .where(Team.id.in_(managed_team_ids_query(viewer)))
            .order_by(Team.name)
        )
    ]


def job_role_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(select(JobRole.id, JobRole.name).order_by(JobRole.name))
    return [(role_id, name) for role_id, name in rows]


def plan_assignment(viewer: User, choice: AssignChoice) -> AssignPlan:
    """Check a choice and work out what it comes to; raises AssignProblems with everything
    to fix."""
    problems: list[AssignProblem] = []
    if choice.due_on is None:
        problems.append(AssignProblem("due_on", "Enter a due date."))
    elif choice.due_on < today():
        problems.append(AssignProblem("due_on", "The due date cannot be in the past."))
    try:
        title, is_path, module_ids, path_id = _what(choice.what)
    except AssignProblem as problem:
        problems.append(problem)
    count = 0
    try:
        people = _target_people(viewer, choice)
        count = db.session.scalar(select(func.count()).select_from(people.subquery())) or 0
        if not count:
            problems.append(_nobody(choice.target))
    except AssignProblem as problem:
        problems.append(problem)
    if problems:
        raise AssignProblems(problems)
    titles = {v.module_id: v.title for v in published.current_versions()}
    names = db.session.scalars(
        select(User.name)
        .where(User.id.in_(people))
        .order_by(func.lower(User.name), User.id)
        .limit(NAMES_SHOWN)
    ).all()
    assert choice.due_on is not None  # a problem above otherwise
    return AssignPlan(
        choice=choice,
        due_on=choice.due_on,
        title=title,
        is_path=is_path,
        module_ids=module_ids,
        module_titles=[titles.get(m, "A module") for m in module_ids],
        path_id=path_id,
        people_query=people,
        count=count,
        names=list(names),
    )


def _nobody(target: str) -> AssignProblem:
    if target == "people":
        return AssignProblem("people", "Tick at least one person from your teams.")
    if target == "team":
        return AssignProblem("team", "Nobody is in that team yet: choose another team.")
    return AssignProblem("job_role", "Nobody in your teams has that job role: choose another.")


def _what(what: str) -> tuple[str, bool, list[int], int | None]:
    kind, _, raw_id = what.partition(":")
    problem = AssignProblem("what", "Choose a module or a learning path.")
    chosen_id = parse_id(raw_id)
    if chosen_id is None:
        raise problem
    if kind == "module":
        version = next((v for v in published.current_versions() if v.module_id == chosen_id), None)
        if version is None:
            raise problem
        return version.title, False, [version.module_id], None
    if kind == "path":
        path = db.session.get(LearningPath, chosen_id)
        if path is None:
            raise problem
        module_ids = list(
            db.session.scalars(
                select(LearningPathStep.module_id)
                .where(LearningPathStep.path_id == path.id)
                .order_by(LearningPathStep.position)
            )
        )
        if not module_ids:
            raise AssignProblem("what", "That learning path has no modules yet: choose another.")
        return path.name, True, module_ids, path.id
    raise problem


def _target_people(viewer: User, choice: AssignChoice) -> Select:
    if choice.target == "people":
        return assignable_people(viewer).where(User.id.in_(sorted(set(choice.people)) or [-1]))
    if choice.target == "team":
        allowed = choice.team_id is not None and db.session.scalar(
            select(Team.id).where(
                Team.id == choice.team_id, Team.id.in_(managed_team_ids_query(viewer))
            )
        )
        if not allowed:
            raise AssignProblem("team", "Choose one of your teams.")
        in_team = visible_user_ids_query(viewer, select(literal(choice.team_id)))
        return select(User.id).where(User.id.in_(in_team), User.active.is_(True))
    if choice.target == "job_role":
        if choice.job_role_id is None or db.session.get(JobRole, choice.job_role_id) is None:
            raise AssignProblem("job_role", "Choose a job role.")
        return assignable_people(viewer).where(User.job_role_id == choice.job_role_id)
    raise AssignProblem("target", "Choose whom to assign it to.")


def carry_out(viewer: User, plan: AssignPlan) -> AssignOutcome:
    """Assign the plan and queue an email to each person who gets something new, in the
    caller's transaction (the caller commits)."""
    user_ids = list(db.session.scalars(plan.people_query))
    outcome = assign_modules(
        user_ids,
        plan.module_ids,
        plan.due_on,
        actor_id=viewer.id,
        path_id=plan.path_id,
        target=_audit_target(plan.choice, user_ids),
    )
    for chunk in chunked(sorted(outcome.people)):
        for person in db.session.scalars(select(User).where(User.id.in_(chunk))):
            _email(person, viewer, plan)
    return outcome


def _audit_target(choice: AssignChoice, user_ids: list[int]) -> dict[str, int | list[int]]:
    """Whom the audit trail says it went to: the team, the job role, or the one person."""
    if choice.target == "team" and choice.team_id is not None:
        return {"team_id": choice.team_id}
    if choice.target == "job_role" and choice.job_role_id is not None:
        return {"job_role_id": choice.job_role_id}
    return {"user_ids": user_ids} if len(user_ids) == 1 else {}


def _email(person: User, manager: User, plan: AssignPlan) -> None:
    due = format_day(plan.due_on)
    kind = "learning path" if plan.is_path else "module"
    body = (
        f"Hello {person.first_name},\n\n"
        "Your organisation uses CareLearn for staff training. You are getting this email "
        f"because {manager.name} has asked you to complete the {kind} {plan.title} by {due}."
    )
    if plan.is_path:
        body += f" It has {len(plan.module_titles)} module(s):\n\n" + "\n".join(
            f"- {title}" for title in plan.module_titles
        )
    body += (
        f"\n\nOpen CareLearn to start: {absolute_url('learn.my_training')}\n\n"
        "This email was sent automatically by CareLearn for your organisation: replies are not "
        f"read. If you have a question about this training, ask {manager.name}.\n"
    )
    send_email(person.email, f"New training for you: {plan.title}, due {due}", body)
