"""Assigning training: a searchable checklist of people, a team or a job role; a check of what
it comes to; then the assignment, with an email to each person, and only within the teams a
manager manages."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.config import PROJECT_ROOT
from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import AppRole, Assignment, LearningPath, LearningPathStep, OutboxEmail
from carelearn.services.onboarding.assigning import AssignChoice, carry_out, plan_assignment
from tests.conftest import csrf_token
from tests.mail import links_in, outbox_messages, text_of

DUE = "2026-07-31"


@pytest.fixture
def trust(make):
    """The manager runs Outpatients and the team below it; Wards is someone else's."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    org = make.team("Riverside", "organisation")
    outpatients = make.team("Outpatients", "department", org)
    reception = make.team("Outpatients Reception", "team", outpatients)
    wards = make.team("Wards", "department", org)
    manager = make.manager_of(outpatients, name="Grace Okafor")
    ours = [
        make.user(name="Amy Ahmed", email="amy@example.org"),
        make.user(name="Ben Brown", email="ben@example.org", role="porter"),
        make.user(name="Cara Cole", email="cara@example.org"),
    ]
    make.join(ours[0], outpatients)
    make.join(ours[1], reception)
    make.join(ours[2], reception)
    theirs = make.user(name="Zed Outsider", email="zed@example.org")
    make.join(theirs, wards)
    version = make.module(title="Active listening")
    return {
        "manager": manager,
        "ours": ours,
        "theirs": theirs,
        "version": version,
        "outpatients": outpatients,
        "reception": reception,
        "wards": wards,
    }


def _page(client, path: str, **args):
    response = client.get(path, query_string=args)
    return response, response.get_data(as_text=True)


def _assignments(module_id: int) -> set[int]:
    return set(
        _db.session.scalars(select(Assignment.user_id).where(Assignment.module_id == module_id))
    )


def _post(client, **fields):
    data = {"csrf_token": csrf_token(client, "/manage/assign"), "due_on": DUE, **fields}
    return client.post("/manage/assign", data=data)


def _ticked(html: str) -> set[str]:
    return set(re.findall(r'value="(\d+)" id="person-\d+" checked', html))


# Choosing people: search, pages, ticks kept.


def test_the_people_are_a_checklist_with_search_and_pages(trust, make, logged_in):
    many = make.staff_in(trust["reception"], 30)
    client = logged_in(trust["manager"])
    response, html = _page(client, "/manage/assign")
    assert response.status_code == 200
    assert "Hold Ctrl" not in html and "<select multiple" not in html
    assert html.count('type="checkbox" name="people"') == 25
    assert "Your people: 33, page 1 of 2" in html
    assert 'name="page" value="2"' in html  # the next page keeps the form's choices
    assert "Zed Outsider" not in html  # another team's person is never offered

    _, html = _page(client, "/manage/assign", page=2)
    assert html.count('type="checkbox" name="people"') == 8

    _, html = _page(client, "/manage/assign", q="ben")
    assert "1 person matches “ben”" in html and "Ben Brown" in html and "Amy Ahmed" not in html
    _, html = _page(client, "/manage/assign", q=many[7].email.upper())
    assert many[7].name in html and "1 person matches" in html
    _, html = _page(client, "/manage/assign", q="zed")
    assert "Nobody in your teams matches that." in html and "Zed Outsider" not in html


def test_ticked_people_stay_ticked_across_searches(trust, logged_in):
    amy, ben, _ = trust["ours"]
    client = logged_in(trust["manager"])
    _, html = _page(
        client,
        "/manage/assign",
        q="ben",
        people=[amy.id, ben.id, trust["theirs"].id],
        what=f"module:{trust['version'].module_id}",
        due_on=DUE,
    )
    assert "Ticked: 2 people" in html
    assert "Ticked already" in html and "Amy Ahmed" in html  # ticked, not in this search
    assert _ticked(html) == {str(amy.id), str(ben.id)}
    assert "Zed Outsider" not in html  # a ticked id from another team is dropped
    assert 'value="2026-07-31"' in html and "selected" in html  # the other choices are kept


