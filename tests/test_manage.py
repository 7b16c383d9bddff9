"""Managers' pages: permissions, figures, the matrix, people, questions, assigning, exports."""

import csv
import io
from datetime import date, datetime

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AppRole, Assignment, AttemptQuestion, QuizAttempt
from carelearn.services.reporting.exports import safe_cell
from tests.conftest import csrf_token
from tests.factories import answers

MANAGE_PAGES = [
    "/manage/",
    "/manage/matrix",
    "/manage/questions",
    "/manage/assign",
    "/manage/matrix.csv",
    "/manage/completions.csv",
]


@pytest.fixture
def trust(make):
    """An organisation with two departments; the manager runs Outpatients (and the team below
    it)."""
    clock.freeze(datetime(2026, 6, 15, 9, 0))
    org = make.team("Riverside", "organisation")
    outpatients = make.team("Outpatients", "department", org)
    reception = make.team("Outpatients Reception", "team", outpatients)
    wards = make.team("Wards", "department", org)
    manager = make.manager_of(outpatients, name="Grace Manager")
    version = make.module(title="Active listening")
    ours = [make.user(name=n) for n in ("Amy Ahmed", "Ben Brown", "Cara Cole")]
    make.join(ours[0], outpatients)
    make.join(ours[1], reception)
    make.join(ours[2], reception)
    theirs = make.user(name="Zed Outsider")
    make.join(theirs, wards)
    # Required training, as the services keep it: a record with a due date, done or not.
    make.record(
        ours[0],
        version,
        due_on=date(2026, 1, 31),
        completed_on=date(2026, 1, 10),
        expires_on=date(2027, 1, 10),
        score_percent=90,
    )
    make.record(ours[1], version, due_on=date(2026, 6, 1))  # overdue
    make.record(
        ours[2],
        version,
        due_on=date(2025, 7, 31),
        completed_on=date(2025, 7, 1),
        expires_on=date(2026, 7, 1),
    )  # expiring
    make.record(theirs, version, due_on=date(2026, 1, 1))
    return {
        "manager": manager,
        "ours": ours,
        "theirs": theirs,
        "version": version,
        "outpatients": outpatients,
        "reception": reception,
        "wards": wards,
    }


@pytest.mark.parametrize("path", MANAGE_PAGES)
def test_a_learner_gets_403_on_every_manager_page(make, logged_in, path):
    client = logged_in(make.user())
    assert client.get(path).status_code == 403


def test_dashboard_shows_figures_for_the_managed_teams_only(trust, logged_in):
    html = logged_in(trust["manager"]).get("/manage/").get_data(as_text=True)
    assert "Outpatients" in html and "Wards" not in html
    assert "66%" in html  # 2 of 3 done: one completed, one expiring (still valid)


def test_team_figures_count_sub_teams_and_statuses(trust):
    from carelearn.services.reporting.reports import team_figures

    (figures,) = team_figures([trust["outpatients"]])
    assert (figures.people, figures.assigned, figures.done, figures.overdue, figures.expiring) == (
        3,
        3,
        2,
        1,
        1,
    )
    assert figures.completion_percent == 66


def test_team_page_drills_down_and_refuses_other_teams(trust, logged_in):
    client = logged_in(trust["manager"])
    html = client.get(f"/manage/teams/{trust['outpatients'].id}").get_data(as_text=True)
    assert "Outpatients Reception" in html
    assert client.get(f"/manage/teams/{trust['reception'].id}").status_code == 200
    assert client.get(f"/manage/teams/{trust['wards'].id}").status_code == 404
    assert client.get("/manage/teams/99999").status_code == 404


def test_matrix_lists_only_people_in_scope_with_status_text(trust, logged_in):
    html = logged_in(trust["manager"]).get("/manage/matrix").get_data(as_text=True)
    for name in ("Amy Ahmed", "Ben Brown", "Cara Cole"):
        assert name in html
    assert "Zed Outsider" not in html
    assert "Overdue" in html and "Expiring" in html and "Completed" in html


@pytest.mark.parametrize(
    "query,expected",
    [
        ("status=overdue", {"Ben Brown"}),
        ("status=expiring", {"Cara Cole"}),
        ("q=amy", {"Amy Ahmed"}),
        ("q=BROWN", {"Ben Brown"}),
    ],
)
def test_matrix_filters(trust, logged_in, query, expected):
    html = logged_in(trust["manager"]).get(f"/manage/matrix?{query}").get_data(as_text=True)
    shown = {n for n in ("Amy Ahmed", "Ben Brown", "Cara Cole", "Zed Outsider") if n in html}
    assert shown == expected


