"""Cached pages are never stale: managers' figures and lists, and learners' published content."""

from datetime import date, datetime

import pytest
from sqlalchemy import update

from carelearn.core import clock
from carelearn.core.freshness import stamp
from carelearn.models import AppRole, TeamMembership, User
from carelearn.services.onboarding.assignments import assign_modules
from carelearn.services.people.people import set_active
from carelearn.services.people.teams import rename_team


@pytest.fixture
def org(make, db):
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    trust = make.team("Trust", "organisation")
    ours = make.team("Outpatients", "department", trust)
    theirs = make.team("Wards", "department", trust)
    version = make.module(title="Active listening")
    manager = make.manager_of(ours, name="Grace Manager")
    admin = make.user(app_role=AppRole.ADMIN)
    amy, zed = make.user(name="Amy Ahmed"), make.user(name="Zed Outsider")
    make.join(amy, ours)
    make.join(zed, theirs)
    return {
        "manager": manager,
        "admin": admin,
        "amy": amy,
        "zed": zed,
        "ours": ours,
        "theirs": theirs,
        "version": version,
    }


def figures(client) -> str:
    html = client.get("/manage/").get_data(as_text=True)
    return html[html.index("figure-grid") : html.index("</ul>", html.index("figure-grid"))]


def test_a_change_in_view_changes_the_stamp_and_one_elsewhere_does_not(org, db):
    manager, admin = org["manager"], org["admin"]
    before, admin_before = stamp(manager), stamp(admin)
    assign_modules([org["zed"].id], [org["version"].module_id], date(2026, 7, 1))
    db.session.commit()
    assert stamp(manager) == before  # Wards is not the manager's
    assert stamp(admin) != admin_before  # but everything is the admin's
    assign_modules([org["amy"].id], [org["version"].module_id], date(2026, 7, 1))
    db.session.commit()
    assert stamp(manager) != before


def test_a_managers_cached_page_costs_one_statement_and_still_follows_changes(
    org, db, make, count_queries, logged_in
):
    """Once a worker knows a manager's teams, loading the person reads their stamp too."""
    client = logged_in(org["manager"])
    first = figures(client)
    with count_queries() as again:
        assert figures(client) == first
    assert len(again.statements) == 1, again.statements
    assign_modules([org["amy"].id], [org["version"].module_id], date(2026, 6, 1))
    db.session.commit()
    with count_queries() as changed:
        assert figures(client) != first
    assert len(changed.statements) > 1  # figured afresh
    # A new team below the manager's changes the structure: the tree is walked again.
    ward = make.team("Eye clinic", "team", org["ours"])
    make.join(make.user(name="Yan Young"), ward)
    db.session.commit()
    assert "Yan Young" in client.get("/manage/matrix").get_data(as_text=True)


def test_dashboard_and_matrix_follow_new_training_at_once(org, db, logged_in):
    client = logged_in(org["manager"])
    # Before it is assigned, the module is optional for Amy's job role.
    assert "Optional" in client.get("/manage/matrix").get_data(as_text=True)
    empty = figures(client)
    assign_modules([org["amy"].id], [org["version"].module_id], date(2026, 6, 1))  # overdue
    db.session.commit()
    assert figures(client) != empty
    assert "Overdue" in client.get("/manage/matrix?status=overdue").get_data(as_text=True)


def test_matrix_follows_memberships_names_and_leavers(org, db, make, logged_in):
    client = logged_in(org["manager"])
    assert "Ben Brown" not in client.get("/manage/matrix").get_data(as_text=True)
    ben = make.user(name="Ben Brown")
    db.session.add(TeamMembership(user_id=ben.id, team_id=org["ours"].id))
    db.session.commit()
    assert "Ben Brown" in client.get("/manage/matrix").get_data(as_text=True)
    ben.name = "Ben Black"
    db.session.commit()
    html = client.get("/manage/matrix").get_data(as_text=True)
    assert "Ben Black" in html and "Ben Brown" not in html
    set_active(ben, False)
    db.session.commit()
    assert "Ben Black" not in client.get("/manage/matrix").get_data(as_text=True)


def test_a_renamed_team_and_a_bulk_update_are_seen_at_once(org, db, logged_in):
    client = logged_in(org["manager"])
    assert "Outpatients" in figures(client)
    rename_team(org["ours"], "Outpatient Clinics")
    db.session.commit()
    assert "Outpatient Clinics" in figures(client)
    # A statement written in SQL (no ORM objects) makes every cached page stale.
    db.session.execute(update(User).where(User.id == org["amy"].id).values(name="Amy Adams"))
    db.session.commit()
    assert "Amy Adams" in client.get("/manage/matrix").get_data(as_text=True)


def test_a_publish_reaches_learners_and_managers_at_once(org, db, logged_in):
    from carelearn.models import Lesson, ModuleVersion

    client = logged_in(org["amy"])
    manager = logged_in(org["manager"])
    assert "Active listening</a>" in client.get("/learn").get_data(as_text=True)
    assert "Active listening</th>" in manager.get("/manage/matrix").get_data(as_text=True)
    old = org["version"]
    assert "Part 1" not in client.get(f"/learn/{old.slug}/lessons/1").get_data(as_text=True)
    newer = ModuleVersion(
        module_id=old.module_id,
        number=2,
        label="2.0",
        content_hash="changed",
        title="Listening well",
        summary=old.summary,
        audience=old.audience,
        estimated_minutes=5,
        pass_mark=80,
        questions_per_attempt=3,
        recertify_after_months=12,
    )
    db.session.add(newer)
    db.session.add_all(
        Lesson(
            module_version=newer, position=n, title=f"Part {n}", minutes=5, body_html="<p>New.</p>"
        )
        for n in (1, 2)
    )
    db.session.flush()
    old.module.current_version = newer  # as publishing a changed module does
    db.session.commit()
    html = client.get("/learn").get_data(as_text=True)
    assert "Listening well</a>" in html and "Active listening</a>" not in html
    assert "Part 1" in client.get(f"/learn/{old.slug}/lessons/1").get_data(as_text=True)
    html = manager.get("/manage/matrix").get_data(as_text=True)
    assert "Listening well</th>" in html and "Active listening</th>" not in html


