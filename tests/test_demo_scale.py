"""The large demo organisation: built in bulk, consistent with the services' own records, the
same for the same seed, on SQLite and PostgreSQL alike."""

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import func, select, text

from carelearn import create_app
from carelearn.config import PROJECT_ROOT
from carelearn.core import clock
from carelearn.demo.scale import GENERATED_DOMAIN
from carelearn.extensions import db as _db
from carelearn.models import (
    Assignment,
    Completion,
    JobRole,
    LessonProgress,
    Module,
    ModuleVersion,
    QuizAttempt,
    Team,
    TrainingRecord,
    User,
)
from carelearn.services.reporting.permissions import visible_user_ids_query
from carelearn.services.training.records import sync_records
from carelearn.services.training.status import Status, status_sql

STAFF, SEED = 300, 3


def build(app) -> str:
    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    result = app.test_cli_runner().invoke(args=["demo", "--scale", str(STAFF), "--seed", str(SEED)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def scaled(app, db):
    clock.freeze(datetime(2026, 11, 27, 9, 0))
    return build(app)


def digest(db) -> str:
    """What was generated, without database ids: the same seed on the same day gives the same."""
    generated = select(User.id).where(User.email.like(f"%@{GENERATED_DOMAIN}"))
    email = {i: e for i, e in db.session.execute(select(User.id, User.email))}
    queries = [
        select(User.email, User.name, JobRole.slug, User.app_role, User.active, User.start_date)
        .join(JobRole, JobRole.id == User.job_role_id)
        .where(User.id.in_(generated)),
        select(
            LessonProgress.user_id,
            LessonProgress.lesson_id,
            LessonProgress.viewed_at,
            LessonProgress.completed_at,
        ).where(LessonProgress.user_id.in_(generated)),
        select(
            QuizAttempt.user_id,
            QuizAttempt.submitted_at,
            QuizAttempt.score_percent,
            QuizAttempt.passed,
        ).where(QuizAttempt.user_id.in_(generated)),
        select(
            Completion.user_id,
            Completion.module_id,
            Completion.completed_on,
            Completion.score_percent,
            Completion.expires_on,
        ).where(Completion.user_id.in_(generated)),
        select(
            Assignment.user_id,
            Assignment.module_id,
            Assignment.due_on,
            Assignment.source,
            Assignment.completed_at,
        ).where(Assignment.user_id.in_(generated)),
        select(
            TrainingRecord.user_id,
            TrainingRecord.module_id,
            TrainingRecord.due_on,
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
        ).where(TrainingRecord.user_id.in_(generated)),
    ]
    lines = []
    for query in queries:
        rows = [
            tuple(
                email.get(v, v) if i == 0 and isinstance(v, int) else v for i, v in enumerate(row)
            )
            for row in db.session.execute(query)
        ]
        lines += sorted(repr(r) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_builds_a_whole_consistent_organisation(scaled, db):
    """One build, several checks: building is the slow part."""
    assert f"{STAFF:,} user" in scaled
    assert (
        db.session.scalar(select(func.count()).where(User.email.like(f"%@{GENERATED_DOMAIN}")))
        == STAFF
    )
    assert db.session.scalar(select(func.count(Team.id))) > 250
    titles = db.session.scalars(
        select(ModuleVersion.title).join(Module, Module.current_version_id == ModuleVersion.id)
    ).all()
    assert len(titles) == 17 and sum(t.startswith("Practice:") for t in titles) == 7
    roles = db.session.scalars(
        select(JobRole.slug).join(User, User.job_role_id == JobRole.id).distinct()
    ).all()
    assert len(roles) == 7
    statuses = set(db.session.scalars(select(status_sql(TrainingRecord, clock.today())).distinct()))
    assert statuses == {s.value for s in Status}

    # The demo accounts still work, and the demo manager runs a directorate of a fifth of the staff.
    manager = db.session.scalar(select(User).where(User.email == "manager@carelearn.example"))
    seen = db.session.scalar(
        select(func.count()).select_from(visible_user_ids_query(manager).subquery())
    )
    assert 0.17 * STAFF < seen < 0.25 * STAFF

    if db.engine.dialect.name == "postgresql":
        # Vacuumed and analysed after loading, or the freshness counters every request reads
        # would be buried under the row versions the load left behind.
        tidied = db.session.execute(
            text(
                "SELECT last_vacuum IS NOT NULL, last_analyze IS NOT NULL, n_dead_tup "
                "FROM pg_stat_user_tables WHERE relname = 'team_version'"
            )
        ).one()
        assert tidied == (True, True, 0)

    # The records built in one statement are the ones the services keep event by event.
    columns = (
        TrainingRecord.user_id,
        TrainingRecord.module_id,
        TrainingRecord.due_on,
        TrainingRecord.started_at,
        TrainingRecord.completed_on,
        TrainingRecord.expires_on,
        TrainingRecord.score_percent,
        TrainingRecord.version_label,
    )
    built = set(db.session.execute(select(*columns)).all())
    sync_records((u, m) for u, m, *_ in built)
    db.session.commit()
    assert set(db.session.execute(select(*columns)).all()) == built


def test_the_same_seed_builds_the_same_organisation_and_again_changes_nothing(
    scaled, app, db, tmp_path
):
    first = digest(db)
    assert "nothing changed" in build(app)
    assert digest(db) == first
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "CONTENT_DIR": str(PROJECT_ROOT / "modules"),
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "other.sqlite3"),
            "DATABASE_FILE_MAY_BE_CREATED": True,  # a new, empty database for this build
        }
    )
    with other.app_context():
        _db.create_all()
        build(other)
        assert digest(_db) == first
        _db.session.remove()
        _db.engine.dispose()
