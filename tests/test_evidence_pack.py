"""Evidence packs: the matrix and figures as they stood on a past day, worked out from history;
asked for on a page, built by the worker, downloaded only by whoever asked (or an admin)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import (
    AppRole,
    AuditEvent,
    BackgroundJob,
    Certificate,
    EvidencePack,
    EvidencePackChunk,
    LessonProgress,
    ModuleVersion,
    OutboxEmail,
    QuizAttempt,
)
from carelearn.services.evidence import pack as packs
from carelearn.services.evidence import pack_members
from carelearn.services.evidence.as_at import content_as_at, records_as_at
from carelearn.services.evidence.pack import PackProblems, PackRequest, TeamOutOfScope
from carelearn.services.onboarding.assignments import assign_modules
from carelearn.services.onboarding.new_versions import ask_to_redo
from carelearn.services.people.people import set_active
from carelearn.services.reporting.audit_sentences import describe, load_names
from carelearn.services.reporting.exports import matrix_csv
from carelearn.services.reporting.reports import MatrixFilters, team_figures
from carelearn.services.training.completions import record_completion
from carelearn.services.training.records import sync_records
from carelearn.services.training.status import Status
from carelearn.worker import Worker
from tests.conftest import csrf_token

START = date(2025, 3, 3)  # the organisation's first day
D1 = date(2026, 3, 2)  # the day of the inspection
D2 = D1 + timedelta(days=45)  # today, later


def at(day: date, hour: int = 9) -> None:
    clock.freeze(datetime(day.year, day.month, day.day, hour, 0))


def passed_attempt(person, version, day: date, testing_out: bool = False) -> QuizAttempt:
    attempt = QuizAttempt(
        user_id=person.id,
        module_version_id=version.id,
        started_at=datetime.combine(day, datetime.min.time()),
        submitted_at=datetime.combine(day, datetime.min.time()) + timedelta(hours=10),
        score_percent=100,
        passed=True,
        testing_out=testing_out,
    )
    _db.session.add(attempt)
    _db.session.flush()
    return attempt


def complete(person, version, day: date, method: str = "quiz"):
    at(day, 10)
    attempt = passed_attempt(person, version, day, testing_out=method == "tested_out")
    made = record_completion(
        person.id, version, method=method, actor_id=person.id, attempt_id=attempt.id,
        score_percent=100,
    )  # fmt: skip
    _db.session.commit()
    return made


def assign(person, version, day: date, due: date) -> None:
    at(day)
    assign_modules([person.id], [version.module_id], due, actor_id=None)
    _db.session.commit()


def open_lesson(person, version, day: date) -> None:
    at(day, 11)
    lesson = version.lessons[0]
    _db.session.add(
        LessonProgress(user_id=person.id, lesson_id=lesson.id, module_id=version.module_id)
    )
    _db.session.flush()
    sync_records([(person.id, version.module_id)])
    _db.session.commit()


def major_version(version: ModuleVersion, day: date, grace_days: int = 30) -> ModuleVersion:
    at(day, 8)
    newer = ModuleVersion(
        module_id=version.module_id,
        number=version.number + 1,
        label=f"{version.number + 1}.0",
        content_hash=f"{version.content_hash}-major",
        title=version.title,
        summary=version.summary,
        audience=version.audience,
        estimated_minutes=version.estimated_minutes,
        pass_mark=version.pass_mark,
        questions_per_attempt=version.questions_per_attempt,
        recertify_after_months=version.recertify_after_months,
        change_kind="major",
        grace_days=grace_days,
    )
    _db.session.add(newer)
    _db.session.flush()
    version.module.current_version = newer
    ask_to_redo(newer)
    _db.session.commit()
    return newer


@pytest.fixture
def trust(app, make):
    """An organisation with two teams (one with a team below it), their people and modules, all
    made on the organisation's first day."""
    at(START)
    org = make.team("Riverside Trust", kind="organisation")
    wards = make.team("Wards", kind="department", parent=org)
    ward_a = make.team("Ward A", parent=wards)
    clinic = make.team("Clinic", kind="department", parent=org)
    manager = make.manager_of(wards, name="Mina Manager")
    other_manager = make.manager_of(clinic, name="Omar Other")
    admin = make.user(app_role=AppRole.ADMIN, name="Ada Admin")
    listening = make.module(slug="listening", title="Active listening")
    vision = make.module(slug="vision", title="Service vision")
    practice = make.module(slug="practice", title="Practice at the desk")
    practice.practice_required = True
    _db.session.commit()
    people = {}
    for key, team in (
        ("ali", wards), ("bea", ward_a), ("cas", ward_a), ("dev", clinic), ("eve", clinic),
    ):  # fmt: skip
        people[key] = make.user(name=key.title() + " Person")
        make.join(people[key], team)
    return {
        "org": org, "wards": wards, "ward_a": ward_a, "clinic": clinic, "manager": manager,
        "other_manager": other_manager, "admin": admin, "listening": listening,
        "vision": vision, "practice": practice, **people,
    }  # fmt: skip


