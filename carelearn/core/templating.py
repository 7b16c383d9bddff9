"""Template helpers that pages call many times, written for speed.

- `url_for` in templates remembers each URL it has built (a URL depends only on the route, its
  values and where the app is mounted), so a page of 25 people or 12 modules does not run the
  URL builder for every link on every request.
- `remembered` renders a partial template once per worker for each key that decides all of
  its output (a module card on My training looks the same for everyone at the same point).
- `csrf_token` (for the log-out form on every page) reuses a person's signed token for up to a
  minute instead of signing a new one on each page (a token is checked against the session it
  was made for, and lasts as long as that session).
- `status_tag`, `status_cells` and `progress_bar` build their few lines of HTML in Python rather
  than as Jinja macros, which cost much more per call: a page of the matrix has 300 cells.
"""
from __future__ import annotations

import time

from flask import Flask, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

MAX_REMEMBERED_URLS = 4096
MAX_REMEMBERED_FRAGMENTS = 4096
MAX_REMEMBERED_TOKENS = 4096
TOKEN_REUSE_SECONDS = 60

STATUS_ICONS = {"not started": "○", "in progress": "◐", "completed": "✓", "expiring": "⏳",
                "overdue": "!", "expired": "✗"}
_STATUS_TAGS = {
    status: Markup(f'<span class="tag tag--{status.replace(" ", "-")}"><span aria-hidden="true">'
                   f'{icon}</span> {status.capitalize()}</span>')
    for status, icon in STATUS_ICONS.items()
}


def status_tag(status) -> Markup:
    """A training status (a Status, or its text) as a tag: icon (hidden from screen readers)
    and words."""
    return _STATUS_TAGS[status]  # a Status is a str, so it finds its text's entry


_NOT_ASSIGNED = Markup('<span class="meta">Not assigned</span>')


def status_cells(cells: dict, modules) -> Markup:
    """A matrix row's table cells: each module's status tag, or "Not assigned"."""
    tags = _STATUS_TAGS
    return Markup("\n      ".join(
        f"<td>{tags[cells[m.id]] if m.id in cells else _NOT_ASSIGNED}</td>" for m in modules
    ))


def progress_bar(percent: int, label: str) -> Markup:
    percent = int(percent)
    return Markup(
        '<div class="progress">\n'
        '  <div class="progress__track" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{percent}" aria-label="{escape(label)}">\n'
        f'    <span class="progress__fill progress__fill--{percent // 5 * 5}"></span>\n'
        '  </div>\n'
        f'  <span class="progress__text">{percent}% done</span>\n'
        '</div>'
    )


def init_app(app: Flask) -> None:
    """After CSRFProtect's: its `csrf_token` is replaced here, in the context as in globals."""
    csrf_token = _reusing_csrf_token()
    app.jinja_env.globals.update(url_for=_remembering_url_for(app), status_tag=status_tag,
                                 status_cells=status_cells, progress_bar=progress_bar,
                                 remembered=_remembering_renderer(app), csrf_token=csrf_token)
    app.context_processor(lambda: {"csrf_token": csrf_token})


def _reusing_csrf_token():
    signed: dict[str, tuple[str, float]] = {}  # the session's raw token -> (signed token, when)

    def csrf_token() -> str:
        raw, now = session.get("csrf_token"), time.monotonic()
        if raw is not None and "csrf_token" not in g:
            known = signed.get(raw)
            if known is not None and now - known[1] < TOKEN_REUSE_SECONDS:
                g.csrf_token = known[0]  # forms on the page then use the same one
                return known[0]
        token = generate_csrf()
        if len(signed) >= MAX_REMEMBERED_TOKENS:
            signed.clear()
        signed[session["csrf_token"]] = (token, now)
        return token

    return csrf_token


def _remembering_renderer(app: Flask):
    rendered: dict[tuple, Markup] = {}

    def remembered(template_name: str, key: tuple, **context) -> Markup:
        """`template_name` rendered with `context`; `key` must decide everything it shows."""
        full_key = (request.script_root, template_name, key)  # links depend on where the app is
        try:
            return rendered[full_key]
        except KeyError:
            pass
        html = Markup(app.jinja_env.get_template(template_name).render(context))
        if len(rendered) >= MAX_REMEMBERED_FRAGMENTS:
            rendered.clear()
        rendered[full_key] = html
        return html

    return remembered


def _remembering_url_for(app: Flask):
    built: dict[tuple, str] = {}

    def url_for(endpoint: str, **values) -> str:
        try:
            key = (request.script_root, endpoint, *values.items())
            return built[key]
        except KeyError:
            pass
        except (RuntimeError, TypeError):  # outside a request, or a value that cannot be a key
            return app.url_for(endpoint, **values)
        url = app.url_for(endpoint, **values)
        # Anything that could make the same call give another URL is built by Flask every time:
        # blueprint-relative endpoints, _external, _anchor and the like, url_defaults callbacks.
        if not (endpoint.startswith(".") or any(name.startswith("_") for name in values)
                or any(app.url_default_functions.values())):
            if len(built) >= MAX_REMEMBERED_URLS:
                built.clear()
            built[key] = url
        return url

    return url_for
