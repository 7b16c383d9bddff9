"""Building emails and handing them to the mail server, or to an outbox folder without one.

Nothing here is sent from a request: `core/outbox.py` queues every message and the worker
(`flask worker`) delivers them through a connection from `open_channel`.

With no `CARELEARN_SMTP_HOST` (the default, and what a laptop demo uses) each message is
written as an `.eml` file that any mail program can open, so invitations and reminders can be
followed without a mail server. Messages carry live links (a password link works for whoever
holds it), so the outbox folder is readable by its owner only and logs name only the
recipient and subject.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Any, Protocol

from flask import current_app

from ..config import DEFAULT_BASE_URL

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30
IMPLICIT_TLS_PORT = 465  # "SMTPS": TLS from the first byte, rather than STARTTLS
SERVICE_CLOSING = 421  # the server is going away: no message can go over this connection
_LINE_END = re.compile(rb"\r\n|\r|\n")
_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)


class EmailError(RuntimeError):
    """A message could not be handed to the mail server (or written to the outbox folder)."""

    permanent = False  # True when trying again would fail the same way


class MessageRefused(EmailError):
    """The server refused this one message; the connection can carry the next one."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class MailServerUnavailable(EmailError):
    """No connection to the mail server, or it broke: nothing more can go over it."""


class OutcomeUnknown(MailServerUnavailable):
    """The connection broke after the message was complete: it may have arrived or not."""


class Channel(Protocol):
    def send(self, message: EmailMessage, before_completing: Callable[[], None]) -> None:
        """Hand over `message`. `before_completing` runs when all of it is with the receiver
        but not yet complete: once it returns, the message may arrive."""


def new_message_id() -> str:
    return make_msgid(domain=_domain_of(current_app.config["MAIL_FROM"]))