def build_history(t) -> None:
    """Before D1: overdue, completed, expiring, in progress, awaiting sign-off, tested out."""
    assign(t["ali"], t["listening"], date(2026, 1, 5), due=D1 - timedelta(days=10))
    assign(t["bea"], t["listening"], date(2026, 1, 5), due=D1 + timedelta(days=30))
    complete(t["bea"], t["listening"], date(2026, 2, 2))
    assign(t["cas"], t["vision"], date(2025, 3, 10), due=date(2025, 4, 1))
    complete(t["cas"], t["vision"], date(2025, 3, 20))  # expires 20 Mar 2026: expiring on D1
    assign(t["dev"], t["listening"], date(2026, 2, 1), due=D1 + timedelta(days=20))
    open_lesson(t["dev"], t["listening"], date(2026, 2, 3))
    assign(t["eve"], t["practice"], date(2026, 2, 1), due=D1 + timedelta(days=5))
    at(date(2026, 2, 10))
    passed_attempt(t["eve"], t["practice"], date(2026, 2, 10))
    sync_records([(t["eve"].id, t["practice"].module_id)])
    _db.session.commit()
    complete(t["dev"], t["vision"], date(2026, 2, 20), method="tested_out")


def change_history(t, make) -> None:
    """After D1: completions, an expiry passing, new assignments, a major version, a newcomer."""
    complete(t["ali"], t["listening"], D1 + timedelta(days=3))
    assign(t["dev"], t["vision"], D1 + timedelta(days=5), due=D1 + timedelta(days=60))
    major_version(t["listening"], D1 + timedelta(days=10), grace_days=14)
    complete(t["eve"], t["practice"], D1 + timedelta(days=12))  # signed off at last
    at(D1 + timedelta(days=20))
    newcomer = make.user(name="Fay Newcomer")
    make.join(newcomer, t["ward_a"])
    assign(newcomer, t["vision"], D1 + timedelta(days=20), due=D1 + timedelta(days=40))


def parsed(lines) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))


def matrix_now(viewer) -> list[list[str]]:
    return parsed(matrix_csv(viewer, MatrixFilters()))


def figures_now(teams) -> list[tuple]:
    return [
        (f.team.name, f.people, f.assigned, f.completion_percent, f.overdue, f.expiring)
        for f in team_figures(teams)
    ]


def build(pack_id: int, period_from: date) -> None:
    packs.build_pack({"pack_id": pack_id, "period_from": period_from.isoformat()})


def ask_and_build(viewer, **wanted) -> EvidencePack:
    pack = packs.request_pack(viewer, PackRequest(**wanted))
    _db.session.commit()
    Worker("test").run(once=True)
    _db.session.expire_all()
    return _db.session.get(EvidencePack, pack.id)


