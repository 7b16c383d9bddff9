"""The worker: email leaves the request, survives a mail-server outage, and is never sent twice,
however many workers there are and whenever one of them is killed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from carelearn.config import PROJECT_ROOT, ConfigError, load_config
from carelearn.core.clock import frozen_at
from carelearn.core.outbox import MAX_ATTEMPTS, retry_wait, send_email
from carelearn.models import AppRole, AuditEvent, BackgroundJob, EmailState, JobState, OutboxEmail
from carelearn.worker import Worker
from tests.conftest import POSTGRES_URL, csrf_token
from tests.mail import (
    deliver_queued_email,
    outbox_messages,
    running_smtp_server,
    text_of,
    use_smtp_server,
)
from tests.servers import free_port, server_env
from tests.test_staff_import import confirm_payload, upload

WAIT_SECONDS = 60  # the longest any test waits for real processes before it fails
T0 = datetime(2026, 12, 1, 9, 0)


@pytest.fixture
def smtp_server(app):
    with running_smtp_server() as server:
        use_smtp_server(app, server)
        yield server


@pytest.fixture
def admin(make):
    return make.user(email="ada@example.org", role="admin-staff", app_role=AppRole.ADMIN)


def queue(db, count: int, subject: str = "Hello") -> list[OutboxEmail]:
    emails = [
        send_email(f"person{i}@example.org", f"{subject} {i}", f"Body {i}") for i in range(count)
    ]
    db.session.commit()
    return emails


def emails_in(db, *states: EmailState) -> list[OutboxEmail]:
    db.session.rollback()  # read what the workers committed, not what this session remembers
    query = select(OutboxEmail).order_by(OutboxEmail.id).execution_options(populate_existing=True)
    if states:
        query = query.where(OutboxEmail.state.in_(states))
    return list(db.session.scalars(query))


def wait_until(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {seconds} s waiting for {what}")
        time.sleep(0.05)


def mail_server_down(app) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_STARTTLS=False)


# Settings


def test_worker_settings_have_defaults_and_refuse_nonsense(monkeypatch, tmp_path):
    for name in ("POLL_SECONDS", "BATCH_SIZE", "LEASE_SECONDS"):
        monkeypatch.delenv(f"CARELEARN_WORKER_{name}", raising=False)
    monkeypatch.delenv("CARELEARN_DAILY_JOBS_HOUR", raising=False)
    config = load_config(str(tmp_path))
    assert (config["WORKER_POLL_SECONDS"], config["DAILY_JOBS_HOUR"]) == (1.0, 6)
    assert (config["WORKER_BATCH_SIZE"], config["WORKER_LEASE_SECONDS"]) == (50, 300.0)
    monkeypatch.setenv("CARELEARN_WORKER_POLL_SECONDS", "0.2")
    assert load_config(str(tmp_path))["WORKER_POLL_SECONDS"] == 0.2
    for name, value in (
        ("CARELEARN_WORKER_POLL_SECONDS", "soon"),
        ("CARELEARN_WORKER_POLL_SECONDS", "0"),
        ("CARELEARN_DAILY_JOBS_HOUR", "24"),
        ("CARELEARN_WORKER_BATCH_SIZE", "0"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(ConfigError, match=name):
            load_config(str(tmp_path))
        monkeypatch.delenv(name)


# In one transaction with the change that causes it


def test_a_rolled_back_change_sends_nothing(app, db, make):
    person = make.user(name="Ade Bello", email="ade@example.org")
    person.name = "Ade Bello-Smith"
    send_email(person.email, "Your name was changed", "It is now Ade Bello-Smith.")
    db.session.rollback()
    assert outbox_messages(app) == []
    assert emails_in(db) == []

    person.name = "Ade Bello-Smith"
    send_email(person.email, "Your name was changed", "It is now Ade Bello-Smith.")
    db.session.commit()
    assert [m["Subject"] for m in outbox_messages(app)] == ["Your name was changed"]


def test_a_big_import_answers_without_the_mail_server_then_one_connection_sends_all(
    app, db, make, admin, logged_in, smtp_server
):
    make.team("Portering")
    rows = "".join(f"p{i}@example.org,Person {i},Porter,Portering,,\n" for i in range(200))
    client = logged_in(admin)
    preview = upload(client, "email,name,job role,team,start date,manager flag\n" + rows)
    token = csrf_token(client, "/admin/import")
    response = client.post(
        "/admin/import/confirm",
        data={"csrf_token": token, "payload": confirm_payload(preview.get_data(as_text=True))},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitations to set a password are queued for 200 new people." in page
    assert smtp_server.handler.connections == 0  # the page did not wait for the mail server
    assert len(emails_in(db, EmailState.PENDING)) == 200

    app.config["WORKER_BATCH_SIZE"] = 200
    Worker("test-worker").work()
    assert smtp_server.handler.connections == 1
    recipients = Counter(m["To"] for m in smtp_server.handler.messages())
    assert recipients == Counter(f"p{i}@example.org" for i in range(200))
    assert "Set your password for CareLearn" in {
        m["Subject"] for m in smtp_server.handler.messages()
    }
    assert len(emails_in(db, EmailState.SENT)) == 200


# A mail-server outage


def test_retries_wait_longer_each_time_up_to_three_hours():
    waits = [retry_wait(n) for n in range(1, MAX_ATTEMPTS)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(waits) == timedelta(hours=3)
    assert waits == sorted(waits)
    assert sum(waits, timedelta()) > timedelta(hours=12)  # an outage overnight loses nothing


def test_during_an_outage_emails_wait_and_arrive_once_the_server_is_back(app, db):
    mail_server_down(app)
    with frozen_at(T0):
        queue(db, 3)
        assert deliver_queued_email() == 3
    [first, *_] = emails_in(db)
    assert (first.state, first.attempts) == (EmailState.PENDING, 1)
    assert first.send_after == T0 + timedelta(minutes=1)
    assert "Could not connect to the mail server" in first.last_error

    with frozen_at(T0 + timedelta(seconds=59)):
        assert deliver_queued_email() == 0  # not due yet: nothing is tried
    with frozen_at(T0 + timedelta(minutes=1)):
        assert deliver_queued_email() == 3
    assert {(e.attempts, e.send_after) for e in emails_in(db)} == {(2, T0 + timedelta(minutes=3))}

    with running_smtp_server() as server, frozen_at(T0 + timedelta(minutes=3)):
        use_smtp_server(app, server)
        assert deliver_queued_email() == 3
        assert deliver_queued_email() == 0
        assert sorted(m["Subject"] for m in server.handler.messages()) == [
            "Hello 0",
            "Hello 1",
            "Hello 2",
        ]
        assert server.handler.connections == 1
    assert {(e.state, e.attempts) for e in emails_in(db)} == {(EmailState.SENT, 3)}


def test_after_the_last_try_an_email_fails_shows_to_admins_and_can_be_sent_again(
    app, db, make, admin, logged_in
):
    mail_server_down(app)
    moment = T0
    with frozen_at(moment):
        send_email("ade@example.org", "Set your password", "Secret link: /password/set/abc123")
        db.session.commit()
    for _try in range(MAX_ATTEMPTS):
        with frozen_at(moment):
            assert deliver_queued_email() == 1
        [email] = emails_in(db)
        moment = email.send_after
    assert (email.state, email.attempts) == (EmailState.FAILED, MAX_ATTEMPTS)
    with frozen_at(moment + timedelta(days=1)):
        assert deliver_queued_email() == 0  # given up: never tried again by itself

    client = logged_in(admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "ade@example.org" in page and "Set your password" in page
    assert "Failed" in page and "Could not connect to the mail server" in page
    assert f'<td data-label="Tries">{MAX_ATTEMPTS}</td>' in page
    assert "abc123" not in page  # never the body: it may hold a password link
    assert 'href="/admin/outbox" aria-current="page"' in page

    for outsider in (make.user(), make.manager_of(make.team())):
        other = logged_in(outsider)
        assert other.get("/admin/outbox").status_code == 403
        token = csrf_token(other, "/learn")
        resend = other.post(f"/admin/outbox/{email.id}/send-again", data={"csrf_token": token})
        assert resend.status_code == 403
    assert client.post(f"/admin/outbox/{email.id}/send-again").status_code == 400  # no CSRF

    token = csrf_token(client, "/admin/outbox")
    response = client.post(f"/admin/outbox/{email.id}/send-again", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The email to ade@example.org is queued to be sent again." in page
    assert "Nothing needs attention" in page
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "email.send_again"))
    assert event.actor_id == admin.id and event.subject_id == email.id
    assert event.details["recipient"] == "ade@example.org" and event.details["was"] == "failed"
    assert "abc123" not in str(event.details)

    with running_smtp_server() as server:
        use_smtp_server(app, server)
        deliver_queued_email()
        [message] = server.handler.messages()
    assert message["To"] == "ade@example.org" and "abc123" in text_of(message)
    assert message["Message-ID"] == email.message_id


def test_the_outbox_page_comes_in_pages(app, db, admin, logged_in):
    emails = queue(db, 55)
    for email in emails:
        email.state, email.last_error = EmailState.FAILED.value, "refused"
    db.session.commit()
    client = logged_in(admin)
    first = client.get("/admin/outbox").get_data(as_text=True)
    assert "55 emails need attention" in first
    assert "person54@example.org" in first and "person4@example.org" not in first
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert "person4@example.org" in second and "person54@example.org" not in second


def test_an_email_whose_worker_died_mid_handover_is_in_doubt_never_resent(
    app, db, admin, logged_in
):
    """The worker died between committing `sending` and the server's answer: the email may
    have arrived. Once the lease has passed it is marked in doubt, and only an admin resends."""
    with frozen_at(T0 - timedelta(minutes=5)):
        [lost, abandoned] = queue(db, 2)
    lost.state, lost.claimed_by, lost.lease_until = EmailState.SENDING.value, "dead:1", T0
    abandoned.claimed_by, abandoned.lease_until = "dead:1", T0  # claimed, never started
    db.session.commit()
    with frozen_at(T0 - timedelta(seconds=1)):
        assert deliver_queued_email() == 0  # their worker may still be alive: hands off
    with frozen_at(T0):
        assert [m["To"] for m in outbox_messages(app)] == ["person1@example.org"]
    states = {e.recipient: e.state for e in emails_in(db)}
    assert states == {
        "person0@example.org": EmailState.IN_DOUBT,
        "person1@example.org": EmailState.SENT,
    }
    assert "may or may not have arrived" in emails_in(db, EmailState.IN_DOUBT)[0].last_error
    with frozen_at(T0 + timedelta(days=1)):
        assert deliver_queued_email() == 0
    page = logged_in(admin).get("/admin/outbox").get_data(as_text=True)
    assert "1 email needs attention" in page
    assert "person0@example.org" in page and "In doubt" in page and "may or may not" in page


# The daily run


def test_the_daily_run_happens_once_a_day_however_many_workers(app, db, make):
    ward = make.team("Ward 7")
    make.manager_of(ward, email="grace@example.org")
    nurse = make.user(role="nurse", email="dan@example.org")
    make.join(nurse, ward)
    day = date(2026, 7, 8)
    make.record(nurse, make.module(title="Active listening"), due_on=day + timedelta(days=7))
    workers = [Worker("first"), Worker("second")]

    def run_all_at(moment: datetime) -> None:
        with frozen_at(moment):
            for worker in workers * 2:
                worker.run(once=True)

    run_all_at(datetime(2026, 7, 8, 5, 59))
    assert db.session.scalar(select(func.count()).select_from(BackgroundJob)) == 0
    run_all_at(datetime(2026, 7, 8, 6, 0))
    run_all_at(datetime(2026, 7, 8, 18, 0))
    run_all_at(datetime(2026, 7, 9, 6, 30))
    jobs = db.session.scalars(select(BackgroundJob).order_by(BackgroundJob.id)).all()
    assert [(j.dedupe_key, j.state, j.attempts) for j in jobs] == [
        ("daily:2026-07-08", JobState.DONE, 1),
        ("daily:2026-07-09", JobState.DONE, 1),
    ]
    [reminder] = [m for m in outbox_messages(app) if m["To"] == "dan@example.org"]
    assert "Active listening: due 15 Jul 2026 (7 days to go)" in text_of(reminder)


def test_a_job_that_fails_is_tried_again_later_then_marked_failed(app, db, monkeypatch):
    from carelearn import worker as worker_module
    from carelearn.core.jobs import JOB_MAX_ATTEMPTS, enqueue_job

    def broken(_payload):
        raise RuntimeError("the evidence pack could not be built")

    monkeypatch.setitem(worker_module.JOB_HANDLERS, "broken", broken)
    app.config["DAILY_JOBS_HOUR"] = 23
    with frozen_at(T0):
        enqueue_job("broken", {})
        db.session.commit()
    moment = T0
    for _try in range(JOB_MAX_ATTEMPTS):
        with frozen_at(moment):
            Worker("w").run(once=True)
        db.session.rollback()
        job = db.session.scalars(
            select(BackgroundJob).execution_options(populate_existing=True)
        ).one()
        moment = job.run_after
    assert (job.state, job.attempts) == (JobState.FAILED, JOB_MAX_ATTEMPTS)
    assert job.last_error == "the evidence pack could not be built"


# Real worker processes


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    log: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_until_started(self) -> None:
        wait_until(
            lambda: "started" in self.log.read_text() or not self.running(), "a worker to start"
        )
        assert self.running(), self.log.read_text()

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=WAIT_SECONDS)


@pytest.fixture
def worker_processes(app, tmp_path):
    """Start real `flask worker` processes on this test's database; all are stopped after."""
    started: list[WorkerProcess] = []

    def start(*args: str, **settings: str) -> WorkerProcess:
        instance = tmp_path / f"worker-{len(started)}"
        instance.mkdir()
        env = server_env(instance, app.config["SQLALCHEMY_DATABASE_URI"]) | {
            "CARELEARN_WORKER_POLL_SECONDS": "0.1",
            "CARELEARN_WORKER_LEASE_SECONDS": "2",
            "CARELEARN_DAILY_JOBS_HOUR": "0",  # so every worker tries to queue today's run
            **settings,
        }
        log = instance / "worker.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "carelearn", "worker", *args],
                env=env,
                cwd=PROJECT_ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(WorkerProcess(process, log))
        return started[-1]

    yield start
    for worker in started:
        if worker.running():
            worker.process.kill()
            worker.process.wait(timeout=WAIT_SECONDS)
        print(f"--- {worker.log}\n{worker.log.read_text()}")  # shown when the test fails