def test_the_page_has_every_part_and_works_without_javascript(trust, logged_in):
    client = logged_in(trust["manager"])
    _, html = _page(client, "/manage/assign")
    for part in ("people", "team", "job_role"):
        assert f'data-assign-target="{part}"' in html  # all shown until the script hides some
    assert 'formaction="/manage/assign/check"' in html
    script = re.search(r'<script src="(/static/[^"]+)" defer></script>', html)
    assert script and (PROJECT_ROOT / script.group(1).lstrip("/")).exists()
    assert "<script>" not in html and "onclick" not in html
    assert 'autocomplete="None"' not in html
    first_option = re.search(r'<select[^>]*id="what"[^>]*required[^>]*><option[^>]*value=""', html)
    assert first_option, "a required select starts with an empty option"


# The check before assigning.


def test_the_check_names_the_module_the_people_and_the_due_date(trust, logged_in):
    amy, ben, _ = trust["ours"]
    client = logged_in(trust["manager"])
    args = {
        "what": f"module:{trust['version'].module_id}",
        "target": "people",
        "people": [ben.id, amy.id],
        "due_on": DUE,
    }
    response, html = _page(client, "/manage/assign/check", **args)
    assert response.status_code == 200
    assert "Check and assign" in html and "Active listening" in html
    assert "2 people" in html and "<li>Amy Ahmed</li>" in html and "<li>Ben Brown</li>" in html
    assert "31 Jul 2026" in html
    assert "Assign to 2 people" in html and 'name="csrf_token"' in html
    assert "Change these choices" in html and "/manage/assign?" in html
    assert _assignments(trust["version"].module_id) == set()  # nothing is assigned yet


def test_the_check_names_twenty_people_then_says_how_many_more(trust, make, logged_in):
    make.staff_in(trust["reception"], 25)
    client = logged_in(trust["manager"])
    _, html = _page(
        client,
        "/manage/assign/check",
        what=f"module:{trust['version'].module_id}",
        target="team",
        team=trust["outpatients"].id,
        due_on=DUE,
    )
    assert "28 people" in html
    names = re.findall(r"<li>([^<]+)</li>", html.split('class="summary-list__names"')[1])
    assert len(names) == 20 and names[0] == "Amy Ahmed"
    assert "and 8 more" in html


def test_a_learning_path_is_checked_with_its_modules(app, trust, make, db, logged_in):
    second = make.module(title="Managing expectations")
    path = LearningPath(name="Front desk")
    path.steps = [
        LearningPathStep(module_id=trust["version"].module_id, position=1),
        LearningPathStep(module_id=second.module_id, position=2),
    ]
    db.session.add(path)
    db.session.commit()
    client = logged_in(trust["manager"])
    _, html = _page(client, "/manage/assign")
    assert f'value="path:{path.id}"' in html and "Learning path: Front desk" in html
    args = {"what": f"path:{path.id}", "target": "job_role", "due_on": DUE}
    _, html = _page(client, "/manage/assign/check", job_role=trust["ours"][1].job_role_id, **args)
    assert "Front desk" in html and "2 modules: Active listening, Managing expectations" in html
    assert "1 person" in html and "<li>Ben Brown</li>" in html

    response = _post(client, job_role=trust["ours"][1].job_role_id, **args)
    assert response.status_code == 302
    assert _assignments(second.module_id) == {trust["ours"][1].id}
    (message,) = outbox_messages(app)
    assert "the learning path Front desk by 31 Jul 2026. It has 2 module(s):" in text_of(message)
    assert "- Active listening\n- Managing expectations" in text_of(message)


# Assigning, and the emails.


def test_assigning_to_a_team_reaches_its_sub_teams_and_emails_each_person(
    app, trust, make, db, logged_in
):
    app.config["BASE_URL"] = "http://127.0.0.1:8000"
    client = logged_in(trust["manager"])
    response = _post(
        client,
        what=f"module:{trust['version'].module_id}",
        target="team",
        team=trust["outpatients"].id,
    )
    assert response.status_code == 302
    assert _assignments(trust["version"].module_id) == {p.id for p in trust["ours"]}
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Active listening is assigned to 3 people, due 31 Jul 2026. Each of them is sent an "
        "email about it." in html
    )
    messages = outbox_messages(app)
    assert sorted(m["To"] for m in messages) == [
        "amy@example.org",
        "ben@example.org",
        "cara@example.org",
    ]
    amy = next(m for m in messages if m["To"] == "amy@example.org")
    assert amy["Subject"] == "New training for you: Active listening, due 31 Jul 2026"
    text = text_of(amy)
    assert text.startswith("Hello Amy,\n\nYour organisation uses CareLearn for staff training.")
    assert (
        "Grace Okafor has asked you to complete the module Active listening by 31 Jul 2026." in text
    )
    assert links_in(amy) == ["http://127.0.0.1:8000/learn"]


