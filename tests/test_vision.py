"""The organisation's service vision: written by an admin, shown on My training and in lessons
that hold `{{ organisation vision }}`, with each team's one-line promise."""

from sqlalchemy import func, select

from carelearn.content.markdown import VISION_MARKER, markdown_problems, render_lesson
from carelearn.demo.vision import DEMO_PROMISES, DEMO_STATEMENT, DEMO_TEAM_PROMISES, seed_vision
from carelearn.models import AppRole, AuditEvent, Lesson, OrganisationVision, Team
from carelearn.services.people.checks import PeopleError
from carelearn.services.people.teams import create_team, set_team_promise, update_team
from carelearn.services.site.vision import (
    PROMISE_MAX,
    STATEMENT_MAX,
    current_vision,
    promise_lines,
    save_vision,
    vision_for,
    vision_problems,
)
from tests.conftest import csrf_token
from tests.content_files import write_module

STATEMENT = "Every patient is met by someone who notices them and keeps them in the picture."
PROMISES = "We say hello and give our name.\n\n  We explain   every wait.  \n"


def _save(client, statement: str, promises: str = ""):
    token = csrf_token(client, "/admin/vision")
    return client.post(
        "/admin/vision",
        data={"statement": statement, "promises": promises, "csrf_token": token},
    )


def _events(db, kind: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == kind)))


def _vision(db, make, statement: str = STATEMENT, promises=("We explain every wait.",)):
    save_vision(make.user(app_role=AppRole.ADMIN), statement, list(promises))
    db.session.commit()


# -- The admin page ------------------------------------------------------------------------------


def test_an_admin_writes_the_vision_and_the_change_is_audited(db, make, logged_in):
    admin_user = make.user(app_role=AppRole.ADMIN, name="Ada Admin")
    admin = logged_in(admin_user)
    page = admin.get("/admin/vision").get_data(as_text=True)
    assert "<h1>Service vision</h1>" in page
    assert "Nobody has written your organisation's vision yet" in page
    assert 'href="/admin/vision" aria-current="page">Service vision</a>' in page

    response = _save(admin, f"  {STATEMENT}\r\n ", PROMISES)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/vision")
    page = admin.get("/admin/vision").get_data(as_text=True)
    assert "Everyone now sees the vision at the top of My training" in page
    assert "We say hello and give our name.\nWe explain every wait.</textarea>" in page

    stored = db.session.get(OrganisationVision, 1)
    assert stored.statement == STATEMENT
    assert stored.promises == ["We say hello and give our name.", "We explain every wait."]
    assert stored.updated_by_id == admin_user.id
    [event] = _events(db, "vision.save")
    assert event.actor_id == admin_user.id
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert f"Ada Admin wrote the organisation&#39;s service vision (2 promises): “{STATEMENT}”" in (
        audit
    )

    # The same again changes and records nothing; a change is recorded as a change.
    _save(admin, STATEMENT, PROMISES)
    assert "Nothing changed" in admin.get("/admin/vision").get_data(as_text=True)
    assert len(_events(db, "vision.save")) == 1
    _save(admin, "Kind, safe and clear, every time.", "")
    audit = admin.get("/admin/audit?action=vision.save").get_data(as_text=True)
    assert (
        "Ada Admin changed the organisation&#39;s service vision (0 promises): "
        "“Kind, safe and clear, every time.”" in audit
    )
    db.session.expire_all()  # read afresh, as the next request would
    assert current_vision().promises == ()


def test_a_bad_vision_is_refused_with_what_to_fix_and_nothing_is_lost(db, make, logged_in):
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    six = "\n".join(f"Promise number {n}." for n in range(1, 7))
    too_long_promise = "We listen. " + "x" * PROMISE_MAX
    for statement, promises, message in (
        ("   ", "We listen.", "Enter the vision statement"),
        ("x" * (STATEMENT_MAX + 1), "We listen.", "Keep the vision statement to 500 characters"),
        (STATEMENT, six, "Write 5 promises at most: there are 6. Join two, or leave one out."),
        (STATEMENT, f"We listen.\n{too_long_promise}", "Promise 2 has 171 characters"),
    ):
        response = _save(admin, statement, promises)
        assert response.status_code == 422, message
        html = response.get_data(as_text=True)
        assert "<title>Error: Service vision" in html
        assert "There is a problem" in html and message in html, (message, html)
        assert statement.strip()[:40] in html  # nothing lost from the form
        assert promises.splitlines()[-1] in html
    assert db.session.scalar(select(func.count(OrganisationVision.id))) == 0
    assert _events(db, "vision.save") == []