def archive_of(pack: EvidencePack) -> zipfile.ZipFile:
    data = b"".join(packs.pack_bytes(pack.id))
    assert len(data) == pack.size_bytes
    return zipfile.ZipFile(io.BytesIO(data))


def pack_matrix(archive: zipfile.ZipFile) -> list[list[str]]:
    return parsed([archive.read("matrix.csv").decode("utf-8")])


def summary_text(archive: zipfile.ZipFile) -> str:
    reader = PdfReader(io.BytesIO(archive.read("summary.pdf")))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def figure_words(figures) -> list[str]:
    """A team's row of the summary table, as its text reads."""
    words = []
    for name, people, assigned, percent, overdue, expiring in figures:
        shown = "-" if percent is None else f"{percent} %"
        words.append(f"{name} {people} {assigned} {shown} {overdue} {expiring}")
    return words


# -- The day's rules, at their boundaries --------------------------------------------------------


def record_on(person, version, day):
    return records_as_at([person.id], content_as_at(day)).get((person.id, version.module_id))


def test_a_completion_counts_until_the_day_before_its_expiry_and_is_expired_on_it(trust):
    t = trust
    complete(t["cas"], t["vision"], date(2025, 3, 20))  # expires 20 Mar 2026
    assert record_on(t["cas"], t["vision"], date(2025, 3, 19)) is None
    assert record_on(t["cas"], t["vision"], date(2025, 3, 20)).status == Status.COMPLETED
    assert record_on(t["cas"], t["vision"], date(2026, 2, 17)).status == Status.COMPLETED
    assert record_on(t["cas"], t["vision"], date(2026, 2, 18)).status == Status.EXPIRING
    assert record_on(t["cas"], t["vision"], date(2026, 3, 19)).status == Status.EXPIRING
    assert record_on(t["cas"], t["vision"], date(2026, 3, 20)).status == Status.EXPIRED


def test_training_is_overdue_the_day_after_its_due_day_and_assignments_count_once_made(trust):
    t = trust
    assign(t["ali"], t["listening"], date(2026, 1, 5), due=date(2026, 2, 1))
    assert record_on(t["ali"], t["listening"], date(2026, 1, 4)) is None
    on_due_day = record_on(t["ali"], t["listening"], date(2026, 2, 1))
    assert (on_due_day.status, on_due_day.due_on) == (Status.NOT_STARTED, date(2026, 2, 1))
    assert record_on(t["ali"], t["listening"], date(2026, 2, 2)).status == Status.OVERDUE
    complete(t["ali"], t["listening"], date(2026, 2, 10))
    # Completed later: still overdue on the days before, its assignment open then.
    assert record_on(t["ali"], t["listening"], date(2026, 2, 9)).status == Status.OVERDUE
    assert record_on(t["ali"], t["listening"], date(2026, 2, 10)).status == Status.COMPLETED


def test_a_major_version_ends_older_completions_at_the_end_of_its_grace_period(trust):
    t = trust
    complete(t["bea"], t["listening"], date(2026, 1, 12))  # valid until 12 Jan 2027
    major_version(t["listening"], date(2026, 4, 1), grace_days=30)  # redo by 1 May 2026
    before = record_on(t["bea"], t["listening"], date(2026, 3, 31))
    assert (before.status, before.expires_on) == (Status.COMPLETED, date(2027, 1, 12))
    graced = record_on(t["bea"], t["listening"], date(2026, 4, 1))
    assert (graced.status, graced.expires_on) == (Status.EXPIRING, date(2026, 5, 1))
    assert record_on(t["bea"], t["listening"], date(2026, 4, 30)).status == Status.EXPIRING
    assert record_on(t["bea"], t["listening"], date(2026, 5, 1)).status == Status.EXPIRED


