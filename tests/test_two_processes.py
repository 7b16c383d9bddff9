"""Two real app processes on one database, as behind a load balancer: what one writes, the
other shows at the next request (every cache is checked against counters in the database).

On the SQLite run of the suite they share one SQLite file; on the PostgreSQL run, one
PostgreSQL database of their own (the other tests empty theirs between tests).

Two hosts (the tests at the end): two app processes and two workers on one PostgreSQL database
(of their own, on either run), one Redis for the rate limits and one SMTP server. Without
PostgreSQL or Redis they are skipped, or fail with CARELEARN_TEST_SERVICES_REQUIRED=1 (CI).
"""

from __future__ import annotations

import csv
import http.cookiejar
import io
import os
import re
import secrets
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from limits import parse_many
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.exc import OperationalError

from carelearn.config import PROJECT_ROOT
from carelearn.core.throttle import FEEDBACK_SENDS_PER_ADDRESS, LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS
from carelearn.feedback.tokens import MIN_SECONDS
from carelearn.models import BackgroundJob, EmailState, JobState, Option, OutboxEmail, Team
from tests.conftest import POSTGRES_URL, private_postgres_database
from tests.mail import SMTPServer, running_smtp_server
from tests.redis_store import private_redis_database
from tests.servers import (
    LiveServer,
    flask_command,
    server_env,
    start_server,
    start_servers,
    start_workers,
    stop_server,
)

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
# The two-host tests use PostgreSQL on the SQLite run too: this one, when DATABASE_URL is unset.
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STARTED = re.compile(r'name="started"[^>]*value="([^"]+)"')
TEAM_COMPLETED = re.compile(
    r'class="team-card__title"><a [^>]+>([^<]+)</a>.*?<dt>Completed</dt><dd>([^<]+)</dd>', re.S
)
RESET_SUBJECT = "Reset your CareLearn password"
DUE_SUBJECT = "Your CareLearn training: what is due"
OPEN_EMAIL = (EmailState.PENDING, EmailState.SENDING)
OPEN_JOB = (JobState.PENDING, JobState.RUNNING)


@dataclass
class Browser:
    """A person's browser: cookies, and the CSRF token of the last page."""

    base: str
    opener: urllib.request.OpenerDirector
    token: str = ""
    path: str = ""  # of the page shown last, after any redirect
    status: int = 0  # of the page shown last

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
        try:
            response = self.opener.open(self.base + path, data=data, timeout=30)
        except urllib.error.HTTPError as error:
            response = error  # a 422 or 429 page is a page the person reads all the same
        with response:
            body = response.read().decode()
            self.status = response.getcode()
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
        yield database_url, *migrated_with_demo(database_url, tmp_path)


