"""Assignments, onboarding rules, recertification, and the training records they keep."""

from datetime import date, datetime

from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.models import (
    Assignment,
    LearningPath,
    LearningPathStep,
    OnboardingRule,
    Team,
    TeamMembership,
    TrainingRecord,
)
from carelearn.services.onboarding.assignments import (
    assign_modules,
    create_recertification_assignments,
)
from carelearn.services.onboarding.rules import apply_onboarding_rules
from carelearn.services.people.accounts import ensure_job_roles
from carelearn.services.training.records import sync_records
from carelearn.services.training.status import Status
from tests.conftest import csrf_token
from tests.factories import answers


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def make_path(db, name, versions):
    path = LearningPath(name=name)
    path.steps = [
        LearningPathStep(module_id=v.module_id, position=i) for i, v in enumerate(versions, 1)
    ]
    db.session.add(path)
    db.session.commit()
    return path


def test_assigning_twice_changes_nothing_and_keeps_a_record(db, make):
    version = make.module()
    people = make.users(3)
    first = assign_modules(
        [p.id for p in people], [version.module_id], date(2026, 7, 1), actor_id=None
    )
    second = assign_modules([p.id for p in people], [version.module_id], date(2026, 8, 1))
    assert (first.created, first.already_assigned) == (3, 0)
    assert (second.created, second.already_assigned) == (0, 3)
    record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.user_id == people[0].id))
    assert record.due_on == date(2026, 7, 1)


def test_onboarding_rule_assigns_a_path_due_from_the_start_date(db, make):
    clock.freeze(datetime(2025, 1, 2, 9, 0))
    roles = ensure_job_roles()
    first, second = make.module(), make.module()
    path = make_path(db, "Front desk onboarding", [first, second])
    db.session.add(
        OnboardingRule(job_role_id=roles["receptionist"].id, path_id=path.id, due_days=28)
    )
    db.session.commit()
    receptionist = make.user(role="receptionist")  # starts 6 Jan 2025
    porter = make.user(role="porter")

    assert apply_onboarding_rules() == 2
    due = db.session.scalars(
        select(Assignment.due_on).where(Assignment.user_id == receptionist.id)
    ).all()
    assert due == [date(2025, 2, 3), date(2025, 2, 3)]
    assert (
        count(db, Assignment) == 2
        and porter.id not in db.session.scalars(select(Assignment.user_id)).all()
    )
    assert apply_onboarding_rules() == 0  # applying twice changes nothing
    assert count(db, Assignment) == 2


def test_staff_who_started_long_ago_get_the_full_time_from_today(db, make):
    clock.freeze(datetime(2026, 5, 1, 9, 0))
    roles = ensure_job_roles()
    path = make_path(db, "Front desk", [make.module()])
    db.session.add(
        OnboardingRule(job_role_id=roles["receptionist"].id, path_id=path.id, due_days=28)
    )
    db.session.commit()
    make.user(role="receptionist")  # started 6 Jan 2025
    apply_onboarding_rules()
    assert db.session.scalar(select(Assignment.due_on)) == date(2026, 5, 29)


def test_onboarding_rule_limited_to_a_team_includes_its_sub_teams(db, make):
    roles = ensure_job_roles()
    version = make.module()
    path = make_path(db, "Clinical onboarding", [version])
    ward = Team(name="Ward 7", kind="department")
    bay = Team(name="Bay A", kind="team", parent=ward)
    elsewhere = Team(name="Clinic", kind="department")
    db.session.add_all([ward, bay, elsewhere])
    db.session.flush()
    db.session.add(
        OnboardingRule(job_role_id=roles["nurse"].id, team_id=ward.id, path_id=path.id, due_days=0)
    )
    inside, outside = make.user(role="nurse"), make.user(role="nurse")
    db.session.add_all(
        [
            TeamMembership(user_id=inside.id, team_id=bay.id),
            TeamMembership(user_id=outside.id, team_id=elsewhere.id),
        ]
    )
    db.session.commit()
    apply_onboarding_rules()
    assert db.session.scalars(select(Assignment.user_id)).all() == [inside.id]


