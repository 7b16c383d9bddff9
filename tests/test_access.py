"""Who may see what, and forms that must carry a CSRF token."""

import pytest

from carelearn.models import QuizAttempt
from tests.conftest import csrf_token, login
from tests.factories import answers


def start_attempt(client, version):
    token = csrf_token(client, "/learn")
    response = client.post(f"/learn/{version.slug}/quiz", data={"csrf_token": token})
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_a_learner_cannot_open_another_learners_attempt(app, db, make, logged_in):
    version = make.module()
    owner, other = make.user(), make.user()
    make.finish_lessons(owner, version)
    owner_client = logged_in(owner)
    attempt_id = start_attempt(owner_client, version)

    intruder = app.test_client()
    login(intruder, other.email)
    assert intruder.get(f"/learn/attempts/{attempt_id}").status_code == 404
    token = csrf_token(intruder, "/learn")
    attempt = db.session.get(QuizAttempt, attempt_id)
    form = answers(attempt)
    form["csrf_token"] = token
    assert intruder.post(f"/learn/attempts/{attempt_id}", data=form).status_code == 404
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_a_learners_record_shows_only_their_own_completions(app, db, make, logged_in):
    version = make.module(title="Managing expectations")
    owner, other = make.user(), make.user()
    make.finish_lessons(owner, version)
    owner_client = logged_in(owner)
    attempt_id = start_attempt(owner_client, version)
    form = answers(db.session.get(QuizAttempt, attempt_id))
    form["csrf_token"] = csrf_token(owner_client, "/learn")
    owner_client.post(f"/learn/attempts/{attempt_id}", data=form)
    assert "Managing expectations" in owner_client.get("/learn/record").get_data(as_text=True)

    other_client = app.test_client()
    login(other_client, other.email)
    assert "No completed modules yet" in other_client.get("/learn/record").get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/learn", "/learn/record", "/learn/some-module", "/learn/attempts/1"]
)
def test_pages_need_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_unknown_module_and_lesson_are_404(make, logged_in):
    version = make.module(lessons=2)
    client = logged_in(make.user())
    assert client.get("/learn/no-such-module").status_code == 404
    assert client.get(f"/learn/{version.slug}/lessons/3").status_code == 404
    assert client.get(f"/learn/{version.slug}/lessons/0").status_code == 404
    assert "Page not found" in client.get("/learn/no-such-module").get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, make):
    person = make.user()
    response = client.post(
        "/login", data={"email": person.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/learn").status_code == 302  # still logged out


def test_state_changing_forms_without_csrf_token_are_refused(db, make, logged_in):
    version = make.module()
    person = make.user()
    make.finish_lessons(person, version)
    client = logged_in(person)
    assert client.post(f"/learn/{version.slug}/lessons/1/complete").status_code == 400
    assert client.post(f"/learn/{version.slug}/quiz").status_code == 400
    assert client.post("/logout").status_code == 400
    assert db.session.query(QuizAttempt).count() == 0


def test_quiz_answers_without_csrf_token_are_refused(db, make, logged_in):
    from tests.factories import answers

    version = make.module()
    person = make.user()
    make.finish_lessons(person, version)
    client = logged_in(person)
    started = client.post(
        f"/learn/{version.slug}/quiz", data={"csrf_token": csrf_token(client, "/learn")}
    )
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    form = answers(db.session.get(QuizAttempt, attempt_id))
    assert client.post(f"/learn/attempts/{attempt_id}", data=form).status_code == 400
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_login_is_case_insensitive_on_email(client, make):
    person = make.user(email="Grace.Okafor@Example.org")
    assert person.email == "grace.okafor@example.org"
    assert login(client, "GRACE.OKAFOR@example.org").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    person = make.user()
    wrong = login(client, person.email, "not the password").get_data(as_text=True)
    unknown = login(client, "nobody@example.org", "not the password").get_data(as_text=True)
    message = "That email and password do not match an active account"
    assert message in wrong and message in unknown


def test_deactivated_staff_cannot_log_in(client, make):
    person = make.user(active=False)
    assert login(client, person.email).status_code == 422


def test_login_form_shows_what_to_fix_tied_to_the_field(client):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": "not-an-email", "password": "", "csrf_token": token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter an email address like name@example.org." in html
    assert 'aria-describedby="email-error-1"' in html and 'id="email-error-1"' in html
    assert "Enter your password." in html
    assert 'value="not-an-email"' in html  # what they typed is kept


@pytest.mark.parametrize(
    "next_path,expected",
    [
        ("/learn/record", "/learn/record"),
        ("https://evil.example/phish", "/learn"),
        ("//evil.example/phish", "/learn"),
        ("/\\evil.example", "/learn"),
        # A line break could add a header of the attacker's to the redirect.
        ("/learn%0D%0ASet-Cookie:%20x=1", "/learn"),
        ("/learn%0Aevil", "/learn"),
        ("/learn/record%7F", "/learn/record"),  # the control character is taken out
    ],
)
def test_login_redirects_only_to_local_paths(client, make, next_path, expected):
    person = make.user()
    response = login(client, person.email, next_path=next_path)
    assert response.headers["Location"] == expected


def test_session_is_renewed_at_login(client, make):
    person = make.user()
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    login(client, person.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == person.get_id()


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_an_oversized_request_is_refused_with_a_clear_page(client):
    response = client.post("/login", data={"email": "a" * (5 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)


def test_a_session_keeps_one_csrf_token_that_no_other_session_can_use(
    db, make, logged_in, monkeypatch
):
    from flask_wtf import csrf

    person = make.user()
    mine, other = logged_in(person), logged_in(make.user())
    first = csrf_token(mine, "/learn")
    signed = []
    monkeypatch.setattr(
        csrf.URLSafeTimedSerializer,
        "dumps",
        lambda self, obj, real=csrf.URLSafeTimedSerializer.dumps: (
            signed.append(1) or real(self, obj)
        ),
    )
    assert csrf_token(mine, "/learn/record") == first and csrf_token(mine, "/learn") == first
    assert not signed  # signed once for the session, not on every page
    assert csrf_token(other, "/learn") != first
    # Another person's token (even a fresh one) does not log this person out.
    assert mine.post("/logout", data={"csrf_token": csrf_token(other, "/learn")}).status_code == 400
    assert mine.post("/logout", data={"csrf_token": first}).status_code == 302
    assert mine.get("/learn").status_code == 302  # logged out
    again = logged_in(person)
    assert csrf_token(again, "/learn") != first  # a new session has a new token