def test_matrix_team_filter_includes_sub_teams_and_ignores_foreign_teams(trust, logged_in):
    client = logged_in(trust["manager"])
    html = client.get(f"/manage/matrix?team={trust['reception'].id}").get_data(as_text=True)
    assert "Ben Brown" in html and "Cara Cole" in html and "Amy Ahmed" not in html
    foreign = client.get(f"/manage/matrix?team={trust['wards'].id}").get_data(as_text=True)
    assert "Zed Outsider" not in foreign and "Not a valid choice" in foreign


def test_matrix_sorts_and_paginates(trust, make, logged_in):
    make.staff_in(trust["reception"], 30)
    client = logged_in(trust["manager"])
    first = client.get("/manage/matrix?sort=-name").get_data(as_text=True)
    assert "page 1 of 2" in first and "Next page" in first
    assert first.index("Person") < first.index("Cara Cole") if "Cara Cole" in first else True
    second = client.get("/manage/matrix?sort=-name&page=2").get_data(as_text=True)
    assert "Amy Ahmed" in second and "Amy Ahmed" not in first


def test_person_page_and_other_peoples_ids(trust, logged_in):
    client = logged_in(trust["manager"])
    html = client.get(f"/manage/people/{trust['ours'][0].id}").get_data(as_text=True)
    assert "Amy Ahmed" in html and "Active listening" in html and "90%" in html
    assert client.get(f"/manage/people/{trust['theirs'].id}").status_code == 404
    assert client.get("/manage/people/424242").status_code == 404


def test_admin_sees_everyone(trust, make, logged_in):
    admin = make.user(app_role=AppRole.ADMIN)
    client = logged_in(admin)
    assert "Zed Outsider" in client.get("/manage/matrix").get_data(as_text=True)
    assert client.get(f"/manage/people/{trust['theirs'].id}").status_code == 200


