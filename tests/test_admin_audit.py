"""The audit trail as a training lead reads it: sentences with names, filters, the CSV file."""

import csv
import io
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from carelearn.config import PROJECT_ROOT
from carelearn.core import clock
from carelearn.core.audit import record_event
from carelearn.models import AppRole, AuditEvent, LearningPath, OnboardingRule, QuizAttempt
from carelearn.services.reporting import audit_trail
from carelearn.services.reporting.audit_sentences import ACTION_LABELS, describe, load_names
from carelearn.services.reporting.audit_trail import AuditFilters, audit_page


@pytest.fixture
def lead(make):
    return make.user(
        email="grace.okafor@example.org",
        name="Grace Okafor",
        role="admin-staff",
        app_role=AppRole.ADMIN,
    )


@pytest.fixture
def world(db, make, lead):
    trust = make.team("Riverside Trust", kind="organisation")
    outpatients = make.team("Outpatients", kind="department", parent=trust)
    portering = make.team("Portering", parent=trust)
    version = make.module(title="Active listening", slug="active-listening")
    sam = make.user(email="sam.jones@example.org", name="Sam Jones", role="porter")
    make.join(sam, portering)
    make.join(lead, outpatients)
    return {
        "trust": trust,
        "outpatients": outpatients,
        "portering": portering,
        "version": version,
        "sam": sam,
    }


def sentences(db) -> list[str]:
    events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    names = load_names(events)
    return [describe(e, names) for e in events]


# ---------------------------------------------------------------------------------------------
# Sentences


def test_an_assignment_reads_as_a_sentence_with_names(db, world, lead):
    module_id = world["version"].module_id
    record_event(
        "assignment.create",
        "module",
        module_id,
        actor_id=lead.id,
        source="manager",
        due_on="2027-01-05",
        modules=[module_id],
        people=12,
        path_id=None,
        team_id=world["outpatients"].id,
    )
    record_event(
        "assignment.create",
        "module",
        module_id,
        actor_id=None,
        source="recertification",
        due_on="2027-02-01",
        modules=[module_id],
        people=1,
        path_id=None,
    )
    db.session.commit()
    assert sentences(db) == [
        "Grace Okafor assigned Active listening to Outpatients (12 people), due 5 Jan 2027",
        "CareLearn assigned Active listening again to 1 person, as their completion had "
        "expired, due 1 Feb 2027",
    ]


def test_changes_made_through_the_app_read_as_sentences_without_codes_or_ids(db, make, world, lead):
    from carelearn.services.onboarding.paths import add_rule, save_path
    from carelearn.services.people.checks import PersonDetails
    from carelearn.services.people.people import create_person, make_manager_of, set_active
    from carelearn.services.people.teams import rename_team

    sam, portering = world["sam"], world["portering"]
    tom = create_person(
        PersonDetails(
            email="tom@example.org",
            name="Hughes, Tom",
            job_role_id=sam.job_role_id,
            team_ids=[portering.id],
        ),
        actor_id=lead.id,
    )
    make_manager_of(sam, portering, True, actor_id=lead.id)
    rename_team(portering, "Porters", actor_id=lead.id)
    set_active(tom, False, actor_id=lead.id)
    db.session.commit()
    path = save_path(None, "Porter onboarding", "", [world["version"].module_id], lead.id)
    add_rule(sam.job_role_id, portering.id, path.id, 28, lead.id)
    lines = sentences(db)
    assert lines == [
        "Grace Okafor added Tom Hughes (tom@example.org) as a porter",
        "Grace Okafor added Tom Hughes to Porters",
        "Grace Okafor made Sam Jones a manager of Porters",
        "Grace Okafor made Sam Jones a manager (was a learner)",
        "Grace Okafor renamed the team Portering to Porters",
        "Grace Okafor deactivated Tom Hughes: they can no longer sign in",
        "Grace Okafor saved the learning path Porter onboarding: Active listening",
        "Grace Okafor added an onboarding rule: new porter staff in Porters get the learning "
        "path Porter onboarding, due 28 days after they start",
    ]
    assert not any(str(tom.id) in line or "_" in line for line in lines)
    assert db.session.scalar(select(LearningPath)) and db.session.scalar(select(OnboardingRule))


def test_a_quiz_and_a_completion_name_the_module(db, make, world):
    sam, version = world["sam"], world["version"]
    attempt = QuizAttempt(user_id=sam.id, module_version_id=version.id)
    db.session.add(attempt)
    db.session.flush()
    record_event("quiz.submit", "quiz_attempt", attempt.id, actor_id=sam.id, score=75, passed=True)
    record_event(
        "completion.create",
        "completion",
        99,
        actor_id=sam.id,
        module="active-listening",
        version="1.0",
        score=75,
        expires_on="2027-12-01",
    )
    db.session.commit()
    assert sentences(db) == [
        "Sam Jones passed the quiz for Active listening with 75 %",
        "Sam Jones completed Active listening with 75 % (version 1.0), valid until 1 Dec 2027",
    ]


