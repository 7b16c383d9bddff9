"""`flask backup` copies the SQLite database consistently while it is in use, and the copy,
restored, holds every record."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date

from sqlalchemy import create_engine, inspect, text

from carelearn import create_app
from carelearn.core.backup import BackupError, backup_sqlite
from tests.conftest import RequestIsolatedClient, login
from tests.servers import flask_command, server_env


def _every_row(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        found = {t: sorted(map(tuple, conn.execute(text(f'SELECT * FROM "{t}"')))) for t in tables}
    engine.dispose()
    return found


def test_a_backup_restored_holds_every_record(app, db, make, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return _refused_on_postgresql(app, tmp_path)
    version = make.module(title="Active listening")
    person = make.user(name="Grace Okafor")
    make.completion(person, version, date(2026, 5, 1))
    db.session.commit()
    source = app.config["SQLALCHEMY_DATABASE_URI"]
    copy = tmp_path / "backups" / "copy.sqlite3"

    made = flask_command(server_env(tmp_path, source), "backup", "--to", str(copy))
    assert made.returncode == 0, made.stderr
    assert "checked whole" in made.stdout
    assert _every_row(source) == _every_row(f"sqlite:///{copy}")

    restored = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}", "SECRET_KEY": "k" * 32}
    )
    restored.test_client_class = RequestIsolatedClient
    client = restored.test_client()
    assert login(client, person.email).status_code == 302
    record = client.get("/learn/record").get_data(as_text=True)
    assert "Active listening" in record and "1 May 2026" in record


def _refused_on_postgresql(app, tmp_path):
    made = flask_command(server_env(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]), "backup")
    assert made.returncode != 0 and "pg_dump" in made.stderr


def test_a_backup_taken_while_someone_writes_is_whole(tmp_path):
    source = tmp_path / "busy.sqlite3"
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE note (n INTEGER PRIMARY KEY, body TEXT)")
    stop, writing = threading.Event(), threading.Event()

    def write():
        writer = sqlite3.connect(source)
        for n in range(1, 10**7):
            writer.execute("INSERT INTO note (body) VALUES (?)", ("x" * 500,))
            writer.commit()
            if n == 50:
                writing.set()
            if stop.is_set():
                break
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    writing.wait(10)
    try:
        copies = [
            backup_sqlite(f"sqlite:///{source}", tmp_path / f"copy{i}.sqlite3") for i in range(3)
        ]
    finally:
        stop.set()
        thread.join()
    counts = []
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            (count, highest) = conn.execute("SELECT count(*), max(n) FROM note").fetchone()
            assert count >= 50 and count == highest  # every row up to the copy's moment
            counts.append(count)
    assert counts == sorted(counts)


def test_a_backup_refuses_to_overwrite_or_to_copy_nothing(tmp_path):
    existing = tmp_path / "there.sqlite3"
    existing.write_bytes(b"")
    try:
        backup_sqlite(f"sqlite:///{tmp_path}/missing.sqlite3", tmp_path / "new.sqlite3")
    except BackupError as problem:
        assert "no database" in str(problem)
    else:
        raise AssertionError("a missing database was backed up")
    source = tmp_path / "real.sqlite3"
    sqlite3.connect(source).close()
    try:
        backup_sqlite(f"sqlite:///{source}", existing)
    except BackupError as problem:
        assert "already exists" in str(problem)
    else:
        raise AssertionError("an existing file was overwritten")
