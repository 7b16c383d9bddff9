"""Running CareLearn: migrations, commands, demo data, health check, configuration."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select

from carelearn import create_app
from carelearn.config import ConfigError
from carelearn.models import AppRole, AuditEvent, LessonProgress, Team, User
from carelearn.models.versions import expected_triggers, installed_triggers
from carelearn.services.people.accounts import create_admin_account
from tests.conftest import login


@pytest.fixture
def empty_database(app, db):
    """The test database with no tables at all, for the migrations to build."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    yield db
    db.drop_all()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    db.create_all()


# SQLite cannot report an index on lower(name), so there the comparison skips that one index
# (PostgreSQL compares it).
@pytest.mark.filterwarnings(
    "ignore:autogenerate skipping metadata-specified expression-based index"
)
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_build_exactly_the_models_schema_and_go_back_down(empty_database):
    db = empty_database
    upgrade()
    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert differences == []
    with db.engine.connect() as conn:
        assert installed_triggers(conn) == expected_triggers()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_teams_that_share_a_name_are_kept_and_told_apart_by_the_migration(empty_database):
    from sqlalchemy import text

    db = empty_database
    upgrade(revision="0004")
    with db.engine.begin() as conn:
        for name in ("Wards", "wards", "Theatres"):
            conn.execute(
                text("INSERT INTO team (name, kind) VALUES (:name, 'team')"), {"name": name}
            )
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM team ORDER BY id")).all()
    assert [name for _, name in rows] == ["Wards", f"wards ({rows[1][0]})", "Theatres"]
    downgrade(revision="base")


def test_create_admin_asks_for_the_password_at_a_prompt(app, db, client):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Lead@Example.org", "--name", "Sam Lead"],
        input="a long secret phrase\na long secret phrase\n",
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "lead@example.org"))
    assert admin.app_role == AppRole.ADMIN
    assert "a long secret phrase" not in result.output
    assert login(client, "lead@example.org", "a long secret phrase").status_code == 302


def test_create_admin_refuses_a_password_argument_and_a_short_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-admin", "--email", "a@example.org", "--name", "A", "--password", "x"]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=["create-admin", "--email", "a@example.org", "--name", "A"], input="short\nshort\n"
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_create_admin_account_validates_email(app):
    from carelearn.services.people.accounts import AccountError

    with pytest.raises(AccountError, match="not valid"):
        create_admin_account("not an email", "Name", "long enough password")


def test_demo_seeds_an_organisation_and_running_it_twice_changes_nothing(app, db, tmp_path):
    from carelearn.config import PROJECT_ROOT

    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["content", "publish"]).exit_code == 0

    def snapshot():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (User, Team, LessonProgress, AuditEvent)
        )

    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first = snapshot()
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert snapshot() == after_first
    manager = db.session.scalar(select(User).where(User.email == "manager@carelearn.example"))
    assert manager.app_role == AppRole.MANAGER
    nested = db.session.scalar(select(Team).where(Team.name == "Outpatients Reception"))
    assert nested.parent.parent.parent.kind == "organisation"


def test_demo_accounts_can_log_in_and_see_progress(app, db):
    from carelearn.config import PROJECT_ROOT
    from carelearn.demo import DEMO_PASSWORD

    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    runner = app.test_cli_runner()
    runner.invoke(args=["content", "publish"])
    runner.invoke(args=["demo"])
    client = app.test_client()
    assert login(client, "nurse@carelearn.example", DEMO_PASSWORD).status_code == 302
    assert "Completed" in client.get("/learn").get_data(as_text=True)