def _csv_rows(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_completions_export_honours_scope_and_filters(trust, logged_in):
    client = logged_in(trust["manager"])
    response = client.get("/manage/completions.csv")
    assert (
        response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    )
    rows = _csv_rows(response)
    assert rows[0][:6] == ["Name", "Email", "Job role", "Module", "Required", "Status"]
    assert {r[0] for r in rows[1:]} == {"Amy Ahmed", "Ben Brown", "Cara Cole"}
    amy = next(r for r in rows if r[0] == "Amy Ahmed")
    assert amy[4:] == [
        "required",
        "completed",
        "2026-01-31",
        "",
        "2026-01-10",
        "2027-01-10",
        "90",
        "",
        "",  # how it was earned: a record made directly, with no completion behind it
        "",  # observed practice: none signed off
    ]
    overdue = _csv_rows(client.get("/manage/completions.csv?status=overdue"))
    assert [r[0] for r in overdue[1:]] == ["Ben Brown"]


def test_matrix_export_has_a_column_per_module(trust, make, logged_in):
    make.module(title="Managing expectations")
    rows = _csv_rows(logged_in(trust["manager"]).get("/manage/matrix.csv"))
    assert rows[0] == ["Name", "Email", "Job role", "Active listening", "Managing expectations"]
    # The new module is for every job role, so optional for them until someone assigns it.
    assert rows[1][0] == "Amy Ahmed"
    assert rows[1][3:] == ["completed (Completed 10 Jan 2026)", "optional"]
    assert len(rows) == 4


def test_exports_neutralise_formulas(trust, make, logged_in, db):
    trust["ours"][0].name = '=HYPERLINK("http://evil")'
    db.session.commit()
    rows = _csv_rows(logged_in(trust["manager"]).get("/manage/completions.csv"))
    assert any(r[0] == '\'=HYPERLINK("http://evil")' for r in rows)
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("Ward 7") == "Ward 7" and safe_cell(None) == ""


def test_a_cell_holding_the_list_separator_is_quoted(trust, logged_in, db):
    trust["ours"][0].name = "Smith;=1+1"
    db.session.commit()
    response = logged_in(trust["manager"]).get("/manage/completions.csv")
    rows = _csv_rows(response)
    assert any(r[0] == "Smith;=1+1" for r in rows)  # one cell, as typed
    line = next(x for x in response.get_data(as_text=True).splitlines() if "Smith;" in x)
    # Split at ";" as such a spreadsheet does, outside quotes: no piece starts a formula.
    pieces, inside, piece = [], False, ""
    for character in line:
        if character == '"':
            inside = not inside
        if character == ";" and not inside:
            pieces.append(piece)
            piece = ""
        else:
            piece += character
    pieces.append(piece)
    assert len(pieces) == 1 and line.startswith('"Smith;=1+1"')


def test_export_is_streamed_not_built_in_memory(trust, make, db):
    from carelearn.services.reporting.exports import completions_csv
    from carelearn.services.reporting.reports import MatrixFilters

    people = make.bulk_staff(trust["reception"], 3000)
    make.bulk_records(people, [trust["version"]], due_on=date(2026, 9, 1))
    chunks = list(completions_csv(trust["manager"], MatrixFilters()))
    # About 300 kB of rows leave in pieces of ~32 kB, each written as soon as it is full.
    assert len(chunks) > 5
    assert max(len(c) for c in chunks) < 40_000
    assert sum(c.count("\n") for c in chunks) == 3000 + 3 + 1


def test_export_streams_through_the_response_in_bounded_memory(trust, make, db, logged_in):
    """The real response, read piece by piece: rows keep coming after the view has returned
    (and its database session closed), and memory stays far below the size of the export."""
    import tracemalloc

    people = make.bulk_staff(trust["reception"], 8000)
    make.bulk_records(people, [trust["version"]], due_on=date(2026, 9, 1))
    client = logged_in(trust["manager"])
    client.get("/manage/completions.csv?status=expired")  # compiles its queries: not measured
    tracemalloc.start()
    try:
        response = client.get("/manage/completions.csv", buffered=False)
        rows = pieces = size = 0
        for piece in response.response:
            rows, pieces, size = rows + piece.count(b"\n"), pieces + 1, size + len(piece)
        response.close()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == 8000 + 3 + 1
    assert pieces > 20 and size > 700_000
    # Fetched and written 1,000 rows at a time this peaks under 2 MB; holding all 8,000 rows
    # (with the text to send) takes over 5 MB.
    assert peak < 3_000_000, f"peak {peak} bytes for an export of {size}"


def test_question_analysis_most_missed_first(trust, make, db, logged_in):
    version = trust["version"]
    for person, right in (
        (trust["ours"][0], True),
        (trust["ours"][1], False),
        (trust["theirs"], False),
    ):
        attempt = QuizAttempt(
            user_id=person.id,
            module_version_id=version.id,
            submitted_at=datetime(2026, 6, 1),
            score_percent=0,
            passed=False,
        )
        db.session.add(attempt)
        db.session.flush()
        questions = version_questions(db, version)
        for position, q in enumerate(questions, 1):
            # q0 is always missed by this team; the others follow `right`.
            correct = None if q.kind == "reflection" else (False if q.key == "q0" else right)
            db.session.add(
                AttemptQuestion(
                    attempt_id=attempt.id,
                    question_id=q.id,
                    position=position,
                    option_order=[],
                    is_correct=correct,
                )
            )
    db.session.commit()
    html = (
        logged_in(trust["manager"])
        .get(f"/manage/questions?module={version.module_id}")
        .get_data(as_text=True)
    )
    assert html.index("Prompt q0?") < html.index("Prompt q1?")
    # Two answers each from the manager's people (the outsider's do not count): too few.
    assert html.count("Too few answers to judge") >= 2 and "2 answers" in html
    assert "Prompt reflect?" not in html


def version_questions(db, version):
    from carelearn.models import Question

    return db.session.scalars(
        select(Question).where(Question.module_version_id == version.id).order_by(Question.key)
    ).all()


def test_completion_trend_counts_per_month(trust, make, db):
    from carelearn.services.reporting.reports import completion_trend

    make.finish_lessons(trust["ours"][0], trust["version"])
    make.completion(trust["ours"][0], trust["version"], date(2026, 5, 3))
    # Required training (assigned in April): the trend counts only that.
    db.session.add(
        Assignment(
            user_id=trust["ours"][0].id,
            module_id=trust["version"].module_id,
            due_on=date(2026, 5, 31),
            source="manager",
            created_at=datetime(2026, 4, 1),
            completed_at=datetime(2026, 5, 3),
        )
    )
    db.session.commit()
    trend = completion_trend(trust["manager"])
    assert len(trend) == 12 and trend[-1].month == date(2026, 6, 1)
    assert [p.completions for p in trend if p.month == date(2026, 5, 1)] == [1]


def _quiz_with_reflection(db, logged_in, trust, share: bool) -> str:
    """The learner passes, sharing their reflection or not; returns the manager's view of them."""
    version = trust["version"]
    learner = trust["ours"][1]
    from tests import factories

    factories.finish_lessons(learner, version)
    client = logged_in(learner)
    token = csrf_token(client, "/learn")
    attempt_id = int(
        client.post(f"/learn/{version.slug}/quiz", data={"csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = answers(attempt)
    if share:
        reflection = next(i for i in attempt.items if i.question.kind == "reflection")
        form[f"share-{reflection.id}"] = "yes"
    form["csrf_token"] = token
    client.post(f"/learn/attempts/{attempt_id}", data=form)
    return logged_in(trust["manager"]).get(f"/manage/people/{learner.id}").get_data(as_text=True)


def test_reflections_show_when_shared(db, logged_in, trust):
    assert "I will say my name first." in _quiz_with_reflection(db, logged_in, trust, share=True)


def test_unshared_reflections_stay_private(db, logged_in, trust):
    html = _quiz_with_reflection(db, logged_in, trust, share=False)
    assert "I will say my name first." not in html and "stay private" in html
