"""The staff pulse: an admin opens a quarter's round, everyone sees a card on My training and
answers three questions once, anonymously; managers and admins read the results once the round
has closed, only for groups of five or more, at every level of their tree."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

import pytest
from markupsafe import escape
from sqlalchemy import func, inspect, select

from carelearn.core import clock
from carelearn.models import AppRole, AuditEvent, PulseResponse, PulseRound, PulseTaken
from carelearn.services.feedback.pulse import (
    ALREADY,
    NO_TEAM,
    NOT_OPEN,
    CannotAnswer,
    PulseProblems,
    answering_team,
    parse_answers,
    quarter_end,
    quarter_of,
    record_answers,
    start_round,
)
from carelearn.services.feedback.pulse_report import pulse_report
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token

ANSWERS = {"know_vision": "5", "can_raise_concern": "4", "team_acts": "2"}


@pytest.fixture
def trust(app, make):
    """An organisation with a department of two wards, a team outside it, their managers, an
    admin and a learner on each ward."""
    clock.freeze(datetime(2026, 11, 16, 9, 0))
    org = make.team("City Hospital", kind="organisation")
    dept = make.team("Outpatients", kind="department", parent=org)
    ward_a = make.team("Ward A", parent=dept)
    ward_b = make.team("Ward B", parent=dept)
    porters = make.team("Portering", parent=org)
    admin = make.user(name="Ada Admin", email="ada@example.org", app_role=AppRole.ADMIN)
    manager = make.manager_of(dept, name="Grace Okafor", email="grace@example.org")
    ward_lead = make.manager_of(ward_a, name="Wendy Lead", email="wendy@example.org")
    tom = make.user(name="Tom Hughes", email="tom@example.org")
    make.join(tom, ward_b, ward_a)  # two teams: his answers count for Ward A, first by name
    kwame = make.user(name="Kwame Mensah", email="kwame@example.org", role="porter")
    make.join(kwame, porters)
    return {
        "org": org,
        "dept": dept,
        "a": ward_a,
        "b": ward_b,
        "porters": porters,
        "admin": admin,
        "manager": manager,
        "ward_lead": ward_lead,
        "tom": tom,
        "kwame": kwame,
    }


def open_now(trust, db, closes_on: date | None = None) -> PulseRound:
    pulse_round = start_round(trust["admin"], closes_on)
    db.session.commit()
    return pulse_round


def answer_page(client, **fields):
    data = {"csrf_token": csrf_token(client, "/learn"), **ANSWERS, **fields}
    return client.post("/learn/pulse", data=data)


def counts(db) -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count(PulseTaken.id))),
        db.session.scalar(select(func.count(PulseResponse.id))),
    )


# -- Rounds ---------------------------------------------------------------------------------------


def test_quarters_and_their_last_days():
    assert quarter_of(date(2026, 1, 1)) == "2026-Q1"
    assert quarter_of(date(2026, 6, 30)) == "2026-Q2"
    assert quarter_of(date(2026, 12, 31)) == "2026-Q4"
    assert quarter_end("2026-Q1") == date(2026, 3, 31)
    assert quarter_end("2028-Q1") == date(2028, 3, 31)
    assert quarter_end("2026-Q3") == date(2026, 9, 30)
    with pytest.raises(ValueError):
        quarter_end("2026-Q5")


def test_an_admin_opens_this_quarters_round_until_its_end_and_it_is_audited(trust, db, logged_in):
    client = logged_in(trust["admin"])
    html = client.get("/admin/pulse").get_data(as_text=True)
    assert "Open the pulse for 2026-Q4" in html
    assert 'value="2026-12-31"' in html  # the quarter's end, to start with
    token = csrf_token(client, "/admin/pulse")
    response = client.post("/admin/pulse", data={"csrf_token": token, "closes_on": "2026-12-31"})
    assert response.status_code == 302
    pulse_round = db.session.scalar(select(PulseRound))
    assert (pulse_round.quarter, pulse_round.opened_on, pulse_round.closes_on) == (
        "2026-Q4",
        date(2026, 11, 16),
        date(2026, 12, 31),
    )
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pulse.open")))
    assert describe(events[0], load_names(events)) == (
        "Ada Admin opened the staff pulse for 2026-Q4, until 31 Dec 2026"
    )
    html = client.get("/admin/pulse").get_data(as_text=True)
    assert "2026-Q4 is open" in html and "Close the 2026-Q4 pulse now" in html
    # A second round for the same quarter is refused.
    again = client.post("/admin/pulse", data={"csrf_token": token, "closes_on": "2026-12-20"})
    assert again.status_code == 422
    assert "has been opened already" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PulseRound.id))) == 1


@pytest.mark.parametrize(
    ("closes_on", "message"),
    [
        ("2026-11-15", "The closing date cannot be in the past."),
        ("2027-01-01", "Close the round by the end of its quarter, 31 Dec 2026."),
        ("next friday", "Enter the closing date as a date, like 2026-12-31."),
    ],
)
def test_a_closing_date_out_of_the_quarter_or_unreadable_is_refused(
    trust, db, logged_in, closes_on, message
):
    client = logged_in(trust["admin"])
    token = csrf_token(client, "/admin/pulse")
    response = client.post("/admin/pulse", data={"csrf_token": token, "closes_on": closes_on})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PulseRound.id))) == 0


def test_only_admins_open_or_close_the_pulse(trust, db, logged_in):
    pulse_round = open_now(trust, db)
    for person in (trust["manager"], trust["tom"]):
        client = logged_in(person)
        assert client.get("/admin/pulse").status_code == 403
        token = csrf_token(client, "/learn")
        assert client.post("/admin/pulse", data={"csrf_token": token}).status_code == 403
        closing = client.post(f"/admin/pulse/{pulse_round.id}/close", data={"csrf_token": token})
        assert closing.status_code == 403
    assert db.session.get(PulseRound, pulse_round.id).closes_on == date(2026, 12, 31)


# -- The card and answering ----------------------------------------------------------------------


def test_no_round_means_no_card_and_no_answers(trust, db, logged_in):
    client = logged_in(trust["tom"])
    assert "Three quick questions" not in client.get("/learn").get_data(as_text=True)
    assert escape(NOT_OPEN) in client.get("/learn/pulse").get_data(as_text=True)
    response = answer_page(client)
    assert response.status_code == 302
    assert escape(NOT_OPEN) in client.get(response.headers["Location"]).get_data(as_text=True)
    assert counts(db) == (0, 0)


def test_an_open_round_shows_the_card_which_not_now_hides_for_that_visit(trust, db, logged_in):
    open_now(trust, db)
    client = logged_in(trust["tom"])
    html = client.get("/learn").get_data(as_text=True)
    assert "Three quick questions about service in your team — anonymous" in html
    assert 'href="/learn/pulse"' in html
    later = client.get("/learn?pulse=later").get_data(as_text=True)
    assert "Three quick questions" not in later
    # Nothing was kept: the next visit shows it again.
    assert "Three quick questions" in client.get("/learn").get_data(as_text=True)


def test_the_questions_are_radio_groups_in_fieldsets_on_a_five_point_scale(trust, db, logged_in):
    open_now(trust, db)
    html = logged_in(trust["tom"]).get("/learn/pulse").get_data(as_text=True)
    assert html.count("<fieldset") == 3
    for statement in (
        "I know our service vision",
        "I can raise a concern about a patient&#39;s experience",
        "My team acts on feedback",
    ):
        assert re.search(rf"<legend>.*{statement}</legend>", html)
    assert html.count('type="radio"') == 15
    for words in ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree"):
        assert f">{words}</label>" in html
    assert "counted with Ward A's" in html


def test_a_person_answers_once_and_a_second_time_is_refused(trust, db, logged_in):
    open_now(trust, db)
    client = logged_in(trust["tom"])
    response = answer_page(client)
    assert response.status_code == 302 and response.headers["Location"] == "/learn"
    assert counts(db) == (1, 1)
    answer = db.session.scalar(select(PulseResponse))
    assert (answer.quarter, answer.team_id) == ("2026-Q4", trust["a"].id)
    assert (answer.know_vision, answer.can_raise_concern, answer.team_acts) == (5, 4, 2)
    assert "Three quick questions" not in client.get("/learn").get_data(as_text=True)
    assert escape(ALREADY) in client.get("/learn/pulse").get_data(as_text=True)
    again = answer_page(client, team_acts="5")
    assert again.status_code == 302
    assert counts(db) == (1, 1)
    with pytest.raises(CannotAnswer, match="already"):
        record_answers(trust["tom"], ANSWERS)


@pytest.mark.parametrize(
    ("sent", "missing"),
    [
        ({"team_acts": ""}, "My team acts on feedback"),
        ({"know_vision": "6"}, "I know our service vision"),
        ({"can_raise_concern": "abc"}, "I can raise a concern"),
        ({"know_vision": "0"}, "I know our service vision"),
    ],
)
def test_each_question_must_be_answered_on_the_scale(trust, db, logged_in, sent, missing):
    open_now(trust, db)
    client = logged_in(trust["tom"])
    response = answer_page(client, **sent)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and f"Choose how much you agree: {missing}" in html
    # What was chosen stays chosen.
    assert re.search(r'name="know_vision" value="5" checked', html) or sent.get("know_vision")
    assert counts(db) == (0, 0)
    with pytest.raises(PulseProblems):
        parse_answers({**ANSWERS, **sent})


def test_someone_in_no_team_is_told_they_cannot_answer(trust, make, db, logged_in):
    open_now(trust, db)
    loner = make.user(name="Lee Alone")
    client = logged_in(loner)
    assert "You are not in a team in CareLearn yet" in client.get("/learn").get_data(as_text=True)
    assert escape(NO_TEAM) in client.get("/learn/pulse").get_data(as_text=True)
    answer_page(client)
    assert counts(db) == (0, 0)
    assert answering_team(trust["tom"]).name == "Ward A"


def test_a_closed_round_takes_no_more_answers(trust, db, logged_in):
    pulse_round = open_now(trust, db)
    admin = logged_in(trust["admin"])
    token = csrf_token(admin, "/admin/pulse")
    response = admin.post(f"/admin/pulse/{pulse_round.id}/close", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PulseRound, pulse_round.id).closes_on == date(2026, 11, 15)
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "pulse.close")))
    assert describe(events[0], load_names(events)) == (
        "Ada Admin closed the staff pulse for 2026-Q4 early"
    )
    assert (
        admin.post(f"/admin/pulse/{pulse_round.id}/close", data={"csrf_token": token}).status_code
        == 404
    )
    client = logged_in(trust["tom"])
    assert "Three quick questions" not in client.get("/learn").get_data(as_text=True)
    answer_page(client)
    assert counts(db) == (0, 0)
    # A round past its closing day is closed too.
    clock.freeze(datetime(2027, 1, 1, 9, 0))
    assert "Three quick questions" not in client.get("/learn").get_data(as_text=True)


# -- Anonymity -----------------------------------------------------------------------------------


def test_nothing_links_an_answer_to_the_person_who_gave_it(trust, db, logged_in, caplog):
    open_now(trust, db)
    taken_columns = {c.name for c in PulseTaken.__table__.columns}
    response_columns = {c.name for c in PulseResponse.__table__.columns}
    assert taken_columns == {"id", "user_id", "quarter"}
    assert response_columns == {
        "id",
        "quarter",
        "team_id",
        "know_vision",
        "can_raise_concern",
        "team_acts",
    }
    keys = inspect(db.engine).get_foreign_keys("pulse_response")
    assert [k["referred_table"] for k in keys] == ["team"]
    browsers = [logged_in(person) for person in (trust["tom"], trust["kwame"])]
    events_before = db.session.scalar(select(func.count(AuditEvent.id)))
    caplog.set_level(logging.DEBUG)
    for browser in browsers:
        assert answer_page(browser, team_acts="3").status_code == 302
    ids = list(db.session.scalars(select(PulseResponse.id)))
    assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    # Answering writes no audit entry (none says who answered, let alone what), no log line.
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before
    for record in caplog.records:
        message = record.getMessage()
        assert "know_vision" not in message and "team_acts" not in message


# -- Results --------------------------------------------------------------------------------------


def add_answers(db, quarter: str, team, agreeing: int, others: int = 0) -> None:
    """Answers in bulk: `agreeing` agree with every statement, `others` disagree with each."""
    db.session.add_all(
        PulseResponse(
            quarter=quarter, team_id=team.id, know_vision=4, can_raise_concern=5, team_acts=4
        )
        for _ in range(agreeing)
    )
    db.session.add_all(
        PulseResponse(
            quarter=quarter, team_id=team.id, know_vision=2, can_raise_concern=1, team_acts=3
        )
        for _ in range(others)
    )
    db.session.commit()


def closed_round(trust, db, quarter: str = "2026-Q3") -> None:
    db.session.add(
        PulseRound(
            quarter=quarter,
            opened_by_id=trust["admin"].id,
            opened_on=date(2026, 7, 1),
            closes_on=date(2026, 9, 30),
        )
    )
    db.session.commit()


def rows_of(report) -> dict[str, tuple]:
    return {
        row.name: (level.number, row.figure.total if row.figure.shown else None, row.agree)
        for level in report.levels
        for row in level.rows
    }


def test_results_show_groups_of_five_and_hide_what_subtraction_would_reveal(trust, db):
    closed_round(trust, db)
    add_answers(db, "2026-Q3", trust["a"], agreeing=4, others=2)  # 6
    add_answers(db, "2026-Q3", trust["b"], agreeing=1, others=1)  # 2: too few
    add_answers(db, "2026-Q3", trust["porters"], agreeing=5)  # 5
    manager = pulse_report(trust["manager"], "2026-Q3")
    # The department's 8 less Ward A's 6 would give Ward B's 2: hidden too.
    assert rows_of(manager) == {
        "Outpatients": (1, None, None),
        "Ward A": (2, 6, (67, 67, 67)),
        "Ward B": (2, None, None),
    }
    dept_row = manager.levels[0].rows[0]
    assert not dept_row.figure.too_few  # hidden for subtraction, not for being small
    admin = pulse_report(trust["admin"], "2026-Q3")
    # The organisation (13) less Ward A (6) and Portering (5) leaves Ward B's 2: hidden.
    assert rows_of(admin) == {
        "City Hospital": (1, None, None),
        "Outpatients": (2, None, None),
        "Portering": (2, 5, (100, 100, 100)),
        "Ward A": (3, 6, (67, 67, 67)),
        "Ward B": (3, None, None),
    }
    add_answers(db, "2026-Q3", trust["b"], agreeing=3)  # Ward B now 5
    admin = pulse_report(trust["admin"], "2026-Q3")
    assert rows_of(admin)["City Hospital"] == (1, 16, (81, 81, 81))
    assert rows_of(admin)["Outpatients"] == (2, 11, (73, 73, 73))
    assert rows_of(admin)["Ward B"] == (3, 5, (80, 80, 80))


def test_the_results_page_has_a_table_per_level_with_the_reasons_for_hiding(trust, db, logged_in):
    closed_round(trust, db)
    add_answers(db, "2026-Q3", trust["a"], agreeing=4, others=2)
    add_answers(db, "2026-Q3", trust["b"], agreeing=1, others=1)
    client = logged_in(trust["manager"])
    assert 'href="/manage/pulse"' in client.get("/manage/").get_data(as_text=True)
    html = client.get("/manage/pulse").get_data(as_text=True)
    assert "<h1>Staff pulse: 2026-Q3</h1>" in html
    assert '<h2 id="level-1">Top level</h2>' in html and '<h2 id="level-2">Level 2</h2>' in html
    assert html.count("<table") == 2
    assert "Hidden so that a small group cannot be worked out" in html  # Outpatients
    assert "Fewer than 5 answers" in html  # Ward B
    assert "67% agree" in html and "Portering" not in html


def test_a_manager_sees_only_their_tree_and_others_get_404_or_403(trust, make, db, logged_in):
    closed_round(trust, db)
    add_answers(db, "2026-Q3", trust["a"], agreeing=5)
    lead = logged_in(trust["ward_lead"])
    html = lead.get("/manage/pulse").get_data(as_text=True)
    assert "Ward A" in html and "Outpatients" not in html and "Ward B" not in html
    assert lead.get(f"/manage/pulse?team={trust['a'].id}").status_code == 200
    for team in ("dept", "b", "porters"):
        assert lead.get(f"/manage/pulse?team={trust[team].id}").status_code == 404
    assert lead.get("/manage/pulse?team=99999").status_code == 404
    assert lead.get("/manage/pulse?team=abc").status_code == 404
    assert lead.get("/manage/pulse?quarter=2026-Q1").status_code == 404
    assert logged_in(trust["tom"]).get("/manage/pulse").status_code == 403
    nobody = make.user(app_role=AppRole.MANAGER)  # a manager of no team yet
    empty = logged_in(nobody).get("/manage/pulse").get_data(as_text=True)
    assert "You manage no teams yet" in empty and "Ward A" not in empty
    manager = logged_in(trust["manager"])
    sub = manager.get(f"/manage/pulse?team={trust['b'].id}").get_data(as_text=True)
    assert "Ward B" in sub and "Ward A" not in sub


def test_results_wait_until_the_round_has_closed(trust, db, logged_in):
    open_now(trust, db)
    add_answers(db, "2026-Q4", trust["a"], agreeing=5)
    html = logged_in(trust["admin"]).get("/manage/pulse").get_data(as_text=True)
    assert "No results yet" in html
    assert "The pulse for 2026-Q4 is open until 31 Dec 2026" in html
    assert logged_in(trust["admin"]).get("/manage/pulse?quarter=2026-Q4").status_code == 404


def test_an_admin_sees_the_whole_organisation_above_several_top_level_teams(trust, make, db):
    other = make.team("Community Services", kind="organisation")
    closed_round(trust, db)
    add_answers(db, "2026-Q3", trust["porters"], agreeing=5)
    add_answers(db, "2026-Q3", other, agreeing=5)
    rows = rows_of(pulse_report(trust["admin"], "2026-Q3"))
    assert rows["Whole organisation"] == (1, 10, (100, 100, 100))
    assert rows["City Hospital"][0] == 2 and rows["Community Services"] == (2, 5, (100, 100, 100))


def results_queries(make, db, count_queries, logged_in, trust, teams: int) -> dict[str, int]:
    parent = make.team(kind="department", parent=trust["dept"])
    for n in range(teams):
        team = make.team(parent=parent)
        add_answers(db, "2026-Q3", team, agreeing=n % 7)
    counted = {}
    for who, path in (
        ("manager", "/manage/pulse"),
        ("admin", "/manage/pulse"),
        ("admin", "/admin/pulse"),
    ):
        client = logged_in(trust[who])
        with count_queries() as c:
            assert client.get(path).status_code == 200
        counted[f"{who} {path}"] = c.count
    return counted


def test_the_results_pages_run_the_same_queries_for_few_or_many_teams(
    trust, make, db, count_queries, logged_in
):
    closed_round(trust, db)
    few = results_queries(make, db, count_queries, logged_in, trust, 3)
    many = results_queries(make, db, count_queries, logged_in, trust, 60)
    assert few == many, (few, many)