def migrated_with_demo(database_url: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """Migrate, publish a copy of the content and add the demo; returns the copy's folder and
    the environment of these commands."""
    content = tmp_path / "modules"
    shutil.copytree(PROJECT_ROOT / "modules", content)
    env = server_env(tmp_path, database_url) | {"CARELEARN_CONTENT_DIR": str(content)}
    for args in (["db", "upgrade"], ["content", "publish"], ["demo"]):
        result = flask_command(env, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    return content, env


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


# Two hosts


@dataclass
class TwoHosts:
    servers: list[LiveServer]
    database: Engine
    smtp: SMTPServer
    settings: dict[str, str]  # what every process of either host is started with
    folder: Path


def _service_missing(service: str, error: Exception) -> None:
    reason = f"{service} does not answer, and the two-host tests need it: {error}"
    if os.environ.get("CARELEARN_TEST_SERVICES_REQUIRED") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def two_hosts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("two_hosts")
    with ExitStack() as stack:
        try:
            limits_url = stack.enter_context(private_redis_database())
        except redis.ConnectionError as error:
            _service_missing("Redis", error)
        try:
            database_url = stack.enter_context(
                private_postgres_database("two_hosts", POSTGRES_URL or LOCAL_POSTGRES)
            )
        except OperationalError as error:
            _service_missing("PostgreSQL", error)
        content, _env = migrated_with_demo(database_url, folder)
        smtp = stack.enter_context(running_smtp_server())
        settings = {
            "SECRET_KEY": secrets.token_hex(32),
            "CARELEARN_CONTENT_DIR": str(content),
            "CARELEARN_RATELIMIT_STORAGE": limits_url,
            "CARELEARN_SMTP_HOST": smtp.host,
            "CARELEARN_SMTP_PORT": str(smtp.port),
        }
        for name in ("a", "b"):
            (folder / name).mkdir()
        started = start_servers([folder / "a", folder / "b"], database_url, settings)
        for process, out, _server in started:
            stack.callback(stop_server, process, out)
        database = create_engine(database_url)
        stack.callback(database.dispose)
        yield TwoHosts([server for *_, server in started], database, smtp, settings, folder)


def first_allowance(limits: str) -> int:
    """How many tries the tightest window of a limit such as "5/minute;20/hour" allows."""
    return min(item.amount for item in parse_many(limits))


def wrong_password(server: LiveServer, email: str) -> int:
    """A stranger's browser, which has never signed in here, tries a wrong password."""
    guesser = Browser.on(server.url)
    guesser.get("/login")
    guesser.post("/login", [("email", email), ("password", "not-the-password")])
    return guesser.status


def test_two_hosts_pause_a_guesser_after_as_many_failures_as_one_host(two_hosts):
    first, second = two_hosts.servers
    tries = first_allowance(LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS) + 1
    on_one = [wrong_password(first, "nurse@carelearn.example") for _ in range(tries)]
    assert on_one == [422] * (tries - 1) + [429]

    hosts = [(first, second)[n % 2] for n in range(tries)]
    assert [wrong_password(host, "hca@carelearn.example") for host in hosts] == on_one
    for host in (first, second):  # paused on both, the right password too
        person = Browser.on(host.url)
        person.get("/login")
        page = person.post(
            "/login", [("email", "hca@carelearn.example"), ("password", DEMO_PASSWORD)]
        )
        assert person.status == 429 and "Too many tries in a row" in page


def test_two_hosts_pause_feedback_from_one_address_after_as_many_as_one_host(two_hosts):
    with two_hosts.database.connect() as conn:
        team_id = conn.scalar(select(Team.id).order_by(Team.id).limit(1))
    sends = first_allowance(FEEDBACK_SENDS_PER_ADDRESS) + 1
    patients = [Browser.on(two_hosts.servers[n % 2].url) for n in range(sends)]
    tokens = [STARTED.search(patient.get(f"/f/{team_id}")).group(1) for patient in patients]
    time.sleep(MIN_SECONDS)  # a person takes a moment to answer

    pages = [
        patient.post(f"/f/{team_id}", [("started", token), ("answer", "good")])
        for patient, token in zip(patients, tokens, strict=True)
    ]

    assert [p.status for p in patients] == [200] * (sends - 1) + [429]
    assert all("<h1>Thank you</h1>" in page for page in pages[:-1])
    assert "Too many in a short time" in pages[-1]


def completed_figures(dashboard: str) -> dict[str, str]:
    """Each team card's "Completed" figure on a manager's dashboard, by team name."""
    return dict(TEAM_COMPLETED.findall(dashboard))


def test_two_hosts_show_a_completion_on_the_others_dashboard_figures(two_hosts):
    first, second = two_hosts.servers
    manager = Browser.on(second.url)
    manager.log_in(MANAGER)
    before = completed_figures(manager.get("/manage/"))  # cached on the second host now
    learner = Browser.on(first.url)
    learner.log_in(LEARNER)

    complete_module(learner, first.database_url)

    after = completed_figures(manager.get("/manage/"))
    changed = {team for team in after if after[team] != before[team]}
    assert changed, after
    assert all(int(after[t].rstrip("%")) > int(before[t].rstrip("%")) for t in changed)
    assert module_status(manager.get("/manage/matrix.csv"), LEARNER) == "completed"


def all_sent(database: Engine, smtp: SMTPServer, resets: int) -> bool:
    """No email waiting or being handed over, no job waiting or running, and the mail server
    has the resets asked for (each is queued just after its page has gone)."""
    with database.connect() as conn:
        emails = conn.scalar(select(func.count()).where(OutboxEmail.state.in_(OPEN_EMAIL)))
        jobs = conn.scalar(select(func.count()).where(BackgroundJob.state.in_(OPEN_JOB)))
    return emails == jobs == 0 and len(received_by(smtp, RESET_SUBJECT)) >= resets


def received_by(smtp: SMTPServer, subject: str) -> list[str]:
    """The recipients of each message with this subject that the mail server was given."""
    return [m["To"] for m in smtp.handler.messages() if m["Subject"] == subject]


def test_two_workers_send_each_email_of_both_hosts_once(two_hosts):
    two_hosts.smtp.handler.data_delay = 0.2  # a busy mail server: both workers get a share
    settings = two_hosts.settings | {
        "CARELEARN_WORKER_POLL_SECONDS": "0.1",
        "CARELEARN_WORKER_BATCH_SIZE": "1",
        "CARELEARN_DAILY_JOBS_HOUR": "0",  # so each worker tries to queue today's run at once
        # The demo's due dates, 28 and 42 days on (a day less should midnight pass meanwhile).
        "CARELEARN_REMINDER_STEPS": "42,41,28,27",
    }
    folders = [two_hosts.folder / f"worker-{n}" for n in (1, 2)]
    for folder in folders:
        folder.mkdir()
    workers = start_workers(folders, two_hosts.servers[0].database_url, settings)
    asked = [f"{name}@carelearn.example" for name in ("porter", "cleaner", "admin", "newstarter")]
    try:
        for n, email in enumerate(asked):  # each host takes half of the requests
            person = Browser.on(two_hosts.servers[n % 2].url)
            person.get("/password/forgot")
            assert "Check your email" in person.post("/password/forgot", [("email", email)])
        deadline = time.monotonic() + 30
        while not all_sent(two_hosts.database, two_hosts.smtp, len(asked)):
            assert time.monotonic() < deadline, "the workers did not send everything in 30 s"
            time.sleep(0.1)
    finally:
        for process, _out in workers:
            process.terminate()  # both at once: each stops after the email in hand
        stopped = [stop_server(process, out, signalled=True) for process, out in workers]
    assert stopped == [0, 0], [log.read_text() for log in (f / "worker.log" for f in folders)]

    with two_hosts.database.connect() as conn:
        emails = conn.execute(
            select(OutboxEmail.message_id, OutboxEmail.state, OutboxEmail.claimed_by)
        ).all()
        jobs = conn.execute(select(BackgroundJob.kind, BackgroundJob.state)).all()
    arrived = Counter(message["Message-ID"] for message in two_hosts.smtp.handler.messages())
    assert arrived == Counter(email.message_id for email in emails)  # each exactly once
    assert {email.state for email in emails} == {EmailState.SENT}
    assert Counter(received_by(two_hosts.smtp, RESET_SUBJECT)) == Counter(asked)
    reminded = Counter(received_by(two_hosts.smtp, DUE_SUBJECT))
    assert reminded and set(reminded.values()) == {1}, reminded  # the daily run, once
    assert jobs == [("daily", JobState.DONE)]
    assert len({email.claimed_by for email in emails}) == 2, "one worker sent everything"
