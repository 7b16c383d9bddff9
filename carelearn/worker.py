"""`flask worker`: sends queued emails and runs background jobs, outside any request.

Run one or more beside the web processes. Each loops: send a batch of due emails over one
connection, run one due job, and when there was nothing to do, wait a moment
(`CARELEARN_WORKER_POLL_SECONDS`). SIGTERM or SIGINT stops it after the message in hand.
Once a day, from `CARELEARN_DAILY_JOBS_HOUR` (UTC), the first worker to look queues the
daily run (onboarding rules, recertification, reminders and digests) under a key of that day,
so however many workers there are it runs once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from datetime import date

import click
from flask import current_app

from .core.clock import utcnow
from .core.jobs import JobHandler, enqueue_job_once, run_next_job
from .core.outbox import deliver_batch
from .extensions import db
from .services.evidence.certificate_sweep import issue_missing_certificates
from .services.evidence.pack import PACK_JOB, build_pack
from .services.onboarding.assignments import create_recertification_assignments
from .services.onboarding.reminders import send_reminders
from .services.onboarding.rules import apply_onboarding_rules

logger = logging.getLogger(__name__)

DAILY = "daily"
# How long an idle worker waits, once every certificate is issued, before it looks again.
CERTIFICATE_SWEEP_SECONDS = 30.0


def run_daily_jobs(payload: dict) -> None:
    """What the day needs, each step committed by itself and safe to run again."""
    day = date.fromisoformat(payload["on"])
    apply_onboarding_rules()
    create_recertification_assignments(day)
    run = send_reminders(day)
    logger.info(
        "Daily run for %s: %s reminder(s), %s escalation(s), %s digest(s) queued",
        day,
        run.learner_emails,
        run.escalations,
        run.digests,
    )


# Each kind of background job and the function that runs it with the job's payload.
JOB_HANDLERS: dict[str, JobHandler] = {DAILY: run_daily_jobs, PACK_JOB: build_pack}


class Worker:
    def __init__(self, name: str | None = None):
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        # A plain flag: a signal handler must not take locks the interrupted code may hold.
        self.stopping = False
        self._daily_queued_for: date | None = None
        self._certificates_checked_at = float("-inf")

    def stop(self, *_signal_args) -> None:
        self.stopping = True

    def _is_stopping(self) -> bool:
        return self.stopping

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))

    def queue_daily_jobs(self) -> None:
        now = utcnow()
        if now.hour < current_app.config["DAILY_JOBS_HOUR"] or self._daily_queued_for == now.date():
            return
        day = now.date().isoformat()
        if enqueue_job_once(DAILY, {"on": day}, dedupe_key=f"{DAILY}:{day}"):
            logger.info("Worker %s queued the daily run for %s", self.name, day)
        self._daily_queued_for = now.date()

    def work(self) -> bool:
        """One round: returns False when there was nothing to do."""
        self.queue_daily_jobs()
        claimed = deliver_batch(
            self.name, current_app.config["WORKER_BATCH_SIZE"], self._is_stopping
        )
        if self.stopping:
            return bool(claimed)
        if claimed or run_next_job(self.name, JOB_HANDLERS) is not None:
            return True
        return self.issue_certificates()

    def issue_certificates(self) -> bool:
        """With nothing else to do, issue missing certificates; once none are missing, look
        again only after a while (the search reads every completion)."""
        if time.monotonic() - self._certificates_checked_at < CERTIFICATE_SWEEP_SECONDS:
            return False
        issued = issue_missing_certificates()
        if not issued:
            self._certificates_checked_at = time.monotonic()
        return issued > 0

    def run(self, once: bool = False) -> None:
        """Work until stopped; with `once`, until nothing is left to do."""
        while not self.stopping:
            try:
                busy = self.work()
            except Exception:
                if once:
                    raise
                # A database or mail outage: try again after a pause, as the web pages do.
                logger.exception("Worker %s: a round of work failed; trying again", self.name)
                db.session.rollback()
                busy = False
            if not busy:
                if once:
                    return
                self._pause(current_app.config["WORKER_POLL_SECONDS"])


@click.command("worker", help="Send queued emails and run background jobs until stopped.")
@click.option("--once", is_flag=True, help="Stop when nothing is left to do (for cron and tests).")
def worker_command(once: bool):
    app_logger = current_app.logger  # the app's logger, with its handler, parent of ours
    if app_logger.level == logging.NOTSET:
        app_logger.setLevel(logging.INFO)  # a line per email: its recipient and subject only
    worker = Worker()
    previous = {sig: signal.signal(sig, worker.stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    logger.info("Worker %s started", worker.name)
    try:
        worker.run(once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    logger.info("Worker %s stopped", worker.name)
