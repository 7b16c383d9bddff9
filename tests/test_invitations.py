"""Invitation and password-reset links: tokens, expiry, single use, pages and email."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from carelearn.core import clock
from carelearn.models import AuditEvent, AuthToken, EmailState, OutboxEmail, User
from carelearn.services.people.invitations import (
    INVITE_LIFETIME,
    RESET_LIFETIME,
    InvalidLink,
    WeakPassword,
    find_token,
    invite_users,
    redeem_token,
    request_password_reset,
)
from tests.conftest import CSRF_FIELD, csrf_token, login
from tests.mail import (
    deliver_queued_email,
    outbox_messages,
    password_link_in,
    running_smtp_server,
    text_of,
    use_smtp_server,
)
from tests.servers import free_port

NEW_PASSWORD = "kind words at the desk"
NOW = datetime(2026, 3, 2, 9, 30)
SENT_TEXT = "If that address has an account, we have sent a link"


def path_of(link: str) -> str:
    return urlsplit(link).path


def token_of(link: str) -> str:
    return path_of(link).rsplit("/", 1)[1]


def invite_link(app, user) -> str:
    assert invite_users([user]) == 1
    return password_link_in(outbox_messages(app)[-1])


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    token = csrf_token(client, path)
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password if confirm is None else confirm,
            "csrf_token": token,
        },
    )


def fresh(db, user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


# Tokens


def test_a_token_is_long_and_random_and_only_its_hash_is_stored(app, db, make):
    person = make.user()
    raw = token_of(invite_link(app, person))
    assert len(raw) >= 43  # 32 random bytes, URL-safe base64: 256 bits
    assert re.fullmatch(r"[A-Za-z0-9_-]+", raw)
    [stored] = db.session.scalars(select(AuthToken)).all()
    assert stored.user_id == person.id and stored.purpose == "invite"
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in stored.token_hash
    second = token_of(invite_link(app, person))
    assert second != raw


def test_people_created_in_the_same_transaction_can_be_invited(app, db, make):
    person = make.user(commit=False)
    assert invite_users([person]) == 1
    assert outbox_messages(app)[0]["To"] == person.email


def test_invitations_skip_deactivated_people_and_are_audited_without_the_token(app, db, make):
    active, leaver = make.user(), make.user(active=False)
    admin = make.user()
    assert invite_users([active, leaver], actor_id=admin.id) == 1
    [message] = outbox_messages(app)
    assert message["To"] == active.email
    assert message["Subject"] == "Set your password for CareLearn"
    raw = token_of(password_link_in(message))
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.invited"))
    assert (event.subject_id, event.actor_id) == (active.id, admin.id)
    assert raw not in str(event.details)
    assert db.session.scalar(select(AuthToken).where(AuthToken.user_id == leaver.id)) is None


def test_the_invitation_email_says_who_it_is_for_and_when_the_link_expires(app, make):
    clock.freeze(NOW)
    person = make.user(name="Grace Okafor", email="grace@example.org")
    link = invite_link(app, person)
    text = text_of(outbox_messages(app)[0])
    assert "Hello Grace," in text
    assert "grace@example.org" in text
    assert "expires in 7 days, on 9 Mar 2026" in text
    assert link.startswith(app.config["BASE_URL"] + "/password/set/")
    assert app.config["BASE_URL"] + "/password/forgot" in text


@pytest.mark.parametrize(
    ("purpose", "lifetime"), [("invite", INVITE_LIFETIME), ("reset", RESET_LIFETIME)]
)
def test_a_link_works_until_the_moment_it_expires(app, db, make, purpose, lifetime):
    clock.freeze(NOW)
    person = make.user()
    if purpose == "invite":
        invite_users([person])
    else:
        request_password_reset(person.email)
    raw = token_of(password_link_in(outbox_messages(app)[-1]))

    clock.freeze(NOW + lifetime - timedelta(seconds=1))
    assert find_token(raw).purpose == purpose
    clock.freeze(NOW + lifetime)
    with pytest.raises(InvalidLink) as problem:
        redeem_token(raw, purpose, NEW_PASSWORD)
    assert problem.value.reason == "expired"
    assert not fresh(db, person).check_password(NEW_PASSWORD)

    clock.freeze(NOW + lifetime - timedelta(seconds=1))
    assert redeem_token(raw, purpose, NEW_PASSWORD).id == person.id
    assert fresh(db, person).check_password(NEW_PASSWORD)


def test_lifetimes_are_a_week_for_an_invitation_and_an_hour_for_a_reset():
    assert INVITE_LIFETIME == timedelta(days=7)
    assert RESET_LIFETIME == timedelta(hours=1)


def test_a_link_works_once_and_closes_the_persons_other_open_links(app, db, make):
    person, other = make.user(), make.user()
    first = token_of(invite_link(app, person))
    second = token_of(invite_link(app, person))
    request_password_reset(person.email)
    reset = token_of(password_link_in(outbox_messages(app)[-1]))
    others = token_of(invite_link(app, other))

    redeem_token(first, "invite", NEW_PASSWORD)
    for raw, purpose in ((first, "invite"), (second, "invite"), (reset, "reset")):
        with pytest.raises(InvalidLink) as problem:
            redeem_token(raw, purpose, "another long password")
        assert problem.value.reason == "used"
    assert fresh(db, person).check_password(NEW_PASSWORD)
    assert find_token(others).user_id == other.id  # someone else's link is untouched
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_set"))
    assert event.subject_id == person.id and event.details == {"via": "invite"}


def test_unknown_wrong_purpose_and_deactivated_links_are_refused(app, db, make):
    person = make.user()
    raw = token_of(invite_link(app, person))
    for bad in ("", "x" * 43, "x" * 5000):
        with pytest.raises(InvalidLink) as problem:
            redeem_token(bad, "invite", NEW_PASSWORD)
        assert problem.value.reason == "unknown"
    with pytest.raises(InvalidLink):
        redeem_token(raw, "reset", NEW_PASSWORD)
    person.active = False
    db.session.commit()
    with pytest.raises(InvalidLink):
        redeem_token(raw, "invite", NEW_PASSWORD)
    assert fresh(db, person).password_hash == make.user().password_hash  # unchanged


def test_a_weak_password_is_refused_and_leaves_the_link_open(app, db, make):
    person = make.user()
    raw = token_of(invite_link(app, person))
    with pytest.raises(WeakPassword, match="at least 10 characters"):
        redeem_token(raw, "invite", "short")
    assert find_token(raw).used_at is None


def test_a_reset_for_an_unknown_or_deactivated_address_sends_nothing(app, db, make):
    leaver = make.user(active=False)
    request_password_reset("nobody@example.org")
    request_password_reset(leaver.email)
    assert outbox_messages(app) == []
    assert db.session.scalar(select(AuthToken)) is None


def test_a_reset_is_sent_to_the_address_whatever_its_case(app, make):
    person = make.user(email="ade@example.org")
    request_password_reset("  ADE@Example.org ")
    [message] = outbox_messages(app)
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "Reset your CareLearn password"
    assert "expires in 60 minutes" in text_of(message)
    assert find_token(token_of(password_link_in(message))).user_id == person.id


# Pages


def test_the_login_page_links_to_forgotten_password(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in html
    assert "Forgot your password?" in html


def test_the_forgot_page_answers_the_same_whether_or_not_the_address_has_an_account(
    app, make, count_queries
):
    make.user(email="known@example.org")
    make.user(email="leaver@example.org", active=False)
    answers = {}
    for email in ("known@example.org", "unknown@example.org", "leaver@example.org"):
        client = app.test_client()
        token = csrf_token(client, "/password/forgot")
        sent_before = len(outbox_messages(app))
        with count_queries() as queries:
            response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        body = response.get_data(as_text=True)
        assert SENT_TEXT in body
        answers[email] = (response.status_code, body.replace(email, "EMAIL"), queries.count)
        # The lookup and the email happen only once the response has gone (on close).
        assert len(outbox_messages(app)) == sent_before
        response.close()
    assert len(set(answers.values())) == 1, answers
    assert [m["To"] for m in outbox_messages(app)] == ["known@example.org"]


def test_the_forgot_page_checks_the_address_and_needs_a_csrf_token(client):
    token = csrf_token(client, "/password/forgot")
    response = client.post(
        "/password/forgot", data={"email": "not an address", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "Enter an email address like name@example.org." in response.get_data(as_text=True)
    response = client.post("/password/forgot", data={"email": "ade@example.org"})
    assert response.status_code == 400


def test_an_invitation_link_sets_the_password_and_logs_the_person_in(app, db, make):
    person = make.user(name="Aisha Begum")
    path = path_of(invite_link(app, person))
    client = app.test_client()
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "Welcome to CareLearn, Aisha" in html
    assert 'autocomplete="new-password"' in html

    with client.session_transaction() as session:
        session["planted"] = "before"
    response = set_password(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/learn"
    with client.session_transaction() as session:
        assert "planted" not in session  # a fresh session, as at login
    page = client.get("/learn")
    assert page.status_code == 200
    assert "Your password is set and you are logged in." in page.get_data(as_text=True)

    assert login(app.test_client(), person.email, NEW_PASSWORD).status_code == 302
    used = client.get(path)
    assert used.status_code == 410
    assert "This link has already been used" in used.get_data(as_text=True)


def test_the_whole_reset_journey_through_the_pages(app, db, make):
    person = make.user(email="ade@example.org")
    client = app.test_client()
    assert "Forgot your password?" in client.get("/login").get_data(as_text=True)
    token = csrf_token(client, "/password/forgot")
    client.post(
        "/password/forgot", data={"email": "ade@example.org", "csrf_token": token}, buffered=True
    )
    path = path_of(password_link_in(outbox_messages(app)[0]))
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = set_password(client, path)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Your password is set and you are logged in." in page.get_data(as_text=True)
    assert fresh(db, person).check_password(NEW_PASSWORD)


def test_a_new_password_ends_the_persons_other_sessions(app, db, make, logged_in):
    """A reset is what someone does when they fear their password is known: the browsers it
    was used in are logged out; the one that set the new password stays in, as do others'."""
    person, colleague = make.user(), make.user()
    old_laptop, colleague_browser = logged_in(person), logged_in(colleague)
    assert old_laptop.get("/learn").status_code == 200
    request_password_reset(person.email)
    phone = app.test_client()
    response = set_password(phone, path_of(password_link_in(outbox_messages(app)[0])))
    assert response.status_code == 302
    assert phone.get("/learn").status_code == 200
    assert old_laptop.get("/learn").headers["Location"].startswith("/login")
    assert colleague_browser.get("/learn").status_code == 200
    assert login(old_laptop, person.email, NEW_PASSWORD).status_code == 302  # and may log in again