def test_managing_another_team_or_moving_one_is_seen_at_once(org, db, make, logged_in):
    from carelearn.models import TeamManager
    from carelearn.services.people.teams import move_team

    client = logged_in(org["manager"])
    assert "Zed Outsider" not in client.get("/manage/matrix").get_data(as_text=True)
    db.session.add(TeamManager(user_id=org["manager"].id, team_id=org["theirs"].id))
    db.session.commit()
    assert "Zed Outsider" in client.get("/manage/matrix").get_data(as_text=True)
    assert "Wards" in figures(client)
    db.session.query(TeamManager).filter_by(team_id=org["theirs"].id).delete()
    db.session.commit()
    assert "Zed Outsider" not in client.get("/manage/matrix").get_data(as_text=True)

    ward = make.team("Ward 9", "team", org["theirs"])
    make.join(make.user(name="Yan Young"), ward)
    assert "Yan Young" not in client.get("/manage/matrix").get_data(as_text=True)
    move_team(ward, org["ours"].id)
    db.session.commit()
    assert "Yan Young" in client.get("/manage/matrix").get_data(as_text=True)
    move_team(ward, org["theirs"].id)
    db.session.commit()
    assert "Yan Young" not in client.get("/manage/matrix").get_data(as_text=True)


def test_writes_made_outside_the_app_are_seen_at_the_next_request(org, db, make, logged_in):
    """A rename, a completion and a team move made in plain SQL by another program (psql, a
    script, a migration) reach the cached dashboard, matrix and person page at once."""
    from sqlalchemy import create_engine

    ward = make.team("Ward 9", "team", org["theirs"])
    make.join(make.user(name="Yan Young"), ward)
    assign_modules([org["amy"].id], [org["version"].module_id], date(2026, 7, 1))
    db.session.commit()
    client = logged_in(org["manager"])
    person_page = f"/manage/people/{org['amy'].id}"
    dashboard, matrix = figures(client), client.get("/manage/matrix").get_data(as_text=True)
    assert "Amy Ahmed" in matrix and "Yan Young" not in matrix
    assert "Amy Ahmed" in client.get(person_page).get_data(as_text=True)

    other_program = create_engine(db.engine.url)
    with other_program.begin() as conn:
        conn.exec_driver_sql(f"UPDATE \"user\" SET name = 'Amy Adams' WHERE id = {org['amy'].id}")
        conn.exec_driver_sql(
            "UPDATE training_record SET completed_on = '2026-06-14', score_percent = 90 "
            f"WHERE user_id = {org['amy'].id}"
        )
        conn.exec_driver_sql(f"UPDATE team SET parent_id = {org['ours'].id} WHERE id = {ward.id}")
    other_program.dispose()

    matrix = client.get("/manage/matrix").get_data(as_text=True)
    assert "Amy Adams" in matrix and "Amy Ahmed" not in matrix
    assert "Completed" in matrix
    assert "Yan Young" in matrix  # the moved team is now below the manager's
    assert figures(client) != dashboard
    assert "Amy Adams" in client.get(person_page).get_data(as_text=True)


def test_a_read_only_view_that_tries_to_write_fails_loudly(app, db, make):
    from sqlalchemy import text

    from carelearn.core.database import ReadOnlyViolation, read_only

    person = make.user(name="Ann Archer")

    @read_only
    def renames():
        db.session.get(type(person), person.id).name = "Changed"
        db.session.commit()
        return "saved"

    @read_only
    def writes_in_sql():
        db.session.execute(text("UPDATE job_role SET name = 'Changed'"))
        return "saved"

    app.add_url_rule("/renames", view_func=renames)
    app.add_url_rule("/writes-in-sql", view_func=writes_in_sql)
    client = app.test_client()
    for path in ("/renames", "/writes-in-sql"):
        with pytest.raises(ReadOnlyViolation):
            client.get(path)
    db.session.rollback()
    assert db.session.get(type(person), person.id).name == "Ann Archer"


@pytest.mark.parametrize("auto_reload", [False, True])
def test_remembered_fragments_follow_template_edits_while_templates_auto_reload(app, auto_reload):
    from jinja2 import ChoiceLoader, DictLoader

    edited = {"_fragment.html": "first"}
    app.jinja_env.loader = ChoiceLoader([DictLoader(edited), app.jinja_env.loader])
    app.jinja_env.auto_reload = auto_reload
    remembered = app.jinja_env.globals["remembered"]
    with app.test_request_context("/"):
        assert remembered("_fragment.html", ("key",)) == "first"
        edited["_fragment.html"] = "second"
        app.jinja_env.cache.clear()  # as Jinja does when it sees the file change
        expected = "second" if auto_reload else "first"
        assert remembered("_fragment.html", ("key",)) == expected
