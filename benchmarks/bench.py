"""CareLearn at hospital scale: build a large organisation, serve it, load each page, report.

    make bench                               # SQLite, 3 runs, updates docs/benchmarks.md
    .venv/bin/python benchmarks/bench.py --db postgres --runs 3

What it does, all on this machine and only over the loopback interface:

1. builds the large demo organisation (`flask demo --scale 10000`) in a fresh database: a
   SQLite file under instance/bench/, or with `--db postgres` the PostgreSQL database in
   BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/carelearn_bench; its name
   must contain "bench", as it is dropped and created again);
2. serves it with gunicorn, 2 workers, production settings (a random SECRET_KEY, not debug, no
   demo mode) on a free loopback port, and logs in as a learner, a manager and an admin;
3. drives each page with wrk (8 connections for 15 s each, every response's status checked),
   and a hello-world Flask app (benchmarks/hello.py) served the same way before and after the
   pages: the ceiling on this machine, against which each page is given as a ratio;
4. times one whole-organisation CSV export on its own and watches the worker's memory;
5. builds the manager's evidence pack (about 2,000 staff) with the worker's own job handler in
   a separate process, twice: first issuing every certificate it holds, then with them issued,
   timing each and watching that process's memory;
6. prints a table of medians over the runs and writes it into docs/benchmarks.md.

The quiz row submits a fresh, unsubmitted attempt with every request, each of another learner
signed in with a session of their own (prepared beforehand by attempts.py, answered wrongly, so
it is scored and recorded as not passed); the report says how many of the requests were fresh
submissions. The conversation row takes the first step of a fresh attempt the same way.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import re
import resource
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import attempts
import flood

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "benchmarks"
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/carelearn_bench"
USER_AGENT = "carelearn-bench"
DEMO_PASSWORD = "carelearn-demo"
LEARNER, MANAGER, ADMIN = (
    "reception@carelearn.example",
    "manager@carelearn.example",
    "admin@carelearn.example",
)
QUIZ_MODULE = "service-vision"
# A module with a conversation for the learner's role (a receptionist), for the branching step.
CONVERSATION_MODULE = "managing-expectations"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
# Targets, as ratios of the ceiling measured in the same run.
TARGETS = {
    "my training": 0.25,
    "lesson": 0.25,
    "quiz submit": 0.25,
    "conversation step": 0.25,
    "dashboard": 0.12,
    "matrix": 0.12,
    "matrix filtered": 0.12,
    "feedback insights": 0.12,
    "team feedback": 0.12,
}
EXPORT_SECONDS, EXPORT_GROWTH_MB, WORKER_RSS_MB = 3.0, 50, 150
PACK_SECONDS, PACK_GROWTH_MB = 60.0, 100
PACK_PAGE = "evidence pack"  # not a page: the pack built in the background, see _measure_pack


@dataclass
class Page:
    name: str
    who: str | None  # learner, manager, admin, or None (logged out)
    method: str
    path: str
    expected: int
    bodies: Path | None = None
    # Sent from a new client address each request, to the server that trusts one proxy.
    vary_address: bool = False


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    unexpected: int
    errors: int
    ratio: float = 0.0
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)  # shares of the machine: app, database, wrk


@dataclass
class Run:
    ceiling: list[float] = field(default_factory=list)
    pages: dict[str, Result] = field(default_factory=dict)
    export_seconds: float = 0.0
    export_rows: int = 0
    export_growth_mb: float = 0.0
    peak_rss_mb: float = 0.0
    rss_after_mb: float = 0.0
    fresh_submissions: int = 0
    quiz_requests: int = 0
    flood: FloodRun | None = None


@dataclass
class FloodRun:
    """Learner pages with and without a flood of the public form, on a server of their own."""

    store: str  # where the limits were counted
    quiet: dict[str, float] = field(default_factory=dict)  # requests/s, mean of before and after
    flooded: dict[str, float] = field(default_factory=dict)
    floods: list[flood.FloodStats] = field(default_factory=list)
    stored: int = 0  # answers the team's form took during the run


@dataclass
class PackBuild:
    """One evidence pack built by the job handler in a process of its own."""

    seconds: float
    issuing_seconds: float  # of which issuing certificates
    issued: int
    people: int
    certificates: int
    size_mb: float
    growth_mb: float  # the process's peak resident memory during the build, over its start
    state: str


def main() -> int:
    if sys.argv[1:2] == ["build-pack"]:
        return _build_pack_here(sys.argv[2], int(sys.argv[3]))
    args = _arguments()
    _need_wrk()
    _need_gunicorn()
    work = Path(tempfile.mkdtemp(prefix="carelearn-bench-"))
    url = _fresh_database(args)
    print(f"Building {args.staff:,} staff in {args.db} (seed {args.seed})...", flush=True)
    build_seconds = _build(url, args)
    facts = _prepare(url)
    runs = []
    wanted = _wanted(args)
    pages_wanted = not wanted or bool(wanted - {PACK_PAGE})
    for number in range(1, args.runs + 1 if pages_wanted else 1):
        print(f"\nRun {number} of {args.runs}", flush=True)
        runs.append(_one_run(url, args, facts, work))
    packs = _measure_pack(url, facts) if not wanted or PACK_PAGE in wanted else []
    table = _report(runs, args, packs)
    print("\n" + table)
    if not args.no_docs:
        _write_docs(args, url, build_seconds, runs, table)
        print(f"\nWritten to {DOCS.relative_to(ROOT)}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--staff", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="medians are taken over the runs")
    parser.add_argument("--duration", type=int, default=15, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--pages",
        default="",
        help=f"comma-separated page names (default: all), '{PACK_PAGE}' for the pack build",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database of the last benchmark instead of building it",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    if not 1 <= args.runs <= 10 or not 1 <= args.duration <= 120 or not 1 <= args.connections <= 64:
        parser.error(
            "keep --runs within 1-10, --duration within 1-120 s, --connections within 1-64"
        )
    return args


# -- tools -----------------------------------------------------------------------------------


def _need_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing it with apt-get (Debian package 'wrk')...", flush=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], check=False, stdout=subprocess.DEVNULL
        )
    if not shutil.which("wrk"):
        sys.exit(
            "This benchmark needs the load tool wrk. On Debian or Ubuntu: "
            "sudo apt-get install wrk (elsewhere see https://github.com/wg/wrk)."
        )


def _need_gunicorn() -> None:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        sys.exit("gunicorn is missing: run `make bench`, or `pip install -e '.[bench]'`.")


# -- the database ----------------------------------------------------------------------------


def _fresh_database(args) -> str:
    if args.db == "sqlite":
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "carelearn-bench.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES).replace(
            "postgresql://", "postgresql+psycopg://", 1
        )
    )
    if "bench" not in (url.database or ""):
        sys.exit(
            f"BENCH_DATABASE_URL must name a benchmark database (with 'bench' in its name), "
            f"not {url.database!r}: it is dropped and created again."
        )
    if not args.reuse:
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()
    return url.render_as_string(hide_password=False)


def _flask(url: str, *args: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CARELEARN_INSTANCE_DIR": str(ROOT / "instance" / "bench"),
        "CARELEARN_RATELIMIT_STORAGE_MEMORY_OK": "1",  # one command, serving no one
    }
    env.pop("CARELEARN_DEMO", None)
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "carelearn", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _build(url: str, args) -> float:
    if args.reuse:
        return 0.0
    _flask(url, "db", "upgrade")
    started = time.monotonic()
    _flask(url, "demo", "--scale", str(args.staff), "--seed", str(args.seed))
    seconds = time.monotonic() - started
    print(f"Built in {seconds:.0f} s", flush=True)
    return seconds


@contextmanager
def _app(url: str, secret_key: str | None = None):
    """The app in this process, on the benchmark's database; with the served app's secret key
    when what it makes (signed sessions) is for the served app."""
    from carelearn import create_app
    from carelearn.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret_key or secrets.token_hex(16),
            "RATELIMIT_MEMORY_OK": True,  # one process, serving no one
        }
    )
    with app.app_context():
        yield db
        db.session.remove()
        db.engine.dispose()


def _prepare(url: str) -> dict:
    """Ids the pages need: the person page, a team to filter the matrix by."""
    from sqlalchemy import func, select

    from carelearn.models import Completion, HuddleCard, Team, User
    from carelearn.services.evidence.certificates import issue_certificate
    from carelearn.services.reporting.permissions import visible_user_ids_query

    with _app(url) as db:
        manager = db.session.scalar(select(User).where(User.email == MANAGER))
        person_id = db.session.scalar(
            select(Completion.user_id)
            .where(Completion.user_id.in_(visible_user_ids_query(manager)))
            .group_by(Completion.user_id)
            .order_by(func.count().desc(), Completion.user_id)
            .limit(1)
        )
        team_id = db.session.scalar(select(Team.id).where(Team.name == "Outpatients"))
        card_id = db.session.scalar(select(func.min(HuddleCard.id)))
        # One certificate, issued as its first download would: the verify page checks its code.
        completion_id = db.session.scalar(
            select(func.max(Completion.id)).where(
                Completion.user_id == person_id, Completion.method != "prior_learning"
            )
        )
        code = issue_certificate(completion_id).code
        db.session.commit()
        return {
            "person_id": person_id,
            "team_id": team_id,
            "card_id": card_id,
            "completion_id": completion_id,
            "code": code,
        }


# -- serving and measuring -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with 2 sync workers on a loopback port, stopped by its own process id."""

    def __init__(
        self, app_spec: str, cwd: Path, env: dict, log: Path, ready_path: str = "/healthz"
    ):
        import gunicorn

        self.port = _free_port()
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--error-logfile",
            str(log),
        ]
        if int(gunicorn.__version__.split(".")[0]) >= 27:
            command.append("--no-control-socket")  # nothing to share with other gunicorns here
        self.process = subprocess.Popen(
            command + [app_spec],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start; see {log}")
            try:
                if _request(self.port, "GET", ready_path)[0] == 200 and len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within 30 s; see {log}")

    def workers(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssWatch:
    """Samples the workers' resident memory every few milliseconds while it runs."""

    def __init__(self, pids: list[int], every: float = 0.01):
        self.pids, self.every = pids, every
        self.peak = {pid: _rss_mb(pid) for pid in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(self.every):
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], _rss_mb(pid))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def _database_server_pids() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuSplit:
    """Where the machine's CPU went while a page was loaded: the app's workers, the database
    server's processes (PostgreSQL; SQLite works inside the workers) and wrk itself."""

    def __init__(self, workers: list[int]):
        self.workers, self.database = workers, _database_server_pids()
        self.shares = (0.0, 0.0, 0.0)

    @staticmethod
    def _children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has been waited for
        return usage.ru_utime + usage.ru_stime

    def __enter__(self):
        self.started = time.monotonic()
        self.before = (_cpu_seconds(self.workers), _cpu_seconds(self.database), self._children())
        return self

    def __exit__(self, *_exc):
        capacity = (time.monotonic() - self.started) * (os.cpu_count() or 1)
        after = (_cpu_seconds(self.workers), _cpu_seconds(self.database), self._children())
        self.shares = tuple(
            max(0.0, a - b) / capacity for a, b in zip(after, self.before, strict=True)
        )


def _request(port: int, method: str, path: str, cookie: str = "", body: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheader("Set-Cookie") or "", data


def _session_cookie(set_cookie: str, fallback: str) -> str:
    match = re.search(r"(session=[^;]+)", set_cookie)
    return match.group(1) if match else fallback


def _login_form(port: int) -> tuple[str, str]:
    status, set_cookie, html = _request(port, "GET", "/login")
    assert status == 200, status
    return _session_cookie(set_cookie, ""), CSRF.search(html.decode()).group(1)


def _login(port: int, email: str) -> tuple[str, str]:
    """The session cookie of a logged-in person and a CSRF token that goes with it."""
    cookie, token = _login_form(port)
    body = urlencode({"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    status, set_cookie, _ = _request(port, "POST", "/login", cookie, body)
    if status != 302:
        raise SystemExit(f"could not log in as {email} (HTTP {status})")
    cookie = _session_cookie(set_cookie, cookie)
    status, set_cookie, html = _request(port, "GET", "/learn/record", cookie)
    assert status == 200, status
    return _session_cookie(set_cookie, cookie), CSRF.search(html.decode()).group(1)


def _wrk(port: int, page: Page, cookie: str, args, threads: int = 2) -> Result:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "60s",
        "-s",
        str(BENCH_DIR / "page.lua"),
        f"http://127.0.0.1:{port}{page.path}",
        "--",
        page.method,
        page.path,
        str(page.expected),
        cookie or "-",
        str(page.bodies) if page.bodies else "-",
        str(threads),
        "vary-address" if page.vary_address else "-",
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=args.duration + 120
    ).stdout
    data = json.loads(output.strip().splitlines()[-1])
    return Result(
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        requests=data["requests"],
        unexpected=data["unexpected"],
        errors=data["socket_errors"],
    )


def _ceiling(server: Server, args) -> float:
    """requests/s of the hello-world app: a third as long as a page, at least 5 s."""

    class Short:
        connections = args.connections
        duration = max(5, args.duration // 3)

    return _wrk(server.port, Page("hello", None, "GET", "/", 200), "", Short).rps


def _server_env(url: str | None) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CARELEARN_DEMO", "FLASK_DEBUG", "FLASK_APP", "DATABASE_URL")
    }
    env["SECRET_KEY"] = secrets.token_hex(32)
    if not env.get("CARELEARN_RATELIMIT_STORAGE"):
        # Each worker counts limits on its own: no shared store is running here, and the one
        # limited page measured (verify) sends each request from another address anyway.
        env["CARELEARN_RATELIMIT_STORAGE_MEMORY_OK"] = "1"
    # wrk sends the cookie it was given and never takes the refreshed one, so a session would
    # count as idle half an hour after it signed in: the run may take longer.
    env.setdefault("CARELEARN_SESSION_IDLE_MINUTES", "720")
    if url:
        env["DATABASE_URL"] = url
        env["CARELEARN_INSTANCE_DIR"] = str(ROOT / "instance" / "bench")
    return env


def _wanted(args) -> set[str]:
    return {p.strip() for p in args.pages.split(",") if p.strip()}


def _one_run(url: str, args, facts: dict, work: Path) -> Run:
    run = Run()
    wanted = _wanted(args)
    # Both rows send each request to a fresh attempt of another learner (attempts.py): as
    # many as there are learners, more than a run submits at about 500 a second; the report
    # says if some requests found theirs submitted already.
    served_env = _server_env(url)
    fresh = max(2000, args.duration * 2000)
    quiz_attempts, step_attempts = [], []
    with _app(url, served_env["SECRET_KEY"]) as db:
        if not wanted or "quiz submit" in wanted:
            quiz_attempts = attempts.prepare(
                db, fresh, args.seed, QUIZ_MODULE, USER_AGENT, conversation=False
            )
        if not wanted or "conversation step" in wanted:
            step_attempts = attempts.prepare(
                db, fresh, args.seed, CONVERSATION_MODULE, USER_AGENT, conversation=True
            )
    # Both apps stay up for the whole run; the ceiling is measured again between pages, and
    # each page is compared with the ceiling measured just before and just after it, so a
    # machine that gets busier or quieter during the run skews the ratios as little as possible.
    hello = Server("hello:create_app()", BENCH_DIR, _server_env(None), work / "hello.log", "/")
    server = Server("carelearn:create_app()", ROOT, served_env, work / "carelearn.log")
    # The same app behind one trusted proxy, as in production: the public certificate check
    # allows each client address a few lookups a minute, so its load comes from many addresses.
    proxied = Server(
        "carelearn:create_app()",
        ROOT,
        {**_server_env(url), "CARELEARN_PROXY_HOPS": "1"},
        work / "carelearn-proxied.log",
    )
    try:
        cookies = {
            who: _login(server.port, email)
            for who, email in (("learner", LEARNER), ("manager", MANAGER), ("admin", ADMIN))
        }
        login_cookie, login_token = _login_form(server.port)
        (work / "login.txt").write_text(
            "/login\t"
            + urlencode({"email": LEARNER, "password": DEMO_PASSWORD, "csrf_token": login_token})
            + "\n"
        )
        with (work / "quiz.txt").open("w") as out:
            for fresh_attempt in quiz_attempts:
                path = f"/learn/attempts/{fresh_attempt.attempt_id}"
                out.write(f"{path}\t{fresh_attempt.body()}\t{fresh_attempt.cookie}\n")
        with (work / "steps.txt").open("w") as out:
            for fresh_attempt in step_attempts:
                path = f"/learn/attempts/{fresh_attempt.attempt_id}/step"
                out.write(f"{path}\t{fresh_attempt.body()}\t{fresh_attempt.cookie}\n")
        pages = [
            Page("login", None, "POST", "/login", 302, work / "login.txt"),
            Page("my training", "learner", "GET", "/learn", 200),
            Page("lesson", "learner", "GET", f"/learn/{QUIZ_MODULE}/lessons/2", 200),
            Page("quiz submit", "learner", "POST", "/learn/attempts/", 302, work / "quiz.txt"),
            Page(
                "conversation step", "learner", "POST", "/learn/attempts/", 302, work / "steps.txt"
            ),
            Page("dashboard", "manager", "GET", "/manage/", 200),
            Page("matrix", "manager", "GET", "/manage/matrix", 200),
            Page(
                "matrix filtered",
                "manager",
                "GET",
                f"/manage/matrix?team={facts['team_id']}&status=overdue&sort=role",
                200,
            ),
            Page("person", "manager", "GET", f"/manage/people/{facts['person_id']}", 200),
            Page("team", "manager", "GET", f"/manage/teams/{facts['team_id']}", 200),
            Page(
                "remind preview",
                "manager",
                "GET",
                f"/manage/teams/{facts['team_id']}/remind-overdue",
                200,
            ),
            Page("question analysis", "manager", "GET", "/manage/questions", 200),
            Page("feedback insights", "manager", "GET", "/manage/feedback", 200),
            Page(
                "team feedback", "manager", "GET", f"/manage/teams/{facts['team_id']}/feedback", 200
            ),
            Page("huddle cards", "manager", "GET", f"/manage/teams/{facts['team_id']}/huddle", 200),
            Page(
                "who came (huddle)",
                "manager",
                "GET",
                f"/manage/teams/{facts['team_id']}/huddle/{facts['card_id']}/who-came",
                200,
            ),
            Page("help (public)", None, "GET", "/help", 200),
            Page(
                "certificate download",
                "manager",
                "GET",
                f"/manage/people/{facts['person_id']}/completions/{facts['completion_id']}"
                "/certificate.pdf",
                200,
            ),
            Page("verify (public)", None, "GET", f"/verify/{facts['code']}", 200, None, True),
            Page("export (whole org)", "admin", "GET", "/manage/completions.csv", 200),
        ]
        workers = server.workers()
        proxied_workers = proxied.workers()
        # One export on its own first: its time and how much the worker's memory grows.
        _request(server.port, "GET", "/manage/", cookies["admin"][0])  # both workers warm
        _request(server.port, "GET", "/manage/", cookies["admin"][0])
        with RssWatch(workers) as watch:
            before = dict(watch.peak)
            started = time.monotonic()
            status, _, body = _request(
                server.port, "GET", "/manage/completions.csv", cookies["admin"][0]
            )
            run.export_seconds = time.monotonic() - started
        assert status == 200, status
        run.export_rows = body.count(b"\n") - 1
        run.export_growth_mb = max(watch.peak[p] - before[p] for p in workers)
        print(
            f"  export: {run.export_rows:,} rows in {run.export_seconds:.2f} s, "
            f"worker memory +{run.export_growth_mb:.1f} MB",
            flush=True,
        )

        with RssWatch(workers, every=0.1) as watch:
            run.ceiling.append(_ceiling(hello, args))
            for page in pages:
                if wanted and page.name not in wanted:
                    continue
                cookie = cookies[page.who][0] if page.who else login_cookie
                target, pids = (
                    (proxied, proxied_workers) if page.vary_address else (server, workers)
                )
                _check(target.port, page, cookie)
                with CpuSplit(pids) as cpu:
                    result = _wrk(target.port, page, cookie, args)
                result.cpu = cpu.shares
                run.ceiling.append(_ceiling(hello, args))
                result.ratio = result.rps / statistics.mean(run.ceiling[-2:])
                run.pages[page.name] = result
                print(
                    f"  {page.name:<20} {result.rps:8.1f} requests/s  p50 {result.p50_ms:7.1f} ms"
                    f"  p99 {result.p99_ms:7.1f} ms  {result.ratio:.3f} × ceiling"
                    f" ({statistics.mean(run.ceiling[-2:]):,.0f})  CPU {_cpu_text(result.cpu)}"
                    + (f"  UNEXPECTED {result.unexpected}" if result.unexpected else ""),
                    flush=True,
                )
                if page.name == "quiz submit":
                    run.quiz_requests = result.requests
                    with _app(url) as db:
                        ids = [a.attempt_id for a in quiz_attempts]
                        run.fresh_submissions = attempts.submitted(db, ids)
        run.peak_rss_mb = max(watch.peak.values())
        run.rss_after_mb = max(_rss_mb(p) for p in workers)
    finally:
        proxied.stop()
        server.stop()
        hello.stop()
        for prepared in (quiz_attempts, step_attempts):
            if prepared:
                with _app(url) as db:
                    attempts.discard_open(db, [a.attempt_id for a in prepared])
    if not wanted or flood.FLOOD_PAGE in wanted:
        run.flood = _flood_run(url, args, facts, work)
    return run


def _flood_run(url: str, args, facts: dict, work: Path) -> FloodRun:
    """Each learner page measured without a flood, during one, and without one again, on a
    server behind one trusted proxy (so each flood request can come from a new address)."""
    store = flood.limit_store()
    env = {**_server_env(url), "CARELEARN_PROXY_HOPS": "1"}
    if store:
        env["CARELEARN_RATELIMIT_STORAGE"] = store
    result = FloodRun(store="Redis" if store else "each worker's memory (no Redis here)")
    server = Server("carelearn:create_app()", ROOT, env, work / "carelearn-flooded.log")
    try:
        cookie, _token = _login(server.port, LEARNER)
        team_id = facts["team_id"]
        body = flood.form_body(server.port, team_id)
        time.sleep(4)  # the form's token is refused when it is younger than a person could be
        before = _feedback_count(url, team_id)
        pages = {
            "my training": Page("my training", "learner", "GET", "/learn", 200),
            "lesson": Page("lesson", "learner", "GET", f"/learn/{QUIZ_MODULE}/lessons/2", 200),
        }
        # Short turns without and with the flood, one after the other, so that other work on
        # the machine, which comes and goes, weighs on both alike.
        turn = argparse.Namespace(
            connections=args.connections, duration=max(5, args.duration // flood.TURNS)
        )
        for name in flood.FLOODED_PAGES:
            page, quiet, flooded = pages[name], [], []
            for _ in range(flood.TURNS):
                quiet.append(_wrk(server.port, page, cookie, turn).rps)
                # The flood starts a second early, so the page is measured under it throughout.
                with flood.flooding(server.port, team_id, body, turn.duration + 2) as stats:
                    time.sleep(1)
                    during = _wrk(server.port, page, cookie, turn)
                if during.unexpected or during.errors or stats.other or stats.errors:
                    raise SystemExit(
                        f"{name} during the flood: {during.unexpected} unexpected answers, "
                        f"{stats.other} unexpected answers to the flood; see the server's log"
                    )
                flooded.append(during.rps)
                result.floods.append(stats)
            result.quiet[name] = statistics.mean(quiet)
            result.flooded[name] = statistics.mean(flooded)
            rates = [f.rate for f in result.floods[-flood.TURNS :]]
            print(
                f"  {name + ', flooded':<20} {result.flooded[name]:8.1f} requests/s against "
                f"{result.quiet[name]:.1f} without: "
                f"{result.flooded[name] / result.quiet[name]:.3f}; "
                f"flood {statistics.mean(rates):.0f}/s",
                flush=True,
            )
        result.stored = _feedback_count(url, team_id) - before
    finally:
        server.stop()
    return result


def _feedback_count(url: str, team_id: int) -> int:
    from sqlalchemy import func, select

    from carelearn.models import FeedbackEntry

    with _app(url) as db:
        return db.session.scalar(select(func.count()).where(FeedbackEntry.team_id == team_id))


def _check(port: int, page: Page, cookie: str) -> None:
    """One request before the load: the page answers as it should for this person (with a file
    of requests, its first; a line may carry a cookie of its own)."""
    body = ""
    path = page.path
    if page.bodies:
        path, body, *own_cookie = page.bodies.read_text().split("\n")[0].split("\t")
        cookie = own_cookie[0] if own_cookie else cookie
    status, _, _ = _request(port, page.method, path, cookie, body)
    if status != page.expected:
        raise SystemExit(
            f"{page.name}: {page.method} {path} answered {status}, not {page.expected}"
        )


# -- the evidence pack, built as the worker builds it ---------------------------------------


def _measure_pack(url: str, facts: dict) -> list[PackBuild]:
    """The manager's pack (their directorate, about 2,000 staff) as at today, built by the job
    handler in a process of its own: first issuing the certificates, then again."""
    from sqlalchemy import select

    from carelearn.models import TeamManager, User
    from carelearn.services.evidence.pack import PackRequest, request_pack

    builds = []
    for when in ("first build", "built again"):
        with _app(url) as db:
            manager = db.session.scalar(select(User).where(User.email == MANAGER))
            teams = tuple(
                db.session.scalars(
                    select(TeamManager.team_id).where(TeamManager.user_id == manager.id)
                )
            )
            pack_id = request_pack(manager, PackRequest(team_ids=teams)).id
            db.session.commit()
        print(f"  evidence pack ({when})...", flush=True)
        output = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "build-pack", url, str(pack_id)],
            cwd=ROOT,
            env=_server_env(url),
            capture_output=True,
            text=True,
            check=True,
            timeout=3600,
        ).stdout
        build = PackBuild(**json.loads(output.strip().splitlines()[-1]))
        print(
            f"  evidence pack ({when}): {build.state}, {build.people:,} staff in "
            f"{build.seconds:.1f} s ({build.issuing_seconds:.1f} s issuing {build.issued:,} "
            f"certificates), {build.size_mb:.1f} MB, memory +{build.growth_mb:.0f} MB",
            flush=True,
        )
        builds.append(build)
    return builds


def _status_mb(field_name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _build_pack_here(url: str, pack_id: int) -> int:
    """In the process `_measure_pack` starts: run the pack's job as the worker would, timing
    the certificates it issues, and print one line of JSON."""
    from sqlalchemy import select

    from carelearn.models import BackgroundJob, EvidencePack, EvidencePackChunk
    from carelearn.services.evidence import pack_members
    from carelearn.worker import JOB_HANDLERS

    issuing = {"seconds": 0.0, "count": 0}
    issue = pack_members.issue_certificate

    def timed_issue(completion_id: int):
        started = time.perf_counter()
        try:
            return issue(completion_id)
        finally:
            issuing["seconds"] += time.perf_counter() - started
            issuing["count"] += 1

    pack_members.issue_certificate = timed_issue
    with _app(url) as db:
        job = db.session.scalars(
            select(BackgroundJob).where(BackgroundJob.kind == "evidence.pack")
        ).all()
        payload = next(j.payload for j in job if j.payload["pack_id"] == pack_id)
        db.session.rollback()
        resident_at_start = _status_mb("VmRSS")
        started = time.monotonic()
        JOB_HANDLERS["evidence.pack"](payload)
        seconds = time.monotonic() - started
        peak = _status_mb("VmHWM")
        pack = db.session.get(EvidencePack, pack_id)
        certificates = 0
        if pack.state == "ready":
            first = db.session.scalars(
                select(EvidencePackChunk.id).where(EvidencePackChunk.pack_id == pack_id)
            ).all()
            data = b"".join(
                db.session.scalar(select(EvidencePackChunk.data).where(EvidencePackChunk.id == i))
                for i in first
            )
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
            certificates = sum(
                1 for n in names if n.startswith("certificates/") and n.endswith(".pdf")
            )
        result = PackBuild(
            seconds=seconds,
            issuing_seconds=issuing["seconds"],
            issued=issuing["count"],
            people=pack.total,
            certificates=certificates,
            size_mb=pack.size_bytes / 1024 / 1024,
            growth_mb=max(0.0, peak - resident_at_start),
            state=pack.state,
        )
    print(json.dumps(result.__dict__))
    return 0


# -- reporting -------------------------------------------------------------------------------


def _median(values) -> float:
    values = list(values)
    return statistics.median(values) if values else 0.0


def _report(runs: list[Run], args, packs: list[PackBuild]) -> str:
    if not runs:
        return "\n".join(_pack_lines(packs))
    return "\n".join(_page_lines(runs) + _flood_lines(runs) + _pack_lines(packs)).strip()


def _page_lines(runs: list[Run]) -> list[str]:
    names = [n for n in runs[0].pages]
    if not names:
        return []
    lines = [
        "| page | requests/s | p50 ms | p99 ms | × ceiling | target | CPU: app · database · wrk |",
        "|---|---:|---:|---:|---:|---|---|",
        f"| hello world (ceiling) | {_median(statistics.mean(r.ceiling) for r in runs):,.0f} "
        "| | | 1.00 | | |",
    ]
    for name in names:
        results = [r.pages[name] for r in runs if name in r.pages]
        ratio = _median(x.ratio for x in results)
        target = TARGETS.get(name)
        verdict = (
            "" if target is None else f"≥ {target:.2f} {'met' if ratio >= target else '**missed**'}"
        )
        wrong = sum(x.unexpected + x.errors for x in results)
        lines.append(
            f"| {name} | {_median(x.rps for x in results):,.1f} "
            f"| {_median(x.p50_ms for x in results):.1f} "
            f"| {_median(x.p99_ms for x in results):.1f} | {ratio:.3f} | {verdict}"
            + (f" ({wrong} unexpected responses)" if wrong else "")
            + f" | {_cpu_text(tuple(_median(x.cpu[i] for x in results) for i in range(3)))} |"
        )
    export_s = _median(r.export_seconds for r in runs)
    growth = _median(r.export_growth_mb for r in runs)
    rss = _median(r.rss_after_mb for r in runs)
    fresh = sum(r.fresh_submissions for r in runs)
    quiz = sum(r.quiz_requests for r in runs)
    lines += [
        "",
        f"- Whole-organisation CSV export, on its own: {runs[0].export_rows:,} rows in "
        f"{export_s:.2f} s (target under {EXPORT_SECONDS:.0f} s: "
        f"{'met' if export_s < EXPORT_SECONDS else 'missed'}); "
        f"worker memory growth {growth:.1f} MB (target under {EXPORT_GROWTH_MB} MB: "
        f"{'met' if growth < EXPORT_GROWTH_MB else 'missed'}).",
        f"- Worker RSS: peak {_median(r.peak_rss_mb for r in runs):.0f} MB during the pages, "
        f"{rss:.0f} MB after the run (target under {WORKER_RSS_MB} MB: "
        f"{'met' if rss < WORKER_RSS_MB else 'missed'}).",
        "- Quiz submit: "
        + (
            "not measured in this run."
            if not quiz
            else "every request submitted a fresh attempt (scored, not passed)."
            if fresh >= quiz
            else f"{fresh:,} of {quiz:,} requests submitted a fresh attempt (scored, not "
            "passed); the rest submitted one again, which changes nothing."
        ),
    ]
    return lines


def _flood_lines(runs: list[Run]) -> list[str]:
    floods = [r.flood for r in runs if r.flood]
    if not floods:
        return []
    every = [stats for f in floods for stats in f.floods]
    lines = [
        "",
        f"Learner pages during a flood of one team's public feedback form: about "
        f"{_median(s.rate for s in every):.0f} answers a second, each from a new client address "
        f"(so only the limit per team stands in the way), limits counted in {floods[0].store}. "
        f"Each page is measured in {flood.TURNS} turns without the flood and {flood.TURNS} "
        "during it, one after the other, on a server of its own; the ratio is its mean speed "
        "during the flood to its mean speed without.",
        "",
        "| page | requests/s without | requests/s during the flood | ratio | target |",
        "|---|---:|---:|---:|---|",
    ]
    for name in flood.FLOODED_PAGES:
        ratio = _median(f.flooded[name] / f.quiet[name] for f in floods)
        lines.append(
            f"| {name} | {_median(f.quiet[name] for f in floods):,.1f} "
            f"| {_median(f.flooded[name] for f in floods):,.1f} | {ratio:.3f} "
            f"| ≥ {flood.TARGET:.2f} {'met' if ratio >= flood.TARGET else '**missed**'} |"
        )
    sent = sum(s.requests for s in every)
    lines += [
        "",
        f"- The flood sent {sent:,} answers: {sum(s.refused for s in every):,} refused by the "
        f"limit per team (429) and {sum(s.taken for s in every):,} taken within it; the team's "
        f"form stored {sum(f.stored for f in floods):,} answers in all.",
    ]
    return lines


def _pack_lines(packs: list[PackBuild]) -> list[str]:
    """The evidence pack builds: the first issuing every certificate, the second with them
    issued already."""
    lines = []
    for build, when in zip(packs, ("first build", "built again"), strict=False):
        if build.state != "ready":
            lines.append(f"- Evidence pack, {when}: **{build.state}** (see the worker's log).")
            continue
        met = build.seconds < PACK_SECONDS
        grew = build.growth_mb < PACK_GROWTH_MB
        issuing = (
            f"{build.issuing_seconds:.1f} s of it issuing {build.issued:,} certificates "
            f"({build.issuing_seconds / build.seconds:.0%}), "
            if build.issued
            else "every certificate issued already, "
        )
        lines.append(
            f"- Evidence pack, {when}: {build.people:,} staff, {build.certificates:,} "
            f"certificates, {build.size_mb:.1f} MB, built in {build.seconds:.1f} s ({issuing}"
            f"target under {PACK_SECONDS:.0f} s: {'met' if met else '**missed**'}"
            + ("" if met else f" by {build.seconds - PACK_SECONDS:.0f} s")
            + f"); the worker's memory grew by {build.growth_mb:.0f} MB (target under "
            f"{PACK_GROWTH_MB} MB: {'met' if grew else '**missed**'})."
        )
    return lines


def _cpu_text(shares: tuple[float, float, float]) -> str:
    app, database, load = (f"{share:.0%}" for share in shares)
    return f"{app} · {database if shares[1] >= 0.005 else '–'} · {load}"


def _machine(url: str) -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        os_name = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', release.read_text(), re.M)).get(
            "PRETTY_NAME", os_name
        )
    wrk = (
        subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        .stdout.split("\n")[0]
        .split(" [")[0]
    )
    import gunicorn

    database = f"SQLite {sqlite3.sqlite_version}"
    if url.startswith("postgresql"):
        with _app(url) as db:
            database = db.session.execute(
                __import__("sqlalchemy").text("SHOW server_version")
            ).scalar()
            database = f"PostgreSQL {database.split()[0]}"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory / 1024:.0f} GB RAM; {os_name}; "
        f"Python {platform.python_version()}, gunicorn {gunicorn.__version__} (2 sync workers), "
        f"{wrk}, {database}"
    )