def test_a_forged_or_old_style_session_is_logged_out(app, make, logged_in):
    person = make.user()
    for session_id in (str(person.id), f"{person.id}:forged", "x:y", ""):
        client = logged_in(person)
        with client.session_transaction() as session:
            assert session["_user_id"] == person.get_id()
            session["_user_id"] = session_id  # the rest of the session as it was
        assert client.get("/learn").status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "messages"),
    [
        ("short", "short", ["Use at least 10 characters."]),
        (NEW_PASSWORD, "kind words at the desk!", ["The two passwords are not the same."]),
        ("short", "other", ["Use at least 10 characters.", "The two passwords are not the same."]),
        ("", "", ["Enter a new password.", "Type the new password again."]),
    ],
)
def test_password_problems_keep_the_person_on_the_form(app, db, make, password, confirm, messages):
    person = make.user()
    path = path_of(invite_link(app, person))
    client = app.test_client()
    response = set_password(client, path, password, confirm)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    for message in messages:
        assert message in html
    assert 'aria-invalid="true"' in html
    assert client.get("/learn").status_code == 302  # not logged in
    assert not fresh(db, person).check_password(password or "x")
    assert find_token(token_of(path)).used_at is None  # the link still works


def test_an_expired_link_is_explained_with_a_way_to_get_a_new_one(app, make):
    clock.freeze(NOW)
    path = path_of(invite_link(app, make.user()))
    clock.freeze(NOW + INVITE_LIFETIME)
    client = app.test_client()
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html
    assert 'href="/password/forgot"' in html
    # A form opened before the link expired is refused when sent after it.
    clock.freeze(NOW + INVITE_LIFETIME - timedelta(minutes=1))
    token = csrf_token(client, path)
    clock.freeze(NOW + INVITE_LIFETIME)
    response = client.post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 410