def test_demo_gives_each_role_the_modules_that_fit(app, db):
    """Porters and cleaners get Calm in conflict and Dignity; managers, Leading great service;
    the front desk, Front desk and telephone."""
    from carelearn.config import PROJECT_ROOT
    from carelearn.models import Assignment, Module

    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    runner = app.test_cli_runner()
    runner.invoke(args=["content", "publish"])
    assert runner.invoke(args=["demo"]).exit_code == 0

    def assigned(email: str) -> set[str]:
        return set(
            db.session.scalars(
                select(Module.slug)
                .join(Assignment, Assignment.module_id == Module.id)
                .join(User, User.id == Assignment.user_id)
                .where(User.email == email)
            )
        )

    for email in ("porter@carelearn.example", "cleaner@carelearn.example"):
        assert {"calm-in-conflict", "dignity-privacy-respect"} <= assigned(email)
    assert "front-desk-telephone" in assigned("reception@carelearn.example")
    assert "leading-great-service" in assigned("manager@carelearn.example")
    assert "leading-great-service" not in assigned("porter@carelearn.example")


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_pages_work_on_connections_checked_after_sitting_idle(db, make, logged_in, monkeypatch):
    """A connection unused for a while is checked before use; the check must leave it as it
    was, so pages that only read (without a transaction, on PostgreSQL) and pages that write
    both work on it."""
    from carelearn.core import database

    version = make.module(title="Active listening", lessons=2)
    client = logged_in(make.user(role="receptionist"))
    db.session.remove()
    db.engine.dispose()
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", -1.0)  # every checkout is checked
    for _ in range(2):
        assert "Active listening" in client.get("/learn").get_data(as_text=True)
        assert client.get(f"/learn/{version.slug}/lessons/1").status_code == 200
        assert client.get("/learn/record").status_code == 200
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 1


def test_healthz_and_pages_answer_503_when_the_database_is_down(tmp_path):
    broken = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            # A directory cannot be opened as a database: every query fails as in an outage.
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path),
        }
    )
    client = broken.test_client()
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "unavailable"
    page = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert page.status_code in (400, 503)
    response = client.get("/learn/record")
    assert response.status_code in (302, 503)


def test_the_app_refuses_to_start_with_the_default_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CARELEARN_DEMO", raising=False)
    monkeypatch.delenv("FLASK_RUN_FROM_CLI", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()
    monkeypatch.setenv("CARELEARN_DEMO", "1")
    assert create_app() is not None


def test_production_refuses_limits_counted_in_each_process_unless_asked(monkeypatch, tmp_path):
    for name in ("CARELEARN_DEMO", "FLASK_RUN_FROM_CLI", "CARELEARN_RATELIMIT_STORAGE_MEMORY_OK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-" + "x" * 32)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/any.sqlite3")
    monkeypatch.delenv("CARELEARN_RATELIMIT_STORAGE", raising=False)
    with pytest.raises(ConfigError, match="CARELEARN_RATELIMIT_STORAGE is not set"):
        create_app()
    monkeypatch.setenv("CARELEARN_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    monkeypatch.setenv("CARELEARN_RATELIMIT_STORAGE", "memory://")
    monkeypatch.setenv("CARELEARN_RATELIMIT_STORAGE_MEMORY_OK", "1")
    assert create_app() is not None


def test_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/carelearn")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("CARELEARN_RATELIMIT_STORAGE", "redis://127.0.0.1:6379/0")
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example:5432/carelearn"
    )


def test_templates_have_no_inline_script_style_or_handlers():
    import re

    from carelearn.config import PROJECT_ROOT

    offenders = []
    for template in (PROJECT_ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        if (
            re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text)
            or re.search(r"\sstyle=", text)
            or re.search(r"\son[a-z]+=", text)
            or "<style" in text
        ):
            offenders.append(template.name)
    assert offenders == []


def test_sqlite_writers_wait_for_each_other_in_short_steps(tmp_path, monkeypatch):
    import sqlite3
    import threading
    import time

    from carelearn.core import database

    path = tmp_path / "wait.sqlite3"

    def connect():
        connection = sqlite3.connect(
            path, factory=database.WaitingConnection, timeout=0, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    first, second = connect(), connect()
    first.execute("CREATE TABLE counter (n INTEGER)")
    first.execute("INSERT INTO counter VALUES (0)")
    first.commit()

    first.cursor().execute("UPDATE counter SET n = n + 1")  # holds the write lock
    releaser = threading.Timer(0.05, first.commit)
    releaser.start()
    started = time.monotonic()
    second.cursor().execute("UPDATE counter SET n = n + 10")
    second.commit()
    assert 0.04 < time.monotonic() - started < 1
    assert second.execute("SELECT n FROM counter").fetchone() == (11,)

    monkeypatch.setattr(database, "WRITE_WAIT_SECONDS", 0.05)
    first.cursor().execute("UPDATE counter SET n = 0")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        second.cursor().execute("UPDATE counter SET n = 99")
    first.commit()
    releaser.join()
