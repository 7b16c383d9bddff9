"""Sending email: the outbox folder by default, SMTP when configured, and clear failures."""
from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from carelearn import create_app
from carelearn.config import ConfigError, load_config
from carelearn.services.email import EmailError, absolute_url, send_email
from tests.mail import (
    free_port,
    outbox_messages,
    running_smtp_server,
    text_of,
    use_smtp_server,
)

MAIL_VARIABLES = [
    "CARELEARN_SMTP_HOST", "CARELEARN_SMTP_PORT", "CARELEARN_SMTP_USER", "CARELEARN_SMTP_PASSWORD",
    "CARELEARN_SMTP_STARTTLS", "CARELEARN_MAIL_FROM", "CARELEARN_BASE_URL", "CARELEARN_OUTBOX_DIR",
]


@pytest.fixture
def clean_env(monkeypatch):
    for name in MAIL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


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


@pytest.mark.parametrize(("name", "value"), [
    ("CARELEARN_SMTP_PORT", "smtp"), ("CARELEARN_SMTP_PORT", "70000"),
    ("CARELEARN_SMTP_STARTTLS", "maybe"),
])
def test_bad_mail_settings_are_refused_with_a_clear_message(clean_env, tmp_path, name, value):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_config(str(tmp_path))


def test_without_an_smtp_host_messages_go_to_the_instance_outbox_and_the_log(
        clean_env, tmp_path, caplog):
    instance = tmp_path / "instance"
    clean_env.setenv("CARELEARN_INSTANCE_DIR", str(instance))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    caplog.set_level(logging.INFO, logger="carelearn.services.email")
    with app.app_context():
        send_email("ade@example.org", "Your training", "Open https://example.org/secret-part")

    files = list((instance / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600  # it may hold a password link
    [message] = outbox_messages(app)
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "Your training"
    assert message["From"] == "CareLearn <no-reply@carelearn.invalid>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "https://example.org/secret-part" in text_of(message)
    assert "ade@example.org" in caplog.text and "Your training" in caplog.text
    assert "secret-part" not in caplog.text  # never the body, which may hold a link


def test_the_test_app_writes_to_its_own_outbox(app):
    send_email("ade@example.org", "Hello", "Body")
    assert Path(app.config["OUTBOX_DIR"]).parent == Path(app.config["CONTENT_DIR"]).parent
    assert [m["Subject"] for m in outbox_messages(app)] == ["Hello"]


def test_an_unwritable_outbox_raises_a_clear_error(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    app.config["OUTBOX_DIR"] = str(blocker / "outbox")
    with pytest.raises(EmailError, match="outbox"):
        send_email("ade@example.org", "Hello", "Body")


def test_a_message_is_delivered_through_a_real_smtp_server(app, smtp_server):
    send_email("ade@example.org", "Your training\nBcc: evil@example.org", "Plain words.",
               html="<p>Plain words.</p>")
    assert outbox_messages(app) == []
    [received] = smtp_server.handler.received
    assert received.rcpt_tos == ["ade@example.org"]
    assert received.mail_from == "no-reply@carelearn.invalid"
    message = received.message
    assert message["To"] == "ade@example.org"
    assert message["Subject"] == "Your training Bcc: evil@example.org"  # no header injection
    assert message["Bcc"] is None
    assert text_of(message).strip() == "Plain words."
    assert message.get_body(preferencelist=("html",)).get_content().strip() == "<p>Plain words.</p>"


def test_smtp_login_uses_the_configured_user_and_password():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    with app.app_context(), running_smtp_server(credentials=("carelearn", "s3cret")) as server:
        use_smtp_server(app, server, user="carelearn", password="s3cret")
        send_email("ade@example.org", "Hello", "Body")
        assert server.handler.logins == [("carelearn", "s3cret")]
        assert len(server.handler.received) == 1

        app.config["SMTP_PASSWORD"] = "wrong"
        with pytest.raises(EmailError, match="535"):
            send_email("ade@example.org", "Hello again", "Body")
        assert len(server.handler.received) == 1


def test_a_refused_recipient_raises_a_clear_error(app, smtp_server, caplog):
    smtp_server.handler.refuse.add("gone@example.org")
    with pytest.raises(EmailError, match="gone@example.org"):
        send_email("gone@example.org", "Hello", "Body")
    assert smtp_server.handler.received == []
    assert "Could not send email to gone@example.org" in caplog.text


def test_an_unreachable_smtp_server_raises_a_clear_error_and_is_logged(app, caplog):
    port = free_port()  # nothing listens there
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_STARTTLS=False)
    with pytest.raises(EmailError, match=f"mail server 127.0.0.1:{port}"):
        send_email("ade@example.org", "Hello", "Body")
    assert any(r.levelno == logging.ERROR and "ade@example.org" in r.getMessage()
               for r in caplog.records)


def test_links_in_emails_use_the_base_url(app):
    app.config["BASE_URL"] = "https://learn.example.org/carelearn"
    assert absolute_url("auth.forgot_password") == "https://learn.example.org/carelearn/password/forgot"