def test_people_who_already_have_it_keep_their_date_and_get_no_second_email(
    app, trust, db, logged_in
):
    amy, ben, _ = trust["ours"]
    client = logged_in(trust["manager"])
    what = f"module:{trust['version'].module_id}"
    assert _post(client, what=what, target="people", people=[amy.id]).status_code == 302
    assert len(outbox_messages(app)) == 1
    response = _post(
        client, what=what, target="people", people=[amy.id, ben.id], due_on="2026-09-01"
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "assigned to 1 person" in html and "1 person already had it open" in html
    assert len(outbox_messages(app)) == 2
    response = _post(client, what=what, target="people", people=[amy.id])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Everyone chosen already has Active listening open" in html
    assert len(outbox_messages(app)) == 2


def test_the_emails_go_with_the_assignment_or_not_at_all(trust, db):
    plan = plan_assignment(
        trust["manager"],
        AssignChoice(
            what=f"module:{trust['version'].module_id}",
            target="team",
            team_id=trust["outpatients"].id,
            due_on=date(2026, 7, 31),
        ),
    )
    assert carry_out(trust["manager"], plan).people == {p.id for p in trust["ours"]}
    db.session.rollback()
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0
    assert db.session.scalar(select(func.count(Assignment.id))) == 0


# Only within the manager's teams.


def test_another_teams_person_or_team_is_refused(app, trust, db, logged_in):
    client = logged_in(trust["manager"])
    what = f"module:{trust['version'].module_id}"
    theirs = trust["theirs"].id
    for path in ("/manage/assign/check", "/manage/assign"):
        if path.endswith("check"):
            response = client.get(
                path,
                query_string={"what": what, "target": "people", "people": theirs, "due_on": DUE},
            )
        else:
            response = _post(client, what=what, target="people", people=[theirs])
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "Tick at least one person from your teams." in html and "Zed Outsider" not in html
    response = _post(client, what=what, target="team", team=trust["wards"].id)
    assert response.status_code == 422 and "Choose one of your teams." in response.get_data(
        as_text=True
    )
    # Ticked with one of theirs, only the manager's own person is assigned.
    amy = trust["ours"][0].id
    assert _post(client, what=what, target="people", people=[amy, theirs]).status_code == 302
    assert _assignments(trust["version"].module_id) == {amy}
    assert [m["To"] for m in outbox_messages(app)] == ["amy@example.org"]


def test_an_admin_may_assign_anyone(trust, make, logged_in):
    admin = make.user(app_role=AppRole.ADMIN, name="Ada Admin")
    client = logged_in(admin)
    _, html = _page(client, "/manage/assign", q="zed")
    assert "Zed Outsider" in html
    response = _post(
        client, what=f"module:{trust['version'].module_id}", target="team", team=trust["wards"].id
    )
    assert response.status_code == 302
    assert _assignments(trust["version"].module_id) == {trust["theirs"].id}


# Bad input: told what to fix, nothing lost, never a 500.


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"due_on": "2020-01-01"}, "The due date cannot be in the past."),
        ({"due_on": "not a date"}, "Enter a due date."),
        ({"due_on": ""}, "Enter a due date."),
        ({"what": ""}, "Choose a module or a learning path."),
        ({"what": "module:abc"}, "Choose a module or a learning path."),
        ({"what": "module:99999"}, "Choose a module or a learning path."),
        ({"target": "everyone"}, "Choose whom to assign it to."),
        ({"target": "job_role", "job_role": ""}, "Choose a job role."),
        ({"target": "job_role", "job_role": "abc"}, "Choose a job role."),
        ({"target": "team", "team": "abc"}, "Choose one of your teams."),
        ({"target": "team", "team": ""}, "Choose one of your teams."),
        ({"target": "people", "people": "abc"}, "Tick at least one person from your teams."),
        ({"target": "people", "people": ""}, "Tick at least one person from your teams."),
    ],
)
def test_bad_choices_say_what_to_fix(trust, logged_in, fields, message):
    client = logged_in(trust["manager"])
    args = {"what": f"module:{trust['version'].module_id}", "target": "people", "due_on": DUE}
    args.update(fields)
    response, html = _page(client, "/manage/assign/check", **args)
    assert response.status_code == 422, html
    assert "There is a problem" in html and message in html
    assert "Error: Assign training" in html
    response = _post(client, **args)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _assignments(trust["version"].module_id) == set()


