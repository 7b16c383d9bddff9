"""Outages, for real: a running server whose SQLite file goes missing or is not a database
answers 503 (pages and /healthz) without making an empty one, signed-in people see the 503 page
rather than the sign-in page, and a PostgreSQL server stopped and started again is recovered
from without a restart of the app."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from glob import glob
from pathlib import Path

import pytest

from carelearn import create_app
from carelearn.extensions import db
from carelearn.services.people.accounts import create_admin_account
from tests.servers import flask_command, free_port, server_env, start_server, stop_server

PASSWORD = "a long demo password 1"


class Browser:
    """A browser that keeps its cookies and does not follow redirects."""

    def __init__(self, url: str):
        self.url = url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._open(urllib.request.Request(self.url + path))

    def post(self, path: str, fields: dict) -> tuple[int, str]:
        body = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.url + path, data=body))

    def _open(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, email: str) -> None:
        _, page = self.get("/login")
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
        status, _ = self.post("/login", {"email": email, "password": PASSWORD, "csrf_token": token})
        assert status == 302


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def _make_admin(database_url: str) -> str:
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x" * 32}
    )
    with app.app_context():
        create_admin_account("admin@example.org", "Ada Admin", PASSWORD)
        db.session.commit()
        db.engine.dispose()
    return "admin@example.org"


@contextmanager
def _server(instance: Path, database_url: str):
    migrated = flask_command(server_env(instance, database_url), "db", "upgrade")
    assert migrated.returncode == 0, migrated.stderr
    email = _make_admin(database_url)
    process, out, live = start_server(instance, database_url)
    try:
        browser = Browser(live.url)
        browser.sign_in(email)
        yield browser
    finally:
        stop_server(process, out)


def _wait_for(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "did not recover in time"
        time.sleep(0.2)


def test_a_missing_or_broken_sqlite_file_answers_503_and_is_not_made_again(tmp_path):
    database = tmp_path / "carelearn.sqlite3"
    with _server(tmp_path, f"sqlite:///{database}") as browser:
        assert browser.get("/learn/record")[0] == 200

        moved = tmp_path / "moved"
        moved.mkdir()
        for path in glob(f"{database}*"):
            shutil.move(path, moved)
        status, page = browser.get("/learn/record")
        assert status == 503, status  # not a redirect to the sign-in page
        assert "CareLearn is busy or being looked after" in page
        assert browser.get("/healthz")[0] == 503
        assert not database.exists()  # no empty database made in its place

        database.write_bytes(b"this is not a database" * 100)  # unreadable as one
        assert browser.get("/learn/record")[0] == 503
        assert browser.get("/healthz")[0] == 503

        database.unlink()
        for path in moved.iterdir():
            shutil.move(path, tmp_path)
        _wait_for(lambda: browser.get("/learn/record")[0] == 200)
        assert browser.get("/healthz")[0] == 200


def test_an_empty_database_fails_the_health_check(tmp_path):
    database = tmp_path / "empty.sqlite3"
    database.touch()  # a file, but no schema in it
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "x" * 32,
        }
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert "no CareLearn tables" in response.json["detail"]


def _postgres_bin() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        pytest.fail("PostgreSQL's server programs are needed for this test (postgresql package)")
    return Path(found[-1]).parent


@contextmanager
def _private_postgres():
    """A PostgreSQL server of this test's own, on its own port, that it may stop and start."""
    bin_dir = _postgres_bin()
    home = Path(tempfile.mkdtemp(prefix="carelearn-pg-", dir="/tmp"))
    shutil.chown(home, "postgres")
    port = free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def pg_ctl(*args: str) -> None:
        subprocess.run(
            [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(home / "data"), "-w", *args],
            check=True,
            capture_output=True,
        )

    subprocess.run(
        [
            *as_postgres,
            str(bin_dir / "initdb"),
            "-D",
            str(home / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
        ],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1"
    pg_ctl("-o", options, "-l", str(home / "log"), "start")
    try:
        yield (
            port,
            (lambda: pg_ctl("-m", "fast", "stop")),
            (lambda: pg_ctl("-o", options, "-l", str(home / "log"), "start")),
        )
    finally:
        subprocess.run(
            [
                *as_postgres,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(home / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
        )
        shutil.rmtree(home, ignore_errors=True)


def test_the_app_recovers_by_itself_when_postgresql_restarts(tmp_path):
    with _private_postgres() as (port, stop, start):
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        with _server(tmp_path, url) as browser:
            assert browser.get("/learn/record")[0] == 200
            stop()
            status, page = browser.get("/learn/record")
            assert status == 503 and "CareLearn is busy" in page
            assert browser.get("/healthz")[0] == 503
            start()
            _wait_for(lambda: browser.get("/learn/record")[0] == 200)
            assert browser.get("/healthz")[0] == 200