def test_an_unknown_kind_and_details_of_an_odd_shape_still_read_as_a_line(db, world):
    record_event("badge.award", "user", world["sam"].id, actor_id=None, colour="gold")
    record_event("user.update", "user", world["sam"].id, changes="not a mapping")
    record_event("team.member_add", "user", 987654, team_id=123456)
    db.session.commit()
    assert sentences(db) == [
        "CareLearn: badge award (Sam Jones)",
        "CareLearn: user update (Sam Jones)",
        "CareLearn added someone no longer in CareLearn to a team no longer in CareLearn",
    ]


def _kinds_recorded_in_the_code() -> set[str]:
    """Every kind named where the app calls record_event, read from the source."""
    calls = re.compile(r'record_event\(\s*"([a-z_]+\.[a-z_.]+)"')
    return {
        kind
        for path in (PROJECT_ROOT / "carelearn").rglob("*.py")
        for kind in calls.findall(path.read_text())
    }


def test_every_kind_the_app_records_has_a_label_for_the_filter():
    found = _kinds_recorded_in_the_code()
    assert len(found) > 40
    assert found <= set(ACTION_LABELS), found - set(ACTION_LABELS)
    # And those named another way (chosen in an expression), listed by hand.
    recorded = {
        "assignment.create",
        "completion.create",
        "content.publish",
        "email.send_again",
        "path.save",
        "quiz.submit",
        "reminder.manual",
        "rule.create",
        "rule.delete",
        "staff.import",
        "team.create",
        "team.kind",
        "team.manager_add",
        "team.manager_remove",
        "team.member_add",
        "team.member_remove",
        "team.move",
        "team.rename",
        "user.create",
        "user.deactivate",
        "user.invited",
        "user.password_reset_sent",
        "user.password_set",
        "user.reactivate",
        "user.role",
        "user.update",
        "user.anonymise",
        "certificate.issue",
        "certificate.revoke",
        "record.download",
        "content.major_version",
        "prior_learning.record",
        "prior_learning.evidence_download",
    }
    assert recorded <= set(ACTION_LABELS)


def test_names_for_a_page_are_read_in_a_fixed_number_of_queries(db, make, world, count_queries):
    def fill(n):
        people = make.users(n)
        for person in people:
            record_event("team.member_add", "user", person.id, team_id=world["portering"].id)
            record_event("user.role", "user", person.id, actor_id=person.id, role="manager")
            record_event("quiz.submit", "quiz_attempt", person.id, actor_id=person.id, score=1)
            record_event(
                "assignment.create", "module", None, modules=[world["version"].module_id], people=1
            )
        db.session.commit()

    fill(3)
    with count_queries() as few:
        small = audit_page(AuditFilters())
    fill(20)
    with count_queries() as many:
        large = audit_page(AuditFilters())
    assert len(small.entries) == 12 and len(large.entries) == 50
    assert many.count == few.count <= 6, many.statements


# ---------------------------------------------------------------------------------------------
# The page: filters and paging


@pytest.fixture
def client(lead, logged_in):
    return logged_in(lead)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def entries(response) -> str:
    """The table of entries only (the filter form names every kind of entry)."""
    html = page_text(response)
    return html[html.index("<tbody>") : html.index("</tbody>")] if "<tbody>" in html else ""