def test_a_passed_quiz_waits_for_its_sign_off_until_a_completion_is_made_from_it(trust):
    t = trust
    at(date(2026, 2, 10))
    attempt = passed_attempt(t["eve"], t["practice"], date(2026, 2, 10))
    _db.session.commit()
    assert record_on(t["eve"], t["practice"], date(2026, 2, 9)) is None
    waiting = record_on(t["eve"], t["practice"], date(2026, 2, 10))
    assert (waiting.status, waiting.awaiting_sign_off) == (Status.AWAITING_SIGN_OFF, True)
    at(date(2026, 2, 20))
    record_completion(
        t["eve"].id, t["practice"], method="quiz", actor_id=None, attempt_id=attempt.id,
        score_percent=100,
    )  # fmt: skip
    _db.session.commit()
    assert record_on(t["eve"], t["practice"], date(2026, 2, 19)).awaiting_sign_off
    assert record_on(t["eve"], t["practice"], date(2026, 2, 20)).status == Status.COMPLETED


# -- The proof: a pack as at a past day shows what the pages showed that day -----------------------


def test_a_pack_as_at_a_past_day_equals_that_days_matrix_and_dashboard_and_today_todays(
    trust, make
):
    t = trust
    build_history(t)
    at(D1, 15)
    tops = [t["wards"], t["clinic"]]
    matrix_on_d1, org_on_d1, teams_on_d1 = (
        matrix_now(t["admin"]),
        figures_now([t["org"]]),
        figures_now(tops),
    )
    assert {row[0] for row in matrix_on_d1[1:]} >= {"Ali Person", "Eve Person"}
    assert [f[4] for f in teams_on_d1] == [1, 0] and [f[5] for f in teams_on_d1] == [1, 0]

    change_history(t, make)
    at(D2, 15)
    assert matrix_now(t["admin"]) != matrix_on_d1  # the day has moved on
    assert figures_now([t["org"]]) != org_on_d1

    for as_at, matrix, org, teams in (
        (D1, matrix_on_d1, org_on_d1, teams_on_d1),
        (D2, matrix_now(t["admin"]), figures_now([t["org"]]), figures_now(tops)),
    ):
        whole = ask_and_build(t["admin"], as_at=as_at, whole_organisation=True)
        assert whole.state == "ready", whole.error
        archive = archive_of(whole)
        columns = len(matrix[0])
        assert [row[:columns] for row in pack_matrix(archive)] == matrix
        text = summary_text(archive)
        for words in figure_words(org):
            assert words in text
        chosen = ask_and_build(t["admin"], as_at=as_at, team_ids=(t["wards"].id, t["clinic"].id))
        text = summary_text(archive_of(chosen))
        for words in figure_words(teams):
            assert words in text
        assert "People as in their teams today" in text


def test_the_pack_says_how_completions_were_earned_and_holds_their_certificates(trust):
    t = trust
    build_history(t)
    at(D2)
    pack = ask_and_build(t["manager"], as_at=D1, team_ids=(t["wards"].id,))
    archive = archive_of(pack)
    rows = pack_matrix(archive)
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_name) == {"Ali Person", "Bea Person", "Cas Person"}  # Wards and Ward A
    assert by_name["Bea Person"]["Active listening"] == "completed (Completed 2 Feb 2026)"
    assert by_name["Cas Person"]["Service vision"].startswith("expiring (Expires 20 Mar 2026)")
    certificates = sorted(n for n in archive.namelist() if n.endswith(".pdf") and "/" in n)
    assert certificates == [
        "certificates/bea-person-listening-2026-02-02.pdf",
        "certificates/cas-person-vision-2025-03-20.pdf",
    ]
    index = parsed([archive.read("certificates/index.csv").decode()])
    assert index[0] == ["Person", "Module", "Version", "Code", "SHA-256", "File"]
    stored = {c.code: c.sha256 for c in _db.session.scalars(select(Certificate))}
    for _person, _module, _version, code, sha256, name in index[1:]:
        assert stored[code] == sha256
        assert archive.read(f"certificates/{name}")[:5] == b"%PDF-"
    dev = ask_and_build(t["other_manager"], as_at=D1, team_ids=(t["clinic"].id,))
    dev_rows = {row[0]: row for row in pack_matrix(archive_of(dev))[1:]}
    header = pack_matrix(archive_of(dev))[0]
    assert dev_rows["Dev Person"][header.index("Service vision")] == (
        "completed (Optional · Completed 20 Feb 2026 · tested out)"
    )
    assert dev_rows["Eve Person"][header.index("Practice at the desk")].startswith(
        "awaiting sign-off"
    )


