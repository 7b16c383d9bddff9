"""Importing staff from an HR spreadsheet: parsing, planning, applying, the page and the command."""

from datetime import date

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from carelearn.admin.staff_import import IMPORT_SALT
from carelearn.models import (
    AppRole,
    Assignment,
    AuditEvent,
    LearningPath,
    LearningPathStep,
    OnboardingRule,
    TeamManager,
    TeamMembership,
    User,
)
from carelearn.services.people import staff_import
from carelearn.services.people.accounts import ensure_job_roles
from carelearn.services.people.checks import PeopleError
from carelearn.services.people.people import team_ids_of
from carelearn.services.people.staff_csv import MAX_IMPORT_BYTES, parse_date, parse_staff_csv
from carelearn.services.people.staff_import import ImportRefused, apply_import, plan_import
from carelearn.services.people.teams import team_managers
from tests.conftest import csrf_token
from tests.mail import outbox_messages, text_of

HEADER = "email,name,job role,team,start date,manager flag\n"


@pytest.fixture
def teams(db, make):
    trust = make.team("Riverside Trust", kind="organisation")
    outpatients = make.team("Outpatients", kind="department", parent=trust)
    reception = make.team("Outpatients Reception", kind="team", parent=outpatients)
    portering = make.team("Portering", kind="team", parent=trust)
    return {t.name: t for t in (trust, outpatients, reception, portering)}


@pytest.fixture
def admin(make):
    return make.user(
        email="admin@example.org", name="Ada Admin", role="admin-staff", app_role=AppRole.ADMIN
    )


def plan_of(text: str | bytes):
    return plan_import(parse_staff_csv(text if isinstance(text, bytes) else text.encode()))


def only_row(plan):
    assert len(plan.rows) == 1, plan.rows
    return plan.rows[0]


def user_count(db):
    return db.session.scalar(select(func.count()).select_from(User))


def by_email(db, email):
    return db.session.scalar(select(User).where(User.email == email))


# ---------------------------------------------------------------------------------------------
# Reading the file as Excel writes it


def test_a_byte_order_mark_is_ignored(teams):
    data = (
        "\ufeff".encode()
        + (HEADER + "tom@example.org,Tom Hughes,Receptionist,Outpatients Reception,,\n").encode()
    )
    row = only_row(plan_of(data))
    assert row.status == "new" and row.email == "tom@example.org"


def test_semicolons_between_columns(teams):
    plan = plan_of(
        "Email;Name;Job role;Team;Start date;Manager flag\r\n"
        "tom@example.org;Tom Hughes;receptionist;Outpatients Reception;06/01/2025;no\r\n"
    )
    row = only_row(plan)
    assert (row.status, row.name, row.team.name) == ("new", "Tom Hughes", "Outpatients Reception")


def test_a_quoted_field_may_hold_the_delimiter(teams):
    plan = plan_of(
        HEADER + '"tom@example.org","Hughes, Tom",Receptionist,"Outpatients Reception",,\n'
    )
    row = only_row(plan)
    assert row.cells["name"] == "Hughes, Tom" and row.name == "Tom Hughes"


def test_header_names_ignore_case_spaces_and_underscores(teams):
    plan = plan_of(
        "EMAIL, Name ,job_role,TEAM,Start_Date,Manager_flag,Payroll number\n"
        "tom@example.org,Tom Hughes,Receptionist,Outpatients Reception,,,12345\n"
    )
    assert only_row(plan).status == "new"
    assert plan.ignored_columns == ["Payroll number"]


def test_a_windows_1252_file_from_older_excel_is_read(teams):
    data = (HEADER + "zoe@example.org,Zoë Brontë,Nurse,Outpatients,,\n").encode("cp1252")
    assert only_row(plan_of(data)).name == "Zoë Brontë"