def smtp_settings(server) -> dict[str, str]:
    return {"CARELEARN_SMTP_HOST": server.host, "CARELEARN_SMTP_PORT": str(server.port)}


def all_work_done(db) -> bool:
    """No email waiting or being handed over, and no job waiting or running."""
    db.session.rollback()
    open_emails = select(func.count()).where(
        OutboxEmail.state.in_([EmailState.PENDING, EmailState.SENDING])
    )
    open_jobs = select(func.count()).where(
        BackgroundJob.state.in_([JobState.PENDING, JobState.RUNNING])
    )
    return db.session.scalar(open_emails) == 0 and db.session.scalar(open_jobs) == 0


def assert_daily_run_once(db) -> None:
    db.session.rollback()
    jobs = db.session.scalars(select(BackgroundJob)).all()
    assert [(j.kind, j.state) for j in jobs] == [("daily", JobState.DONE)]


def test_killing_a_worker_mid_batch_loses_nothing_and_sends_nothing_twice(
    app, db, worker_processes
):
    emails = queue(db, 60)
    with running_smtp_server() as server:
        server.handler.data_delay = 0.05  # a busy server: the batch takes a few seconds
        first = worker_processes(**smtp_settings(server))
        wait_until(lambda: len(server.handler.received) >= 10, "some emails to arrive")
        assert first.running(), "the first worker finished before it could be killed"
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL

        second = worker_processes(**smtp_settings(server))
        wait_until(lambda: all_work_done(db), "the second worker to finish the work")
        assert second.stop() == 0  # SIGTERM: a clean stop
        arrived = Counter(m["Message-ID"] for m in server.handler.messages())

    assert max(arrived.values()) == 1, "an email arrived twice"
    states = {e.message_id: e.state for e in emails_in(db)}
    assert set(states) == {e.message_id for e in emails}
    in_doubt = [m for m, state in states.items() if state == EmailState.IN_DOUBT]
    assert len(in_doubt) <= 1
    assert all(m in arrived or m in in_doubt for m in states)
    assert set(states.values()) <= {EmailState.SENT, EmailState.IN_DOUBT}
    assert_daily_run_once(db)