def test_an_unknown_link_is_explained(client):
    response = client.get("/password/set/not-a-real-token")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "This link is not valid" in html
    assert 'href="/password/forgot"' in html


def test_setting_a_password_needs_a_csrf_token(app, db, make):
    person = make.user()
    path = path_of(invite_link(app, person))
    response = app.test_client().post(
        path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert not fresh(db, person).check_password(NEW_PASSWORD)


def test_emailed_links_ignore_the_host_the_request_names(app, make):
    make.user(email="ade@example.org")
    client = app.test_client()
    page = client.get("/password/forgot", base_url="http://attacker.example")
    token = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)
    response = client.post(
        "/password/forgot",
        base_url="http://attacker.example",
        buffered=True,
        data={"email": "ade@example.org", "csrf_token": token},
    )
    assert response.status_code == 200
    link = password_link_in(outbox_messages(app)[0])
    assert link.startswith(app.config["BASE_URL"] + "/password/set/")
    assert "attacker" not in link


# Real SMTP


@pytest.fixture
def smtp_server(app):
    with running_smtp_server() as server:
        use_smtp_server(app, server)
        yield server


def test_a_reset_email_arrives_by_smtp_and_its_link_sets_the_password(app, db, make, smtp_server):
    person = make.user(email="ade@example.org")
    client = app.test_client()
    token = csrf_token(client, "/password/forgot")
    response = client.post(
        "/password/forgot", data={"email": "ade@example.org", "csrf_token": token}, buffered=True
    )
    assert SENT_TEXT in response.get_data(as_text=True)
    assert smtp_server.handler.received == []  # queued: the worker sends it
    deliver_queued_email()
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["ade@example.org"]
    assert received.message["Subject"] == "Reset your CareLearn password"

    path = path_of(password_link_in(received.message))
    assert set_password(client, path).status_code == 302
    assert client.get("/learn").status_code == 200
    assert fresh(db, person).check_password(NEW_PASSWORD)
    assert outbox_messages(app) == []