def test_people_who_joined_after_the_day_are_not_in_its_pack(trust, make):
    t = trust
    build_history(t)
    change_history(t, make)
    at(D2)
    earlier = pack_matrix(
        archive_of(ask_and_build(t["manager"], as_at=D1, team_ids=(t["wards"].id,)))
    )
    later = pack_matrix(
        archive_of(ask_and_build(t["manager"], as_at=D2, team_ids=(t["wards"].id,)))
    )
    assert "Fay Newcomer" not in {row[0] for row in earlier}
    assert "Fay Newcomer" in {row[0] for row in later}


def test_someone_who_left_after_the_day_is_in_its_pack_and_its_figures(trust):
    t = trust
    build_history(t)
    at(D1, 15)
    on_d1 = figures_now([t["wards"]])
    at(D1 + timedelta(days=7))
    set_active(t["ali"], False, actor_id=t["admin"].id)
    _db.session.commit()
    at(D2)
    assert figures_now([t["wards"]]) != on_d1
    earlier = ask_and_build(t["manager"], as_at=D1, team_ids=(t["wards"].id,))
    assert "Ali Person" in {row[0] for row in pack_matrix(archive_of(earlier))}
    assert figure_words(on_d1)[0] in summary_text(archive_of(earlier))
    later = ask_and_build(t["manager"], as_at=D2, team_ids=(t["wards"].id,))
    assert "Ali Person" not in {row[0] for row in pack_matrix(archive_of(later))}


# -- Asking, scope and downloading ---------------------------------------------------------------


def test_a_request_is_checked_with_a_message_for_each_problem(trust):
    t = trust
    at(D1)
    with pytest.raises(PackProblems) as found:
        packs.request_pack(t["manager"], PackRequest(as_at=D1 + timedelta(days=1)))
    assert [(p.field, str(p)) for p in found.value.problems] == [
        ("as_at", "The as-at date is in the future. Choose today or a day before."),
        ("teams", "Choose at least one team."),
    ]
    with pytest.raises(PackProblems) as found:
        packs.request_pack(
            t["manager"],
            PackRequest(as_at=START - timedelta(days=1), team_ids=(t["wards"].id,)),
        )
    assert "CareLearn holds nothing before 3 Mar 2025" in str(found.value)
    with pytest.raises(PackProblems) as found:
        packs.request_pack(
            t["manager"],
            PackRequest(
                as_at=date(2026, 1, 1), period_from=date(2026, 1, 2), team_ids=(t["wards"].id,)
            ),
        )
    assert [p.field for p in found.value.problems] == ["period_from"]
    for wanted in (
        PackRequest(team_ids=(t["clinic"].id,)),
        PackRequest(team_ids=(999_999,)),
        PackRequest(whole_organisation=True),
    ):
        with pytest.raises(TeamOutOfScope):
            packs.request_pack(t["manager"], wanted)


