"""Admins manage learning paths and onboarding rules; rules apply as soon as they are added."""

from datetime import date, datetime

from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.models import AppRole, Assignment, LearningPath, OnboardingRule
from tests.conftest import csrf_token


def admin_client(make, logged_in):
    return logged_in(make.user(app_role=AppRole.ADMIN, role="admin-staff"))


def test_create_a_path_with_modules_in_order(db, make, logged_in):
    first, second = make.module(title="Service vision"), make.module(title="Active listening")
    client = admin_client(make, logged_in)
    token = csrf_token(client, "/admin/paths/new")
    response = client.post(
        "/admin/paths/new",
        data={
            "csrf_token": token,
            "name": "Front desk onboarding",
            "description": "For new receptionists",
            "steps-0": second.module_id,
            "steps-1": first.module_id,
            "steps-2": "",
        },
    )
    assert response.status_code == 302
    path = db.session.scalar(select(LearningPath))
    assert [s.module_id for s in path.steps] == [second.module_id, first.module_id]
    html = client.get("/admin/paths").get_data(as_text=True)
    # The path's own row (the admin menu above it names a "Service vision" page too).
    row = html[html.index("card__title") :]
    assert row.index("Active listening") < row.index("Service vision")


def test_path_form_errors_keep_what_was_typed(db, make, logged_in):
    version = make.module()
    client = admin_client(make, logged_in)
    token = csrf_token(client, "/admin/paths/new")
    response = client.post(
        "/admin/paths/new", data={"csrf_token": token, "name": "Porters", "steps-0": ""}
    )
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 422
        and "Choose at least one module." in html
        and 'value="Porters"' in html
    )
    response = client.post(
        "/admin/paths/new",
        data={
            "csrf_token": token,
            "name": "Porters",
            "steps-0": version.module_id,
            "steps-1": version.module_id,
        },
    )
    assert "Each module can be in a path only once." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LearningPath.id))) == 0


def test_adding_a_rule_assigns_the_path_now_and_removing_keeps_assignments(db, make, logged_in):
    clock.freeze(datetime(2026, 3, 2, 9, 0))
    version = make.module()
    nurse = make.user(role="nurse")
    path = LearningPath(name="Clinical")
    db.session.add(path)
    db.session.flush()
    from carelearn.models import LearningPathStep

    db.session.add(LearningPathStep(path_id=path.id, module_id=version.module_id, position=1))
    db.session.commit()
    client = admin_client(make, logged_in)
    token = csrf_token(client, "/admin/rules/new")
    response = client.post(
        "/admin/rules/new",
        data={
            "csrf_token": token,
            "job_role": nurse.job_role_id,
            "team": "",
            "path": path.id,
            "due_days": 14,
        },
    )
    assert response.status_code == 302
    assert "1 assignment(s) made" in client.get("/admin/paths").get_data(as_text=True)
    assert db.session.scalar(select(Assignment.due_on)) == date(2026, 3, 16)
    duplicate = client.post(
        "/admin/rules/new",
        data={
            "csrf_token": token,
            "job_role": nurse.job_role_id,
            "team": "",
            "path": path.id,
            "due_days": 7,
        },
    )
    assert duplicate.status_code == 422 and "That rule already exists." in duplicate.get_data(
        as_text=True
    )
    rule = db.session.scalar(select(OnboardingRule))
    client.post(f"/admin/rules/{rule.id}/delete", data={"csrf_token": token})
    assert db.session.scalar(select(func.count(OnboardingRule.id))) == 0
    assert db.session.scalar(select(func.count(Assignment.id))) == 1


def test_rule_form_validates_days(make, logged_in):
    client = admin_client(make, logged_in)
    token = csrf_token(client, "/admin/rules/new")
    response = client.post(
        "/admin/rules/new", data={"csrf_token": token, "job_role": "", "path": "", "due_days": "-3"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a job role." in html and "Enter a number of days from 0 to 365." in html


def test_paths_pages_are_for_admins_only(make, logged_in):
    client = logged_in(make.user(app_role=AppRole.MANAGER))
    for path in ("/admin/paths", "/admin/paths/new", "/admin/rules/new"):
        assert client.get(path).status_code == 403
    admin = admin_client(make, logged_in)
    assert admin.get("/admin/paths/999").status_code == 404


def test_audit_trail_lists_changes_newest_first_and_pages(db, make, logged_in):
    from carelearn.core.audit import record_event

    version = make.module(title="Active listening", slug="active-listening")
    for n in range(55):
        record_event(
            "assignment.create", "module", version.module_id, people=n + 1, due_on="2027-01-05"
        )
    record_event(
        "content.publish", "module", version.module_id, slug="active-listening", label="1.0"
    )
    db.session.commit()
    client = admin_client(make, logged_in)
    html = client.get("/admin/audit").get_data(as_text=True)
    table = html[html.index("<tbody>") :]
    assert table.index("published version 1.0 of Active listening") < table.index("assigned")
    assert "Older entries" in html
    only = client.get("/admin/audit?action=content.publish").get_data(as_text=True)
    assert "assigned Active listening" not in only and "of Active listening" in only
    assert logged_in(make.user()).get("/admin/audit").status_code == 403


def test_the_audit_trail_cannot_be_rewritten(db):
    import pytest

    from carelearn.core.audit import record_event
    from carelearn.models import AuditEvent

    record_event("role.change", "user", 1)
    db.session.commit()
    event = db.session.scalar(select(AuditEvent))
    event.action = "something else"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(PermissionError):
        db.session.commit()


def test_a_step_naming_a_module_that_is_not_offered_is_refused_with_a_message(db, make, logged_in):
    version = make.module(title="Service vision")
    client = admin_client(make, logged_in)
    token = csrf_token(client, "/admin/paths/new")
    # A module that does not exist, a number past any id (2^63 included), a digit that is not
    # ASCII, and text: each sent by hand in place of a choice from the list.
    for step in (str(version.module_id + 1000), str(2**63), "²", "١", "nine", "-1"):
        response = client.post(
            "/admin/paths/new",
            data={"csrf_token": token, "name": "Porters", "steps-0": step},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422, step
        assert "Choose each module from the list." in html and 'value="Porters"' in html, step
    assert db.session.scalar(select(func.count(LearningPath.id))) == 0