def test_an_invitation_arrives_by_smtp_and_its_link_works(app, db, make, smtp_server):
    person = make.user(name="Tom Hughes")
    assert invite_users([person]) == 1
    deliver_queued_email()
    [received] = smtp_server.handler.messages()
    assert received["To"] == person.email
    path = path_of(password_link_in(received))
    client = app.test_client()
    assert "Welcome to CareLearn, Tom" in client.get(path).get_data(as_text=True)
    assert set_password(client, path).status_code == 302
    assert fresh(db, person).check_password(NEW_PASSWORD)


def mail_server_down(app) -> int:
    port = free_port()  # nothing listens there
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    return port


def waiting_emails(db) -> list[OutboxEmail]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.state == EmailState.PENDING)
    ).all()


def test_a_reset_with_the_mail_server_down_looks_the_same_and_waits(app, db, make, caplog):
    make.user(email="ade@example.org")
    port = mail_server_down(app)
    client = app.test_client()
    token = csrf_token(client, "/password/forgot")
    response = client.post(
        "/password/forgot", data={"email": "ade@example.org", "csrf_token": token}, buffered=True
    )
    assert response.status_code == 200
    assert SENT_TEXT in response.get_data(as_text=True)
    deliver_queued_email()
    [email] = waiting_emails(db)
    assert email.recipient == "ade@example.org" and f"127.0.0.1:{port}" in email.last_error
    assert "Email to ade@example.org ('Reset your CareLearn password') not sent" in caplog.text


def test_invitations_are_queued_while_the_mail_server_is_down(app, db, make):
    people = [make.user(), make.user()]
    mail_server_down(app)
    assert invite_users(people) == 2
    invited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.invited"))
    assert len(invited.all()) == 2
    deliver_queued_email()
    assert sorted(e.recipient for e in waiting_emails(db)) == sorted(p.email for p in people)


# Command line


def test_the_invite_command_sends_to_existing_people(app, make):
    first, second = make.user(email="one@example.org"), make.user(email="two@example.org")
    make.user(email="gone@example.org", active=False)
    result = app.test_cli_runner().invoke(
        args=["invite", "ONE@example.org", second.email, "gone@example.org"]
    )
    assert result.exit_code == 0, result.output
    assert "Queued 2 invitations for the worker to send" in result.output
    assert "skipped gone@example.org" in result.output
    assert "the worker writes the emails to" in result.output  # no SMTP server: says where
    assert sorted(m["To"] for m in outbox_messages(app)) == [first.email, second.email]


def test_the_invite_command_sends_nothing_when_an_address_is_unknown(app, make):
    make.user(email="one@example.org")
    result = app.test_cli_runner().invoke(args=["invite", "one@example.org", "typo@example.org"])
    assert result.exit_code != 0
    assert "No account for typo@example.org" in result.output
    assert outbox_messages(app) == []


def test_the_invite_command_queues_while_the_mail_server_is_down(app, db, make):
    make.user(email="one@example.org")
    mail_server_down(app)
    result = app.test_cli_runner().invoke(args=["invite", "one@example.org"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 invitation for the worker to send" in result.output
    assert [e.recipient for e in waiting_emails(db)] == ["one@example.org"]
