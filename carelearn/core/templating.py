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

import secrets

from flask import Flask, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .dates import format_day, format_moment

MAX_REMEMBERED_URLS = 4096
MAX_REMEMBERED_FRAGMENTS = 4096
# Kept HTML (core/freshness.py `cached`) serves every visit of a viewer, but a form token belongs
# to one session: a kept fragment holds this mark where a token goes, and `with_form_tokens`
# puts this request's token there. Random for each process, so no text shown can hold it.
FORM_TOKEN_MARK = f"form-token-{secrets.token_hex(16)}"


def with_form_tokens(html: Markup) -> Markup:
    """Kept HTML with this request's form token wherever it has the mark."""
    return Markup(html.replace(FORM_TOKEN_MARK, str(escape(generate_csrf()))))


# The session holds the raw CSRF secret (Flask-WTF's) and, beside it, that secret signed.
_SIGNED_CSRF = "csrf_signed"


# Each status's icon, drawn as inline SVG in the text's colour: characters such as ⏳ come from
# an emoji font that many computers lack (Debian's Chromium shows an empty box), and a drawing
# looks the same everywhere. The words beside it say the same, so screen readers skip it.
def _line(width: float = 2) -> str:
    return f'fill="none" stroke="currentColor" stroke-width="{width:g}" stroke-linecap="round"'


ICON_SHAPES = {
    "not started": f'<circle cx="8" cy="8" r="5.5" {_line()}/>',
    "in progress": f'<circle cx="8" cy="8" r="5.5" {_line()}/>'
    '<path d="M8 2.5a5.5 5.5 0 0 0 0 11z" fill="currentColor"/>',
    "completed": f'<path d="M3 8.5l3.2 3.2L13 4.8" {_line()} stroke-linejoin="round"/>',
    "expiring": '<path d="M4 2h8M4 14h8M5 2.5c0 3 6 3.5 6 5.5s-6 2.5-6 5.5M11 2.5c0 3-6 3.5-6 '
    f'5.5s6 2.5 6 5.5" {_line(1.6)} stroke-linejoin="round"/>',
    "overdue": f'<path d="M8 2.5v7" {_line(2.4)}/>'
    '<circle cx="8" cy="13" r="1.4" fill="currentColor"/>',
    "expired": f'<path d="M4 4l8 8M12 4l-8 8" {_line()}/>',
    # An eye: waiting for someone to watch and sign off the practice.
    "awaiting sign-off": f'<path d="M1.5 8s2.5-4.5 6.5-4.5S14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 '
    f'1.5 8z" {_line(1.6)} stroke-linejoin="round"/><circle cx="8" cy="8" r="2" '
    'fill="currentColor"/>',
}


def icon(name: str) -> Markup:
    """A status icon (see ICON_SHAPES), hidden from screen readers: words always go with it."""
    return Markup(
        '<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" '
        f'focusable="false">{ICON_SHAPES[name]}</svg>'
    )


_STATUS_TAGS = {
    status: Markup(
        f'<span class="tag tag--{status.replace(" ", "-")}">{icon(status)} '
        f"{status.capitalize()}</span>"
    )
    for status in ICON_SHAPES
}


def status_tag(status) -> Markup:
    """A training status (a Status, or its text) as a tag: icon (hidden from screen readers)
    and words."""
    return _STATUS_TAGS[status]  # a Status is a str, so it finds its text's entry


_NOT_INCLUDED = '<td><span class="meta">Not in their training</span></td>'


def status_cells(cells: dict, modules) -> Markup:
    """A matrix row's table cells: for each module its cell (with a `status`, maybe None, and a
    `note`: the requirement or the date that matters), or "Not in their training"."""
    tags = _STATUS_TAGS
    html = []
    for m in modules:
        cell = cells.get(m.id)
        if cell is None:
            html.append(_NOT_INCLUDED)
        elif cell.status is None:
            html.append(f'<td><span class="meta">{escape(cell.note)}</span></td>')
        else:
            html.append(
                f'<td>{tags[cell.status]}<span class="cell-note">{escape(cell.note)}</span></td>'
            )
    return Markup("\n      ".join(html))


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
        icon=icon,
        progress_bar=progress_bar,
        remembered=_remembering_renderer(app),
        form_token_mark=FORM_TOKEN_MARK,
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