def test_only_admins_write_the_vision(client, make, logged_in):
    for role in (AppRole.LEARNER, AppRole.MANAGER):
        browser = logged_in(make.user(app_role=role))
        assert browser.get("/admin/vision").status_code == 403
        token = csrf_token(browser, "/learn")
        response = browser.post("/admin/vision", data={"statement": "x", "csrf_token": token})
        assert response.status_code == 403
    assert client.get("/admin/vision").status_code == 302  # logged out: to the log-in page
    admin = logged_in(make.user(app_role=AppRole.ADMIN))
    assert admin.post("/admin/vision", data={"statement": "Kind."}).status_code == 400
    assert current_vision() is None


def test_vision_rules_directly(db, make):
    assert promise_lines(" One \n\n\n  two   words \r\n") == ["One", "two words"]
    assert vision_problems(STATEMENT, ["One"] * 5) == {}
    assert set(vision_problems("", ["x" * (PROMISE_MAX + 1)] * 6)) == {"statement", "promises"}
    assert len(vision_problems(STATEMENT, ["x" * (PROMISE_MAX + 1)] * 2)["promises"]) == 2
    admin = make.user(app_role=AppRole.ADMIN)
    try:
        save_vision(admin, "  ", [])
    except ValueError as refused:
        assert "Enter the vision statement" in str(refused)
    else:
        raise AssertionError("an empty statement was saved")
    assert save_vision(admin, STATEMENT, [" We listen. ", ""]) is True
    assert save_vision(admin, f" {STATEMENT} ", ["We listen."]) is False
    db.session.commit()
    assert current_vision().promises == ("We listen.",)


# -- Team promises -------------------------------------------------------------------------------


def test_an_admin_gives_a_team_its_promise_on_the_team_form(db, make, logged_in):
    admin = logged_in(make.user(app_role=AppRole.ADMIN, name="Ada Admin"))
    team = make.team(name="Ward 7", kind="team")
    url = f"/admin/teams/{team.id}"
    page = admin.get(url).get_data(as_text=True)
    assert "The team&#39;s service promise (optional)" in page

    def post(promise: str):
        token = csrf_token(admin, url)
        return admin.post(
            url,
            data={
                "name": "Ward 7",
                "kind": "team",
                "parent": "",
                "service_promise": promise,
                "csrf_token": token,
            },
        )

    assert post("  Nobody waits   without being told why. ").status_code == 302
    db.session.refresh(team)
    assert team.service_promise == "Nobody waits without being told why."
    too_long = "We care. " + "x" * 200
    response = post(too_long)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Keep the team&#39;s promise to 200 characters or fewer: it has 209." in html
    assert too_long in html  # nothing lost
    db.session.refresh(team)
    assert team.service_promise == "Nobody waits without being told why."
    assert post("We explain every wait.").status_code == 302
    assert post("").status_code == 302
    db.session.refresh(team)
    assert team.service_promise is None
    audit = admin.get("/admin/audit?action=team.promise").get_data(as_text=True)
    assert "Ada Admin gave Ward 7 the service promise “Nobody waits without being told why.”" in (
        audit
    )
    assert "Ada Admin changed the service promise of Ward 7 to “We explain every wait.”" in audit
    assert "Ada Admin removed the service promise of Ward 7" in audit
    assert len(_events(db, "team.promise")) == 3


