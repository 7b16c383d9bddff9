"""Fixtures: a fresh database for every test, on SQLite or on the PostgreSQL in DATABASE_URL."""

from __future__ import annotations

import os
import re
import shutil
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, make_url

from carelearn import create_app
from carelearn.core import clock
from carelearn.extensions import db as _db
from tests import factories

POSTGRES_URL = os.environ.get("DATABASE_URL", "")


def _postgres_url(server_url: str = "") -> URL:
    given = server_url or POSTGRES_URL
    url = make_url(given.replace("postgresql://", "postgresql+psycopg://", 1))
    # Every test empties the database: refuse anything that is not plainly a test database.
    if "test" not in (url.database or ""):
        raise pytest.UsageError(f"DATABASE_URL must name a test database, not {url.database!r}")
    return url


@contextmanager
def private_postgres_database(purpose: str, server_url: str = ""):
    """A database of its own beside the one DATABASE_URL names (or `server_url`, for a test that
    needs PostgreSQL on the SQLite run too), so that tables another checkout or another run left
    there, or a run at the same time, cannot break this one."""
    url = _postgres_url(server_url)
    name = f"{url.database}_{purpose}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Create the schema once: a SQLite file to copy, or tables in a private PostgreSQL database."""
    from carelearn import models  # noqa: F401

    with ExitStack() as stack:
        if POSTGRES_URL:
            url = stack.enter_context(private_postgres_database("run"))
        else:
            url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "template.sqlite3")
        engine = create_engine(url)
        with engine.begin() as conn:
            _db.metadata.create_all(conn)
        engine.dispose()
        yield url


def _fresh_database(template_url: str, tmp_path: Path) -> str:
    if template_url.startswith("sqlite"):
        copy = tmp_path / "test.sqlite3"
        shutil.copy(make_url(template_url).database, copy)
        return "sqlite:///" + str(copy)
    engine = create_engine(template_url)
    tables = ", ".join(f'"{t.name}"' for t in _db.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return template_url


class RequestIsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production: its own `g` and db session.

    Without this, requests would share the test's app context, and with it `g` (where the CSRF
    token is cached) and the test's database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_template, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _fresh_database(database_template, tmp_path),
            "SECRET_KEY": "test-secret-key",
            "CONTENT_DIR": str(tmp_path / "modules"),
            # Email goes to this test's own outbox, never to a mail server set in the environment.
            "SMTP_HOST": "",
            "OUTBOX_DIR": str(tmp_path / "outbox"),
        }
    )
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        yield app
        _db.session.remove()
        _db.engine.dispose()
    clock.freeze(None)


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(db):
    """Factories: make.user(...), make.module(...), and so on (see tests/factories.py)."""
    return factories


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(db):
    @contextmanager
    def counting():
        counter = QueryCounter()

        def _record(_conn, _cursor, statement, *_args):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _record)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", _record)

    return counting


CSRF_FIELD = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = factories.PASSWORD, next_path: str | None = None):
    token = csrf_token(client)
    url = "/login" + (f"?next={next_path}" if next_path else "")
    return client.post(url, data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def logged_in(app, make):
    """Log `user` in through the real login form, in a new browser; returns its client."""

    def _login(user):
        client = app.test_client()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _login