def test_filters_by_person_kind_team_and_dates(db, world, lead, client):
    sam, outpatients = world["sam"], world["outpatients"]
    with clock.frozen_at(datetime(2026, 3, 1, 9, 0)):
        record_event("user.deactivate", "user", sam.id, actor_id=lead.id)
        db.session.commit()
    with clock.frozen_at(datetime(2026, 6, 1, 9, 0)):
        record_event(
            "team.rename", "team", outpatients.id, actor_id=None, previous="OPD", name="Outpatients"
        )
        db.session.commit()
    with clock.frozen_at(datetime(2026, 9, 1, 9, 0)):
        record_event("user.reactivate", "user", sam.id, actor_id=lead.id)
        db.session.commit()

    by_sam = entries(client.get("/admin/audit?person=SAM.JONES@example.org"))
    assert "deactivated Sam Jones" in by_sam and "reactivated Sam Jones" in by_sam
    assert "renamed the team" not in by_sam
    by_name = entries(client.get("/admin/audit?person=sam+jones&action=user.reactivate"))
    assert "reactivated Sam Jones" in by_name and "deactivated" not in by_name
    in_team = entries(client.get(f"/admin/audit?team={outpatients.id}"))
    # the team itself, and what Grace (in Outpatients) did
    assert "renamed the team OPD to Outpatients" in in_team and "deactivated Sam" in in_team
    portering = entries(client.get(f"/admin/audit?team={world['portering'].id}"))
    assert "renamed" not in portering and "reactivated Sam Jones" in portering
    spring = entries(client.get("/admin/audit?date_from=2026-02-01&date_to=2026-06-01"))
    assert "deactivated Sam" in spring and "renamed the team" in spring
    assert "reactivated" not in spring


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=2026-13-45", "Enter a real date for From, for example 2026-01-31."),
        ("date_to=yesterday", "Enter a real date for To, for example 2026-12-31."),
        (
            "date_from=2026-06-01&date_to=2026-01-01",
            "The end date is before the start date. Put the earlier date first.",
        ),
        ("person=nobody@example.org", "Nobody has the name or email address nobody@example.org."),
        ("action=user.explode", "Choose a kind of entry from the list."),
        ("team=abc", "Choose a team from the list."),
        ("team=99999", "Choose a team from the list."),
    ],
)
def test_bad_filters_say_what_to_fix_and_keep_what_was_typed(world, client, query, message):
    response = client.get("/admin/audit?" + query)
    html = page_text(response)
    assert response.status_code == 422
    assert "There is a problem" in html and message in html
    assert "to see entries" in html
    download = client.get("/admin/audit.csv?" + query)
    assert download.status_code == 422 and message in page_text(download)


def test_a_name_two_people_share_asks_for_the_email(make, world, client):
    make.user(name="Sam Jones", email="other.sam@example.org")
    html = page_text(client.get("/admin/audit?person=Sam+Jones"))
    assert "More than one person is called Sam Jones. Type their email address instead." in html


def test_older_pages_keep_the_filters(db, world, lead, client):
    for _ in range(60):
        record_event("user.invited", "user", world["sam"].id, actor_id=lead.id)
    record_event("team.rename", "team", world["portering"].id, previous="A", name="B")
    db.session.commit()
    first = page_text(client.get("/admin/audit?action=user.invited"))
    assert first.count("sent Sam Jones an invitation") == 50
    link = first[first.index('class="pager__next" href="') :].split('"')[3].replace("&amp;", "&")
    assert "action=user.invited" in link and "before=" in link
    second_page = client.get(link)
    second = entries(second_page)
    assert second.count("sent Sam Jones an invitation") == 10 and "renamed" not in second
    assert "Newest entries" in page_text(second_page) and "Older entries" not in page_text(
        second_page
    )


def test_only_admins_see_the_audit_trail(make, logged_in):
    for role in (AppRole.LEARNER, AppRole.MANAGER):
        client = logged_in(make.user(app_role=role))
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/audit.csv").status_code == 403


# ---------------------------------------------------------------------------------------------
# The CSV file


def test_the_csv_streams_every_filtered_entry_safe_for_excel(
    db, make, world, lead, client, monkeypatch
):
    monkeypatch.setattr(audit_trail, "CSV_BATCH", 4)  # several batches
    sly = make.user(name="=HYPERLINK(1)", email="sly@example.org")
    for _ in range(9):
        record_event("user.invited", "user", sly.id, actor_id=lead.id)
    record_event("team.rename", "team", world["portering"].id, previous="A", name="B")
    record_event("user.role", "user", sly.id, actor_id=sly.id, role="manager")
    db.session.commit()
    response = client.get("/admin/audit.csv?action=user.invited")
    assert response.status_code == 200 and response.is_streamed
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["When (UTC)", "Who", "What happened", "Kind", "Entry number"]
    assert len(rows) == 10
    assert rows[1][1:4] == [
        "Grace Okafor",
        "Grace Okafor sent =HYPERLINK(1) an invitation to set a password",
        "Invitation sent",
    ]
    everything = client.get("/admin/audit.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1) made =HYPERLINK(1) a manager" in everything
    assert "\n=" not in everything and ",=" not in everything


def test_assigning_to_a_team_names_the_team_in_the_trail(db, make, world, lead):
    from carelearn.services.onboarding.assignments import assign_modules

    people = make.staff_in(world["outpatients"], 3)
    assign_modules(
        [p.id for p in people],
        [world["version"].module_id],
        datetime(2027, 1, 5).date(),
        actor_id=lead.id,
        target={"team_id": world["outpatients"].id},
    )
    assign_modules(
        [people[0].id],
        [world["version"].module_id, make.module(title="Positive attitude").module_id],
        datetime(2027, 2, 1).date(),
        actor_id=lead.id,
        target={"user_ids": [people[0].id]},
    )
    db.session.commit()
    assert sentences(db) == [
        "Grace Okafor assigned Active listening to Outpatients (3 people), due 5 Jan 2027",
        f"Grace Okafor assigned Active listening and Positive attitude to {people[0].name}, "
        "due 1 Feb 2027",
    ]
