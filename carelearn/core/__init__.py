"""What every part of the app relies on: the clock, the database, the audit trail, email,
rate limits, cached pages' freshness and template helpers. Nothing here knows about training."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import audit, database, freshness, templating, throttle

    database.init_app(app)
    audit.init_app(app)
    freshness.init_app(app)
    throttle.init_app(app)
    # After CSRFProtect's init: it replaces the `csrf_token` that Flask-WTF puts in templates.
    templating.init_app(app)