def test_sigterm_stops_a_worker_after_the_email_in_hand(app, db, worker_processes):
    queue(db, 40)
    with running_smtp_server() as server:
        server.handler.data_delay = 0.05
        worker = worker_processes(**smtp_settings(server))
        wait_until(lambda: len(server.handler.received) >= 5, "some emails to arrive")
        assert worker.stop() == 0
        arrived = len(server.handler.received)
        assert arrived < 40
        assert len(emails_in(db, EmailState.SENT)) == arrived
        left = emails_in(db, EmailState.PENDING)
        assert len(left) == 40 - arrived  # nothing in doubt after a clean stop
        assert all(e.claimed_by is None for e in left)  # handed back for any worker to take

        once = worker_processes("--once", **smtp_settings(server))
        assert once.process.wait(timeout=WAIT_SECONDS) == 0
        assert len(server.handler.received) == 40
    assert len(emails_in(db, EmailState.SENT)) == 40


@pytest.mark.skipif(
    not POSTGRES_URL.startswith("postgresql"),
    reason="several workers claiming at once is tested on PostgreSQL: set DATABASE_URL to it",
)
def test_three_workers_on_postgresql_share_the_work_and_send_each_email_once(
    app, db, worker_processes
):
    with running_smtp_server() as server:
        server.handler.data_delay = 0.01
        settings = smtp_settings(server) | {"CARELEARN_WORKER_BATCH_SIZE": "10"}
        workers = [worker_processes(**settings) for _ in range(3)]
        for worker in workers:
            worker.wait_until_started()
        emails = queue(db, 300)
        wait_until(lambda: all_work_done(db), "the workers to send every email")
        assert [worker.stop() for worker in workers] == [0, 0, 0]
        arrived = Counter(m["Message-ID"] for m in server.handler.messages())

    assert arrived == Counter(e.message_id for e in emails)  # each exactly once
    sent = emails_in(db, EmailState.SENT)
    assert len(sent) == 300
    assert len({e.claimed_by for e in sent}) >= 2  # the work was shared
    assert_daily_run_once(db)
