"""Refusing a flood of a public feedback form before Flask is entered.

Once a worker has seen a form's limit refuse a send, it remembers until when the store will
go on refusing it (core/throttle.py). A flood sends hundreds of these a second, and each one
still went through all of Flask (the request context, every hook, the error page's template):
as much work as a small page, taken from the staff using the site. This layer, between the
proxy's address fix and Flask, answers those sends itself, with the refusal page the app last
sent for one, byte for byte (its security headers included), and the wait brought up to date.

Anything it is not sure of goes to Flask: a send it has no remembered refusal for, one that
carries a cookie (a person signed in to the staff site), any other page, or a refusal before
the app has sent one itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Flask

from ..core import throttle
from ..core.numbers import parse_id
from .views import send_rules

_SEND_PATH = re.compile(r"/f/([0-9]+)")
_NOT_REPEATED = {"retry-after", "set-cookie", "date"}


@dataclass(frozen=True)
class RefusalPage:
    status: str
    headers: list[tuple[str, str]]  # without Retry-After, which each answer works out afresh
    body: bytes


class RefusedSendShortcut:
    """WSGI middleware: see the module's docstring."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app = app
        self.wsgi_app = wsgi_app
        self.page: RefusalPage | None = None

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        team_id = _send_to_form(environ)
        if team_id is None:
            return self.wsgi_app(environ, start_response)
        rules = send_rules(team_id, environ.get("REMOTE_ADDR"))
        refused = self.app.extensions[throttle.REFUSED]
        wait = throttle.remembered_wait(refused, rules, time.time())
        if wait and self.page is not None:
            start_response(self.page.status, [*self.page.headers, ("Retry-After", str(wait))])
            return [self.page.body]
        return self._learning_the_page(environ, start_response)

    def _learning_the_page(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Flask answers; a refusal it sends is kept as the page for the next ones."""
        answered: dict = {}

        def noting(status: str, headers: list[tuple[str, str]], exc_info=None):
            answered.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, noting)
        status, headers = answered.get("status", ""), answered.get("headers", [])
        if not status.startswith("429 ") or any(n.lower() == "set-cookie" for n, _ in headers):
            return result
        try:
            body = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        kept = [(n, v) for n, v in headers if n.lower() not in _NOT_REPEATED]
        self.page = RefusalPage(status, kept, body)
        return [body]


def _send_to_form(environ: dict) -> int | None:
    """The team whose form this request sends to, if it is a send without a cookie."""
    if environ.get("REQUEST_METHOD") != "POST" or environ.get("HTTP_COOKIE"):
        return None
    found = _SEND_PATH.fullmatch(environ.get("PATH_INFO", ""))
    return parse_id(found.group(1)) if found else None


def init_app(app: Flask) -> None:
    """Wraps the app; call it before the proxy's address fix wraps it (so that runs first)."""
    app.wsgi_app = RefusedSendShortcut(app, app.wsgi_app)  # type: ignore[method-assign]
