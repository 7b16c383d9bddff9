"""The worker issues the certificates of new completions in the background, newest first, and
leaves recognised prior learning and anonymised leavers alone."""

from datetime import date

from sqlalchemy import func, select

from carelearn.models import Certificate
from carelearn.worker import Worker


def test_an_idle_worker_issues_missing_certificates(app, db, make):
    version = make.module(title="Active listening")
    people = make.users(3)
    done = [make.completion(p, version, date(2026, 5, 1)) for p in people]
    db.session.commit()

    worker = Worker("test")
    rounds = 0
    while worker.work():  # the day's jobs, then the certificates
        rounds += 1
        assert rounds < 10
    db.session.expire_all()
    issued = dict(db.session.execute(select(Certificate.completion_id, Certificate.sha256)).all())
    assert set(issued) == {c.id for c in done}
    # Nothing left: it waits a while before it looks again, even for a new completion.
    make.completion(make.user(), version, date(2026, 5, 2))
    db.session.commit()
    assert worker.work() is False
    assert db.session.scalar(select(func.count(Certificate.id))) == 3
    worker._certificates_checked_at = float("-inf")  # the while has passed
    assert worker.work() is True
    assert db.session.scalar(select(func.count(Certificate.id))) == 4