def test_day_first_dates(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Porter,Portering,06/01/2025,\n"))
    assert row.start_date == date(2025, 1, 6)
    assert parse_date("6/1/2025") == date(2025, 1, 6)
    assert parse_date("06.01.2025") == date(2025, 1, 6)


def test_iso_dates(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Porter,Portering,2025-01-06,\n"))
    assert row.start_date == date(2025, 1, 6)


def test_missing_columns_are_named(teams):
    plan = plan_of("email,name,team\ntom@example.org,Tom,Portering\n")
    assert plan.has_errors and plan.rows == []
    assert "Missing: job role" in plan.problems[0]


def test_an_empty_file_or_header_only_is_an_error(teams):
    assert "empty" in plan_of("").problems[0]
    assert "no staff" in plan_of(HEADER).problems[0]


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(teams):
    plan = plan_of(HEADER + ",,,,,\n\n" + "tom@example.org,Tom,Porter,Portering,,\n")
    assert only_row(plan).line == 4


# ---------------------------------------------------------------------------------------------
# Row errors, each with its reason


def test_bad_email(teams):
    row = only_row(plan_of(HEADER + "tom-at-example.org,Tom,Porter,Portering,,\n"))
    assert row.status == "error" and row.errors == ["bad email 'tom-at-example.org'"]


def test_unknown_team(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Porter,Car Park,,\n"))
    assert row.status == "error" and row.errors == ["unknown team 'Car Park'"]


def test_team_matches_whatever_its_capitals(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Porter,PORTERING,,\n"))
    assert row.team.name == "Portering"


def test_unknown_job_role(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Surgeon,Portering,,\n"))
    assert row.status == "error" and row.errors == ["unknown job role 'Surgeon'"]


@pytest.mark.parametrize(
    "written",
    [
        "healthcare-assistant",
        "Healthcare assistant",
        "HEALTHCARE ASSISTANT",
        "healthcare_assistant",
    ],
)
def test_job_role_by_slug_or_name(teams, written):
    row = only_row(plan_of(HEADER + f"tom@example.org,Tom,{written},Portering,,\n"))
    assert row.job_role.slug == "healthcare-assistant"


def test_duplicate_email_in_file(teams):
    plan = plan_of(
        HEADER + "tom@example.org,Tom,Porter,Portering,,\n"
        "ann@example.org,Ann,Nurse,Outpatients,,\n"
        "TOM@example.org,Thomas,Porter,Portering,,\n"
    )
    first, second, third = plan.rows
    assert first.errors == ["duplicate email in file: tom@example.org is also on row 4"]
    assert third.errors == ["duplicate email in file: tom@example.org is also on row 2"]
    assert second.status == "new" and plan.has_errors


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("31/02/2025", "there is no such day"),
        ("2025-13-01", "there is no such day"),
        ("next Monday", "use dd/mm/yyyy"),
        ("06/01/25", "use dd/mm/yyyy"),
    ],
)
def test_bad_date(teams, written, reason):
    row = only_row(plan_of(HEADER + f"tom@example.org,Tom,Porter,Portering,{written},\n"))
    assert row.status == "error" and reason in row.errors[0]


def test_missing_name(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,,Porter,Portering,,\n"))
    assert row.status == "error" and row.errors == ["missing name"]


def test_bad_manager_flag(teams):
    row = only_row(plan_of(HEADER + "tom@example.org,Tom,Porter,Portering,,maybe\n"))
    assert row.status == "error" and "manager flag 'maybe'" in row.errors[0]


def test_every_reason_for_a_row_is_listed(teams):
    row = only_row(plan_of(HEADER + "bad,,Surgeon,Car Park,32/01/2025,\n"))
    assert len(row.errors) == 5


# ---------------------------------------------------------------------------------------------
# Applying: new, changed, unchanged; all or nothing


@pytest.mark.parametrize("flag", ["yes", "Y", "TRUE", "1"])
def test_a_manager_flag_makes_them_manager_of_the_team(db, teams, flag):
    plan = plan_of(HEADER + f"gm@example.org,Grace,Nurse,Outpatients,,{flag}\n")
    apply_import(plan)
    grace = by_email(db, "gm@example.org")
    assert grace.app_role == "manager"
    assert [u.id for u in team_managers(teams["Outpatients"].id)] == [grace.id]


def test_a_manager_flag_leaves_an_admin_an_admin(db, teams, admin):
    apply_import(plan_of(HEADER + "ADMIN@example.org,Ada Admin,Admin staff,Outpatients,,yes\n"))
    assert by_email(db, "admin@example.org").app_role == "admin"


def test_reimport_updates_people_by_email_and_says_what_changed(db, teams, make):
    apply_import(
        plan_of(
            HEADER + "tom@example.org,Tom Hughes,Receptionist,"
            "Outpatients Reception,06/01/2025,no\n"
            "ann@example.org,Ann Lee,Nurse,Outpatients,,no\n"
        )
    )
    tom = by_email(db, "tom@example.org")
    plan = plan_of(
        HEADER + "Tom@Example.org,Tom Hughes-Ali,Porter,Portering,2025-02-03,yes\n"
        "ann@example.org,Ann Lee,nurse,outpatients,,\n"
    )
    changed, unchanged = plan.rows
    assert changed.status == "changed" and unchanged.status == "unchanged"
    assert changed.changes == [
        "name: Tom Hughes → Tom Hughes-Ali",
        "job role: Receptionist → Porter",
        "team: Outpatients Reception → Portering",
        "start date: 06/01/2025 → 03/02/2025",
        "manager of Portering: no → yes",
        "app role: learner → manager",
    ]
    result = apply_import(plan)
    assert (len(result.created), len(result.updated), result.unchanged) == (0, 1, 1)
    db.session.expire_all()
    tom = db.session.get(User, tom.id)
    assert (tom.name, tom.job_role.slug, tom.start_date, tom.app_role) == (
        "Tom Hughes-Ali",
        "porter",
        date(2025, 2, 3),
        "manager",
    )
    assert team_ids_of(tom.id) == [teams["Portering"].id]
    assert user_count(db) == 2
    assert all(
        row.status == "unchanged"
        for row in plan_of(HEADER + "tom@example.org,Tom Hughes-Ali,Porter,Portering,,yes\n").rows
    )


def test_a_no_flag_stops_them_managing_that_team(db, teams):
    apply_import(plan_of(HEADER + "gm@example.org,Grace,Nurse,Outpatients,,yes\n"))
    plan = plan_of(HEADER + "gm@example.org,Grace,Nurse,Outpatients,,\n")
    assert only_row(plan).changes == ["manager of Outpatients: yes → no"]
    apply_import(plan)
    assert team_managers(teams["Outpatients"].id) == []


def test_a_file_with_any_error_imports_nothing(db, teams):
    before = user_count(db)
    plan = plan_of(
        HEADER + "tom@example.org,Tom,Porter,Portering,,\nann@example.org,Ann,Nurse,Nowhere,,\n"
    )
    assert plan.rows[0].status == "new" and plan.has_errors
    with pytest.raises(ImportRefused):
        apply_import(plan)
    assert user_count(db) == before


def test_a_failure_part_way_rolls_back_every_row(db, make, teams, monkeypatch):
    make.user(email="ann@example.org", name="Ann", role="nurse")
    plan = plan_of(
        HEADER + "tom@example.org,Tom,Porter,Portering,,\n"
        "ann@example.org,Ann Lee,Nurse,Outpatients,,\n"
    )
    assert [r.status for r in plan.rows] == ["new", "changed"]
    events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))

    def fail(*_args, **_kwargs):
        # As if another admin had taken the address a moment before: after Tom is written.
        assert db.session.scalar(select(User.id).where(User.email == "tom@example.org"))
        raise PeopleError("Someone already has the email address ann@example.org.")

    monkeypatch.setattr(staff_import, "update_people", fail)
    with pytest.raises(ImportRefused, match="Nothing was imported"):
        apply_import(plan)
    assert by_email(db, "tom@example.org") is None
    assert by_email(db, "ann@example.org").name == "Ann"
    assert db.session.scalar(select(func.count()).select_from(TeamMembership)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == events_before


def test_new_people_only_get_onboarding_and_an_invitation(app, db, make, teams, admin):
    version = make.module()
    path = LearningPath(name="Front desk onboarding")
    path.steps = [LearningPathStep(module_id=version.module_id, position=1)]
    db.session.add(path)
    db.session.flush()
    roles = ensure_job_roles()
    db.session.add(
        OnboardingRule(job_role_id=roles["receptionist"].id, path_id=path.id, due_days=14)
    )
    db.session.commit()
    existing = make.user(email="old@example.org", name="Old Hand", role="receptionist")
    make.join(existing, teams["Outpatients Reception"])

    result = apply_import(
        plan_of(
            HEADER + "new@example.org,New Starter,Receptionist,Outpatients Reception,06/01/2025,\n"
            "old@example.org,Old Hand,Receptionist,Outpatients Reception,,\n"
            "other@example.org,Other Person,Receptionist,Portering,,\n"
        ),
        actor_id=admin.id,
    )
    assert [u.email for u in result.created] == ["new@example.org", "other@example.org"]
    new = by_email(db, "new@example.org")
    assignment = db.session.scalar(select(Assignment).where(Assignment.user_id == new.id))
    assert assignment.source == "rule" and assignment.module_id == version.module_id
    assert db.session.scalar(select(Assignment).where(Assignment.user_id == existing.id)) is None
    recipients = sorted(m["To"] for m in outbox_messages(app))
    assert recipients == ["new@example.org", "other@example.org"]


def test_the_import_is_audited(db, teams, admin):
    apply_import(plan_of(HEADER + "tom@example.org,Tom,Porter,Portering,,yes\n"), actor_id=admin.id)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[:5] == [
        "user.create",
        "team.member_add",
        "team.manager_add",
        "user.role",
        "staff.import",
    ]
    assert actions[5:] == ["user.invited"]  # after the commit, by the invitations


def import_queries(db, count_queries, count):
    """Statements other than INSERTs for importing `count` new people, then changing them all.

    INSERTs are left out: PostgreSQL batches them (a statement per thousand rows), SQLite
    cannot return the new ids of a batch so inserts a row at a time. Everything else must not
    grow with the number of rows."""
    lines = "".join(
        f"p{i}@example.org,Person {i},Porter,Portering,06/01/2025,{i % 2}\n" for i in range(count)
    )
    with count_queries() as first:
        apply_import(plan_of(HEADER + lines), welcome=False)
    moved = lines.replace("Person", "Human").replace("Portering", "Outpatients")
    with count_queries() as second:
        result = apply_import(plan_of(HEADER + moved), welcome=False)
    assert len(result.updated) == count
    db.session.execute(TeamManager.__table__.delete())
    db.session.execute(TeamMembership.__table__.delete())
    db.session.execute(User.__table__.delete())
    db.session.commit()
    return [
        len([s for s in counter.statements if not s.lstrip().upper().startswith("INSERT")])
        for counter in (first, second)
    ]


def test_import_queries_do_not_grow_with_the_number_of_rows(db, teams, count_queries):
    assert import_queries(db, count_queries, 10) == import_queries(db, count_queries, 400)


# ---------------------------------------------------------------------------------------------
# The command


def write(tmp_path, text, name="staff.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8-sig"))
    return str(path)


def test_dry_run_writes_nothing(app, db, teams, tmp_path):
    path = write(tmp_path, HEADER + "tom@example.org,Tom,Porter,Portering,,\n")
    result = app.test_cli_runner().invoke(args=["import-staff", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "row 2: new tom@example.org" in result.output
    assert "1 new, 0 changed, 0 unchanged, 0 with errors" in result.output
    assert "Dry run: nothing was written." in result.output
    assert by_email(db, "tom@example.org") is None
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_the_command_imports_and_prints_a_line_per_row(app, db, teams, tmp_path):
    path = write(tmp_path, HEADER + "tom@example.org,Tom,Porter,Portering,,\n")
    result = app.test_cli_runner().invoke(args=["import-staff", path])
    assert result.exit_code == 0, result.output
    assert "Imported: 1 new, 0 changed, 0 unchanged." in result.output
    assert by_email(db, "tom@example.org").job_role.slug == "porter"
    again = app.test_cli_runner().invoke(args=["import-staff", path])
    assert "row 2: unchanged tom@example.org" in again.output


def test_the_command_exits_1_on_errors_and_writes_nothing(app, db, teams, tmp_path):
    path = write(
        tmp_path, HEADER + "tom@example.org,Tom,Porter,Portering,,\nbad,Ann,Nurse,Outpatients,,\n"
    )
    result = app.test_cli_runner().invoke(args=["import-staff", path])
    assert result.exit_code == 1
    assert "row 3: error (no email): bad email 'bad'" in result.output
    assert "Nothing was imported" in result.output
    assert by_email(db, "tom@example.org") is None


# ---------------------------------------------------------------------------------------------
# The admin page: upload, preview, confirm


@pytest.fixture
def admin_client(admin, logged_in):
    return logged_in(admin)


def upload(client, text: str | bytes, name="staff.csv"):
    token = csrf_token(client, "/admin/import")
    data = text if isinstance(text, bytes) else text.encode("utf-8-sig")
    return client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (__import__("io").BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def confirm_payload(html: str) -> str:
    marker = 'name="payload" type="hidden" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_preview_writes_nothing_until_the_admin_confirms(db, teams, admin_client):
    before = user_count(db)
    response = upload(
        admin_client, HEADER + 'tom@example.org,"Hughes, Tom",Porter,Portering,06/01/2025,no\n'
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check the import" in html and "Import 1 row" in html and "New" in html
    assert user_count(db) == before
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import/confirm", data={"csrf_token": token, "payload": confirm_payload(html)}
    )
    assert response.status_code == 302
    assert by_email(db, "tom@example.org").name == "Tom Hughes"
    assert "Import finished: 1 new, 0 changed, 0 unchanged." in admin_client.get(
        response.headers["Location"]
    ).get_data(as_text=True)


def test_preview_lists_errors_and_offers_no_confirm(db, teams, admin_client):
    response = upload(
        admin_client,
        HEADER + "tom@example.org,Tom,Porter,Portering,,\nann@example.org,Ann,Nurse,Nowhere,,\n",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing can be imported yet" in html
    assert "Row 3: unknown team &#39;Nowhere&#39;" in html
    assert 'name="payload"' not in html


def test_confirm_is_refused_for_a_file_with_errors(db, app, teams, admin, admin_client):
    # Even a correctly signed payload is planned again, and refused when a row has an error.
    text = HEADER + "tom@example.org,Tom,Porter,Portering,,\nbad,Ann,Nurse,Outpatients,,\n"
    payload = URLSafeTimedSerializer(app.secret_key, salt=IMPORT_SALT).dumps(
        {"by": admin.id, "name": "staff.csv", "csv": text, "plan": "anything"}
    )
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import/confirm", data={"csrf_token": token, "payload": payload}
    )
    assert response.status_code == 422
    assert by_email(db, "tom@example.org") is None


def test_a_tampered_payload_is_refused(db, teams, admin_client):
    html = upload(admin_client, HEADER + "tom@example.org,Tom,Porter,Portering,,\n").get_data(
        as_text=True
    )
    payload = confirm_payload(html)
    token = csrf_token(admin_client, "/admin/import")
    forged = payload[:-3] + ("AAA" if payload[-3:] != "AAA" else "BBB")
    assert (
        admin_client.post(
            "/admin/import/confirm", data={"csrf_token": token, "payload": forged}
        ).status_code
        == 400
    )
    assert (
        admin_client.post("/admin/import/confirm", data={"payload": payload}).status_code == 400
    )  # no CSRF token
    assert by_email(db, "tom@example.org") is None


def test_confirm_shows_the_preview_again_when_things_changed_meanwhile(
    db, make, teams, admin_client
):
    html = upload(admin_client, HEADER + "tom@example.org,Tom,Porter,Portering,,\n").get_data(
        as_text=True
    )
    make.user(email="tom@example.org", name="Tom Already", role="porter")
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import/confirm", data={"csrf_token": token, "payload": confirm_payload(html)}
    )
    assert response.status_code == 409
    assert "changed since you saw the preview" in response.get_data(as_text=True)
    assert by_email(db, "tom@example.org").name == "Tom Already"


def test_confirming_twice_imports_once(db, teams, admin_client):
    html = upload(admin_client, HEADER + "tom@example.org,Tom,Porter,Portering,,\n").get_data(
        as_text=True
    )
    token = csrf_token(admin_client, "/admin/import")
    data = {"csrf_token": token, "payload": confirm_payload(html)}
    assert admin_client.post("/admin/import/confirm", data=data).status_code == 302
    assert admin_client.post("/admin/import/confirm", data=data).status_code == 409
    assert user_count(db) == 2  # the admin and Tom


def test_only_csv_files_are_accepted(db, teams, admin_client):
    response = upload(admin_client, HEADER, name="staff.xlsx")
    assert response.status_code == 422
    assert "The file must be a CSV file" in response.get_data(as_text=True)
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert "Choose a CSV file to upload." in response.get_data(as_text=True)


def test_a_file_over_the_size_limit_is_refused_clearly(db, teams, admin_client):
    big = (HEADER + "tom@example.org,Tom,Porter,Portering,,\n" * 30000).encode()
    assert len(big) > MAX_IMPORT_BYTES
    response = upload(admin_client, big)
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


def test_a_file_just_over_the_limit_is_refused_clearly(db, teams, admin_client):
    big = (HEADER + "x" * MAX_IMPORT_BYTES).encode()
    response = upload(admin_client, big)
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Names as HR files hold them, and preferred names


def test_surname_comma_forename_is_stored_forename_first_and_the_preview_says_so(
    app, db, teams, admin_client
):
    response = upload(
        admin_client,
        "email,name,job role,team,preferred name\n"
        'grace@example.org,"Okafor, Grace",Nurse,Outpatients,Gracie\n'
        'tunde@example.org,"Adeyemi, Tunde",Porter,Portering,\n',
    )
    html = response.get_data(as_text=True)
    assert "Will be added as Grace Okafor (greeted as Gracie)" in html
    assert 'Grace Okafor <span class="meta">(in the file: Okafor, Grace)</span>' in html
    assert "Will be added as Tunde Adeyemi" in html and '<th scope="col">Preferred name' in html
    token = csrf_token(admin_client, "/admin/import")
    admin_client.post(
        "/admin/import/confirm", data={"csrf_token": token, "payload": confirm_payload(html)}
    )
    grace, tunde = by_email(db, "grace@example.org"), by_email(db, "tunde@example.org")
    assert (grace.name, grace.preferred_name) == ("Grace Okafor", "Gracie")
    assert (tunde.name, tunde.preferred_name) == ("Tunde Adeyemi", None)
    greetings = {m["To"]: text_of(m).splitlines()[0] for m in outbox_messages(app)}
    assert greetings == {"grace@example.org": "Hello Gracie,", "tunde@example.org": "Hello Tunde,"}


def test_a_preferred_name_is_changed_by_the_file_and_kept_when_left_blank(db, teams, make):
    person = make.user(email="grace@example.org", name="Grace Okafor", role="nurse")
    make.join(person, teams["Outpatients"])
    header = "email,name,job role,team,preferred name\n"
    row = only_row(plan_of(header + 'grace@example.org,"Okafor, Grace",Nurse,Outpatients,Gracie\n'))
    assert row.status == "changed" and row.changes == ["preferred name: (none) → Gracie"]
    apply_import(plan_of(header + "grace@example.org,Grace Okafor,Nurse,Outpatients,Gracie\n"))
    assert by_email(db, "grace@example.org").preferred_name == "Gracie"
    blank = only_row(plan_of(header + 'grace@example.org,"Okafor, Grace",Nurse,Outpatients,\n'))
    assert blank.status == "unchanged"


def test_names_with_more_than_one_comma_are_errors_that_say_what_to_write(teams):
    row = only_row(plan_of(HEADER + 'tom@example.org,"Hughes, Tom, Jr",Porter,Portering,,\n'))
    assert row.status == "error"
    assert row.errors == ["write the name without commas, like Grace Okafor (or Okafor, Grace)."]
