"""Admin pages for people and teams, and the rules behind them in services/people.py."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from carelearn.models import (
    AppRole,
    AuditEvent,
    AuthToken,
    Team,
    TeamManager,
    TeamMembership,
    User,
)
from carelearn.services.people import teams
from carelearn.services.people.accounts import ensure_job_roles
from carelearn.services.people.checks import PeopleError, PersonDetails
from carelearn.services.people.people import (
    create_people,
    create_person,
    set_active,
    team_ids_of,
    update_person,
)
from carelearn.services.people.search import PeopleFilters, search_people
from carelearn.services.people.teams import (
    change_team_kind,
    create_team,
    descendant_ids,
    move_team,
    rename_team,
    set_team_managers,
    team_managers,
    update_team,
)
from tests.conftest import csrf_token, login


@pytest.fixture
def org(db, make):
    """Organisation > Planned Care > Outpatients > (Reception, Nursing); Estates > Portering."""
    trust = make.team("Riverside Trust", kind="organisation")
    planned = make.team("Planned Care", kind="directorate", parent=trust)
    outpatients = make.team("Outpatients", kind="department", parent=planned)
    reception = make.team("Outpatients Reception", kind="team", parent=outpatients)
    nursing = make.team("Outpatients Nursing", kind="team", parent=outpatients)
    estates = make.team("Estates", kind="directorate", parent=trust)
    portering = make.team("Portering", kind="team", parent=estates)
    return {
        t.name: t for t in (trust, planned, outpatients, reception, nursing, estates, portering)
    }


@pytest.fixture
def admin(make):
    return make.user(
        email="admin@example.org", name="Ada Admin", role="admin-staff", app_role=AppRole.ADMIN
    )


@pytest.fixture
def admin_client(admin, logged_in):
    return logged_in(admin)


def role_id(slug):
    return ensure_job_roles()[slug].id


def events(db, action, subject_id=None):
    query = select(AuditEvent).where(AuditEvent.action == action)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    return db.session.scalars(query).all()


def details(**fields):
    values = dict(
        email="sam.jones@example.org",
        name="Sam Jones",
        job_role_id=role_id("porter"),
        app_role="learner",
        team_ids=[],
        start_date=date(2025, 1, 6),
    )
    values.update(fields)
    return PersonDetails(**values)


# ---------------------------------------------------------------------------------------------
# The rules, called directly


def test_create_person_normalises_email_and_records_each_change(db, org, admin):
    person = create_person(
        details(
            email="  Sam.Jones@Example.ORG ", name="  Sam   Jones ", team_ids=[org["Portering"].id]
        ),
        actor_id=admin.id,
    )
    db.session.commit()
    assert person.email == "sam.jones@example.org"
    assert person.name == "Sam Jones"
    assert person.password_hash is None and person.active
    assert team_ids_of(person.id) == [org["Portering"].id]
    assert events(db, "user.create", person.id)[0].actor_id == admin.id
    assert events(db, "team.member_add", person.id)[0].details["team_id"] == org["Portering"].id


def test_email_is_unique_whatever_its_capitals(db, make):
    make.user(email="sam.jones@example.org")
    with pytest.raises(PeopleError) as error:
        create_person(details(email="SAM.Jones@example.org"))
    assert error.value.field == "email"
    assert "already has the email address sam.jones@example.org" in str(error.value)


def test_create_people_adds_many_at_once_and_refuses_an_email_twice(db, org):
    made = create_people([details(email=f"p{i}@example.org") for i in range(3)])
    assert [p.email for p in made] == ["p0@example.org", "p1@example.org", "p2@example.org"]
    with pytest.raises(PeopleError, match="given for two people"):
        create_people([details(email="x@example.org"), details(email="X@example.org")])


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"job_role_id": 999}, "job_role"),
        ({"app_role": "owner"}, "app_role"),
        ({"team_ids": [999]}, "teams"),
    ],
)
def test_create_person_says_which_field_is_wrong(db, fields, field):
    with pytest.raises(PeopleError) as error:
        create_person(details(**fields))
    assert error.value.field == field


def test_update_person_changes_fields_roles_and_teams_with_audit(db, org, admin):
    person = create_person(details(team_ids=[org["Portering"].id]))
    db.session.commit()
    changed = update_person(
        person,
        details(
            email="Sam.Jones@example.org",
            name="Samuel Jones",
            job_role_id=role_id("nurse"),
            app_role="manager",
            team_ids=[org["Outpatients Nursing"].id],
            start_date=date(2025, 2, 3),
        ),
        actor_id=admin.id,
    )
    db.session.commit()
    assert set(changed) == {"name", "job_role_id", "app_role", "start_date", "team_ids"}
    assert person.job_role.slug == "nurse" and person.app_role == "manager"
    assert team_ids_of(person.id) == [org["Outpatients Nursing"].id]
    update = events(db, "user.update", person.id)[0]
    assert update.details["changes"]["name"] == ["Sam Jones", "Samuel Jones"]
    assert update.details["changes"]["start_date"] == ["2025-01-06", "2025-02-03"]
    assert events(db, "user.role", person.id)[0].details == {
        "role": "manager",
        "previous": "learner",
    }
    assert len(events(db, "team.member_remove", person.id)) == 1
    assert (
        update_person(
            person,
            details(
                name="Samuel Jones",
                job_role_id=role_id("nurse"),
                app_role="manager",
                team_ids=[org["Outpatients Nursing"].id],
                start_date=date(2025, 2, 3),
            ),
        )
        == []
    )


def test_an_admin_cannot_take_away_their_own_admin_role(db, admin):
    with pytest.raises(PeopleError) as error:
        update_person(
            admin,
            details(email=admin.email, name=admin.name, app_role="learner"),
            actor_id=admin.id,
        )
    assert error.value.field == "app_role"


def test_deactivating_keeps_the_person_and_stops_their_login(app, db, make, admin, client):
    person = make.user(email="leaver@example.org")
    assert set_active(person, False, actor_id=admin.id) is True
    db.session.commit()
    assert set_active(person, False, actor_id=admin.id) is False
    assert db.session.get(User, person.id).active is False
    assert login(client, "leaver@example.org").status_code == 422
    assert len(events(db, "user.deactivate", person.id)) == 1
    set_active(person, True, actor_id=admin.id)
    db.session.commit()
    assert login(client, "leaver@example.org").status_code == 302
    assert len(events(db, "user.reactivate", person.id)) == 1


def test_an_admin_cannot_deactivate_themselves(db, admin):
    with pytest.raises(PeopleError):
        set_active(admin, False, actor_id=admin.id)


def test_the_database_keeps_team_names_unique_when_two_admins_race(db, org, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    db.session.add(Team(name="OUTPATIENTS", kind="team"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # The service's own check passes for both admins; the index stops the second.
    monkeypatch.setattr(teams, "_name_in_use", lambda _name, _team: False)
    with pytest.raises(PeopleError) as error:
        create_team("outpatients", "team", org["Planned Care"].id)
    assert error.value.field == "name" and "already a team called outpatients" in str(error.value)
    with pytest.raises(PeopleError):
        rename_team(org["Portering"], "Outpatients")
    db.session.rollback()
    assert db.session.get(Team, org["Portering"].id).name == "Portering"


def test_team_names_are_unique_and_kinds_nest_in_order(db, org):
    with pytest.raises(PeopleError) as error:
        create_team("outpatients", "department", org["Planned Care"].id)
    assert error.value.field == "name"
    with pytest.raises(PeopleError) as error:
        create_team("Theatres", "directorate", org["Outpatients"].id)
    assert error.value.field == "parent"
    with pytest.raises(PeopleError):
        change_team_kind(org["Outpatients"], "team")  # it holds teams
    team = create_team("  Theatres  ", "department", org["Planned Care"].id)
    assert team.name == "Theatres"
    assert events(db, "team.create", team.id)


def test_a_team_cannot_move_under_itself_or_its_descendants(db, org):
    planned = org["Planned Care"]
    for target in ("Planned Care", "Outpatients", "Outpatients Reception"):
        with pytest.raises(PeopleError) as error:
            move_team(planned, org[target].id)
        assert "cannot move inside itself" in str(error.value)
    db.session.rollback()
    assert db.session.get(Team, planned.id).parent_id == org["Riverside Trust"].id


def test_moving_a_team_takes_its_sub_teams_along(db, org, admin):
    assert move_team(org["Outpatients"], org["Estates"].id, actor_id=admin.id)
    db.session.commit()
    assert org["Outpatients Reception"].id in descendant_ids(org["Estates"].id)
    move = events(db, "team.move", org["Outpatients"].id)[0]
    assert move.details == {"previous": org["Planned Care"].id, "parent_id": org["Estates"].id}


def test_update_team_can_change_kind_and_parent_together(db, org):
    changed = update_team(
        org["Outpatients"],
        name="Outpatient Services",
        kind="directorate",
        parent_id=org["Riverside Trust"].id,
    )
    assert changed == ["name", "kind", "parent"]


def test_set_team_managers_adds_removes_and_raises_learners_to_managers(db, make, org, admin):
    team = org["Outpatients"]
    learner, other = make.user(), make.user()
    added, removed = set_team_managers(team, [learner.id, other.id], actor_id=admin.id)
    db.session.commit()
    assert {p.id for p in added} == {learner.id, other.id} and removed == []
    assert learner.app_role == "manager"
    assert events(db, "user.role", learner.id)
    added, removed = set_team_managers(team, [learner.id], actor_id=admin.id)
    db.session.commit()
    assert added == [] and [p.id for p in removed] == [other.id]
    assert [u.id for u in team_managers(team.id)] == [learner.id]
    assert other.app_role == "manager"  # kept until an admin changes it
    assert len(events(db, "team.manager_remove", team.id)) == 1


def test_a_deactivated_person_cannot_be_made_a_manager(db, make, org):
    leaver = make.user(active=False)
    with pytest.raises(PeopleError):
        set_team_managers(org["Portering"], [leaver.id])


def test_search_people_filters_and_pages(db, make, org):
    ann = make.user(name="Ann Archer", email="ann@example.org", role="nurse")
    bob = make.user(name="Bob Baker", email="bob.b@example.org", role="porter")
    cat = make.user(name="Cat Cole", email="cat@example.org", role="nurse", active=False)
    make.join(ann, org["Outpatients Nursing"])
    make.join(bob, org["Portering"])
    make.join(cat, org["Outpatients Reception"])

    def names(**filters):
        return [p.name for p, _ in search_people(PeopleFilters(**filters)).people]

    assert names(q="ARCH") == ["Ann Archer"]
    assert names(q="BOB.B@") == ["Bob Baker"]
    assert names(q="%") == []  # a wildcard is only a character
    assert names(team_id=org["Planned Care"].id) == ["Ann Archer"]
    assert names(team_id=org["Planned Care"].id, status="all") == ["Ann Archer", "Cat Cole"]
    assert names(status="inactive") == ["Cat Cole"]
    assert names(job_role="porter") == ["Bob Baker"]
    page = search_people(PeopleFilters(status="all"), page=2, per_page=2)
    assert (page.page, page.pages, page.total) == (2, 2, 3)
    assert [p.name for p, _ in page.people] == ["Cat Cole"]
    assert search_people(PeopleFilters(), page=99, per_page=2).page == 1


# ---------------------------------------------------------------------------------------------
# Who may open the admin pages

ADMIN_GETS = [
    "/admin/",
    "/admin/people",
    "/admin/people/new",
    "/admin/people/{id}",
    "/admin/teams",
    "/admin/teams/new",
    "/admin/teams/{team}",
    "/admin/import",
]
ADMIN_POSTS = [
    "/admin/people/new",
    "/admin/people/{id}",
    "/admin/people/{id}/deactivate",
    "/admin/people/{id}/reactivate",
    "/admin/teams/new",
    "/admin/teams/{team}",
    "/admin/teams/{team}/managers",
    "/admin/import",
    "/admin/import/confirm",
]


@pytest.mark.parametrize("app_role", [AppRole.LEARNER, AppRole.MANAGER])
def test_learners_and_managers_get_403_on_every_admin_page(db, make, org, logged_in, app_role):
    person = make.user(app_role=app_role)
    if app_role == AppRole.MANAGER:
        db.session.add(TeamManager(user_id=person.id, team_id=org["Riverside Trust"].id))
        db.session.commit()
    client = logged_in(person)
    token = csrf_token(client, "/learn")
    ids = {"id": person.id, "team": org["Portering"].id}
    for path in ADMIN_GETS:
        assert client.get(path.format(**ids)).status_code == 403, path
    for path in ADMIN_POSTS:
        response = client.post(path.format(**ids), data={"csrf_token": token, "name": "X"})
        assert response.status_code == 403, path
    assert db.session.get(User, person.id).active
    assert 'href="/admin/"' not in client.get("/learn").get_data(as_text=True)


def test_admin_pages_need_a_login(client, org):
    for path in ("/admin/people", "/admin/teams", "/admin/import"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_missing_people_and_teams_are_404(admin_client):
    token = csrf_token(admin_client, "/admin/people")
    assert admin_client.get("/admin/people/9999").status_code == 404
    assert admin_client.get("/admin/teams/9999").status_code == 404
    assert (
        admin_client.post("/admin/people/9999/deactivate", data={"csrf_token": token}).status_code
        == 404
    )
    assert (
        admin_client.post("/admin/teams/9999/managers", data={"csrf_token": token}).status_code
        == 404
    )


def test_admins_see_the_admin_link(admin_client):
    html = admin_client.get("/learn").get_data(as_text=True)
    assert 'href="/admin/"' in html and ">Admin</a>" in html


# ---------------------------------------------------------------------------------------------
# People pages


def person_form(token, **fields):
    data = {
        "csrf_token": token,
        "name": "Sam Jones",
        "email": "sam.jones@example.org",
        "job_role": str(role_id("porter")),
        "app_role": "learner",
        "start_date": "2025-01-06",
    }
    data.update(fields)
    return data


def test_admin_adds_a_person_who_is_invited(db, org, admin_client, admin):
    token = csrf_token(admin_client, "/admin/people/new")
    response = admin_client.post(
        "/admin/people/new",
        data=person_form(token, email="Sam.Jones@Example.org", teams=[str(org["Portering"].id)]),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    person = db.session.scalar(select(User).where(User.email == "sam.jones@example.org"))
    assert person.start_date == date(2025, 1, 6) and person.job_role.slug == "porter"
    assert team_ids_of(person.id) == [org["Portering"].id]
    assert db.session.scalar(
        select(AuthToken).where(AuthToken.user_id == person.id, AuthToken.purpose == "invite")
    )
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sam Jones has been added. Their invitation to set a password is queued." in page


def test_the_person_form_shows_errors_and_keeps_what_was_typed(db, make, admin_client):
    make.user(email="taken@example.org")
    token = csrf_token(admin_client, "/admin/people/new")
    response = admin_client.post(
        "/admin/people/new",
        data=person_form(
            token, name="", email="not an email", job_role="", start_date="31/02/2025"
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert "Enter the person&#39;s name." in html
    assert "Enter an email address like name@example.org." in html
    assert "Choose a job role." in html
    assert "Enter a real date" in html
    assert 'value="not an email"' in html and 'aria-invalid="true"' in html
    assert re.search(r'aria-describedby="email-hint email-error-1"', html)

    response = admin_client.post(
        "/admin/people/new", data=person_form(token, name="Tam Smith", email="TAKEN@example.org")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Someone already has the email address taken@example.org" in html
    assert 'value="Tam Smith"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_the_start_date_may_be_typed_day_first(db, admin_client):
    token = csrf_token(admin_client, "/admin/people/new")
    response = admin_client.post(
        "/admin/people/new", data=person_form(token, start_date="06/01/2025")
    )
    assert response.status_code == 302
    person = db.session.scalar(select(User).where(User.email == "sam.jones@example.org"))
    assert person.start_date == date(2025, 1, 6)


def test_admin_edits_a_person(db, make, org, admin_client):
    person = make.user(name="Sam Jones", email="sam.jones@example.org")
    make.join(person, org["Portering"])
    page = admin_client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert 'value="Sam Jones"' in page
    token = csrf_token(admin_client, f"/admin/people/{person.id}")
    response = admin_client.post(
        f"/admin/people/{person.id}",
        data=person_form(
            token,
            name="Samuel Jones",
            app_role="manager",
            teams=[str(org["Outpatients Reception"].id), str(org["Portering"].id)],
        ),
    )
    assert response.status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.name == "Samuel Jones" and person.app_role == "manager"
    assert team_ids_of(person.id) == sorted([org["Outpatients Reception"].id, org["Portering"].id])


def test_deactivate_and_reactivate_by_post_with_csrf(db, make, admin_client, client):
    person = make.user(email="leaver@example.org")
    assert admin_client.post(f"/admin/people/{person.id}/deactivate").status_code == 400
    token = csrf_token(admin_client, f"/admin/people/{person.id}")
    response = admin_client.post(
        f"/admin/people/{person.id}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 302
    page = admin_client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "has been deactivated" in page and "Reactivate" in page
    assert login(client, "leaver@example.org").status_code == 422
    assert db.session.get(User, person.id) is not None  # never deleted
    admin_client.post(f"/admin/people/{person.id}/reactivate", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(User, person.id).active


def test_people_list_searches_filters_and_keeps_filters_in_page_links(db, make, org, admin_client):
    nurses = make.staff_in(org["Outpatients Nursing"], 60, role="nurse")
    make.staff_in(org["Portering"], 5, role="porter")
    html = admin_client.get(f"/admin/people?team={org['Outpatients'].id}&job_role=nurse").get_data(
        as_text=True
    )
    assert "Showing 1–50 of 60 people" in html
    assert f"/admin/people?page=2&amp;team={org['Outpatients'].id}&amp;job_role=nurse" in html
    html = admin_client.get(
        f"/admin/people?page=2&team={org['Outpatients'].id}&job_role=nurse"
    ).get_data(as_text=True)
    assert "Showing 51–60 of 60 people" in html
    html = admin_client.get(f"/admin/people?q={nurses[0].email.upper()}").get_data(as_text=True)
    assert "Showing 1–1 of 1 person" in html and nurses[0].name in html
    html = admin_client.get("/admin/people?team=not-a-number&status=odd").get_data(as_text=True)
    assert "of 66 people" in html  # a bad filter is left out, not an error
    html = admin_client.get("/admin/people?q=nobody-at-all").get_data(as_text=True)
    assert "Nobody matches that search" in html


def people_page_queries(db, make, org, admin_client, count_queries, staff):
    team = org["Outpatients Nursing"]
    make.staff_in(team, staff // 2, role="nurse")
    make.staff_in(org["Portering"], staff - staff // 2, role="porter")
    counts = []
    for url in (
        "/admin/people",
        f"/admin/people?team={org['Outpatients'].id}&q=person&page=2",
        "/admin/people?status=all&job_role=nurse",
    ):
        with count_queries() as counter:
            assert admin_client.get(url).status_code == 200
        counts.append(counter.count)
    return counts


def test_people_list_queries_do_not_grow_with_staff(
    app, db, make, org, admin, count_queries, logged_in
):
    small = people_page_queries(db, make, org, logged_in(admin), count_queries, 20)
    db.session.execute(TeamMembership.__table__.delete())
    db.session.execute(User.__table__.delete().where(User.id != admin.id))
    db.session.commit()
    large = people_page_queries(db, make, org, logged_in(admin), count_queries, 2000)
    assert small == large
    assert max(small) <= 8, small


# ---------------------------------------------------------------------------------------------
# Teams pages


def test_teams_page_shows_the_nested_tree(org, make, admin_client):
    manager = make.manager_of(org["Outpatients"], name="Grace Okafor")
    make.join(manager, org["Outpatients"])
    html = admin_client.get("/admin/teams").get_data(as_text=True)
    assert html.count("<h1>") == 1
    trust, planned, reception = (
        html.index(n) for n in (">Riverside Trust<", ">Planned Care<", ">Outpatients Reception<")
    )
    assert trust < planned < reception
    assert "Managed by Grace Okafor" in html


def test_admin_creates_and_moves_teams_and_a_cycle_is_refused(db, org, admin_client):
    token = csrf_token(admin_client, "/admin/teams/new")
    response = admin_client.post(
        "/admin/teams/new",
        data={
            "csrf_token": token,
            "name": "Theatres",
            "kind": "department",
            "parent": str(org["Planned Care"].id),
        },
    )
    assert response.status_code == 302
    theatres = db.session.scalar(select(Team).where(Team.name == "Theatres"))
    assert theatres.parent_id == org["Planned Care"].id

    planned = org["Planned Care"]
    response = admin_client.post(
        f"/admin/teams/{planned.id}",
        data={
            "csrf_token": token,
            "name": "Planned Care",
            "kind": "directorate",
            "parent": str(org["Outpatients"].id),
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "cannot move inside itself" in html
    db.session.expire_all()
    assert db.session.get(Team, planned.id).parent_id == org["Riverside Trust"].id

    response = admin_client.post(
        f"/admin/teams/{theatres.id}",
        data={
            "csrf_token": token,
            "name": "Theatres and Recovery",
            "kind": "department",
            "parent": str(org["Estates"].id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Team, theatres.id)
    assert (moved.name, moved.parent_id) == ("Theatres and Recovery", org["Estates"].id)


def test_the_parent_list_leaves_out_the_team_and_its_descendants(org, admin_client):
    html = admin_client.get(f"/admin/teams/{org['Planned Care'].id}").get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="(\d+)"', html)
    assert str(org["Outpatients"].id) not in options
    assert str(org["Planned Care"].id) not in options
    assert str(org["Estates"].id) in options


def test_admin_chooses_who_manages_a_team(db, make, org, admin_client):
    learner = make.user(email="grace@example.org", name="Grace Okafor")
    team = org["Outpatients"]
    token = csrf_token(admin_client, f"/admin/teams/{team.id}")
    response = admin_client.post(
        f"/admin/teams/{team.id}/managers",
        data={"csrf_token": token, "add_email": "GRACE@example.org"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [u.id for u in team_managers(team.id)] == [learner.id]
    assert db.session.get(User, learner.id).app_role == "manager"

    response = admin_client.post(
        f"/admin/teams/{team.id}/managers",
        data={"csrf_token": token, "add_email": "nobody@example.org", "keep": [str(learner.id)]},
    )
    assert response.status_code == 422
    assert "Nobody active has that email address" in response.get_data(as_text=True)

    response = admin_client.post(
        f"/admin/teams/{team.id}/managers", data={"csrf_token": token}
    )  # every box unticked
    assert response.status_code == 302
    assert team_managers(team.id) == []


@pytest.mark.parametrize(
    "typed,advice",
    [
        ("zoë@example.org", "plain letters, digits and . _ - +"),
        ("jo@bücher.de", "Write the domain in its plain form: jo@xn--bcher-kva.de"),
    ],
)
def test_an_address_beyond_plain_letters_is_refused_with_what_to_use(typed, advice):
    from carelearn.services.people.checks import clean_email

    with pytest.raises(PeopleError, match=re.escape(advice)):
        clean_email(typed)
    assert clean_email("Jo.Bloggs+ward7@Example.org") == "jo.bloggs+ward7@example.org"