def build_message(
    to: str, subject: str, body: str, html: str | None, *, message_id: str, written_at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # never a line break inside a header
    message["Date"] = format_datetime(written_at.replace(tzinfo=UTC))
    message["Message-ID"] = message_id
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
    if (
        app.config["BASE_URL"] == DEFAULT_BASE_URL
        and not (app.debug or app.testing or app.config.get("DEMO_MODE"))
        and not app.extensions.get("carelearn_base_url_warned")
    ):
        app.extensions["carelearn_base_url_warned"] = True
        logger.warning(
            "CARELEARN_BASE_URL is not set: links in emails point to %s. Set it to the address "
            "people use to reach CareLearn, e.g. https://carelearn.example.org",
            DEFAULT_BASE_URL,
        )
    path = app.url_map.bind("localhost").build(endpoint, values)
    return app.config["BASE_URL"] + path


@contextmanager
def open_channel(config: Mapping[str, Any]) -> Iterator[Channel]:
    """The mail server (one connection for every message sent through it), or the outbox
    folder when no SMTP host is set. Raises MailServerUnavailable when it cannot connect."""
    if not config.get("SMTP_HOST"):
        yield OutboxFolder(Path(config["OUTBOX_DIR"]))
        return
    with SMTPConnection(config) as connection:
        yield connection


def _domain_of(address: str) -> str | None:
    _name, email = parseaddr(address)
    return email.rpartition("@")[2] or None


class OutboxFolder:
    """Each message becomes an `.eml` file, written in full then renamed into place."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage, before_completing: Callable[[], None]) -> None:
        # Named by the real time, to the microsecond, so the files sort in the order sent.
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        partial = self.folder / (name + ".part")
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Created readable by the owner only: the message may hold a password link.
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(message.as_bytes())
            before_completing()
            # Renamed once complete, so anything watching the folder never reads half a message.
            os.replace(partial, self.folder / name)
        except OSError as error:
            logger.error(
                "Could not write email to %s (%r) to the outbox: %s",
                message["To"],
                message["Subject"],
                error,
            )
            raise EmailError(
                f"Could not write the email to the outbox folder {self.folder}: {error}"
            ) from error
        finally:
            with suppress(OSError):  # left behind only when the message did not go
                partial.unlink(missing_ok=True)
        logger.info(
            "Email to %s, subject %r, written to the outbox as %s",
            message["To"],
            message["Subject"],
            name,
        )


class SMTPConnection:
    """One connection to the mail server, for a batch of messages.

    Each message goes as MAIL, RCPT, DATA and its text; only then is `before_completing`
    called, and only after it the final "." that tells the server the message is complete.
    A connection closed before that dot delivers nothing, so a worker that stops at any
    moment leaves at most that one message in doubt.
    """

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.host, self.port = config["SMTP_HOST"], config["SMTP_PORT"]
        self.sender = parseaddr(config["MAIL_FROM"])[1]
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPConnection:
        context = ssl.create_default_context()
        try:
            if self.port == IMPLICIT_TLS_PORT:
                self.smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS, context=context
                )
            else:
                self.smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT_SECONDS)
            # The final "." goes in a packet of its own: without this it would wait for the
            # server to acknowledge the text first, some 40 ms a message.
            assert self.smtp.sock is not None, "the constructor connects"
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.config["SMTP_STARTTLS"] and self.port != IMPLICIT_TLS_PORT:
                self.smtp.starttls(context=context)
            if self.config["SMTP_USER"]:
                self.smtp.login(self.config["SMTP_USER"], self.config["SMTP_PASSWORD"])
            self.smtp.ehlo_or_helo_if_needed()
        except (smtplib.SMTPException, OSError) as error:
            self._close()
            logger.error(
                "Could not connect to the mail server %s:%s: %s", self.host, self.port, error
            )
            raise MailServerUnavailable(
                f"Could not connect to the mail server {self.host}:{self.port}: {_describe(error)}"
            ) from error
        return self

    def __exit__(self, exc_type, _exc, _tb) -> None:
        if exc_type is None and self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # every message has had its answer: a lost goodbye changes nothing
        # Otherwise closed without QUIT: a message cut short in its text is then discarded.
        self._close()

    def send(self, message: EmailMessage, before_completing: Callable[[], None]) -> None:
        assert self.smtp is not None, "send() is for an open connection"
        to = message["To"]
        options: list[str] = []
        if not (to.isascii() and self.sender.isascii()):
            if not self.smtp.has_extn("smtputf8"):
                raise self._refused(message, "it takes no addresses with letters such as é or ü")
            options = ["SMTPUTF8", "BODY=8BITMIME"]
        payload = _data_payload(message, international=bool(options))
        try:
            self._expect(message, self.smtp.mail(self.sender, options), (250,))
            self._expect(message, self.smtp.rcpt(to), (250, 251))
            self._expect(message, self.smtp.docmd("DATA"), (354,))
            self.smtp.send(payload)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise self._broken(message, error) from error
        before_completing()
        try:
            self.smtp.send(b".\r\n")
            reply = self.smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise self._broken(message, error, after_the_end=True) from error
        self._expect(message, reply, (250,), reset=False)
        logger.info("Email to %s, subject %r, sent", to, message["Subject"])

    def _expect(
        self, message: EmailMessage, reply: tuple[int, bytes], ok: tuple[int, ...], reset=True
    ) -> None:
        code, text = reply
        if code in ok:
            return
        if code == SERVICE_CLOSING:
            raise self._broken(message, smtplib.SMTPResponseException(code, text))
        if reset and self.smtp is not None:  # forget this message: the next one can go
            try:
                self.smtp.rset()
            except (smtplib.SMTPException, OSError) as error:
                raise self._broken(message, error) from error
        answer = f"the server answered {code} {text.decode(errors='replace')}"
        raise self._refused(message, answer, permanent=500 <= code < 600)

    def _refused(self, message: EmailMessage, reason: str, permanent=True) -> MessageRefused:
        logger.error(
            "Could not send email to %s (%r) through %s:%s: %s",
            message["To"],
            message["Subject"],
            self.host,
            self.port,
            reason,
        )
        return MessageRefused(
            f"Could not send the email to {message['To']} through the mail server "
            f"{self.host}:{self.port}: {reason}",
            permanent=permanent,
        )

    def _broken(
        self, message: EmailMessage, error: Exception, after_the_end: bool = False
    ) -> MailServerUnavailable:
        logger.error(
            "The connection to %s:%s broke while sending email to %s (%r): %s",
            self.host,
            self.port,
            message["To"],
            message["Subject"],
            error,
        )
        if after_the_end:
            return OutcomeUnknown(
                f"The connection to the mail server {self.host}:{self.port} broke after the "
                f"whole email had gone, so it may have arrived: {_describe(error)}"
            )
        return MailServerUnavailable(
            f"The connection to the mail server {self.host}:{self.port} broke: {_describe(error)}"
        )

    def _close(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
            self.smtp = None


def _data_payload(message: EmailMessage, international: bool) -> bytes:
    """The message as the text of DATA: CRLF line ends, a leading dot doubled, no final dot."""
    text = message.as_bytes(policy=SMTPUTF8 if international else SMTP)
    text = _LINE_END.sub(b"\r\n", text)  # bare line ends inside a body, too
    text = _LEADING_DOT.sub(b"..", text)
    return text if text.endswith(b"\r\n") else text + b"\r\n"


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        return f"the server answered {error.smtp_code} {text}"
    return str(error) or error.__class__.__name__
