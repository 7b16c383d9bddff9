"""Feedback insights for managers: the Friends and Family Test by month for a team and the teams
below it, aspects and themes, comments hidden and shown again, the weakest themes with the
modules that answer them, "You said, we did", and the CSV; in scope only, from FeedbackMonth."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date, datetime

import pytest
from sqlalchemy import func, insert, select

from carelearn.core import clock
from carelearn.models import (
    AppRole,
    Assignment,
    AuditEvent,
    FeedbackEntry,
    FeedbackMonth,
    YouSaidWeDid,
)
from carelearn.models.feedback import ASPECTS, FFT_ANSWERS
from carelearn.services.feedback.insights import feedback_insights
from carelearn.services.feedback.monthly import KIND_COLUMNS, count_entry
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token


def patient(db, team, answer, on, comment=None, **aspects) -> FeedbackEntry:
    themes = [a for a, good in aspects.items() if good is False]
    entry = FeedbackEntry(
        team_id=team.id,
        source="patient",
        answer=answer,
        received_on=on,
        comment=comment,
        themes=themes,
        **aspects,
    )
    db.session.add(entry)
    db.session.flush()
    count_entry(entry)
    db.session.commit()
    return entry


def staff(db, team, person, kind, themes, on, comment=None) -> FeedbackEntry:
    entry = FeedbackEntry(
        team_id=team.id,
        source="staff",
        kind=kind,
        themes=themes,
        received_on=on,
        comment=comment,
        logged_by_id=person.id,
    )
    db.session.add(entry)
    db.session.flush()
    count_entry(entry)
    db.session.commit()
    return entry


@pytest.fixture
def clinic(app, db, make):
    """A department with a team (and one below it), a team elsewhere with its own manager."""
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    department = make.team("Outpatients", kind="department")
    reception = make.team("Outpatients Reception", parent=department)
    evening = make.team("Evening Desk", parent=reception)
    elsewhere = make.team("Portering")
    manager = make.manager_of(department, name="Grace Okafor")
    other = make.manager_of(elsewhere, name="Omar Patel")
    admin = make.user(name="Ade Admin", app_role=AppRole.ADMIN)
    tom, aisha = make.user(name="Tom Hughes"), make.user(name="Aisha Begum")
    make.join(tom, reception)
    make.join(aisha, evening)
    waits = make.module(title="Managing expectations")
    waits.themes = ["waiting", "information"]
    listening = make.module(title="Active listening")
    listening.themes = ["listening"]
    db.session.commit()
    return {
        "department": department,
        "reception": reception,
        "evening": evening,
        "elsewhere": elsewhere,
        "manager": manager,
        "other": other,
        "admin": admin,
        "tom": tom,
        "aisha": aisha,
        "waits": waits,
        "listening": listening,
    }


def test_percentages_count_dont_know_and_roll_up_the_team_tree(clinic, db):
    december, november = date(2026, 12, 3), date(2026, 11, 20)
    for answer in ("very_good", "very_good", "good", "poor", "dont_know"):
        patient(db, clinic["evening"], answer, december)
    patient(db, clinic["reception"], "very_poor", november, waiting=False, kindness=True)
    patient(db, clinic["elsewhere"], "very_poor", december)  # another manager's team
    patient(db, clinic["reception"], "good", date(2025, 11, 30))  # 13 months ago: not shown
    staff(db, clinic["evening"], clinic["tom"], "complaint", ["waiting"], december)

    found = feedback_insights(clinic["manager"], clinic["reception"].id)
    dec, nov = found.months[-1], found.months[-2]
    assert len(found.months) == 12 and dec.month == date(2026, 12, 1)
    assert (dec.total, dec.positive, dec.negative) == (5, 3, 1)
    assert (dec.positive_percent, dec.negative_percent) == (60, 20)  # of 5, Don't know included
    assert (nov.total, nov.negative_percent, dec.complaints) == (1, 100, 1)
    assert found.totals.total == 6
    aspects = {a.aspect: (a.good, a.better) for a in found.aspects}
    assert aspects["waiting"] == (0, 1) and aspects["kindness"] == (1, 0)
    assert found.themes == [("waiting", "Waiting and delays", 2)]
    weakest = found.weakest[0]
    assert (weakest.theme, weakest.could_be_better, weakest.raised) == ("waiting", 1, 1)
    assert [title for _, title in weakest.modules] == ["Managing expectations"]
    # Everything the manager sees: the department too; the admin: every team.
    assert feedback_insights(clinic["manager"]).totals.total == 6
    assert feedback_insights(clinic["admin"]).totals.total == 7
    assert feedback_insights(clinic["other"], clinic["reception"].id) is None


def test_the_page_states_its_denominator_and_draws_its_charts(clinic, db, logged_in):
    for answer in ("very_good", "good", "dont_know", "poor"):
        patient(db, clinic["reception"], answer, date(2026, 12, 1))
    client = logged_in(clinic["manager"])
    html = client.get(f"/manage/teams/{clinic['reception'].id}/feedback").get_data(as_text=True)
    assert "<h1>Feedback: Outpatients Reception</h1>" in html
    assert "Each is a share of all 4 answers" in html and "Don't know included" in html
    assert "<dt>Positive</dt><dd>50%</dd>" in html and "<dt>Negative</dt><dd>25%</dd>" in html
    assert (
        html.count('<svg class="chart__svg"') == 2 and '<th scope="row">December 2026</th>' in html
    )
    assert "this does not show that training caused a change" in html
    assert 'aria-current="page">Feedback</a>' in html  # the managers' menu
    team_page = client.get(f"/manage/teams/{clinic['reception'].id}").get_data(as_text=True)
    assert f'href="/manage/teams/{clinic["reception"].id}/feedback">Feedback</a>' in team_page


@pytest.mark.parametrize(
    "path",
    [
        "/manage/teams/{id}/feedback",
        "/manage/teams/{id}/feedback/comments",
        "/manage/teams/{id}/you-said",
    ],
)
def test_other_managers_get_404_and_learners_403(clinic, logged_in, path):
    url = path.format(id=clinic["reception"].id)
    assert logged_in(clinic["other"]).get(url).status_code == 404
    assert logged_in(clinic["tom"]).get(url).status_code == 403
    assert logged_in(clinic["admin"]).get(url).status_code == 200
    assert logged_in(clinic["manager"]).get(path.format(id=999_999)).status_code == 404


def test_hiding_a_comment_needs_a_reason_takes_it_out_of_counts_and_can_be_undone(
    clinic, db, logged_in
):
    entry = patient(
        db,
        clinic["evening"],
        "very_poor",
        date(2026, 12, 2),
        comment="Rude words here.",
        waiting=False,
    )
    client = logged_in(clinic["manager"])
    url = f"/manage/teams/{clinic['reception'].id}/feedback/comments"
    assert "Rude words here." in client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    hide = f"/manage/feedback/entries/{entry.id}/hide"
    response = client.post(
        hide, data={"csrf_token": token, "reason": " ", "team": clinic["reception"].id}
    )
    assert response.status_code == 422
    assert "Say why you are hiding this comment." in response.get_data(as_text=True)
    assert logged_in(clinic["other"]).post(
        hide, data={"csrf_token": token, "reason": "x"}
    ).status_code in (400, 404)
    response = client.post(
        hide,
        data={"csrf_token": token, "reason": "Abusive language", "team": clinic["reception"].id},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}?page=1")
    html = client.get(url).get_data(as_text=True)
    assert "Rude words here." not in html and "Hidden by Grace Okafor on 15 Dec 2026" in html
    month = db.session.scalar(
        select(FeedbackMonth).where(FeedbackMonth.team_id == clinic["evening"].id)
    )
    assert (month.very_poor, month.aspects_better, month.themes) == (0, {}, {})
    assert feedback_insights(clinic["manager"], clinic["reception"].id).totals.total == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "feedback.hide"))
    assert event.details["reason"] == "Abusive language" and "Rude" not in str(event.details)
    assert describe(event, load_names([event])) == (
        f"Grace Okafor hid a comment about Evening Desk (entry {entry.id}): “Abusive language”"
    )
    csv_text = client.get("/manage/feedback.csv?comments=1").get_data(as_text=True)
    assert "Rude" not in csv_text and "Evening Desk" not in csv_text

    response = client.post(f"/manage/feedback/entries/{entry.id}/show", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(month)
    assert (month.very_poor, month.aspects_better) == (1, {"waiting": 1})
    assert "Rude words here." in client.get(url).get_data(as_text=True)
    assert (
        db.session.scalar(select(func.count()).where(AuditEvent.action == "feedback.unhide")) == 1
    )


def test_assigning_a_recommended_module_to_the_team_and_the_teams_below(clinic, db, logged_in):
    patient(db, clinic["reception"], "poor", date(2026, 12, 1), waiting=False)
    client = logged_in(clinic["manager"])
    page = f"/manage/teams/{clinic['reception'].id}/feedback"
    html = client.get(page).get_data(as_text=True)
    assert "Assign to Outpatients Reception" in html and 'value="2027-01-14"' in html  # 30 days
    token = csrf_token(client, page)
    response = client.post(
        f"{page}/assign",
        data={"csrf_token": token, "module": clinic["waits"].module_id, "due_on": "2027-01-14"},
    )
    assert response.status_code == 302
    message = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Managing expectations is assigned to 2 people, due 14 Jan 2027." in message
    people = set(db.session.scalars(select(Assignment.user_id)))
    assert people == {clinic["tom"].id, clinic["aisha"].id}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.create"))
    assert event.details["team_id"] == clinic["reception"].id
    bad = client.post(f"{page}/assign", data={"csrf_token": token, "module": "x", "due_on": "soon"})
    assert bad.status_code == 302
    assert "Choose a module or a learning path." in client.get(bad.headers["Location"]).get_data(
        as_text=True
    )
    other = logged_in(clinic["other"])
    data = {"csrf_token": csrf_token(other, "/manage/"), "module": clinic["waits"].module_id}
    assert other.post(f"{page}/assign", data=data).status_code == 404


def test_kept_assign_forms_carry_each_sessions_own_token(clinic, db, logged_in):
    """The recommendations are kept as HTML for every visit, and each form in them still gets
    the token of the session that sees it."""
    import re

    from carelearn.core.templating import FORM_TOKEN_MARK

    patient(db, clinic["reception"], "poor", date(2026, 12, 1), waiting=False)
    page = f"/manage/teams/{clinic['reception'].id}/feedback"
    assign_token = re.compile(
        r'action="[^"]*/assign"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"'
    )
    tokens = []
    for browser in (logged_in(clinic["manager"]), logged_in(clinic["manager"])):
        html = browser.get(page).get_data(as_text=True)
        assert FORM_TOKEN_MARK not in html
        token = assign_token.search(html).group(1)
        assert token == csrf_token(browser, page)  # the same as the page's other forms
        tokens.append(token)
        data = {"csrf_token": token, "module": clinic["waits"].module_id, "due_on": "2027-01-14"}
        assert browser.post(f"{page}/assign", data=data).status_code == 302
    assert tokens[0] != tokens[1]


def test_you_said_we_did_is_checked_listed_and_removed(clinic, db, logged_in):
    client = logged_in(clinic["manager"])
    url = f"/manage/teams/{clinic['reception'].id}/you-said"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "you_said": "", "we_did": "x" * 501})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write what you said." in html and "(this is 501)" in html
    response = client.post(
        url, data={"csrf_token": token, "you_said": "Call me on 07700 900123", "we_did": "Fixed"}
    )
    assert response.status_code == 422 and "a phone number (07700 900123)" in response.get_data(
        as_text=True
    )
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "you_said": "The waiting room was cold.",
            "we_did": "We fixed the heating.",
        },
    )
    assert response.status_code == 302
    item = db.session.scalar(select(YouSaidWeDid))
    assert "The waiting room was cold." in client.get(url).get_data(as_text=True)
    remove = f"/manage/you-said/{item.id}/remove"
    assert logged_in(clinic["other"]).post(remove, data={"csrf_token": token}).status_code in (
        400,
        404,
    )
    assert client.post(remove, data={"csrf_token": token}).status_code == 302
    db.session.refresh(item)
    assert item.removed_at is not None
    assert "The waiting room was cold." not in client.get(url).get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("you_said.%"))
    ).all()
    assert sorted(actions) == ["you_said.post", "you_said.remove"]


def test_the_csv_holds_the_viewers_entries_with_comments_only_when_asked(clinic, db, logged_in):
    patient(db, clinic["evening"], "good", date(2026, 12, 2), comment="=SUM(A1)", listened=True)
    staff(
        db,
        clinic["reception"],
        clinic["tom"],
        "concern",
        ["waiting", "phone-access"],
        date(2026, 12, 3),
    )
    patient(db, clinic["elsewhere"], "poor", date(2026, 12, 2), comment="Not theirs")
    client = logged_in(clinic["manager"])
    response = client.get("/manage/feedback.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Team", "Date", "Source", "Answer", "Kind", "Aspects", "Themes"]
    assert rows[1:] == [
        [
            "Outpatients Reception",
            "2026-12-03",
            "Staff",
            "",
            "Concern",
            "",
            "Waiting and delays; Phones and getting through",
        ],
        ["Evening Desk", "2026-12-02", "Patient", "Good", "", "Listening: good", ""],
    ]
    with_comments = client.get("/manage/feedback.csv?comments=1").get_data(as_text=True)
    assert "'=SUM(A1)" in with_comments and "Not theirs" not in with_comments
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.details for e in events] == [
        {"what": "feedback", "comments": False},
        {"what": "feedback", "comments": True},
    ]


def test_the_page_is_kept_until_a_count_changes(clinic, db, logged_in, count_queries):
    client = logged_in(clinic["manager"])
    url = f"/manage/teams/{clinic['reception'].id}/feedback"
    client.get(url)
    with count_queries() as again:
        client.get(url)
    patient(db, clinic["reception"], "very_good", date(2026, 12, 1))
    with count_queries() as after:
        html = client.get(url).get_data(as_text=True)
    assert "Each is a share of all 1 answers" in html  # FeedbackMonth raised the team's counter
    assert after.count > again.count


def build_staff(make, db, staff: int):
    org = make.team(kind="organisation")
    teams = [make.team(kind="team", parent=org) for _ in range(4)]
    manager = make.manager_of(org)
    people = []
    for team in teams:
        people += make.bulk_staff(team, staff // len(teams))
    db.session.execute(
        insert(FeedbackEntry.__table__),
        [
            {
                "team_id": teams[i % 4].id,
                "source": "patient",
                "answer": "good",
                "received_on": date(2026, 12, 1),
                "comment": "Kind staff.",
                "themes": [],
                "language": "en",
            }
            for i in range(staff)
        ],
    )
    db.session.execute(
        insert(FeedbackMonth.__table__),
        [
            {
                "team_id": t.id,
                "month": date(2026, m, 1),
                "good": staff,
                "aspects_good": {},
                "aspects_better": {"waiting": 1},
                "themes": {"waiting": 1},
            }
            for t in teams
            for m in range(1, 13)
        ],
    )
    db.session.commit()
    return manager, teams


def feedback_queries(make, db, count_queries, logged_in, staff: int) -> dict[str, int]:
    manager, teams = build_staff(make, db, staff)
    client = logged_in(manager)
    pages = {
        "all": "/manage/feedback",
        "team": f"/manage/teams/{teams[0].id}/feedback",
        "comments": f"/manage/teams/{teams[0].id}/feedback/comments",
        "you said": f"/manage/teams/{teams[0].id}/you-said",
        "log": "/learn/feedback",
    }
    counts = {}
    for name, path in pages.items():
        with count_queries() as c:
            assert client.get(path).status_code == 200, path
        counts[name] = c.count
    for name in ("all", "team"):
        with count_queries() as c:
            client.get(pages[name])
        counts[f"{name} again"] = c.count
    return counts


def test_query_counts_do_not_grow_with_staff(app, db, make, count_queries, logged_in):
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    small = feedback_queries(make, db, count_queries, logged_in, 20)
    large = feedback_queries(make, db, count_queries, logged_in, 2000)
    assert small == large
    assert large["team again"] < large["team"]


def test_the_large_demo_feedback_is_counted_the_way_the_services_count_it(app, db):
    from tests.test_demo_scale import STAFF, build

    clock.freeze(datetime(2026, 11, 27, 9, 0))
    output = build(app)
    entries = db.session.scalar(select(func.count(FeedbackEntry.id)))
    generated = int(re.search(r"([\d,]+) feedback_entry", output).group(1).replace(",", ""))
    assert 15 * STAFF < generated < 25 * STAFF and generated < entries  # and the small demo's
    answers = {
        answer: n
        for answer, n in db.session.execute(
            select(FeedbackEntry.answer, func.count())
            .where(FeedbackEntry.answer.is_not(None))
            .group_by(FeedbackEntry.answer)
        )
    }
    positive = (answers["very_good"] + answers["good"]) / sum(answers.values())
    assert 0.8 < positive < 0.9
    # Every month's counts are those of its entries...
    columns = [getattr(FeedbackEntry, c) for c in ("team_id", "received_on", "answer", "kind")]
    expected: dict = {}
    for team_id, on, answer, kind, *aspects, themes in db.session.execute(
        select(*columns, *(getattr(FeedbackEntry, a) for a in ASPECTS), FeedbackEntry.themes)
    ):
        counts = expected.setdefault((team_id, on.replace(day=1)), [Counter() for _ in range(4)])
        counts[0].update([answer or KIND_COLUMNS[kind]])
        counts[1].update(a for a, v in zip(ASPECTS, aspects, strict=True) if v is True)
        counts[2].update(a for a, v in zip(ASPECTS, aspects, strict=True) if v is False)
        counts[3].update(themes)
    months = db.session.scalars(select(FeedbackMonth)).all()
    assert len(months) == len(expected)
    for m in months:
        fields, good, better, themes = expected[(m.team_id, m.month)]
        assert {c: getattr(m, c) for c in (*FFT_ANSWERS, *KIND_COLUMNS.values())} == {
            c: fields[c] for c in (*FFT_ANSWERS, *KIND_COLUMNS.values())
        }
        assert (m.aspects_good, m.aspects_better, m.themes) == (good, better, themes)
    # ...and counting one team's entries one by one, as the services do, gives the same rows.
    busiest = max(expected, key=lambda key: sum(expected[key][0].values()))[0]
    built = [_figures(m) for m in months if m.team_id == busiest]
    db.session.execute(FeedbackMonth.__table__.delete().where(FeedbackMonth.team_id == busiest))
    for entry in db.session.scalars(select(FeedbackEntry).where(FeedbackEntry.team_id == busiest)):
        count_entry(entry)
    counted = db.session.scalars(select(FeedbackMonth).where(FeedbackMonth.team_id == busiest))
    assert sorted(_figures(m) for m in counted) == sorted(built)
    assert db.session.scalar(select(func.min(FeedbackEntry.received_on))) >= date(2024, 12, 1)


def _figures(m: FeedbackMonth) -> tuple:
    counts = tuple(getattr(m, c) for c in (*FFT_ANSWERS, *KIND_COLUMNS.values()))
    return (
        m.month,
        counts,
        repr(sorted(m.aspects_good.items())),
        repr(sorted(m.aspects_better.items())),
        repr(sorted(m.themes.items())),
    )
