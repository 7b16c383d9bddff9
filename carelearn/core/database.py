"""Database connections: SQLite settings that make it behave like a real database (enforced
keys, concurrent readers), checking idle connections before use, pages that only read, and
running prebuilt statements."""

import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, exc

from ..extensions import db

PING_AFTER_IDLE_SECONDS = 5.0
T = TypeVar("T")


def _configure_sqlite(dbapi_connection, record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        _note_file(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # With WAL this cannot corrupt the file; it only skips the disk sync on each commit,
        # so a power cut (not a crash of the app) may lose the last moments' writes.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Waiting for another writer is done by _WaitingCursor below, in short steps.
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()


WRITE_WAIT_SECONDS = 5.0
_WRITE_WAIT_STEP = 0.0002


class _WaitingCursor(sqlite3.Cursor):
    """Waits for SQLite's write lock in steps of 0.2 ms.

    Only one connection writes at a time. SQLite's own wait (busy_timeout) sleeps at least a
    whole millisecond, then two, then five, while the writer ahead of it usually finishes in a
    fifth of that: with two workers submitting quizzes, a tenth of the time went on sleeping.
    A statement that finds the database locked has done nothing, so it is simply run again.
    """

    def execute(self, sql, parameters=()):
        return self._patiently(super().execute, sql, parameters)

    def executemany(self, sql, seq_of_parameters):
        return self._patiently(super().executemany, sql, seq_of_parameters)

    def _patiently(self, method, sql, parameters):
        deadline = None
        while True:
            try:
                return method(sql, parameters)
            except sqlite3.OperationalError as error:
                if "database is locked" not in str(error):
                    raise
                now = time.monotonic()
                deadline = deadline or now + WRITE_WAIT_SECONDS
                if now >= deadline:
                    raise
                time.sleep(_WRITE_WAIT_STEP)


class WaitingConnection(sqlite3.Connection):
    def cursor(self, factory=_WaitingCursor):
        return super().cursor(factory)


def engine_options(database_uri: str, options: dict) -> dict:
    """Engine options for this database: SQLite connections that wait for the write lock well."""
    if database_uri.startswith("sqlite"):
        connect_args = {"factory": WaitingConnection, **options.get("connect_args", {})}
        return {**options, "connect_args": connect_args}
    return options


# A connection that sat unused may have been dropped (the database restarted, a firewall timed
# it out): check it with a round trip before handing it out, and replace it if it is dead. A
# connection in steady use is not checked every time, which would cost a round trip per request.
def _note_checkin(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["carelearn.idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
    idle_since = record.info.get("carelearn.idle_since")
    if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SELECT 1")
        # The check must not leave a transaction open: the request may want its own settings
        # (a page that only reads runs without one on PostgreSQL).
        dbapi_connection.rollback()
    except Exception as error:
        raise exc.DisconnectionError() from error  # the pool connects afresh and tries again
    finally:
        try:
            cursor.close()
        except Exception:
            pass


def run(statement, **params):
    """Execute a prebuilt Core statement on the request's connection, in its transaction.

    For the hottest pages: a statement built once at import (with `bindparam`s) is compiled
    once and cached by SQLAlchemy, and running it on the connection skips the ORM layer, and
    with it the session's events (the database's triggers still keep cached pages fresh).
    """
    return db.session.connection().execute(statement, params)


BATCH_SIZE = 500  # ids per IN (...) list: well inside every database's limit on parameters


def chunked(items: Sequence[T], size: int = BATCH_SIZE) -> Iterator[Sequence[T]]:
    """`items` in slices of `size`, for statements that name many ids at once."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ReadOnlyViolation(RuntimeError):
    """A view marked `read_only` tried to write: a bug, refused before anything is written."""


_READ_ONLY = "carelearn_read_only"
_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def read_only(view):
    """Mark a view whose GET only reads. On PostgreSQL its queries then run without a
    transaction around them: each sees the latest committed data, as it would anyway at the
    default isolation level, and the request saves two round trips (BEGIN and ROLLBACK).

    Such a view must never write (without a transaction a write would be kept at once, half
    done): any write it tries raises ReadOnlyViolation."""
    view.carelearn_read_only = True
    return view


def _in_read_only_view() -> bool:
    return has_request_context() and g.get(_READ_ONLY, False)


def _refuse_flush(session, _context, _instances) -> None:
    if _in_read_only_view() and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation(f"{request.endpoint} is read_only but tried to save changes")


def _refuse_statement(_connection, _cursor, statement: str, *_args) -> None:
    if _in_read_only_view() and statement.lstrip()[:6].upper().startswith(_WRITES):
        raise ReadOnlyViolation(
            f"{request.endpoint} is read_only but tried to run {statement[:60]!r}"
        )


_FILE = "carelearn.sqlite_file"


def _note_file(dbapi_connection, record) -> None:
    """Which file the connection has open, to notice if it is moved, deleted or replaced."""
    path = next((row[2] for row in dbapi_connection.execute("PRAGMA database_list")), "")
    if path and record is not None:
        stat = os.stat(path)
        record.info[_FILE] = (path, stat.st_dev, stat.st_ino)


def _same_file_or_reconnect(_dbapi_connection, record, _proxy) -> None:
    """A connection keeps working on a file that was moved or deleted, unseen by everyone else:
    hand it out only while its path still leads to the same file (a stat, a few microseconds),
    else connect afresh, which finds the file missing (503) or opens the one now there."""
    known = record.info.get(_FILE)
    if known is None:
        return
    path, device, inode = known
    try:
        stat = os.stat(path)
    except OSError:
        stat = None
    if stat is None or (stat.st_dev, stat.st_ino) != (device, inode):
        raise exc.DisconnectionError(f"{path} is no longer the file this connection opened")


def _refuse_missing_file(_dialect, _record, connect_args, _params) -> None:
    """SQLite makes an empty database when its file is missing (a disk not mounted, a path
    mistyped): the app would then answer as if it had no data, or fail in odd ways. Only
    `flask db upgrade` may create it; anything else finds the database unavailable."""
    path = connect_args[0] if connect_args else ""
    if path and path != ":memory:" and not path.startswith("file:") and not os.path.exists(path):
        raise sqlite3.OperationalError(f"the database file {path} is missing")


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine  # created by Flask-SQLAlchemy's init_app; not connected yet
    if engine.dialect.name == "sqlite" and not app.config["DATABASE_FILE_MAY_BE_CREATED"]:
        if not event.contains(engine, "do_connect", _refuse_missing_file):
            event.listen(engine, "do_connect", _refuse_missing_file)
    for name, listener in (
        ("connect", _configure_sqlite),
        ("checkin", _note_checkin),
        ("checkout", _ping_if_idle),
        ("checkout", _same_file_or_reconnect),
        ("before_cursor_execute", _refuse_statement),
    ):
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)
    if not event.contains(db.session, "before_flush", _refuse_flush):
        event.listen(db.session, "before_flush", _refuse_flush)

    @app.before_request
    def _reads_without_a_transaction():
        # Before anything else queries (the logged-in user is loaded by each area's own hook).
        if request.method not in ("GET", "HEAD"):
            return
        view = app.view_functions.get(request.endpoint)
        if getattr(view, "carelearn_read_only", False):
            g.carelearn_read_only = True
            if db.engine.dialect.name == "postgresql":
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
