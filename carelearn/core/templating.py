"""Template helpers that pages call many times, written for speed.

- `url_for` in templates remembers each URL it has built (a URL depends only on the route, its
  values and where the app is mounted), so a page of 25 people or 12 modules does not run the
  URL builder for every link on every request.
- `remembered` renders a partial template once per worker for each key that decides all of
  its output (a module card on My training looks the same for everyone at the same point).
- the CSRF token is signed once per session and kept in it, so the log-out form on every page
  and each form use the same token instead of signing a new one on each page (a token is
  checked against the session's own secret, and lasts as long as that session).
- `day` and `moment` write dates the one way people read them everywhere (core/dates.py).
- Remembered fragments are bypassed while templates auto-reload (debug), so a template edit
  shows at once.
- `status_tag`, `status_cells` and `progress_bar` build their few lines of HTML in Python rather
  than as Jinja macros, which cost much more per call: a page of the matrix has 300 cells.
"""

from __future__ import annotations

from flask import Flask, g, request, session
from markupsafe import Markup, escape

from .dates import format_day, format_moment

MAX_REMEMBERED_URLS = 4096
MAX_REMEMBERED_FRAGMENTS = 4096
# The session holds the raw CSRF secret (Flask-WTF's) and, beside it, that secret signed.
_SIGNED_CSRF = "csrf_signed"

STATUS_ICONS = {
    "not started": "○",
    "in progress": "◐",
    "completed": "✓",
    "expiring": "⏳",
    "overdue": "!",
    "expired": "✗",
}
_STATUS_TAGS = {
    status: Markup(
        f'<span class="tag tag--{status.replace(" ", "-")}"><span aria-hidden="true">'
        f"{icon}</span> {status.capitalize()}</span>"
    )
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
    return Markup(
        "\n      ".join(
            f"<td>{tags[cells[m.id]] if m.id in cells else _NOT_ASSIGNED}</td>" for m in modules
        )
    )


def progress_bar(percent: int, label: str) -> Markup:
    percent = int(percent)
    return Markup(
        '<div class="progress">\n'
        '  <div class="progress__track" role="progressbar" aria-valuemin="0" aria-valuemax="100" '
        f'aria-valuenow="{percent}" aria-label="{escape(label)}">\n'
        f'    <span class="progress__fill progress__fill--{percent // 5 * 5}"></span>\n'
        "  </div>\n"
        f'  <span class="progress__text">{percent}% done</span>\n'
        "</div>"
    )


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        url_for=_remembering_url_for(app),
        status_tag=status_tag,
        status_cells=status_cells,
        progress_bar=progress_bar,
        remembered=_remembering_renderer(app),
    )
    app.jinja_env.filters.update(day=format_day, moment=format_moment)
    app.before_request(_reuse_signed_csrf_token)
    app.after_request(_keep_signed_csrf_token)


def _reuse_signed_csrf_token() -> None:
    """Give Flask-WTF the token signed earlier in this session, so it signs none now."""
    kept = session.get(_SIGNED_CSRF)
    if kept and kept[0] == session.get("csrf_token"):
        g.csrf_token = kept[1]


def _keep_signed_csrf_token(response):
    token, secret = g.get("csrf_token"), session.get("csrf_token")
    if token and secret and session.get(_SIGNED_CSRF) != [secret, token]:
        session[_SIGNED_CSRF] = [secret, token]
    return response


def _remembering_renderer(app: Flask):
    rendered: dict[tuple, Markup] = {}

    def remembered(template_name: str, key: tuple, **context) -> Markup:
        """`template_name` rendered with `context`; `key` must decide everything it shows."""
        if app.jinja_env.auto_reload:
            return Markup(app.jinja_env.get_template(template_name).render(context))
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
        if not (
            endpoint.startswith(".")
            or any(name.startswith("_") for name in values)
            or any(app.url_default_functions.values())
        ):
            if len(built) >= MAX_REMEMBERED_URLS:
                built.clear()
            built[key] = url
        return url

    return url_for