def test_a_page_number_left_in_the_address_does_not_stop_the_check(trust, logged_in):
    args = {"what": f"module:{trust['version'].module_id}", "target": "people", "due_on": DUE}
    response, html = _page(
        logged_in(trust["manager"]),
        "/manage/assign/check",
        people=trust["ours"][0].id,
        page="abc",
        **args,
    )
    assert response.status_code == 200 and "Assign to 1 person" in html


def test_an_expired_form_assigns_nothing(trust, logged_in):
    client = logged_in(trust["manager"])
    response = client.post(
        "/manage/assign",
        data={
            "csrf_token": "stale",
            "what": f"module:{trust['version'].module_id}",
            "target": "people",
            "people": trust["ours"][0].id,
            "due_on": DUE,
        },
    )
    assert response.status_code == 400 and "This form has expired" in response.get_data(
        as_text=True
    )
    assert _assignments(trust["version"].module_id) == set()


@pytest.mark.parametrize("args", [{"page": "abc"}, {"page": "-3"}, {"page": "999"}, {"q": "%_"}])
def test_odd_search_input_still_shows_the_page(trust, logged_in, args):
    response, html = _page(logged_in(trust["manager"]), "/manage/assign", **args)
    assert response.status_code == 200 and "Assign training" in html


# No silent cap, and pages stay quick.


def test_more_than_two_thousand_people_can_be_found_and_assigned(app, trust, make, db, logged_in):
    ids = make.bulk_staff(trust["reception"], 2100)
    client = logged_in(trust["manager"])
    last = db.session.get(type(trust["manager"]), ids[-1])
    _, html = _page(client, "/manage/assign", q=last.name)
    assert last.name in html and "1 person matches" in html
    _, html = _page(client, "/manage/assign")
    assert "Your people: 2103, page 1 of 85" in html
    args = {"what": f"module:{trust['version'].module_id}", "target": "team"}
    _, html = _page(
        client, "/manage/assign/check", team=trust["outpatients"].id, due_on=DUE, **args
    )
    assert "2103 people" in html and "and 2083 more" in html
    assert _post(client, team=trust["outpatients"].id, **args).status_code == 302
    assert len(_assignments(trust["version"].module_id)) == 2103
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 2103


def _assign_page_queries(make, count_queries, logged_in, staff: int) -> dict[str, int]:
    team = make.team(kind="team")
    manager = make.manager_of(team)
    ids = make.bulk_staff(team, staff)
    version = make.module()
    client = logged_in(manager)
    ticked = {"people": ids[:3] + ids[-3:]}
    check = {"what": f"module:{version.module_id}", "target": "people", "due_on": DUE, **ticked}
    counts = {}
    for name, path, args in (
        ("choose", "/manage/assign", {}),
        ("search with ticks", "/manage/assign", {"q": "bulk", "page": 2, **ticked}),
        ("check", "/manage/assign/check", check),
    ):
        with count_queries() as counter:
            assert client.get(path, query_string=args).status_code == 200
        counts[name] = counter.count
    return counts


def test_assign_pages_run_the_same_queries_at_any_size(make, count_queries, logged_in):
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    small = _assign_page_queries(make, count_queries, logged_in, staff=30)
    large = _assign_page_queries(make, count_queries, logged_in, staff=2000)
    assert small == large
    assert max(small.values()) <= 14, small


def test_every_problem_is_shown_at_once(trust, logged_in):
    response, html = _page(
        logged_in(trust["manager"]), "/manage/assign/check", what="", target="people"
    )
    assert response.status_code == 422
    summary = html.split('class="error-summary"')[1].split("</ul>")[0]
    for message in (
        "Choose a module or a learning path.",
        "Tick at least one person from your teams.",
        "Enter a due date.",
    ):
        assert message in summary