def test_a_manager_asks_for_a_pack_on_the_page_and_sees_it_build(trust, logged_in, app):
    t = trust
    at(D1)
    client = logged_in(t["manager"])
    page = client.get("/manage/evidence")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert "Ward A" in html and "Clinic" not in html and "whole organisation" not in html
    token = csrf_token(client, "/manage/evidence")
    response = client.post(
        "/manage/evidence",
        data={
            "csrf_token": token,
            "as_at": D1.isoformat(),
            "period_from": "",
            "teams": [str(t["wards"].id)],
        },
    )
    assert response.status_code == 302
    listed = client.get("/manage/evidence")
    assert listed.headers["Refresh"] == "5"
    assert "Waiting to start." in listed.get_data(as_text=True)
    job = _db.session.scalar(select(BackgroundJob).where(BackgroundJob.kind == packs.PACK_JOB))
    assert job.payload["period_from"] == "2025-03-02"
    event = _db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "evidence_pack.request")
    )
    assert describe(event, load_names([event])) == (
        "Mina Manager asked for an evidence pack of Wards as at 2 Mar 2026, with the audit "
        "trail from 2 Mar 2025"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"as_at": "2 March", "teams": "WARDS"},
            "Enter the as-at date as a date, like 2026-11-30.",
        ),
        ({"as_at": "2026-03-03", "teams": "WARDS"}, "The as-at date is in the future."),
        ({"period_from": "yesterday", "teams": "WARDS"}, "Enter the start of the audit period"),
        (
            {"as_at": "2026-01-01", "period_from": "2026-02-01", "teams": "WARDS"},
            "is after the as-at date",
        ),
        ({"as_at": "2026-03-01"}, "Choose at least one team."),
    ],
)
def test_a_form_with_a_problem_says_what_to_fix(trust, logged_in, fields, message):
    t = trust
    at(D1)
    client = logged_in(t["manager"])
    data = {"csrf_token": csrf_token(client, "/manage/evidence"), **fields}
    if data.get("teams") == "WARDS":
        data["teams"] = str(t["wards"].id)
    response = client.post("/manage/evidence", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert _db.session.scalar(select(func.count(EvidencePack.id))) == 0


def test_teams_outside_the_managers_scope_are_not_found(trust, logged_in):
    t = trust
    at(D1)
    client = logged_in(t["manager"])
    for teams in ([str(t["clinic"].id)], ["999999"], ["organisation"], ["nine"]):
        token = csrf_token(client, "/manage/evidence")
        response = client.post("/manage/evidence", data={"csrf_token": token, "teams": teams})
        assert response.status_code == 404
    assert _db.session.scalar(select(func.count(EvidencePack.id))) == 0


def test_only_whoever_asked_and_admins_may_download_a_pack_streamed_chunk_by_chunk(
    trust, logged_in, monkeypatch
):
    t = trust
    build_history(t)
    at(D2)
    monkeypatch.setattr(packs, "CHUNK_BYTES", 4096)
    pack = ask_and_build(t["manager"], as_at=D1, team_ids=(t["wards"].id,))
    chunks = _db.session.scalar(
        select(func.count(EvidencePackChunk.id)).where(EvidencePackChunk.pack_id == pack.id)
    )
    assert chunks > 1
    whole = b"".join(packs.pack_bytes(pack.id))
    url = f"/manage/evidence/{pack.id}/download"
    response = logged_in(t["manager"]).get(url)
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="carelearn-evidence-as-at-2026-03-02-{pack.id}.zip"'
    )
    assert response.get_data() == whole
    assert logged_in(t["admin"]).get(url).status_code == 200
    assert logged_in(t["other_manager"]).get(url).status_code == 404
    assert logged_in(t["ali"]).get(url).status_code == 403  # learners never reach manager pages
    assert logged_in(t["manager"]).get("/manage/evidence/999999/download").status_code == 404
    downloads = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "evidence_pack.download")
    ).all()
    assert [d.actor_id for d in downloads] == [t["manager"].id, t["admin"].id]
    assert describe(downloads[0], load_names(downloads)) == (
        f"Mina Manager downloaded evidence pack number {pack.id}"
    )


