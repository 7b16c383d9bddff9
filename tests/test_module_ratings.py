"""Learners rate the modules they completed (1 to 5, with an optional comment) under a passed
quiz's result and from My record; admins read each version's ratings without names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AppRole, AuditEvent, ModuleRating, ModuleVersion
from carelearn.services.feedback.ratings import (
    COMMENTS_PER_PAGE,
    NotCompleted,
    RatingProblems,
    parse_rating,
    rating_summaries,
    save_rating,
    unrated_versions,
    version_comments,
)
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token

NHS_NUMBER_COMMENT = "Helped me with the patient 943 476 5919 at the desk."


@pytest.fixture
def school(app, make, db):
    """A learner who completed version 1.0 of one module and nothing of another; an admin."""
    clock.freeze(datetime(2026, 11, 16, 9, 0))
    done = make.module(title="Active listening")
    other = make.module(title="Calm in conflict")
    learner = make.user(name="Tom Hughes", email="tom@example.org")
    completion = make.completion(learner, done, date(2026, 11, 10))
    db.session.commit()
    admin = make.user(name="Ada Admin", email="ada@example.org", app_role=AppRole.ADMIN)
    return {
        "done": done,
        "other": other,
        "learner": learner,
        "attempt_id": completion.attempt_id,
        "admin": admin,
    }


def rate(client, version_id: int, **fields):
    data = {"csrf_token": csrf_token(client, "/learn"), "stars": "4", "comment": "", **fields}
    return client.post(f"/learn/ratings/{version_id}", data=data)


def ratings(db) -> list[ModuleRating]:
    return list(db.session.scalars(select(ModuleRating)))


def new_version(db, version: ModuleVersion, number: int) -> ModuleVersion:
    newer = ModuleVersion(
        module_id=version.module_id,
        number=number,
        label=f"{number}.0",
        content_hash=f"{version.content_hash}-{number}",
        title=version.title,
        summary="Newer.",
        audience=version.audience,
        estimated_minutes=5,
        pass_mark=80,
        questions_per_attempt=3,
    )
    db.session.add(newer)
    db.session.commit()
    return newer


# -- Rating --------------------------------------------------------------------------------------


def test_the_passed_quizs_result_asks_how_useful_the_module_was(school, logged_in):
    client = logged_in(school["learner"])
    html = client.get(f"/learn/attempts/{school['attempt_id']}").get_data(as_text=True)
    assert "How useful was this module?" in html
    assert "Admins see your rating and comment without your name." in html
    assert html.count('name="stars"') == 5
    assert "<legend>Your rating of Active listening" in html
    assert f'action="/learn/ratings/{school["done"].id}"' in html


def test_a_rating_is_saved_then_changed_keeping_one_row(school, db, logged_in):
    client = logged_in(school["learner"])
    version_id = school["done"].id
    response = rate(client, version_id, stars="2", attempt=str(school["attempt_id"]))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/learn/attempts/{school['attempt_id']}#rate"
    assert [(r.stars, r.comment) for r in ratings(db)] == [(2, None)]
    result = client.get(f"/learn/attempts/{school['attempt_id']}").get_data(as_text=True)
    assert "You rated it 2 out of 5" in result and "Change my rating" in result
    response = rate(client, version_id, stars="5", comment="  Short and clear.  ")
    assert response.headers["Location"] == "/learn/record#rate"
    db.session.expire_all()
    assert [(r.stars, r.comment) for r in ratings(db)] == [(5, "Short and clear.")]
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "rating.save")))
    names = load_names(events)
    assert [describe(e, names) for e in events] == [
        "A learner rated Active listening (version 1.0)",
        "A learner changed their rating of Active listening (version 1.0)",
    ]
    # The audit trail never holds who, the stars or the comment: admins read them without names.
    for event in events:
        assert event.actor_id is None
        assert "stars" not in event.details and "Short and clear" not in str(event.details)


@pytest.mark.parametrize(
    ("stars", "message"),
    [
        ("", "Choose how useful the module was, from 1 to 5."),
        ("0", "Choose a number of stars from 1 to 5."),
        ("6", "Choose a number of stars from 1 to 5."),
        ("three", "Choose a number of stars from 1 to 5."),
        ("3.5", "Choose a number of stars from 1 to 5."),
        ("-1", "Choose a number of stars from 1 to 5."),
    ],
)
def test_stars_must_be_a_whole_number_from_1_to_5(school, db, logged_in, stars, message):
    client = logged_in(school["learner"])
    response = rate(client, school["done"].id, stars=stars, comment="Kept as typed.")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert "Kept as typed.</textarea>" in html
    assert ratings(db) == []
    with pytest.raises(RatingProblems):
        parse_rating(stars, None)


def test_missing_stars_are_refused_too(school, db, logged_in):
    client = logged_in(school["learner"])
    token = csrf_token(client, "/learn")
    response = client.post(f"/learn/ratings/{school['done'].id}", data={"csrf_token": token})
    assert response.status_code == 422
    assert ratings(db) == []


def test_a_comment_with_a_patients_details_is_refused_and_kept_nowhere(school, db, logged_in):
    client = logged_in(school["learner"])
    response = rate(client, school["done"].id, stars="4", comment=NHS_NUMBER_COMMENT)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The comment looks like it holds details that could identify someone" in html
    assert f"{escape(NHS_NUMBER_COMMENT)}</textarea>" in html  # kept in the form to edit
    assert ratings(db) == []
    # Nothing of the refused comment is in the audit trail (signing in is all it holds).
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert all(a.startswith("auth.") for a in actions)


def test_a_comment_over_1000_characters_is_refused(school, db, logged_in):
    client = logged_in(school["learner"])
    response = rate(client, school["done"].id, comment="a" * 1001)
    assert response.status_code == 422
    assert "1000 characters or fewer (this is 1001)" in response.get_data(as_text=True)
    assert rate(client, school["done"].id, comment="a" * 1000).status_code == 302


def test_only_a_completed_version_can_be_rated(school, make, db, logged_in):
    client = logged_in(school["learner"])
    newer = new_version(db, school["done"], 2)
    for version_id in (school["other"].id, newer.id, 99999):
        assert client.get(f"/learn/ratings/{version_id}").status_code == 404
        assert rate(client, version_id).status_code == 404
    with pytest.raises(NotCompleted):
        save_rating(school["learner"], school["other"].id, "4", None)
    # Someone else's completion does not count for this learner.
    someone = make.user()
    assert logged_in(someone).get(f"/learn/ratings/{school['done'].id}").status_code == 404
    assert ratings(db) == []


def test_my_record_lists_completed_versions_not_yet_rated(school, make, db, logged_in):
    second = make.module(title="Dignity and respect")
    make.completion(school["learner"], second, date(2026, 11, 12))
    db.session.commit()
    client = logged_in(school["learner"])
    html = client.get("/learn/record").get_data(as_text=True)
    assert '<h2 id="unrated-title">Rate your modules</h2>' in html
    assert f'href="/learn/ratings/{school["done"].id}">Rate Active listening</a>' in html
    assert f'href="/learn/ratings/{second.id}">Rate Dignity and respect</a>' in html
    rate(client, school["done"].id)
    assert [v.title for v in unrated_versions(school["learner"])] == ["Dignity and respect"]
    rate(client, second.id)
    assert "Rate your modules" not in client.get("/learn/record").get_data(as_text=True)
    page = client.get(f"/learn/ratings/{second.id}").get_data(as_text=True)
    assert "<h1>Rate Dignity and respect</h1>" in page and "You rated it 4 out of 5" in page


# -- What admins see -----------------------------------------------------------------------------


def rated_by(make, db, version, stars_list, comment=None):
    for stars in stars_list:
        person = make.user()
        make.completion(person, version, date(2026, 11, 1))
        db.session.commit()
        save_rating(person, version.id, str(stars), comment)
        db.session.commit()


def test_admins_see_the_average_count_and_spread_per_version(school, make, db, logged_in):
    newer = new_version(db, school["done"], 2)
    rated_by(make, db, school["done"], [5, 4, 4])
    rated_by(make, db, newer, [1, 2])
    rated_by(make, db, school["other"], [3])
    summaries = rating_summaries()
    assert [(s.title, s.label, s.average, s.count) for s in summaries] == [
        ("Active listening", "2.0", 1.5, 2),
        ("Active listening", "1.0", 4.3, 3),
        ("Calm in conflict", "1.0", 3.0, 1),
    ]
    assert summaries[1].distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    client = logged_in(school["admin"])
    html = client.get("/admin/ratings").get_data(as_text=True)
    assert "4.3 out of 5" in html and "1.5 out of 5" in html and "3.0 out of 5" in html
    assert 'href="/admin/ratings"' in html  # the admin menu links to the page
    page = client.get(f"/admin/ratings/{school['done'].id}").get_data(as_text=True)
    assert "Average 4.3 out of 5, from 3 ratings." in page
    assert "67%" in page and "33%" in page


def test_comments_are_newest_first_by_page_and_without_names(school, make, db, logged_in):
    version = school["done"]
    for n in range(COMMENTS_PER_PAGE + 3):
        clock.freeze(datetime(2026, 11, 16, 9, 0) + timedelta(minutes=n))
        person = make.user(name=f"Rater Number{n}")
        make.completion(person, version, date(2026, 11, 1))
        db.session.commit()
        save_rating(person, version.id, "3", f"Comment {n}.")
        db.session.commit()
    rated_by(make, db, version, [5])  # a rating without a comment is counted, not listed
    first = version_comments(version.id, 1)
    assert first.total == COMMENTS_PER_PAGE + 3 and first.pages == 2
    assert first.comments[0].text == f"Comment {COMMENTS_PER_PAGE + 2}."
    assert version_comments(version.id, 2).comments[-1].text == "Comment 0."
    html = logged_in(school["admin"]).get(f"/admin/ratings/{version.id}").get_data(as_text=True)
    assert "Comment 22." in html and "Comment 2." not in html
    assert "November 2026" in html and "16 Nov" not in html  # the month only
    assert "Rater Number" not in html
    second = logged_in(school["admin"]).get(f"/admin/ratings/{version.id}?page=2")
    assert "Comment 0." in second.get_data(as_text=True)
    assert logged_in(school["admin"]).get("/admin/ratings/99999").status_code == 404


def test_only_admins_see_ratings(school, make, logged_in):
    team = make.team()
    manager = make.manager_of(team)
    for person in (school["learner"], manager):
        client = logged_in(person)
        assert client.get("/admin/ratings").status_code == 403
        assert client.get(f"/admin/ratings/{school['done'].id}").status_code == 403


def test_the_ratings_pages_run_the_same_queries_however_many_ratings(
    school, make, db, count_queries, logged_in
):
    def measure() -> tuple[int, int]:
        client = logged_in(school["admin"])
        with count_queries() as overview:
            assert client.get("/admin/ratings").status_code == 200
        with count_queries() as one:
            assert client.get(f"/admin/ratings/{school['done'].id}").status_code == 200
        return overview.count, one.count

    rated_by(make, db, school["done"], [4], comment="Good.")
    few = measure()
    rated_by(make, db, school["done"], [1, 2, 3, 4, 5] * 6, comment="Fine.")
    rated_by(make, db, school["other"], [2, 3])
    assert measure() == few
