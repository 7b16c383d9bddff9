"""Reading the email the app sent: from the outbox folder, or from a real local SMTP server."""

from __future__ import annotations

import asyncio
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from carelearn.core.outbox import deliver_batch
from tests.servers import free_port

LINK = re.compile(r"https?://[^\s<>\"]+")


def deliver_queued_email() -> int:
    """What the worker does next (in the current app context): send every email that is due."""
    return deliver_batch("tests", limit=10_000)


def outbox_messages(app) -> list[EmailMessage]:
    """Every message written to the app's outbox folder, oldest first, once the worker has
    delivered what is queued."""
    deliver_queued_email()
    outbox = Path(app.config["OUTBOX_DIR"])
    if not outbox.exists():
        return []
    return [
        message_from_bytes(p.read_bytes(), policy=default_policy)
        for p in sorted(outbox.glob("*.eml"))
    ]


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def links_in(message: EmailMessage) -> list[str]:
    return LINK.findall(text_of(message))


def password_link_in(message: EmailMessage) -> str:
    links = [link for link in links_in(message) if "/password/set/" in link]
    assert len(links) == 1, text_of(message)
    return links[0]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    connections: int = 0
    data_delay: float = 0.0  # seconds to wait before answering each message, like a busy server

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1  # one EHLO per connection: these servers offer no STARTTLS
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content, policy=default_policy),
            )
        )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        return [r.message for r in self.received]


@dataclass
class SMTPServer:
    host: str
    port: int
    handler: Collector


@contextmanager
def running_smtp_server(credentials: tuple[str, str] | None = None):
    """A real SMTP server on a free loopback port, for as long as the block runs.

    With `credentials`, it accepts AUTH with that user name and password (over plain text:
    it is on loopback and has no certificate for STARTTLS).
    """
    handler = Collector()
    kwargs = {}
    if credentials is not None:

        def authenticator(_server, _session, _envelope, _mechanism, auth_data):
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login = (auth_data.login.decode(), auth_data.password.decode())
            handler.logins.append(login)
            # handled=False: the server itself answers 235 or 535.
            return AuthResult(success=login == credentials, handled=False)

        # PLAIN only: after a refused PLAIN, smtplib would try LOGIN, which this server stalls on.
        kwargs = {
            "authenticator": authenticator,
            "auth_require_tls": False,
            "auth_exclude_mechanism": ["LOGIN"],
        }
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    try:
        yield SMTPServer(controller.hostname, controller.port, handler)
    finally:
        controller.stop()


def use_smtp_server(app, server: SMTPServer, user: str = "", password: str = "") -> None:
    app.config.update(
        SMTP_HOST=server.host,
        SMTP_PORT=server.port,
        SMTP_USER=user,
        SMTP_PASSWORD=password,
        SMTP_STARTTLS=False,
    )
