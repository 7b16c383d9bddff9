"""Background jobs other than email: rows the worker claims and runs, one at a time.

A job runs at least once: a worker that dies mid-job leaves it `running` until its lease has
passed, and then another worker runs it again from the start. So every job must be safe to run
twice (the reminder run is: each reminder is recorded once, with a unique key, in the same
transaction as its email). A job that raises is tried again later, then `failed`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import BackgroundJob, JobState
from .clock import utcnow

logger = logging.getLogger(__name__)

JOB_MAX_ATTEMPTS = 5
JOB_RETRY_WAIT = timedelta(minutes=5)

JobHandler = Callable[[dict], None]


def enqueue_job(kind: str, payload: dict, dedupe_key: str | None = None) -> BackgroundJob:
    """Add a job to the current transaction; it runs once the caller commits."""
    now = utcnow()
    job = BackgroundJob(
        kind=kind,
        payload=payload,
        dedupe_key=dedupe_key,
        state=JobState.PENDING.value,
        run_after=now,
        attempts=0,
        created_at=now,
    )
    db.session.add(job)
    return job


def enqueue_job_once(kind: str, payload: dict, dedupe_key: str) -> bool:
    """Add and commit a job unless one with this key exists; True when this call added it.

    Safe for several workers at the same moment: the key is unique in the database, so all
    but one insert are refused."""
    if db.session.scalar(select(BackgroundJob.id).where(BackgroundJob.dedupe_key == dedupe_key)):
        return False
    enqueue_job(kind, payload, dedupe_key)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def run_next_job(worker: str, handlers: Mapping[str, JobHandler]) -> BackgroundJob | None:
    """Claim the next due job (or one whose worker died) and run it; None when none is due."""
    job = _claim(worker)
    if job is None:
        return None
    handler = handlers.get(job.kind)
    try:
        if job.attempts > JOB_MAX_ATTEMPTS:
            raise RuntimeError(f"it stopped its worker {job.attempts - 1} times")
        if handler is None:
            raise LookupError(f"no worker knows how to run a {job.kind!r} job")
        handler(job.payload)
    except Exception as error:
        db.session.rollback()
        logger.exception("Background job %s (%s) failed", job.id, job.kind)
        gave_up = job.attempts >= JOB_MAX_ATTEMPTS or handler is None
        _finish(
            job,
            worker,
            JobState.FAILED if gave_up else JobState.PENDING,
            last_error=str(error) or error.__class__.__name__,
            run_after=utcnow() + JOB_RETRY_WAIT,
        )
    else:
        _finish(job, worker, JobState.DONE, finished_at=utcnow(), last_error=None)
    return job


def _claim(worker: str) -> BackgroundJob | None:
    now = utcnow()
    due = select(BackgroundJob.id).where(
        or_(
            and_(BackgroundJob.state == JobState.PENDING, BackgroundJob.run_after <= now),
            and_(BackgroundJob.state == JobState.RUNNING, BackgroundJob.lease_until <= now),
        )
    )
    if db.session.scalar(due.limit(1)) is None:  # an idle worker only reads
        return None
    next_due = due.order_by(BackgroundJob.run_after, BackgroundJob.id).limit(1)
    claimed = db.session.scalar(
        update(BackgroundJob)
        .where(BackgroundJob.id.in_(next_due.with_for_update(skip_locked=True).scalar_subquery()))
        .values(
            state=JobState.RUNNING.value,
            claimed_by=worker,
            lease_until=now + timedelta(seconds=current_app.config["WORKER_LEASE_SECONDS"]),
            attempts=BackgroundJob.attempts + 1,
        )
        .returning(BackgroundJob.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed is None:
        return None
    return db.session.get(BackgroundJob, claimed, populate_existing=True)


def _finish(job: BackgroundJob, worker: str, state: JobState, **values) -> None:
    db.session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job.id, BackgroundJob.claimed_by == worker)
        .values(state=state.value, **values)
    )
    db.session.commit()
