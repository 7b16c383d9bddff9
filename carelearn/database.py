"""SQLite settings that make it behave like a real database: enforced keys, concurrent readers."""
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL this cannot corrupt the file; it only skips the disk sync on each commit,
        # so a power cut (not a crash of the app) may lose the last moments' writes.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def run(statement, **params):
    """Execute a prebuilt Core statement on the request's connection, in its transaction.

    For the hottest pages: a statement built once at import (with `bindparam`s) is compiled
    once and cached by SQLAlchemy, and running it on the connection skips the ORM layer.
    """
    from .extensions import db

    return db.session.connection().execute(statement, params)
