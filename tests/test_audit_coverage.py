"""Every change that matters writes its audit entry: sign-in and failed sign-in, role and team
changes, assignments, completions, imports, publishes, exports, certificate downloads and
feedback moderation. And the app offers no page that changes or deletes an entry."""

from datetime import datetime, timedelta

from sqlalchemy import select

from carelearn.content.publisher import publish_content
from carelearn.core.clock import today
from carelearn.models import AppRole, AuditEvent, FeedbackEntry, QuizAttempt
from carelearn.services.feedback.moderation import hide_entry
from carelearn.services.feedback.monthly import count_entry
from carelearn.services.onboarding.assignments import assign_modules
from carelearn.services.people.people import make_manager_of
from carelearn.services.people.staff_import import import_staff
from carelearn.services.training.completions import record_completion

from .conftest import csrf_token, login
from .content_files import write_module


def _actions(db) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _new(db, before: list[str]) -> list[str]:
    return _actions(db)[len(before) :]


def test_each_change_that_matters_writes_its_entry(app, db, make, logged_in, tmp_path):
    version = make.module(title="Active listening")
    team = make.team("Outpatients")
    person = make.user(name="Sam Jones")
    make.join(person, team)
    admin = make.user(app_role=AppRole.ADMIN, name="Ada Admin")

    before = _actions(db)
    assert login(app.test_client(), person.email, "not the password").status_code == 422
    assert _new(db, before) == ["auth.sign_in_failed"]

    before = _actions(db)
    sams_browser = logged_in(person)
    assert _new(db, before) == ["auth.sign_in"]

    before = _actions(db)
    make_manager_of(person, team, True, actor_id=admin.id)
    db.session.commit()
    assert {"user.role", "team.manager_add"} <= set(_new(db, before))

    before = _actions(db)
    assign_modules(
        [person.id], [version.module_id], today() + timedelta(days=30), actor_id=admin.id
    )
    db.session.commit()
    assert _new(db, before) == ["assignment.create"]

    before = _actions(db)
    completion = record_completion(
        person.id,
        version,
        method="quiz",
        actor_id=person.id,
        score_percent=90,
        attempt_id=_passed_attempt(db, person, version),
    )
    db.session.commit()
    assert "completion.create" in _new(db, before)

    before = _actions(db)
    import_staff(
        "email,name,job role,team\nnew.starter@example.org,New Starter,Receptionist,Outpatients\n",
        actor_id=admin.id,
    )
    db.session.commit()
    assert "staff.import" in _new(db, before)

    before = _actions(db)
    write_module(tmp_path / "content", "greeting")
    publish_content(tmp_path / "content", actor_id=admin.id)
    assert "content.publish" in _new(db, before)

    admins_browser = logged_in(admin)
    before = _actions(db)
    assert admins_browser.get("/manage/completions.csv").status_code == 200
    assert _new(db, before) == ["export"]

    before = _actions(db)
    download = sams_browser.get(f"/learn/record/{completion.id}/certificate.pdf")
    assert download.status_code == 200
    assert _new(db, before) == ["certificate.issue", "certificate.download"]

    entry = FeedbackEntry(
        team_id=team.id, source="patient", answer="poor", comment="Rude", received_on=today()
    )
    db.session.add(entry)
    db.session.flush()
    count_entry(entry, +1)
    db.session.commit()
    before = _actions(db)
    hide_entry(admin, entry.id, [team.id], "Abusive words about a named member of staff")
    db.session.commit()
    assert _new(db, before) == ["feedback.hide"]


def _passed_attempt(db, person, version) -> int:
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        submitted_at=datetime(2026, 6, 1, 9, 0),
        score_percent=90,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt.id


def test_no_page_changes_or_deletes_an_entry(app, make, logged_in):
    admin = make.user(app_role=AppRole.ADMIN)
    client = logged_in(admin)
    audit_routes = [r for r in app.url_map.iter_rules() if "audit" in r.rule]
    assert audit_routes
    for rule in audit_routes:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    token = csrf_token(client, "/admin/audit")
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)("/admin/audit", data={"csrf_token": token})
        assert response.status_code == 405