def _write_docs(args, url: str, build_seconds: float, runs: list[Run], table: str) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    # A run of some pages only (--pages) has a section of its own, beside the whole run's.
    wanted = sorted(_wanted(args))
    key = args.db + (f" pages={','.join(wanted)}" if wanted else "")
    title = ("SQLite" if args.db == "sqlite" else "PostgreSQL") + (
        f": {', '.join(wanted)} (measured on their own)" if wanted else ""
    )
    section = "\n".join(
        [
            f"<!-- results:{key} -->",
            f"### {title}",
            "",
            f"{when}. {_machine(url)}.",
            f"{args.staff:,} staff (seed {args.seed})"
            + (f", built in {build_seconds:.0f} s" if build_seconds else "")
            + f"; {len(runs)} run{'' if len(runs) == 1 else 's'} of {args.duration} s per page at "
            f"{args.connections} "
            "connections; medians.",
            "",
            table,
            f"<!-- /results:{key} -->",
        ]
    )
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n\n## Results\n"
    marker = re.escape(key)
    pattern = re.compile(rf"<!-- results:{marker} -->.*?<!-- /results:{marker} -->", re.S)
    whole_end = f"<!-- /results:{args.db} -->"
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    elif wanted and whole_end in text:
        # After the last whole run's figures and what is said of them, before what comes next.
        after = text.index(whole_end) + len(whole_end)
        found = re.compile(r"^(<!-- results:|## )", re.M).search(text, after)
        at = found.start() if found else len(text)
        text = text[:at].rstrip() + "\n\n" + section + "\n\n" + text[at:].lstrip()
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    DOCS.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
