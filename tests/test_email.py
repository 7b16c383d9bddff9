"""Sending email: the outbox folder by default, SMTP when configured, and clear failures."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from carelearn import create_app
from carelearn.config import ConfigError, load_config
from carelearn.core.email import absolute_url
from carelearn.core.outbox import send_email
from carelearn.extensions import db as _db
from carelearn.models import EmailState, OutboxEmail
from tests.mail import (
    deliver_queued_email,
    outbox_messages,
    running_smtp_server,
    text_of,
    use_smtp_server,
)
from tests.servers import free_port

MAIL_VARIABLES = [
    "CARELEARN_SMTP_HOST",
    "CARELEARN_SMTP_PORT",
    "CARELEARN_SMTP_USER",
    "CARELEARN_SMTP_PASSWORD",
    "CARELEARN_SMTP_STARTTLS",
    "CARELEARN_MAIL_FROM",
    "CARELEARN_BASE_URL",
    "CARELEARN_OUTBOX_DIR",
]


@pytest.fixture
def clean_env(monkeypatch):
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def stored(db, email: OutboxEmail) -> OutboxEmail:
    """The email as the database has it now."""
    db.session.expire(email)
    return db.session.get(OutboxEmail, email.id)


@pytest.fixture
def smtp_server(app):
    with running_smtp_server() as server:
        use_smtp_server(app, server)
        yield server


def test_mail_settings_default_to_an_outbox_under_the_instance_folder(clean_env, tmp_path):
    config = load_config(str(tmp_path / "instance"))
    assert config["SMTP_HOST"] == ""
    assert config["SMTP_PORT"] == 587
    assert config["SMTP_STARTTLS"] is False  # no user, so nothing to protect
    assert config["OUTBOX_DIR"] == str(tmp_path / "instance" / "outbox")
    assert config["MAIL_FROM"] == "CareLearn <no-reply@carelearn.invalid>"
    assert config["BASE_URL"] == "http://127.0.0.1:5000"


def test_mail_settings_come_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("CARELEARN_SMTP_HOST", "smtp.example.org")
    clean_env.setenv("CARELEARN_SMTP_PORT", "2525")
    clean_env.setenv("CARELEARN_SMTP_USER", "carelearn")
    clean_env.setenv("CARELEARN_SMTP_PASSWORD", "s3cret")
    clean_env.setenv("CARELEARN_MAIL_FROM", "Training <training@example.org>")
    clean_env.setenv("CARELEARN_BASE_URL", "https://learn.example.org/")
    clean_env.setenv("CARELEARN_OUTBOX_DIR", str(tmp_path / "mail"))
    config = load_config(str(tmp_path))
    assert (config["SMTP_HOST"], config["SMTP_PORT"]) == ("smtp.example.org", 2525)
    assert (config["SMTP_USER"], config["SMTP_PASSWORD"]) == ("carelearn", "s3cret")
    assert config["SMTP_STARTTLS"] is True  # on by default once there is a user
    assert config["MAIL_FROM"] == "Training <training@example.org>"
    assert config["BASE_URL"] == "https://learn.example.org"
    assert config["OUTBOX_DIR"] == str(tmp_path / "mail")

    clean_env.setenv("CARELEARN_SMTP_STARTTLS", "0")
    assert load_config(str(tmp_path))["SMTP_STARTTLS"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CARELEARN_SMTP_PORT", "smtp"),
        ("CARELEARN_SMTP_PORT", "70000"),
        ("CARELEARN_SMTP_STARTTLS", "maybe"),
    ],
)
def test_bad_mail_settings_are_refused_with_a_clear_message(clean_env, tmp_path, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


def test_without_an_smtp_host_messages_go_to_the_instance_outbox_and_the_log(
    clean_env, tmp_path, caplog
):
    instance = tmp_path / "instance"
    clean_env.setenv("CARELEARN_INSTANCE_DIR", str(instance))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    caplog.set_level(logging.INFO, logger="carelearn.core.email")
    with app.app_context():
        _db.create_all()
        send_email("ade@example.org", "Your training", "Open https://example.org/secret-part")
        _db.session.commit()
        [message] = outbox_messages(app)

    files = list((instance / "outbox").glob("*"))
    assert len(files) == 1 and files[0].suffix == ".eml"  # no half-written file left behind
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600  # it may hold a password link
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "Your training"
    assert message["From"] == "CareLearn <no-reply@carelearn.invalid>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "https://example.org/secret-part" in text_of(message)
    assert "ade@example.org" in caplog.text and "Your training" in caplog.text
    assert "secret-part" not in caplog.text  # never the body, which may hold a link


def test_the_test_app_writes_to_its_own_outbox(app, db):
    send_email("ade@example.org", "Hello", "Body")
    db.session.commit()
    assert Path(app.config["OUTBOX_DIR"]).parent == Path(app.config["CONTENT_DIR"]).parent
    assert [m["Subject"] for m in outbox_messages(app)] == ["Hello"]


def test_nothing_is_written_until_the_worker_delivers_it(app, db):
    email = send_email("ade@example.org", "Hello", "Body")
    db.session.commit()
    assert not Path(app.config["OUTBOX_DIR"]).exists()
    assert email.state == EmailState.PENDING
    [message] = outbox_messages(app)
    assert message["Message-ID"] == email.message_id  # chosen when queued, kept on every try
    assert stored(db, email).state == EmailState.SENT and stored(db, email).attempts == 1


def test_an_unwritable_outbox_keeps_the_email_with_a_clear_error(app, db, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config["OUTBOX_DIR"] = str(blocker / "outbox")
    email = send_email("ade@example.org", "Hello", "Body")
    db.session.commit()
    assert deliver_queued_email() == 1
    email = stored(db, email)
    assert (email.state, email.attempts) == (EmailState.PENDING, 1)
    assert "Could not write the email to the outbox folder" in email.last_error


def test_a_message_is_delivered_through_a_real_smtp_server(app, db, smtp_server):
    send_email(
        "ade@example.org",
        "Your training\nBcc: evil@example.org",
        "Plain words.\n.\nA line that is only a dot, and one that starts with one:\n.hidden",
        html="<p>Plain words.</p>",
    )
    db.session.commit()
    assert outbox_messages(app) == []
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["ade@example.org"]
    assert received.mail_from == "no-reply@carelearn.invalid"
    message = received.message
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "Your training Bcc: evil@example.org"  # no header injection
    assert message["Bcc"] is None
    assert text_of(message).splitlines() == [
        "Plain words.",
        ".",
        "A line that is only a dot, and one that starts with one:",
        ".hidden",
    ]
    assert message.get_body(preferencelist=("html",)).get_content().strip() == "<p>Plain words.</p>"


def test_smtp_login_uses_the_configured_user_and_password():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context(), running_smtp_server(credentials=("carelearn", "s3cret")) as server:
        _db.create_all()
        use_smtp_server(app, server, user="carelearn", password="s3cret")
        send_email("ade@example.org", "Hello", "Body")
        _db.session.commit()
        deliver_queued_email()
        assert server.handler.logins == [("carelearn", "s3cret")]
        assert len(server.handler.received) == 1

        app.config["SMTP_PASSWORD"] = "wrong"
        email = send_email("ade@example.org", "Hello again", "Body")
        _db.session.commit()
        deliver_queued_email()
        assert len(server.handler.received) == 1
        assert email.state == EmailState.PENDING and "535" in email.last_error


def test_a_refused_recipient_fails_at_once_with_a_clear_error(app, db, smtp_server, caplog):
    smtp_server.handler.refuse.add("gone@example.org")
    gone = send_email("gone@example.org", "Hello", "Body")
    kept = send_email("ade@example.org", "Hello", "Body")
    db.session.commit()
    deliver_queued_email()
    assert [m["To"] for m in smtp_server.handler.messages()] == ["ade@example.org"]
    gone, kept = stored(db, gone), stored(db, kept)
    assert gone.state == EmailState.FAILED  # a 5xx answer: trying again would not help
    assert "gone@example.org" in gone.last_error and "550" in gone.last_error
    assert kept.state == EmailState.SENT
    assert smtp_server.handler.connections == 1  # the refusal did not cost the connection
    assert "Could not send email to gone@example.org" in caplog.text


def test_an_unreachable_smtp_server_keeps_the_email_and_is_logged(app, db, caplog):
    port = free_port()  # nothing listens there
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    email = send_email("ade@example.org", "Hello", "Body")
    db.session.commit()
    deliver_queued_email()
    email = stored(db, email)
    assert (email.state, email.attempts) == (EmailState.PENDING, 1)
    assert f"mail server 127.0.0.1:{port}" in email.last_error
    assert any(
        r.levelno >= logging.WARNING and "ade@example.org" in r.getMessage() for r in caplog.records
    )


def test_links_in_emails_use_the_base_url(app):
    app.config["BASE_URL"] = "https://learn.example.org/carelearn"
    assert (
        absolute_url("auth.forgot_password")
        == "https://learn.example.org/carelearn/password/forgot"
    )
