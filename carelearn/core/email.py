"""Sending email: through SMTP when a server is configured, otherwise into an outbox folder.

With no `CARELEARN_SMTP_HOST` (the default, and what a laptop demo uses) each message is
written as an `.eml` file that any mail program can open, so invitations and reminders can be
followed without a mail server. Messages carry live links (a password link works for whoever
holds it), so the outbox folder is readable by its owner only and logs name only the
recipient and subject.
"""
from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from ..config import DEFAULT_BASE_URL
from .clock import utcnow

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465  # "SMTPS": TLS from the first byte, rather than STARTTLS


class EmailError(RuntimeError):
    """A message could not be handed to the mail server (or written to the outbox)."""


def send_email(to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send one plain-text message (with an optional HTML alternative) to one address.

    Raises EmailError when the mail server cannot be reached or refuses the message.
    """
    config = current_app.config
    message = build_message(to, subject, body, html)
    if not config.get("SMTP_HOST"):
        path = _write_to_outbox(message, Path(config["OUTBOX_DIR"]))
        logger.info("Email to %s, subject %r, written to the outbox as %s", to, subject, path.name)
        return
    _deliver(message, config)
    logger.info("Email to %s, subject %r, sent", to, subject)


def build_message(to: str, subject: str, body: str, html: str | None = None) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # never a line break inside a header
    message["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain=_domain_of(sender))
    # Tells mail servers not to send out-of-office replies to an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def absolute_url(endpoint: str, **values) -> str:
    """A full link to a page, for an email: built from CARELEARN_BASE_URL.

    Never from the request's Host header, which a client chooses: a password link must not
    be sendable to someone else's site.
    """
    app = current_app
    if app.config["BASE_URL"] == DEFAULT_BASE_URL and not (
        app.debug or app.testing or app.config.get("DEMO_MODE")
    ) and not app.extensions.get("carelearn_base_url_warned"):
        app.extensions["carelearn_base_url_warned"] = True
        logger.warning(
            "CARELEARN_BASE_URL is not set: links in emails point to %s. Set it to the address "
            "people use to reach CareLearn, e.g. https://carelearn.example.org", DEFAULT_BASE_URL,
        )
    path = app.url_map.bind("localhost").build(endpoint, values)
    return app.config["BASE_URL"] + path


def _domain_of(address: str) -> str | None:
    _name, email = parseaddr(address)
    return email.rpartition("@")[2] or None


def _write_to_outbox(message: EmailMessage, outbox: Path) -> Path:
    try:
        outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Named by the real time, to the microsecond, so the files sort in the order sent.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        partial = outbox / (name + ".part")
        # Created readable by the owner only: the message may hold a password link.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(message.as_bytes())
        # Renamed once complete, so anything watching the folder never reads half a message.
        path = outbox / name
        os.replace(partial, path)
    except OSError as error:
        logger.error("Could not write email to %s (%r) to the outbox: %s",
                     message["To"], message["Subject"], error)
        raise EmailError(f"Could not write the email to the outbox folder {outbox}: {error}") from error
    return path


def _deliver(message: EmailMessage, config) -> None:
    host, port = config["SMTP_HOST"], config["SMTP_PORT"]
    context = ssl.create_default_context()
    try:
        if port == IMPLICIT_TLS_PORT:
            smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if config["SMTP_STARTTLS"] and port != IMPLICIT_TLS_PORT:
                smtp.starttls(context=context)
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as error:
        logger.error("Could not send email to %s (%r) through %s:%s: %s",
                     message["To"], message["Subject"], host, port, error)
        raise EmailError(
            f"Could not send the email to {message['To']} through the mail server "
            f"{host}:{port}: {_describe(error)}"
        ) from error


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) \
            else str(error.smtp_error)
        return f"the server answered {error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "the server refused the recipient address"
    return str(error) or error.__class__.__name__
