"""Error pages in the site's layout; a database outage gets a calm 'try again' page."""

import sys

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DatabaseError, OperationalError

from .extensions import db

MESSAGES = {
    400: (
        "Something in that request was not right",
        "Go back, check what you entered and try again.",
    ),
    403: (
        "You do not have access to this page",
        "If you think you should, ask your training lead.",
    ),
    404: ("Page not found", "The link may be old, or the page may have moved."),
    410: (
        "This is no longer kept",
        "It was removed on purpose, for example with a leaver's details after the retention "
        "period.",
    ),
    413: (
        "That was too large to send",
        "Files and forms can be up to 4 MB. Go back and try a smaller file.",
    ),
    429: (
        "Too many tries in a row",
        "To keep accounts safe, CareLearn pauses after several tries in a row. Wait a few "
        "minutes, then try again. If you have forgotten your password, your training lead can "
        "help.",
    ),
    405: ("That did not work", "Go back and try again."),
    500: ("Something went wrong on our side", "It has been logged. Please try again in a minute."),
    503: (
        "CareLearn is busy or being looked after",
        "Nothing you did caused this. Please try again in a minute: your progress is saved.",
    ),
}


# For when even the error page cannot be drawn (the database, the session or a template broken):
# no layout, nothing that could fail again.
_PLAIN_500 = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong'
    "</title></head><body><h1>Something went wrong on our side</h1><p>It has been logged. "
    "Please try again in a minute.</p></body></html>"
)


# The pages anyone may use without signing in (patients, inspectors): their own words, and no
# link into the staff site.
PUBLIC_BLUEPRINTS = {"feedback", "verify"}
PUBLIC_MESSAGES = {
    413: (
        "That was too much to send",
        "Please make your comment shorter, then send it again.",
    ),
    429: (
        "Too many in a short time",
        "A lot has been sent from here just now, so this page is taking a short pause. Please "
        "wait a few minutes and try again. Thank you.",
    ),
}


def _render(code: int):
    public = request.blueprint in PUBLIC_BLUEPRINTS
    title, advice = (PUBLIC_MESSAGES.get(code) if public else None) or MESSAGES[code]
    page = render_template(
        "errors/error.html", code=code, title=title, advice=advice, public=public
    )
    return page, code


def too_many_tries(seconds: int):
    """The pause after too many tries (see services/throttle.py), saying when to come back."""
    response = _render(429)
    return response[0], 429, {"Retry-After": str(seconds)}


def init_app(app: Flask) -> None:
    for code in (400, 403, 404, 405, 410, 413):
        app.register_error_handler(code, lambda _e, code=code: _render(code))

    @app.errorhandler(CSRFError)
    def _form_expired(error):
        app.logger.info("CSRF refused: %s", error.description)
        return render_template(
            "errors/error.html",
            code=400,
            title="This form has expired",
            advice="For your security, forms time out or must come from this site. "
            "Go back, reload the page and try again.",
        ), 400

    @app.errorhandler(DatabaseError)
    def _database_error(error):
        # Unreachable, or its file is not a database (exactly DatabaseError): an outage, so
        # 503 and "try again". Its subclasses (a broken constraint, bad data) are faults: 500.
        if isinstance(error, OperationalError) or type(error) is DatabaseError:
            db.session.rollback()
            response = _render(503)
            return response[0], 503, {"Retry-After": "30"}
        app.log_exception(sys.exc_info())
        return _server_error(error)

    @app.errorhandler(500)
    def _server_error(_error):
        try:
            db.session.rollback()
            return _render(500)
        except Exception:  # the last resort must answer, whatever broke
            app.logger.exception("The error page itself failed; answering in plain text")
            return _PLAIN_500, 500, {"Content-Type": "text/html; charset=utf-8"}
