"""A consistent copy of the SQLite database, taken while the app runs.

SQLite's online backup copies the database page by page under its own locks, so the copy is
what the database held at one moment, even with people writing meanwhile; copying the file with
`cp` could catch a half-written page. (PostgreSQL has pg_dump for the same: see the README.)
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup could not be made; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "This database is not a SQLite file. For PostgreSQL, use pg_dump (see the README's "
            "section on backups)."
        )
    return Path(url.database)


def default_backup_path(folder: Path, now: datetime) -> Path:
    return folder / f"carelearn-{now:%Y%m%d-%H%M%S}.sqlite3"


def backup_sqlite(database_url: str, target: Path) -> Path:
    """Copy the database to `target` (which must not exist yet) and check the copy reads back
    whole. Returns the target."""
    source_path = sqlite_path(database_url)
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    if target.exists():
        raise BackupError(f"{target} already exists: choose a new file for the backup.")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        target.unlink(missing_ok=True)
        raise BackupError(f"The copy did not read back whole ({verdict}); nothing was kept.")
    return target