def test_apply_rules_command(app, db, make):
    roles = ensure_job_roles()
    path = make_path(db, "Porters", [make.module()])
    db.session.add(OnboardingRule(job_role_id=roles["porter"].id, path_id=path.id, due_days=14))
    db.session.commit()
    make.user(role="porter")
    result = app.test_cli_runner().invoke(args=["apply-rules"])
    assert result.exit_code == 0 and "1 assignment" in result.output
    assert "0 assignments" in app.test_cli_runner().invoke(args=["apply-rules"]).output


def test_completion_closes_assignments_and_updates_the_record(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 1, 10, 0))
    version = make.module(recertify_after_months=12)
    person = make.user()
    assign_modules([person.id], [version.module_id], date(2026, 3, 31))
    db.session.commit()
    make.finish_lessons(person, version)
    client = logged_in(person)
    token = csrf_token(client, "/learn")
    attempt_id = int(
        client.post(f"/learn/{version.slug}/quiz", data={"csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    from carelearn.models import QuizAttempt

    form = answers(db.session.get(QuizAttempt, attempt_id))
    form["csrf_token"] = token
    client.post(f"/learn/attempts/{attempt_id}", data=form)
    db.session.expire_all()
    record = db.session.scalar(select(TrainingRecord).where(TrainingRecord.user_id == person.id))
    # The due date stays once the assignment is done: the module stays required.
    assert (record.completed_on, record.expires_on, record.score_percent, record.due_on) == (
        date(2026, 3, 1),
        date(2027, 3, 1),
        100,
        date(2026, 3, 31),
    )
    assert db.session.scalar(select(Assignment.completed_at)) is not None


def test_expired_completion_gets_a_recertification_assignment_once(app, db, make):

    version = make.module(recertify_after_months=12)
    person = make.user()
    make.completion(person, version, date(2025, 5, 1), expires=date(2026, 5, 1))
    # It was required: assigned, and the assignment done by that completion.
    db.session.add(
        Assignment(
            user_id=person.id,
            module_id=version.module_id,
            due_on=date(2025, 5, 31),
            source="manager",
            completed_at=datetime(2025, 5, 1),
        )
    )
    db.session.flush()
    sync_records([(person.id, version.module_id)])
    db.session.commit()
    assert create_recertification_assignments(date(2026, 4, 30)) == 0  # not expired yet
    assert create_recertification_assignments(date(2026, 5, 1)) == 1
    assert create_recertification_assignments(date(2026, 5, 2)) == 0
    assignment = db.session.scalar(select(Assignment).where(Assignment.source != "manager"))
    assert (assignment.source, assignment.due_on) == ("recertification", date(2026, 5, 1))


def test_learner_sees_due_dates_and_overdue(db, make, logged_in):
    clock.freeze(datetime(2026, 4, 2, 9, 0))
    version = make.module(title="Managing expectations")
    person = make.user()
    assign_modules([person.id], [version.module_id], date(2026, 4, 1))
    db.session.commit()
    html = logged_in(person).get("/learn").get_data(as_text=True)
    assert "Overdue" in html and "Required · due 1 Apr 2026" in html
    assert Status.OVERDUE.value == "overdue"


def test_assigned_module_outside_the_job_role_still_shows(db, make, logged_in):
    version = make.module(title="Clinical handover", audience=["nurse"])
    porter = make.user(role="porter")
    client = logged_in(porter)
    assert "Clinical handover" not in client.get("/learn").get_data(as_text=True)
    assign_modules([porter.id], [version.module_id], date(2030, 1, 1))
    db.session.commit()
    assert "Clinical handover" in client.get("/learn").get_data(as_text=True)
