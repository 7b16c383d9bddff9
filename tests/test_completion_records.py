"""A person's record follows how each completion was earned and when it stops counting, and a
rebuild from the source tables agrees with the record kept event by event."""

from datetime import date, datetime

from sqlalchemy import select

from carelearn.models import QuizAttempt, TrainingRecord
from carelearn.services.training.records import rebuild_records, sync_records

_FIELDS = ("completed_on", "expires_on", "method", "awaiting_sign_off", "version_label")


def _records(db) -> dict[tuple[int, int], tuple]:
    rows = db.session.scalars(select(TrainingRecord)).all()
    return {(r.user_id, r.module_id): tuple(getattr(r, f) for f in _FIELDS) for r in rows}


def _passed_attempt(db, person, version, on: date) -> QuizAttempt:
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        submitted_at=datetime.combine(on, datetime.min.time()),
        score_percent=90,
        passed=True,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def test_records_show_method_wait_and_the_earlier_end(db, make):
    version = make.module()
    watched = make.module()
    watched.practice_required = True
    tested, replaced, waiting, recertifying = make.users(4)

    done = make.completion(tested, version, date(2026, 3, 1), expires=date(2027, 3, 1))
    done.method = "tested_out"
    # A major new version: this completion stops counting before its own expiry.
    old = make.completion(replaced, version, date(2026, 3, 1), expires=date(2027, 3, 1))
    old.redo_by = date(2026, 9, 30)
    # A pass on a module whose practice must be signed off first: no completion yet.
    _passed_attempt(db, waiting, watched, date(2026, 5, 1))
    # Completed before; a recertification passed since, waiting for its sign-off.
    make.completion(recertifying, watched, date(2025, 5, 1), expires=date(2026, 5, 1))
    _passed_attempt(db, recertifying, watched, date(2026, 5, 2))
    db.session.commit()

    pairs = [
        (tested.id, version.module_id),
        (replaced.id, version.module_id),
        (waiting.id, watched.module_id),
        (recertifying.id, watched.module_id),
    ]
    sync_records(pairs)
    db.session.commit()
    kept = _records(db)
    assert kept[pairs[0]] == (date(2026, 3, 1), date(2027, 3, 1), "tested_out", False, "1.0")
    assert kept[pairs[1]] == (date(2026, 3, 1), date(2026, 9, 30), "quiz", False, "1.0")
    assert kept[pairs[2]] == (None, None, None, True, None)
    assert kept[pairs[3]] == (date(2025, 5, 1), date(2026, 5, 1), "quiz", True, "1.0")

    rebuild_records()
    db.session.commit()
    assert _records(db) == kept


def test_an_attempt_from_before_the_latest_completion_does_not_wait(db, make):
    watched = make.module()
    watched.practice_required = True
    person = make.user()
    _passed_attempt(db, person, watched, date(2026, 1, 10))
    make.completion(person, watched, date(2026, 2, 1))
    db.session.commit()
    sync_records([(person.id, watched.module_id)])
    db.session.commit()
    assert _records(db)[(person.id, watched.module_id)][3] is False
    rebuild_records()
    db.session.commit()
    assert _records(db)[(person.id, watched.module_id)][3] is False
