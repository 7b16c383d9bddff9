"""Observed practice: a manager or a named practice supervisor watches someone at work and signs
a module's checklist off on a phone; a sign-off with every item met completes a passed quiz that
waited for it; the person reads the feedback on My record and says so."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from carelearn.core import clock
from carelearn.models import (
    AppRole,
    AuditEvent,
    Completion,
    PracticeObservation,
    QuizAttempt,
    TeamSupervisor,
    TrainingRecord,
)
from carelearn.services.evidence.observations import (
    COMMENT_MAX,
    ItemAnswer,
    ObservationNotFound,
    ObservationProblems,
    check_answers,
    outcome_of,
    record_observation,
)
from carelearn.services.evidence.supervisors import is_observer, may_observe
from carelearn.services.reporting.audit_sentences import describe, load_names
from carelearn.services.training import published
from carelearn.services.training.attempts import find_attempt
from carelearn.services.training.quiz import open_attempt, parse_answers, submit_attempt
from tests.conftest import csrf_token
from tests.factories import answers

CHECKLIST = [
    "Greets the patient within a few seconds and gives their name and role",
    "Explains the wait and what happens next",
    "Checks the patient has understood, in their own words",
]
ALL_MET = [ItemAnswer(True), ItemAnswer(True), ItemAnswer(True)]
ONE_NOT_YET = [
    ItemAnswer(True),
    ItemAnswer(False, "Say how long the wait is, even when you are not sure."),
    ItemAnswer(True, "Clear and kind."),
]


@pytest.fixture
def ward(app, make, db):
    """A department with a team (and one below it), a team outside it, a manager of the
    department, a supervisor of the reception team, and a module whose practice must be signed
    off."""
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    department = make.team("Outpatients", kind="department")
    reception = make.team("Outpatients Reception", parent=department)
    evening = make.team("Evening Desk", parent=reception)
    elsewhere = make.team("Portering")
    manager = make.manager_of(department, name="Grace Okafor", email="grace@example.org")
    supervisor = make.user(name="Tom Hughes", email="tom@example.org")
    sam = make.user(name="Sam Patel", email="sam@example.org")
    aisha = make.user(name="Aisha Begum", email="aisha@example.org")
    kwame = make.user(name="Kwame Mensah", email="kwame@example.org", role="porter")
    make.join(supervisor, reception)
    make.join(sam, reception)
    make.join(aisha, evening)
    make.join(kwame, elsewhere)
    db.session.add(TeamSupervisor(team_id=reception.id, user_id=supervisor.id))
    version = make.module(slug="front-desk", title="Front desk and telephone")
    version.practice_checklist = CHECKLIST
    version.practice_required = True
    evidence_only = make.module(slug="dignity", title="Dignity, privacy and respect")
    evidence_only.practice_checklist = CHECKLIST[:2]
    db.session.commit()
    return {
        "department": department,
        "reception": reception,
        "elsewhere": elsewhere,
        "manager": manager,
        "supervisor": supervisor,
        "sam": sam,
        "aisha": aisha,
        "kwame": kwame,
        "version": version,
        "evidence_only": evidence_only,
    }


def pass_quiz(make, person, version) -> QuizAttempt:
    make.finish_lessons(person, version)
    opened = open_attempt(person, published.version(version.id))
    attempt = find_attempt(person, opened.id)
    submit_attempt(person, attempt, parse_answers(attempt, answers(opened)))
    return opened


def record_of(db, person, version) -> TrainingRecord:
    return db.session.scalar(
        select(TrainingRecord).where(
            TrainingRecord.user_id == person.id, TrainingRecord.module_id == version.module_id
        )
    )


def completions(db, person) -> list[Completion]:
    return list(db.session.scalars(select(Completion).where(Completion.user_id == person.id)))


def checklist_url(person, slug="front-desk") -> str:
    return f"/observe/people/{person.id}/{slug}"


def post_checklist(client, person, choices, comments=None, slug="front-desk"):
    data = {"csrf_token": csrf_token(client, checklist_url(person, slug))}
    for n, choice in enumerate(choices):
        if choice is not None:
            data[f"items-{n}-met"] = choice
        data[f"items-{n}-comment"] = (comments or {}).get(n, "")
    return client.post(checklist_url(person, slug), data=data)


# -- Who may observe whom ------------------------------------------------------------------------


def test_managers_admins_and_named_supervisors_may_observe_never_themselves(ward, make, db):
    manager, supervisor = ward["manager"], ward["supervisor"]
    sam, aisha, kwame = ward["sam"], ward["aisha"], ward["kwame"]
    admin = make.user(app_role=AppRole.ADMIN)
    # A manager: everyone in the teams they manage and below, nobody else, never themselves.
    assert may_observe(manager, sam.id) and may_observe(manager, aisha.id)
    assert not may_observe(manager, kwame.id)
    assert not may_observe(manager, manager.id)
    # A supervisor of a team: its members and those of the teams below it.
    assert may_observe(supervisor, sam.id) and may_observe(supervisor, aisha.id)
    assert not may_observe(supervisor, kwame.id)
    assert not may_observe(supervisor, supervisor.id)
    # Someone else in the team may not; an admin may observe anyone but themselves.
    assert not may_observe(sam, aisha.id)
    assert may_observe(admin, kwame.id) and not may_observe(admin, admin.id)
    # Nobody observes a deactivated person.
    kwame.active = False
    db.session.commit()
    assert not may_observe(admin, kwame.id)
    assert is_observer(supervisor) and is_observer(manager) and is_observer(admin)
    assert not is_observer(sam)


def test_people_who_may_not_observe_get_403_and_no_link(ward, logged_in):
    client = logged_in(ward["sam"])
    assert client.get("/observe/").status_code == 403
    assert client.get(checklist_url(ward["aisha"])).status_code == 403
    assert 'href="/observe/"' not in client.get("/learn").get_data(as_text=True)
    supervisor = logged_in(ward["supervisor"])
    assert ">Observe</a>" in supervisor.get("/learn").get_data(as_text=True)
    assert supervisor.get("/observe/").status_code == 200


def test_people_out_of_scope_and_modules_without_a_checklist_give_404(ward, make, logged_in):
    client = logged_in(ward["supervisor"])
    plain = make.module(slug="plain")
    assert client.get(checklist_url(ward["kwame"])).status_code == 404
    assert client.get(checklist_url(ward["supervisor"])).status_code == 404
    assert client.get(checklist_url(ward["sam"], "no-such-module")).status_code == 404
    assert client.get(checklist_url(ward["sam"], plain.slug)).status_code == 404
    assert client.get("/observe/people/987654/front-desk").status_code == 404
    token = csrf_token(client, "/observe/")
    response = client.post(checklist_url(ward["kwame"]), data={"csrf_token": token})
    assert response.status_code == 404


# -- The rules of a sign-off ---------------------------------------------------------------------


def test_the_outcome_is_met_only_when_every_item_is_met(ward, db):
    assert outcome_of(ALL_MET) == "met"
    assert outcome_of(ONE_NOT_YET) == "not yet"
    assert outcome_of([]) == "not yet"
    signed = record_observation(ward["manager"], ward["sam"].id, "front-desk", ONE_NOT_YET)
    db.session.commit()
    assert signed.observation.outcome == "not yet" and signed.not_met == 1
    stored = db.session.get(PracticeObservation, signed.observation.id)
    # The checklist's words as they were, with each answer and comment.
    assert [(i.position, i.text, i.met, i.comment) for i in stored.items] == [
        (1, CHECKLIST[0], True, ""),
        (2, CHECKLIST[1], False, "Say how long the wait is, even when you are not sure."),
        (3, CHECKLIST[2], True, "Clear and kind."),
    ]


def test_every_item_needs_an_answer_and_a_not_yet_needs_a_comment(ward, db):
    problems = check_answers(
        tuple(CHECKLIST),
        [ItemAnswer(None), ItemAnswer(False, "  "), ItemAnswer(True, "x" * (COMMENT_MAX + 1))],
    )
    assert [(p.position, p.part) for p in problems] == [(1, "met"), (2, "comment"), (3, "comment")]
    assert str(problems[0]) == f"Choose Met or Not yet for item 1: {CHECKLIST[0]}"
    assert str(problems[1]) == "Say what to work on for item 2, as it is not yet met."
    assert "500 characters or fewer (this is 501)" in str(problems[2])
    with pytest.raises(ObservationProblems):
        record_observation(ward["manager"], ward["sam"].id, "front-desk", ALL_MET[:2])
    with pytest.raises(ObservationNotFound):
        record_observation(ward["supervisor"], ward["kwame"].id, "front-desk", ALL_MET)
    assert db.session.scalar(select(func.count(PracticeObservation.id))) == 0


def test_a_met_sign_off_completes_a_pass_that_was_waiting(ward, make, db):
    sam, version = ward["sam"], ward["version"]
    attempt = pass_quiz(make, sam, version)
    assert completions(db, sam) == []
    assert record_of(db, sam, version).awaiting_sign_off is True

    signed = record_observation(ward["supervisor"], sam.id, "front-desk", ALL_MET)
    db.session.commit()
    (done,) = completions(db, sam)
    assert signed.completion is not None and signed.completion.id == done.id
    assert (done.attempt_id, done.observation_id, done.method) == (
        attempt.id,
        signed.observation.id,
        "quiz",
    )
    assert done.score_percent == attempt.score_percent and done.completed_on == clock.today()
    record = record_of(db, sam, version)
    assert record.awaiting_sign_off is False and record.completed_on == clock.today()
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events[-2:]] == ["observation.record", "completion.create"]
    assert describe(events[-2], load_names(events)) == (
        "Tom Hughes observed Sam Patel at work on Front desk and telephone: signed off, every "
        "item met"
    )


def test_a_not_yet_keeps_them_waiting_and_a_later_met_completes(ward, make, db, logged_in):
    sam, version = ward["sam"], ward["version"]
    pass_quiz(make, sam, version)
    client = logged_in(ward["supervisor"])
    comments = {1: "Say how long the wait is.", 2: "Ask them to say it back."}
    response = post_checklist(client, sam, ["met", "not yet", "not yet"], comments)
    assert response.status_code == 302
    flashed = client.get("/observe/").get_data(as_text=True)
    assert "Sam is waiting for a sign-off on 2 items of Front desk and telephone" in flashed
    assert completions(db, sam) == []
    db.session.expire_all()
    assert record_of(db, sam, version).awaiting_sign_off is True

    clock.freeze(datetime(2026, 12, 18, 9, 0))
    client = logged_in(ward["supervisor"])  # three days on: signed in again
    assert post_checklist(client, sam, ["met", "met", "met"]).status_code == 302
    assert "Signed off. Sam&#39;s module Front desk and telephone is now complete." in client.get(
        "/observe/"
    ).get_data(as_text=True)
    (done,) = completions(db, sam)
    assert done.completed_on == clock.today()


def test_a_sign_off_before_the_quiz_completes_the_module_at_the_pass(ward, make, db):
    sam, version = ward["sam"], ward["version"]
    signed = record_observation(ward["manager"], sam.id, "front-desk", ALL_MET)
    db.session.commit()
    assert signed.completion is None
    pass_quiz(make, sam, version)
    (done,) = completions(db, sam)
    assert done.observation_id == signed.observation.id


def test_observations_of_a_module_that_does_not_require_them_are_evidence_only(ward, make, db):
    sam = ward["sam"]
    pass_quiz(make, sam, ward["evidence_only"])  # completes at once: nothing waits
    signed = record_observation(ward["manager"], sam.id, "dignity", ALL_MET[:2])
    db.session.commit()
    assert signed.completion is None and len(completions(db, sam)) == 1


def test_the_form_shows_each_item_as_a_radio_group_and_says_what_to_fix(ward, logged_in, db):
    client = logged_in(ward["supervisor"])
    html = client.get(checklist_url(ward["sam"])).get_data(as_text=True)
    assert "<h1>Observe Sam Patel</h1>" in html
    assert html.count("<fieldset") == 3 and html.count("<legend>") == 3
    assert f"Item 1 of 3</span> {CHECKLIST[0]}</legend>" in html
    assert '<input id="items-0-met-1" name="items-0-met" type="radio" value="not yet">' in html
    response = post_checklist(client, ward["sam"], [None, "not yet", "met"])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#items-0-met-0"' in html and 'href="#items-1-comment"' in html
    assert db.session.scalar(select(func.count(PracticeObservation.id))) == 0


# -- The person reads it -------------------------------------------------------------------------


def test_the_person_reads_their_feedback_and_only_they_can_say_so(ward, db, logged_in):
    signed = record_observation(ward["supervisor"], ward["sam"].id, "front-desk", ONE_NOT_YET)
    db.session.commit()
    url = f"/learn/observations/{signed.observation.id}/read"
    other = logged_in(ward["aisha"])
    assert (
        other.post(url, data={"csrf_token": csrf_token(other, "/learn/record")}).status_code == 404
    )
    manager = logged_in(ward["manager"])
    token = csrf_token(manager, "/learn/record")
    assert manager.post(url, data={"csrf_token": token}).status_code == 404

    sam = logged_in(ward["sam"])
    html = sam.get("/learn/record").get_data(as_text=True)
    assert '<h2 id="observations">Observed practice</h2>' in html
    assert "Observed by Tom Hughes on 15 Dec 2026" in html
    assert "Say how long the wait is, even when you are not sure." in html
    assert "I have read this feedback" in html
    response = sam.post(url, data={"csrf_token": csrf_token(sam, "/learn/record")})
    assert response.status_code == 302
    html = sam.get("/learn/record").get_data(as_text=True)
    assert "I have read this feedback</button>" not in html.replace("<span", "</button><span")
    db.session.expire_all()
    assert db.session.get(PracticeObservation, signed.observation.id).acknowledged_at is not None
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "observation.acknowledge")
    )
    assert describe(event, load_names([event])) == (
        "Sam Patel read the feedback on their observed practice"
    )


def test_the_person_page_lists_observations_and_links_to_observe(ward, db, logged_in):
    record_observation(ward["supervisor"], ward["sam"].id, "front-desk", ONE_NOT_YET)
    db.session.commit()
    html = logged_in(ward["manager"]).get(f"/manage/people/{ward['sam'].id}").get_data(as_text=True)
    assert '<h2 id="observations">Observed practice</h2>' in html
    assert "Observed by Tom Hughes on 15 Dec 2026" in html and "not read yet" in html.lower()
    assert "Observe Sam Patel</a>" in html


# -- Naming supervisors --------------------------------------------------------------------------


def test_a_manager_names_and_removes_a_supervisor_with_audit_entries(ward, db, logged_in):
    client = logged_in(ward["manager"])
    team, sam = ward["reception"], ward["sam"]
    page = client.get(f"/manage/teams/{team.id}").get_data(as_text=True)
    assert '<h2 id="supervisors">Practice supervisors</h2>' in page and "Tom Hughes" in page
    choose = client.get(f"/manage/teams/{team.id}/supervisors").get_data(as_text=True)
    assert "Sam Patel" in choose and "Already a supervisor" in choose
    found = client.get(f"/manage/teams/{team.id}/supervisors?q=kwame").get_data(as_text=True)
    assert "Kwame Mensah" not in found  # out of the manager's scope

    token = csrf_token(client, f"/manage/teams/{team.id}/supervisors")
    url = f"/manage/teams/{team.id}/supervisors"
    assert client.post(url, data={"csrf_token": token, "user_id": sam.id}).status_code == 302
    assert may_observe(sam, ward["aisha"].id)
    again = client.post(url, data={"csrf_token": token, "user_id": sam.id}, follow_redirects=True)
    assert "Sam Patel is already a practice supervisor" in again.get_data(as_text=True)
    outsider = client.post(url, data={"csrf_token": token, "user_id": ward["kwame"].id})
    assert outsider.status_code == 302
    assert (
        db.session.scalar(
            select(func.count(TeamSupervisor.id)).where(TeamSupervisor.user_id == ward["kwame"].id)
        )
        == 0
    )

    removed = client.post(f"{url}/{sam.id}/remove", data={"csrf_token": token, "back": "team"})
    assert removed.headers["Location"].endswith(f"/manage/teams/{team.id}")
    assert not may_observe(sam, ward["aisha"].id)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("supervisor.%")).order_by(AuditEvent.id)
    ).all()
    names = load_names(events)
    assert [describe(e, names) for e in events] == [
        "Grace Okafor named Sam Patel a practice supervisor of Outpatients Reception",
        "Grace Okafor stopped Sam Patel supervising practice in Outpatients Reception",
    ]
    # Another manager's team is out of reach.
    other = ward["elsewhere"].id
    assert client.get(f"/manage/teams/{other}/supervisors").status_code == 404
    post = client.post(f"/manage/teams/{other}/supervisors", data={"csrf_token": token})
    assert post.status_code == 404


# -- Lists, the matrix and exports ---------------------------------------------------------------


def test_the_observe_list_puts_people_awaiting_sign_off_first(ward, make, logged_in):
    pass_quiz(make, ward["sam"], ward["version"])
    html = logged_in(ward["manager"]).get("/observe/").get_data(as_text=True)
    assert html.index("Sam Patel") < html.index("Aisha Begum") < html.index("Tom Hughes")
    assert "Awaiting sign-off" in html and f'href="{checklist_url(ward["sam"])}"' in html
    found = logged_in(ward["supervisor"]).get("/observe/?q=aish").get_data(as_text=True)
    assert "Aisha Begum" in found and "Sam Patel" not in found


def observe_list_queries(make, db, count_queries, logged_in, people: int) -> int:
    team = make.team()
    supervisor = make.user()
    make.join(supervisor, team)
    db.session.add(TeamSupervisor(team_id=team.id, user_id=supervisor.id))
    version = make.module(questions=3)
    version.practice_checklist = CHECKLIST
    version.practice_required = True
    db.session.commit()
    ids = make.bulk_staff(team, people)
    make.bulk_records(ids, [version], awaiting_sign_off=True)
    db.session.execute(
        insert(PracticeObservation.__table__),
        [
            {
                "user_id": i,
                "module_id": version.module_id,
                "module_version_id": version.id,
                "observer_id": supervisor.id,
                "observed_at": datetime(2026, 12, 1),
                "outcome": "not yet",
            }
            for i in ids
        ],
    )
    db.session.commit()
    client = logged_in(supervisor)
    client.get("/observe/")  # the published versions, read once per worker
    with count_queries() as counted:
        html = client.get("/observe/?page=2").get_data(as_text=True)
    assert "Awaiting sign-off" in html
    return counted.count


def test_the_observe_list_runs_the_same_queries_for_20_and_200_people(
    app, make, db, count_queries, logged_in
):
    small = observe_list_queries(make, db, count_queries, logged_in, 21)
    large = observe_list_queries(make, db, count_queries, logged_in, 200)
    assert small == large <= 10


def test_the_matrix_shows_and_filters_awaiting_sign_off(ward, make, db, logged_in):
    from carelearn.services.onboarding.assignments import assign_modules

    version = ward["version"]
    assign_modules(
        [ward["sam"].id, ward["aisha"].id], [version.module_id], clock.today(), actor_id=None
    )
    db.session.commit()
    pass_quiz(make, ward["sam"], version)
    client = logged_in(ward["manager"])
    html = client.get("/manage/matrix").get_data(as_text=True)
    assert "tag--awaiting-sign-off" in html
    assert '<option value="awaiting sign-off">Awaiting sign-off</option>' in html
    filtered = client.get("/manage/matrix?status=awaiting+sign-off").get_data(as_text=True)
    assert "Sam Patel" in filtered and "Aisha Begum" not in filtered
    matrix = client.get("/manage/matrix.csv?status=awaiting+sign-off").get_data(as_text=True)
    assert "awaiting sign-off (Required" in matrix and "Aisha" not in matrix


def test_the_csvs_say_who_signed_off_and_every_observation(ward, make, db, logged_in):
    sam = ward["sam"]
    pass_quiz(make, sam, ward["version"])
    record_observation(ward["supervisor"], sam.id, "front-desk", ONE_NOT_YET)
    record_observation(ward["supervisor"], sam.id, "front-desk", ALL_MET)
    db.session.commit()
    client = logged_in(ward["manager"])
    text = client.get("/manage/completions.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    (row,) = [r for r in rows if r["Name"] == "Sam Patel"]
    assert row["Observed practice"] == "signed off by Tom Hughes on 2026-12-15"

    response = client.get("/manage/observations.csv")
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["Name"], r["Outcome"], r["Items met"]) for r in rows] == [
        ("Sam Patel", "met", "3"),
        ("Sam Patel", "not yet", "2"),
    ]
    assert rows[1]["Not yet met, with comments"] == (
        f"{CHECKLIST[1]}: Say how long the wait is, even when you are not sure."
    )
    assert rows[0]["Observed by"] == "Tom Hughes" and rows[0]["Read by the person on"] == ""
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")))
    assert [describe(e, load_names(events)) for e in events][-1] == (
        "Grace Okafor downloaded the observed practice CSV"
    )
    # Someone out of scope is not in another manager's file.
    other = make.manager_of(ward["elsewhere"])
    text = logged_in(other).get("/manage/observations.csv").get_data(as_text=True)
    assert "Sam Patel" not in text


# -- The demo ------------------------------------------------------------------------------------


def test_the_demo_names_a_supervisor_and_leaves_one_person_awaiting_sign_off(app, db):
    from carelearn.config import PROJECT_ROOT
    from carelearn.models import User

    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "publish"]).exit_code == 0
    assert runner.invoke(args=["demo"]).exit_code == 0
    people = {u.email.split("@")[0]: u for u in db.session.scalars(select(User))}
    tom, aisha = people["reception"], people["newstarter"]
    (named,) = db.session.scalars(select(TeamSupervisor)).all()
    assert named.user_id == tom.id
    observations = db.session.scalars(
        select(PracticeObservation).order_by(PracticeObservation.observed_at)
    ).all()
    assert [(o.user_id, o.outcome, o.acknowledged_at is not None) for o in observations] == [
        (tom.id, "met", True),
        (aisha.id, "not yet", False),
    ]
    (done,) = [c for c in completions(db, tom) if c.observation_id]
    assert done.observation_id == observations[0].id
    waiting = db.session.scalars(
        select(TrainingRecord.user_id).where(TrainingRecord.awaiting_sign_off.is_(True))
    ).all()
    assert waiting == [aisha.id]
    assert runner.invoke(args=["demo"]).exit_code == 0  # again: nothing more
    assert db.session.scalar(select(func.count(PracticeObservation.id))) == 2