def test_team_promise_rules_directly(db, make):
    team = create_team("Theatres", "team", service_promise="  We keep you warm. ")
    assert team.service_promise == "We keep you warm."
    assert [e.details["promise"] for e in _events(db, "team.promise")] == ["We keep you warm."]
    quiet = create_team("Pharmacy", "team")
    assert quiet.service_promise is None and len(_events(db, "team.promise")) == 1
    # Leaving the promise out of an update keeps it.
    assert update_team(team, name="Theatres", kind="team", parent_id=None) == []
    assert team.service_promise == "We keep you warm."
    assert set_team_promise(team, "We keep you warm.") is False
    try:
        set_team_promise(team, "x" * 201)
    except PeopleError as refused:
        assert refused.field == "service_promise"
    else:
        raise AssertionError("a promise too long was saved")


# -- My training ---------------------------------------------------------------------------------


def test_my_training_shows_the_vision_and_nothing_without_one(db, make, logged_in):
    make.module()
    learner = logged_in(make.user())
    html = learner.get("/learn").get_data(as_text=True)
    assert "Our service vision" not in html and "What we promise" not in html

    _vision(db, make, promises=["We explain every wait.", "We find someone who can help."])
    html = learner.get("/learn").get_data(as_text=True)
    assert '<h2 id="vision-title">Our service vision</h2>' in html
    assert f"<p>{STATEMENT}</p>" in html
    assert "<li>We explain every wait.</li>" in html
    assert "<li>We find someone who can help.</li>" in html
    assert "Your team's promise" not in html  # in no team
    assert html.index("Our service vision") < html.index("module-list")


def test_a_team_promise_is_shown_to_that_teams_members_only(db, make, logged_in):
    _vision(db, make)
    ward = make.team(name="Ward 7")
    clinic = make.team(name="Eye Clinic")
    quiet = make.team(name="Pharmacy")  # no promise
    ward.service_promise = "Nobody waits without being told why."
    clinic.service_promise = "We read every letter aloud if you ask."
    db.session.commit()
    member, both, outsider = make.user(), make.user(), make.user()
    make.join(member, ward, quiet)
    make.join(both, ward, clinic)
    make.join(outsider, quiet)

    html = logged_in(member).get("/learn").get_data(as_text=True)
    assert "<strong>Your team's promise:</strong> Nobody waits without being told why." in html
    assert "We read every letter aloud" not in html
    html = logged_in(both).get("/learn").get_data(as_text=True)
    assert "<strong>Your team's promise (Eye Clinic):</strong> We read every letter" in html
    assert "<strong>Your team's promise (Ward 7):</strong> Nobody waits" in html
    html = logged_in(outsider).get("/learn").get_data(as_text=True)
    assert STATEMENT in html and "Your team's promise" not in html

    # Without a vision, no team promise is shown either.
    db.session.delete(db.session.get(OrganisationVision, 1))
    db.session.commit()
    assert "Nobody waits" not in logged_in(member).get("/learn").get_data(as_text=True)
    assert vision_for(member) is None


def test_my_training_reads_the_vision_and_team_promises_in_one_query(
    db, make, logged_in, count_queries
):
    make.module()
    learner = make.user()
    client = logged_in(learner)
    client.get("/learn")
    with count_queries() as without:
        assert client.get("/learn").status_code == 200
    _vision(db, make)
    for n in range(3):
        team = make.team()
        team.service_promise = f"Promise of team {n}."
        db.session.commit()
        make.join(learner, team)
    client.get("/learn")
    with count_queries() as with_vision:
        html = client.get("/learn").get_data(as_text=True)
    assert "Promise of team 2." in html
    assert with_vision.count == without.count


# -- Lessons -------------------------------------------------------------------------------------

LESSON = "Before the vision.\n\n{{ organisation vision }}\n\nAfter the vision.\n"


def _lesson_with_placeholder(db, make) -> str:
    version = make.module(lessons=2)
    lesson = db.session.scalar(
        select(Lesson).where(Lesson.module_version_id == version.id, Lesson.position == 1)
    )
    lesson.body_html = render_lesson(LESSON)
    db.session.commit()
    return f"/learn/{version.slug}/lessons/1"


