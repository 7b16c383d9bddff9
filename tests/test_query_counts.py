"""Pages run the same number of SQL queries however many modules or staff there are.

Every page the benchmark (benchmarks/bench.py) measures is here, at 20 and at 2,000 staff; the
large organisations are inserted in bulk so these stay quick.
"""

from datetime import date, datetime

from sqlalchemy import func, insert, select

from carelearn.models import AppRole, QuizAttempt, TrainingRecord
from tests.conftest import csrf_token
from tests.factories import PASSWORD, answers


def build(make, modules: int, staff: int):
    versions = [
        make.module(lessons=3, questions=6, questions_per_attempt=4) for _ in range(modules)
    ]
    team = make.team(kind="team")
    make.bulk_staff(team, staff - 1)
    learner = make.user()
    make.join(learner, team)
    for version in versions:
        make.finish_lessons(learner, version)
    return versions, learner


def queries_for_pages(app, db, make, count_queries, logged_in, modules, staff):
    versions, learner = build(make, modules, staff)
    counts = {}
    browser = app.test_client()
    token = csrf_token(browser, "/login")
    with count_queries() as c:
        response = browser.post(
            "/login", data={"email": learner.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
    counts["login"] = c.count

    client = logged_in(learner)
    slug = versions[0].slug
    with count_queries() as c:
        assert client.get("/learn").status_code == 200
    counts["my training"] = c.count
    with count_queries() as c:
        assert client.get(f"/learn/{slug}/lessons/2").status_code == 200
    counts["lesson"] = c.count

    token = csrf_token(client, "/learn")
    attempt_id = int(
        client.post(f"/learn/{slug}/quiz", data={"csrf_token": token})
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    form = answers(db.session.get(QuizAttempt, attempt_id))
    form["csrf_token"] = token
    with count_queries() as c:
        assert client.post(f"/learn/attempts/{attempt_id}", data=form).status_code == 302
    counts["quiz submit"] = c.count
    with count_queries() as c:
        assert client.post(f"/learn/attempts/{attempt_id}", data=form).status_code == 302
    counts["quiz submitted again"] = c.count
    with count_queries() as c:
        assert client.get(f"/learn/attempts/{attempt_id}").status_code == 200
    counts["quiz result"] = c.count
    with count_queries() as c:
        assert client.get("/learn/record").status_code == 200
    counts["record"] = c.count
    return counts


def test_query_counts_do_not_grow_with_modules_or_staff(app, db, make, count_queries, logged_in):
    small = queries_for_pages(app, db, make, count_queries, logged_in, modules=3, staff=20)
    large = queries_for_pages(app, db, make, count_queries, logged_in, modules=30, staff=2000)
    assert small == large
    assert max(small.values()) <= 24, small  # a ceiling that catches a per-row query creeping in


def manager_pages_queries(make, db, count_queries, logged_in, staff: int, modules: int):
    org = make.team(kind="organisation")
    teams = [make.team(kind="team", parent=org) for _ in range(4)]
    versions = [make.module() for _ in range(modules)]
    manager = make.manager_of(org)
    admin = make.user(app_role=AppRole.ADMIN)
    people = []
    for i, t in enumerate(teams):
        people += make.bulk_staff(t, staff // len(teams), role=["nurse", "porter"][i % 2])
    db.session.execute(
        insert(TrainingRecord.__table__),
        [
            {"user_id": p, "module_id": v.module_id, "due_on": date(2026, 1, 1 + (i % 28))}
            for i, p in enumerate(people)
            for v in versions
        ],
    )
    db.session.commit()
    client = logged_in(manager)
    pages = {
        "dashboard": "/manage/",
        "team": f"/manage/teams/{teams[0].id}",
        "matrix": "/manage/matrix",
        "matrix filtered": f"/manage/matrix?team={teams[1].id}&status=overdue&sort=role",
        "person": f"/manage/people/{people[-1]}",
        "questions": f"/manage/questions?module={versions[0].module_id}",
    }
    counts = {}
    for name, path in pages.items():
        with count_queries() as c:
            assert client.get(path).status_code == 200, path
        counts[name] = c.count
    # Pages kept by the worker (services/freshness.py): the second look is cheaper, and no
    # more dependent on the number of staff.
    for name in ("dashboard", "matrix", "matrix filtered"):
        with count_queries() as c:
            assert client.get(pages[name]).status_code == 200
        counts[f"{name} again"] = c.count
    admin_client = logged_in(admin)
    with count_queries() as c:
        response = admin_client.get("/manage/completions.csv")
        assert response.status_code == 200
        rows = response.get_data(as_text=True).count("\n") - 1
    assert rows == db.session.scalar(select(func.count(TrainingRecord.id))) >= len(people) * modules
    counts["whole-organisation export"] = c.count
    return counts


def test_manager_page_queries_do_not_grow_with_staff_or_modules(make, db, count_queries, logged_in):
    small = manager_pages_queries(make, db, count_queries, logged_in, staff=20, modules=2)
    large = manager_pages_queries(make, db, count_queries, logged_in, staff=2000, modules=6)
    assert small == large
    # The dashboard: a page of teams, who is overdue and expiring, the trend (history and today).
    assert max(small.values()) <= 14, small
    for name in ("dashboard", "matrix", "matrix filtered"):
        assert small[f"{name} again"] < small[name]


def overview_pages_queries(make, db, count_queries, logged_in, people: int):
    """The dashboard, a team's page and what hangs off them, for a manager of `people` people:
    some overdue, some expiring, some done (with the assignments and completions the trend
    reads), in sub-teams."""
    from carelearn.models import Assignment, Completion

    org = make.team(kind="organisation")
    departments = [make.team(kind="department", parent=org) for _ in range(2)]
    teams = [make.team(kind="team", parent=d) for d in departments for _ in range(2)]
    versions = [make.module() for _ in range(3)]
    manager = make.manager_of(org)
    ids = []
    for i, team in enumerate(teams):
        count = people // len(teams) + (1 if i < people % len(teams) else 0)
        ids += make.bulk_staff(team, count) if count else []
    records, assignments = [], []
    for i, person in enumerate(ids):
        for j, v in enumerate(versions):
            kind = (i + j) % 3
            due = date(2026, 1, 10) if kind == 0 else date(2026, 3, 1)
            record = {"user_id": person, "module_id": v.module_id, "due_on": due}
            if kind == 1:  # done, expiring soon
                record.update(completed_on=date(2025, 2, 1), expires_on=date(2026, 2, 1))
            records.append(record)
            assignments.append(
                {"user_id": person, "module_id": v.module_id, "due_on": due, "source": "manager"}
            )
    db.session.execute(insert(TrainingRecord.__table__), records)
    db.session.execute(insert(Assignment.__table__), assignments)
    done = [r for r in records if "completed_on" in r]
    version_of = {v.module_id: v.id for v in versions}
    db.session.execute(
        insert(QuizAttempt.__table__),
        [
            {
                "user_id": r["user_id"],
                "module_version_id": version_of[r["module_id"]],
                "submitted_at": datetime(2025, 2, 1),
                "score_percent": 100,
                "passed": True,
            }
            for r in done
        ],
    )
    attempt_ids = db.session.scalars(
        select(QuizAttempt.id).where(QuizAttempt.user_id.in_(ids)).order_by(QuizAttempt.id)
    ).all()
    completions = [
        {
            "user_id": r["user_id"],
            "module_id": r["module_id"],
            "module_version_id": version_of[r["module_id"]],
            "attempt_id": attempt_id,
            "completed_on": r["completed_on"],
            "expires_on": r["expires_on"],
            "score_percent": 100,
        }
        for r, attempt_id in zip(done, attempt_ids, strict=True)
    ]
    db.session.execute(insert(Completion.__table__), completions)
    db.session.commit()
    client = logged_in(manager)
    pages = {
        "dashboard": "/manage/",
        "department": f"/manage/teams/{departments[0].id}",
        "team": f"/manage/teams/{teams[0].id}",
        "remind preview": f"/manage/teams/{departments[0].id}/remind-overdue",
        "question": f"/manage/questions/{versions[0].module_id}/q0",
        "person": f"/manage/people/{ids[-1]}",
    }
    counts = {}
    for name, path in pages.items():
        with count_queries() as c:
            assert client.get(path).status_code == 200, path
        counts[name] = c.count
    return counts


def test_overview_pages_run_the_same_queries_for_2_and_20_people(
    make, db, count_queries, logged_in
):
    from carelearn.core import clock

    clock.freeze(datetime(2026, 1, 20, 9, 0))
    small = overview_pages_queries(make, db, count_queries, logged_in, people=2)
    large = overview_pages_queries(make, db, count_queries, logged_in, people=20)
    assert small == large
    assert max(small.values()) <= 14, small
