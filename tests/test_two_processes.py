"""Two real app processes on one database, as behind a load balancer: what one writes, the
other shows at the next request (every cache is checked against counters in the database).

On the SQLite run of the suite they share one SQLite file; on the PostgreSQL run, one
PostgreSQL database of their own (the other tests empty theirs between tests).
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import re
import secrets
import shutil
import urllib.parse
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, select

from carelearn.config import PROJECT_ROOT
from carelearn.models import Option
from tests.conftest import POSTGRES_URL, private_postgres_database
from tests.servers import flask_command, server_env, start_server, stop_server

DEMO_PASSWORD = "carelearn-demo"
STEP = re.compile(
    r'name="item" value="(\d+)".*?name="taken" value="(\d+)".*?name="choice" value="(\d+)"',
    re.S,
)
LEARNER, MANAGER = "reception@carelearn.example", "manager@carelearn.example"
MODULE = "active-listening"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ANSWER = re.compile(r'<input type="(radio|checkbox)" id="[^"]+" name="(q-\d+)" value="(\d+)"')
REFLECTION = re.compile(r'<textarea[^>]+name="(q-\d+)"')


@dataclass
class Browser:
    """A person's browser: cookies, and the CSRF token of the last page."""

    base: str
    opener: urllib.request.OpenerDirector
    token: str = ""
    path: str = ""  # of the page shown last, after any redirect

    @classmethod
    def on(cls, base: str) -> Browser:
        jar = http.cookiejar.CookieJar()
        return cls(base, urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)))

    def get(self, path: str) -> str:
        return self._open(path, None)

    def post(self, path: str, fields: list[tuple[str, str]] | None = None) -> str:
        data = urllib.parse.urlencode([("csrf_token", self.token), *(fields or [])])
        return self._open(path, data.encode())

    def _open(self, path: str, data: bytes | None) -> str:
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            body = response.read().decode()
            self.path = urllib.parse.urlsplit(response.geturl()).path
        if match := CSRF.search(body):
            self.token = match.group(1)
        return body

    def log_in(self, email: str) -> None:
        self.get("/login")
        page = self.post("/login", [("email", email), ("password", DEMO_PASSWORD)])
        assert "Log out" in page, page[:500]


@pytest.fixture
def shared_database(tmp_path):
    """A migrated database with the real content and the demo organisation."""
    with ExitStack() as stack:
        if POSTGRES_URL:
            database_url = stack.enter_context(private_postgres_database("two_processes"))
        else:
            database_url = "sqlite:///" + str(tmp_path / "shared.sqlite3")
        yield from _migrated_with_demo(database_url, tmp_path)


def _migrated_with_demo(database_url, tmp_path):
    content = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", content)
    env = server_env(tmp_path, database_url) | {"CARELEARN_CONTENT_DIR": str(content)}
    for args in (["db", "upgrade"], ["content", "publish"], ["demo"]):
        result = flask_command(env, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    yield database_url, content, env


@pytest.fixture
def two_servers(shared_database, tmp_path):
    database_url, _content, _env = shared_database
    key = secrets.token_hex(32)
    started = []
    try:
        for name in ("a", "b"):
            instance = tmp_path / name
            instance.mkdir()
            started.append(start_server(instance, database_url, secret_key=key))
        yield [server for _process, _out, server in started]
    finally:
        for process, out, _server in started:
            stop_server(process, out)


def complete_module(browser: Browser, database_url: str) -> None:
    """Read every lesson with the page's own buttons, then pass the quiz. Which options are
    right is read from the database, never from the page."""
    page = browser.get(f"/learn/{MODULE}")
    lessons = sorted({int(n) for n in re.findall(rf"/learn/{MODULE}/lessons/(\d+)", page)})
    for position in lessons:
        browser.get(f"/learn/{MODULE}/lessons/{position}")
        browser.post(f"/learn/{MODULE}/lessons/{position}/complete")
    quiz = browser.post(f"/learn/{MODULE}/quiz")
    attempt_path = browser.path
    # A conversation first, for this learner's role: the first choice at each step. Its ending
    # is at most one mark of the eight, and the other seven answered right still pass.
    while step := STEP.search(quiz):
        item, taken, choice = step.groups()
        browser.post(f"{attempt_path}/step", [("item", item), ("taken", taken), ("choice", choice)])
        quiz = browser.get(attempt_path)
    inputs = ANSWER.findall(quiz)
    engine = create_engine(database_url)
    with engine.connect() as conn:
        right = set(
            conn.scalars(
                select(Option.id).where(
                    Option.id.in_([int(v) for _, _, v in inputs]), Option.is_correct.is_(True)
                )
            )
        )
    engine.dispose()
    chosen = [(name, value) for kind, name, value in inputs if int(value) in right]
    chosen += [(name, "Greet them by name.") for name in REFLECTION.findall(quiz)]
    assert "Passed." in browser.post(attempt_path, chosen)


def module_status(matrix_csv: str, email: str, title: str = "Active listening") -> str:
    """A person's status for a module in the matrix export (the browser's CSV download), without
    the date that follows it, as in "in progress (due 29 Dec 2026)"."""
    rows = [
        r for r in csv.DictReader(io.StringIO(matrix_csv.lstrip("\ufeff"))) if r["Email"] == email
    ]
    assert len(rows) == 1, matrix_csv[:500]
    return rows[0][title].split(" (")[0]


def test_a_completion_on_one_process_shows_at_once_on_the_others_manager_pages(
    shared_database, two_servers
):
    database_url = shared_database[0]
    first, second = two_servers
    manager = Browser.on(second.url)
    manager.log_in(MANAGER)
    # Seen first, so the second process has these pages cached when the learner finishes.
    dashboard, matrix = manager.get("/manage/"), manager.get(f"/manage/matrix?q={LEARNER}")
    assert module_status(manager.get("/manage/matrix.csv"), LEARNER) == "in progress"
    learner = Browser.on(first.url)
    learner.log_in(LEARNER)

    complete_module(learner, database_url)

    assert manager.get("/manage/") != dashboard
    assert manager.get(f"/manage/matrix?q={LEARNER}") != matrix
    assert module_status(manager.get("/manage/matrix.csv"), LEARNER) == "completed"


def test_a_publish_reaches_both_processes_lesson_pages_at_once(shared_database, two_servers):
    _database_url, content, env = shared_database
    readers = []
    for server in two_servers:
        reader = Browser.on(server.url)
        reader.log_in(LEARNER)
        assert "A sentence added for this check." not in reader.get(f"/learn/{MODULE}/lessons/1")
        readers.append(reader)
    lesson = sorted((content / MODULE / "lessons").glob("*.md"))[0]
    lesson.write_text(lesson.read_text() + "\nA sentence added for this check.\n")
    result = flask_command(env, "content", "publish")
    assert f"published {MODULE}: version 2" in result.stdout, result.stdout + result.stderr

    for reader in readers:
        assert "A sentence added for this check." in reader.get(f"/learn/{MODULE}/lessons/1")
