"""A health check for load balancers and uptime monitors."""

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        # The schema, not only a connection: an empty database (a file recreated, a database
        # never migrated) answers SELECT 1 but cannot serve a page.
        db.session.execute(text('SELECT 1 FROM "user" WHERE 1 = 0'))
    except SQLAlchemyError:
        db.session.rollback()
        return {
            "status": "unavailable",
            "detail": "the database does not answer or has no CareLearn tables",
        }, 503
    return {"status": "ok"}