def test_the_worker_builds_the_pack_saving_progress_and_emails_whoever_asked(
    trust, monkeypatch, app
):
    t = trust
    build_history(t)
    at(D2)
    monkeypatch.setattr(pack_members, "PEOPLE_CHUNK", 2)
    seen, leases = [], []
    original = packs._set

    def watching(pack_id, **values):
        if "done" in values:
            seen.append((values.get("state"), values["done"]))
            job = _db.session.scalar(
                select(BackgroundJob).where(BackgroundJob.kind == "evidence.pack")
            )
            leases.append(job.lease_until)
            clock.freeze(clock.utcnow() + timedelta(minutes=2))  # a slow build
        original(pack_id, **values)

    monkeypatch.setattr(packs, "_set", watching)
    pack = ask_and_build(t["admin"], as_at=D1, whole_organisation=True)
    assert pack.state == "ready" and pack.total == pack.done == 8
    assert seen == [("building", 0), (None, 2), (None, 4), (None, 6), (None, 8), ("ready", 8)]
    # Its lease moves on as it goes, so no other worker takes it over and builds it again.
    assert leases[1] < leases[2] < leases[3] < leases[4]
    archive = archive_of(pack)
    assert archive.testzip() is None
    names = set(archive.namelist())
    assert {
        "matrix.csv", "summary.pdf", "observations.csv", "huddles.csv", "audit.csv",
        "certificates/index.csv",
    } <= names  # fmt: skip
    assert f"Evidence pack: {app.config['ORGANISATION_NAME']}" in summary_text(archive)
    email = _db.session.scalar(
        select(OutboxEmail).where(OutboxEmail.subject == packs.READY_SUBJECT)
    )
    assert email.recipient == t["admin"].email
    assert re.search(rf"/manage/evidence/{pack.id}/download", email.text_body)
    audit = parsed([archive.read("audit.csv").decode()])
    assert audit[0] == ["When (UTC)", "Who", "What happened", "Kind", "Entry number"]
    assert any("completed Active listening" in row[2] for row in audit[1:])
    # Run again (a worker that died mid-job): nothing is added twice.
    pack.state = "building"
    _db.session.commit()
    build(pack.id, D1 - timedelta(days=365))
    assert _db.session.scalar(
        select(func.count(EvidencePackChunk.id)).where(EvidencePackChunk.pack_id == pack.id)
    ) == len(list(packs.pack_bytes(pack.id)))
    assert zipfile.ZipFile(io.BytesIO(b"".join(packs.pack_bytes(pack.id)))).testzip() is None


def test_a_pack_that_cannot_be_built_shows_as_failed(trust, logged_in, monkeypatch):
    t = trust
    at(D1)

    def broken(_day):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(packs, "content_as_at", broken)
    pack = ask_and_build(t["manager"], as_at=D1, team_ids=(t["wards"].id,))
    assert pack.state == "failed" and pack.error == packs.FAILED_MESSAGE
    html = logged_in(t["manager"]).get("/manage/evidence").get_data(as_text=True)
    assert "This pack could not be built." in html and packs.FAILED_MESSAGE in html
    assert logged_in(t["manager"]).get(f"/manage/evidence/{pack.id}/download").status_code == 404
    ready = select(func.count(OutboxEmail.id)).where(OutboxEmail.subject == packs.READY_SUBJECT)
    assert _db.session.scalar(ready) == 0


def test_the_packs_page_runs_the_same_queries_for_one_pack_as_for_many(
    trust, logged_in, count_queries
):
    t = trust
    at(D1)
    client = logged_in(t["manager"])

    def queries_with(n: int) -> int:
        for _ in range(n):
            packs.request_pack(t["manager"], PackRequest(as_at=D1, team_ids=(t["wards"].id,)))
        _db.session.commit()
        client.get("/manage/evidence")
        with count_queries() as counted:
            assert client.get("/manage/evidence").status_code == 200
        return counted.count

    assert queries_with(1) == queries_with(9)
