"""Status rules at their boundary dates, in Python and in SQL alike."""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from carelearn.models import TrainingRecord
from carelearn.services.training.status import Status, status_sql, training_status

TODAY = date(2026, 6, 15)
STARTED = datetime(2026, 6, 1, 9, 0)

CASES = [
    # started, completed_on, expires_on, due_on, expected (none awaiting a sign-off)
    (None, None, None, None, Status.NOT_STARTED),
    (STARTED, None, None, None, Status.IN_PROGRESS),
    (None, None, None, date(2026, 6, 15), Status.NOT_STARTED),  # due today: not yet overdue
    (None, None, None, date(2026, 6, 14), Status.OVERDUE),  # the day after the due date
    (STARTED, None, None, date(2026, 6, 14), Status.OVERDUE),
    (STARTED, date(2026, 1, 1), None, None, Status.COMPLETED),  # never expires
    (STARTED, date(2026, 1, 1), date(2026, 7, 16), None, Status.COMPLETED),  # 31 days left
    (STARTED, date(2026, 1, 1), date(2026, 7, 15), None, Status.EXPIRING),  # 30 days left
    (STARTED, date(2026, 1, 1), date(2026, 6, 16), None, Status.EXPIRING),  # 1 day left
    (STARTED, date(2025, 6, 15), date(2026, 6, 15), None, Status.EXPIRED),  # expires today
    (STARTED, date(2025, 6, 15), date(2026, 6, 15), date(2026, 6, 15), Status.EXPIRED),
    (
        STARTED,
        date(2026, 1, 1),
        date(2027, 1, 1),
        date(2026, 1, 1),
        Status.COMPLETED,
    ),  # done beats due
]
# started, completed_on, expires_on, due_on, expected, with a passed quiz awaiting a sign-off
AWAITING = [
    (STARTED, None, None, None, Status.AWAITING_SIGN_OFF),
    # The learner has done their part: overdue is the observer's to fix, so the wait shows.
    (STARTED, None, None, date(2026, 6, 14), Status.AWAITING_SIGN_OFF),
    # A recertification waiting for its sign-off: the earlier completion still counts.
    (STARTED, date(2026, 1, 1), date(2027, 1, 1), None, Status.COMPLETED),
    (STARTED, date(2025, 6, 15), date(2026, 6, 15), None, Status.EXPIRED),
]
ALL = [(*case[:4], False, case[4]) for case in CASES] + [
    (*case[:4], True, case[4]) for case in AWAITING
]


@pytest.mark.parametrize("started,completed,expires,due,awaiting,expected", ALL)
def test_training_status(started, completed, expires, due, awaiting, expected):
    status = training_status(
        started_at=started,
        completed_on=completed,
        expires_on=expires,
        due_on=due,
        today=TODAY,
        awaiting_sign_off=awaiting,
    )
    assert status is expected


def test_sql_status_agrees_with_python(db, make):
    module = make.module().module
    people = make.users(len(ALL))
    for person, (started, completed, expires, due, awaiting, _) in zip(people, ALL, strict=True):
        db.session.add(
            TrainingRecord(
                user_id=person.id,
                module_id=module.id,
                started_at=started,
                completed_on=completed,
                expires_on=expires,
                due_on=due,
                awaiting_sign_off=awaiting,
            )
        )
    db.session.commit()
    rows = db.session.execute(
        select(TrainingRecord.user_id, status_sql(TrainingRecord, TODAY)).order_by(
            TrainingRecord.user_id
        )
    ).all()
    by_user = dict(rows)
    assert [by_user[p.id] for p in people] == [case[-1].value for case in ALL]


def test_only_valid_completions_count_as_done():
    assert {s for s in Status if s.is_done} == {Status.COMPLETED, Status.EXPIRING}