def test_a_lesson_shows_the_vision_where_it_holds_the_placeholder(db, make, logged_in):
    url = _lesson_with_placeholder(db, make)
    learner = logged_in(make.user())
    html = learner.get(url).get_data(as_text=True)
    assert "<p>Before the vision.</p>" in html and "<p>After the vision.</p>" in html
    assert "organisation vision" not in html and "data-organisation-vision" not in html
    assert "Your organisation's service vision" not in html

    _vision(db, make, promises=["We explain every wait."])
    html = learner.get(url).get_data(as_text=True)
    block = html.index("Your organisation's service vision")
    assert html.index("Before the vision.") < block < html.index("After the vision.")
    assert html.index(STATEMENT) > block and "<li>We explain every wait.</li>" in html
    assert '<div class="notice">' in html and "data-organisation-vision" not in html


def test_render_lesson_turns_the_placeholder_line_into_a_marker():
    assert render_lesson("{{ organisation vision }}") == VISION_MARKER + "\n"
    html = render_lesson(LESSON)
    assert html.count(VISION_MARKER) == 1 and "{{" not in html
    # Only a line of its own becomes the marker; raw HTML stays escaped.
    assert VISION_MARKER not in render_lesson("Our vision: {{ organisation vision }}")
    assert VISION_MARKER not in render_lesson("- {{ organisation vision }}")
    assert "<div" not in render_lesson('<div data-organisation-vision=""></div>')
    assert markdown_problems(LESSON) == []


def test_the_checker_names_unknown_and_misplaced_placeholders(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_module(
        tmp_path / "modules",
        lessons={
            "lessons/01-hello.md": "## Say hello\n\nLook up.\n\n{{ team name }}\n",
            "lessons/02-names.md": "## Names\n\nOur words: {{ organisation vision }}\n\n"
            "{{ organisation vision }}\n",
        },
    )
    result = app.test_cli_runner().invoke(args=["content", "check", "modules"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "modules/greeting/lessons/01-hello.md:5: unknown placeholder {{ team name }}: the only "
        "one a lesson can use is {{ organisation vision }}, written exactly so" in lines
    ), lines
    assert any(
        line.startswith(
            "modules/greeting/lessons/02-names.md:3: put {{ organisation vision }} on a line "
            "of its own"
        )
        for line in lines
    ), lines
    assert not any("02-names.md:5: put" in line for line in lines), lines  # alone: fine


def test_the_service_vision_module_uses_the_placeholder_and_is_valid(app):
    from carelearn.config import PROJECT_ROOT

    folder = PROJECT_ROOT / "modules" / "service-vision"
    texts = [path.read_text() for path in sorted((folder / "lessons").glob("*.md"))]
    assert 1 <= sum(text.count("\n{{ organisation vision }}\n") for text in texts) <= 2
    assert "sv-reflect-vision-in-my-job" in (folder / "questions.yml").read_text()
    result = app.test_cli_runner().invoke(args=["content", "check", str(folder)])
    assert result.exit_code == 0, result.output


# -- Demo data -----------------------------------------------------------------------------------


def test_seed_vision_writes_the_demo_vision_once(db, make):
    admin = make.user(app_role=AppRole.ADMIN, email="admin@carelearn.example")
    reception = make.team(name="Outpatients Reception")
    portering = make.team(name="Portering")
    portering.service_promise = "Our own words."
    db.session.commit()

    assert seed_vision() is True
    vision = current_vision()
    assert vision.statement == DEMO_STATEMENT and list(vision.promises) == DEMO_PROMISES
    assert len(DEMO_PROMISES) == 4 and vision_problems(DEMO_STATEMENT, DEMO_PROMISES) == {}
    assert all(len(p) <= 200 for p in DEMO_TEAM_PROMISES.values())
    db.session.refresh(reception)
    db.session.refresh(portering)
    assert reception.service_promise == DEMO_TEAM_PROMISES["Outpatients Reception"]
    assert portering.service_promise == "Our own words."  # a promise of its own is kept
    assert db.session.scalar(select(func.count(Team.id))) == 2  # no team is added
    [event] = _events(db, "vision.save")
    assert event.actor_id == admin.id

    assert seed_vision() is False
    assert len(_events(db, "vision.save")) == 1 and len(_events(db, "team.promise")) == 1
