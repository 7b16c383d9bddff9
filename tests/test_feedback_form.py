"""The public feedback form: the Friends and Family Test in its own words, in English and Welsh,
no cookie, nothing that identifies anyone stored or logged, and abuse refused cheaply."""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.feedback.tokens import issue_token
from carelearn.feedback.wording import FFT_ANSWER_WORDS, check_wordings, load_wordings
from carelearn.models.feedback import FeedbackEntry, FeedbackMonth, YouSaidWeDid
from carelearn.services.feedback.monthly import count_entry
from carelearn.services.feedback.public_form import (
    CHANGES_PER_PAGE,
    CommentIdentifies,
    FeedbackRefused,
    store_patient_feedback,
)

QUESTION = "Overall, how was your experience of our service?"
ANSWERS = ["Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"]
VALID_NHS_NUMBER = "943 476 5919"  # passes the modulus 11 check
FAILING_DIGITS = "943 476 5910"  # the same shape, failing it


@pytest.fixture
def team(make):
    return make.team("Eye clinic")


def token(team_id: int, seconds_ago: float = 10) -> str:
    now = clock.utcnow().replace(tzinfo=UTC).timestamp()
    return issue_token(team_id, issued_at=now - seconds_ago)


def send(client, team_id: int, lang: str | None = None, **fields):
    data = {"started": token(team_id), **fields}
    return client.post(f"/f/{team_id}" + (f"?lang={lang}" if lang else ""), data=data)


def stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(FeedbackEntry))


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_the_form_asks_the_friends_and_family_test_in_its_own_words(client, team):
    response = client.get(f"/f/{team.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert '<html lang="en-GB">' in html
    legend = re.search(r"<fieldset[^>]*>\s*<legend>(.*?)</legend>", html, re.S).group(1)
    assert QUESTION in legend
    labels = re.findall(r'<label for="answer-\d">(.*?)</label>', html)
    assert [label.replace("&#39;", "'") for label in labels] == ANSWERS
    assert re.findall(r'name="answer"[^>]*value="(\w+)"', html) == list(FFT_ANSWER_WORDS)
    assert "Please do not include names, dates of birth or other details" in html
    for aspect in ("Staff listened to me", "Staff were kind", "Cleanliness", "Could be better"):
        assert aspect in html
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html  # the hidden box
    assert re.search(
        r'<div class="visually-hidden feedback-trap" aria-hidden="true">\s*<label', html
    )


@pytest.mark.parametrize("path", ["/f/999999", "/f/abc", "/f/1.5", "/f/99999999999999999999"])
def test_an_unknown_or_malformed_team_is_not_found(client, team, path):
    assert client.get(path).status_code == 404
    assert client.post(path, data={"answer": "good"}).status_code == 404


def test_an_answer_is_stored_with_its_month_and_no_cookie(client, db, team):
    clock.freeze(datetime(2026, 12, 2, 14, 30))
    response = send(
        client,
        team.id,
        answer="good",
        aspect_listened="good",
        aspect_waiting="better",
        comment="Waited 2 hours in bay 10, but room 101 was spotless.",
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/f/{team.id}/thanks")
    assert "Set-Cookie" not in response.headers
    entry = db.session.scalars(select(FeedbackEntry)).one()
    assert (entry.source, entry.answer, entry.language) == ("patient", "good", "en")
    assert (entry.listened, entry.waiting, entry.kindness) == (True, False, None)
    assert entry.themes == ["waiting"]
    assert entry.received_on == date(2026, 12, 2)
    month = db.session.scalars(select(FeedbackMonth)).one()
    assert (month.team_id, month.month, month.good, month.poor) == (
        team.id,
        date(2026, 12, 1),
        1,
        0,
    )
    assert month.aspects_good == {"listened": 1}
    assert month.aspects_better == {"waiting": 1}
    assert month.themes == {"waiting": 1}
    thanks = client.get(response.headers["Location"])
    assert thanks.status_code == 200 and "Set-Cookie" not in thanks.headers
    assert "Thank you" in thanks.get_data(as_text=True)


def test_no_answer_chosen_says_so_and_keeps_what_was_written(client, db, team):
    response = send(client, team.id, comment="The reception desk was friendly.")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose how your experience was overall." in html
    assert 'href="#answer-0"' in html  # the error summary leads to the first answer
    assert "The reception desk was friendly." in html
    assert stored(db) == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"answer": "excellent"},
        {"answer": "good", "aspect_waiting": "awful"},
        {"answer": "good", "comment": "x" * 1001},
    ],
)
def test_only_known_answers_and_short_comments_are_accepted(client, db, team, fields):
    response = send(client, team.id, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose one of the answers shown." in html or "1,000 characters or fewer" in html
    assert stored(db) == 0


def test_a_line_break_counts_as_one_character_as_the_browser_counts_it(client, db, team):
    comment = "a" * 500 + "\r\n" + "a" * 499  # 1,000 characters in the box
    assert send(client, team.id, answer="good", comment=comment).status_code == 303
    assert db.session.scalars(select(FeedbackEntry.comment)).one() == comment.replace("\r", "")


def test_a_valid_nhs_number_is_refused_and_never_stored_or_logged(client, db, team, caplog):
    caplog.set_level(logging.DEBUG)
    comment = f"My number is {VALID_NHS_NUMBER}, please call me."
    response = send(client, team.id, answer="poor", comment=comment)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "looks like it holds details that could identify someone" in html
    assert f"an NHS number ({VALID_NHS_NUMBER})" in html
    assert comment in html  # kept in the box, to edit
    assert stored(db) == 0
    assert db.session.scalar(select(func.count()).select_from(FeedbackMonth)) == 0
    assert VALID_NHS_NUMBER not in caplog.text


@pytest.mark.parametrize(
    "comment",
    [f"The code on my letter was {FAILING_DIGITS}.", "Bay 10 was cold", "2 hours", "room 101"],
)
def test_everyday_numbers_pass_the_check(client, db, team, comment):
    assert send(client, team.id, answer="good", comment=comment).status_code == 303
    assert db.session.scalars(select(FeedbackEntry.comment)).one() == comment


def test_the_hidden_box_filled_thanks_a_script_and_stores_nothing(client, db, team):
    response = send(client, team.id, answer="very_good", website="https://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/f/{team.id}/thanks")
    assert stored(db) == 0


def test_sending_within_seconds_asks_to_check_and_keeps_the_answers(client, db, team):
    data = {"started": token(team.id, seconds_ago=0), "answer": "poor", "comment": "Long wait."}
    response = client.post(f"/f/{team.id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please take a moment to check your answers, then send." in html
    assert re.search(r'checked[^>]*value="poor"|value="poor"[^>]*checked', html)
    assert "Long wait." in html
    assert stored(db) == 0


@pytest.mark.parametrize("case", ["missing", "forged", "other team", "too old"])
def test_a_token_not_issued_here_for_this_team_recently_stores_nothing(
    client, db, make, team, case
):
    other = make.team("Fracture clinic")
    started = {
        "missing": "",
        "forged": token(team.id)[:-2] + "xx",
        "other team": token(other.id),
        "too old": token(team.id, seconds_ago=3 * 60 * 60),
    }[case]
    response = client.post(f"/f/{team.id}", data={"started": started, "answer": "good"})
    assert response.status_code == 422
    assert "Please check your answers, then send again." in response.get_data(as_text=True)
    assert stored(db) == 0


def test_a_body_too_large_is_refused_before_it_is_read(client, db, team):
    response = send(client, team.id, answer="good", comment="x" * 9000)
    assert response.status_code == 413
    assert "Please make your comment shorter" in response.get_data(as_text=True)
    assert stored(db) == 0


def test_one_address_is_paused_after_five_a_minute(app, db, team):
    ward_wifi = from_address(app, "10.9.9.9")
    codes = [send(ward_wifi, team.id, answer="good").status_code for _ in range(6)]
    assert codes == [303] * 5 + [429]
    refused = send(ward_wifi, team.id, answer="good")
    page = refused.get_data(as_text=True)
    # Words for a patient: nothing about accounts or passwords, no link into the staff site.
    assert "Too many in a short time" in page and "password" not in page
    assert "Go to my training" not in page
    assert int(refused.headers["Retry-After"]) > 0
    assert stored(db) == 5
    assert send(from_address(app, "10.8.8.8"), team.id, answer="good").status_code == 303


def test_one_team_is_paused_after_sixty_a_minute_from_anywhere(app, db, make, team):
    codes = [
        send(from_address(app, f"10.0.{n // 200}.{n % 200}"), team.id, answer="good").status_code
        for n in range(61)
    ]
    assert codes == [303] * 60 + [429]
    assert stored(db) == 60
    other = make.team("Fracture clinic")
    assert send(from_address(app, "10.7.7.7"), other.id, answer="good").status_code == 303


def test_a_flood_is_refused_before_flask_with_the_page_flask_sent(app, db, make, team, monkeypatch):
    """Once a worker has refused a form's flood, it answers further sends without entering
    Flask: the same page and headers, a fresh Retry-After, nothing stored."""
    from flask import request_started

    from carelearn.core import throttle

    def sending(n: int, to=team):
        return send(from_address(app, f"10.1.{n // 200}.{n % 200}"), to.id, answer="good")

    assert [sending(n).status_code for n in range(60)] == [303] * 60
    first = sending(60)  # refused by Flask itself, which the shortcut learns from
    assert first.status_code == 429
    entered: list[str] = []

    def note(sender, **_extra):
        entered.append("entered")

    request_started.connect(note, app)
    try:
        flood = [sending(100 + n) for n in range(50)]
        assert entered == []
        assert {r.status_code for r in flood} == {429}
        assert {r.get_data() for r in flood} == {first.get_data()}
        for header in ("Content-Security-Policy", "Cache-Control", "X-Robots-Tag"):
            assert {r.headers[header] for r in flood} == {first.headers[header]}
        assert all(1 <= int(r.headers["Retry-After"]) <= 60 for r in flood)
        assert stored(db) == 60
        # Another team's form, a GET of this one, and a send with a cookie all reach Flask.
        assert sending(200, to=make.team("Fracture clinic")).status_code == 303
        assert app.test_client().get(f"/f/{team.id}").status_code == 200
        signed_in = from_address(app, "10.2.0.1")
        signed_in.set_cookie("session", "anything")
        assert send(signed_in, team.id, answer="good").status_code == 429
        assert len(entered) == 3
        # Once the store's window has passed, sends are taken again.
        real_time = throttle.time.time
        monkeypatch.setattr(throttle.time, "time", lambda: real_time() + 61)
        assert sending(300).status_code == 303
    finally:
        request_started.disconnect(note, app)
    assert stored(db) == 62


def test_the_form_in_welsh(client, db, team):
    page = client.get(f"/f/{team.id}?lang=cy")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Set-Cookie" not in page.headers
    assert '<html lang="cy">' in html
    assert "Yn gyffredinol, sut oedd eich profiad o&#39;n gwasanaeth?" in html
    assert f'href="/f/{team.id}" lang="en-GB"' in html  # back to English
    missing = send(client, team.id, lang="cy")
    assert "Dewiswch sut oedd eich profiad yn gyffredinol." in missing.get_data(as_text=True)
    refused = send(client, team.id, lang="cy", answer="good", comment=VALID_NHS_NUMBER)
    assert f"rhif GIG ({VALID_NHS_NUMBER})" in refused.get_data(as_text=True)
    sent = send(client, team.id, lang="cy", answer="very_good")
    assert sent.headers["Location"].endswith(f"/f/{team.id}/thanks?lang=cy")
    assert db.session.scalars(select(FeedbackEntry.language)).one() == "cy"
    assert "Diolch" in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_an_unknown_language_falls_back_to_english(client, team):
    assert QUESTION in client.get(f"/f/{team.id}?lang=xx").get_data(as_text=True)


def test_every_language_has_the_same_wording_keys():
    wordings = load_wordings()
    assert {"en", "cy"} <= set(wordings)
    assert wordings["en"]["question"] == QUESTION
    assert list(wordings["en"]["answers"].values()) == ANSWERS
    assert check_wordings(wordings) == []
    broken = {**wordings, "cy": {k: v for k, v in wordings["cy"].items() if k != "send"}}
    assert "cy.yml: missing send" in check_wordings(broken)
    reworded = {**wordings, "en": {**wordings["en"], "question": "How did we do?"}}
    assert any("question must be exactly" in p for p in check_wordings(reworded))


def test_storing_directly_checks_everything_and_counts_the_month(db, team):
    with pytest.raises(FeedbackRefused):
        store_patient_feedback(team.id, "superb", {}, None, "en")
    with pytest.raises(FeedbackRefused):
        store_patient_feedback(team.id, None, {}, None, "en")
    with pytest.raises(CommentIdentifies) as refused:
        store_patient_feedback(team.id, "good", {}, "Email me at ana@example.org", "en")
    assert refused.value.found[0].kind == "an email address"
    first = store_patient_feedback(team.id, "poor", {"kindness": False}, "  ", "en")
    store_patient_feedback(team.id, "poor", {"kindness": False, "waiting": True}, None, "en")
    db.session.commit()
    assert first.comment is None and first.themes == ["kindness"]
    month = db.session.scalars(select(FeedbackMonth)).one()
    assert (month.poor, month.aspects_better, month.aspects_good) == (
        2,
        {"kindness": 2},
        {"waiting": 1},
    )
    count_entry(first, -1)  # hidden: taken away again
    db.session.commit()
    db.session.refresh(month)
    assert (month.poor, month.aspects_better, month.themes) == (1, {"kindness": 1}, {"kindness": 1})


def test_the_public_page_shows_the_promise_and_changes_newest_first(client, db, make, team):
    team.service_promise = "We will tell you how long you will wait."
    manager = make.manager_of(team)
    for n in range(CHANGES_PER_PAGE + 2):
        db.session.add(
            YouSaidWeDid(
                team_id=team.id,
                you_said=f"Said {n}",
                we_did=f"Did {n}",
                posted_by_id=manager.id,
                posted_on=date(2026, 1, 1 + n),
                removed_at=datetime(2026, 2, 1) if n == 3 else None,
            )
        )
    db.session.commit()
    first = client.get(f"/f/{team.id}/about")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    assert "We will tell you how long you will wait." in html
    shown = re.findall(r"<dd>Said (\d+)</dd>", html)
    assert shown == [str(n) for n in (11, 10, 9, 8, 7, 6, 5, 4, 2, 1)]
    assert "12 January 2026" in html
    second = client.get(f"/f/{team.id}/about?page=2").get_data(as_text=True)
    assert re.findall(r"<dd>Said (\d+)</dd>", second) == ["0"]
    welsh = client.get(f"/f/{team.id}/about?lang=cy").get_data(as_text=True)
    assert "12 Ionawr 2026" in welsh and "Dywedoch chi" in welsh
    assert client.get("/f/999999/about").status_code == 404


def test_public_pages_run_the_same_queries_however_much_feedback(
    client, db, make, team, count_queries
):
    manager = make.manager_of(team)

    def counts() -> list[int]:
        found = []
        for path in (f"/f/{team.id}", f"/f/{team.id}/thanks", f"/f/{team.id}/about"):
            with count_queries() as counter:
                assert client.get(path).status_code == 200
            found.append(counter.count)
        return found

    few = counts()
    for n in range(40):
        store_patient_feedback(team.id, "good", {}, None, "en")
        db.session.add(
            YouSaidWeDid(
                team_id=team.id,
                you_said=f"Said {n}",
                we_did="Did",
                posted_by_id=manager.id,
                posted_on=date(2026, 1, 1),
            )
        )
    db.session.commit()
    assert counts() == few
    assert few[0] <= 2


def test_two_answers_sent_at_once_are_both_counted(app, db, team):
    store_patient_feedback(team.id, "good", {}, None, "en")  # the month's row exists already
    db.session.commit()
    store_patient_feedback(team.id, "good", {"waiting": False}, None, "en")  # not committed yet
    problems: list[Exception] = []

    def second_patient():
        with app.app_context():
            try:
                store_patient_feedback(team.id, "poor", {"waiting": False}, None, "en")
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below, in the test's thread)
                problems.append(error)
            finally:
                db.session.remove()

    other = threading.Thread(target=second_patient)
    other.start()
    other.join(0.5)
    assert other.is_alive()  # waiting for the first to finish
    db.session.commit()
    other.join(10)
    assert not problems
    db.session.expire_all()
    month = db.session.scalars(select(FeedbackMonth)).one()
    assert (month.good, month.poor, month.aspects_better) == (2, 1, {"waiting": 2})
