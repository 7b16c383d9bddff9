"""Certificates: issued once per completion with what they say, a QR code that opens their check
page, how each stands on any day, downloads for the holder and their managers, and revoking."""

from __future__ import annotations

import hashlib
import io
import re
import statistics
import threading
import time
from datetime import date, datetime

import pypdf
import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import func, insert, select

from carelearn.extensions import db as _db
from carelearn.models import (
    AppRole,
    AuditEvent,
    Certificate,
    Completion,
    ObservationItem,
    PracticeObservation,
    PriorLearning,
)
from carelearn.services.evidence import certificates as issuing
from carelearn.services.evidence.certificate_pdf import (
    CertificateFacts,
    SignOff,
    pdf_text,
    render_certificate,
)
from carelearn.services.evidence.certificate_status import (
    Standing,
    certificate_status,
    certificate_statuses,
)
from carelearn.services.evidence.certificates import (
    CODE_ALPHABET,
    NoCertificate,
    RevokeProblem,
    certificates_for,
    issue_certificate,
    normalise_code,
    revoke_certificate,
)
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token

BASE_URL = "https://learn.example.org"
DONE_ON = date(2026, 3, 2)
EXPIRES_ON = date(2027, 3, 2)


@pytest.fixture
def ward(app, make):
    """A learner on a ward with a completion, their manager, a manager elsewhere and an admin."""
    app.config["BASE_URL"] = BASE_URL
    app.config["ORGANISATION_NAME"] = "Riverside Community Trust"
    ward, elsewhere = make.team("Ward 7"), make.team("Elsewhere")
    learner = make.user(name="Siân O’Neill", email="sian@example.org")
    make.join(learner, ward)
    version = make.module(title="Calm in conflict")
    done = make.completion(learner, version, DONE_ON, expires=EXPIRES_ON)
    done.score_percent = 92
    _db.session.commit()
    return {
        "learner": learner,
        "version": version,
        "completion": done,
        "manager": make.manager_of(ward),
        "outsider": make.manager_of(elsewhere),
        "admin": make.user(app_role=AppRole.ADMIN),
        "other": make.user(),
    }


def pdf_words(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def qr_codes(data: bytes) -> list[str]:
    page = pypdfium2.PdfDocument(data)[0]
    image = page.render(scale=3).to_pil()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def observed(make, person, version, on: date, items: int = 3) -> PracticeObservation:
    observer = make.user(name="Grace Okafor", role="nurse")
    observation = PracticeObservation(
        user_id=person.id,
        module_id=version.module_id,
        module_version_id=version.id,
        observer_id=observer.id,
        observed_at=datetime.combine(on, datetime.min.time()),
        outcome="met",
    )
    _db.session.add(observation)
    _db.session.flush()
    _db.session.add_all(
        ObservationItem(observation_id=observation.id, position=n, text=f"Item {n}", met=True)
        for n in range(1, items + 1)
    )
    _db.session.flush()
    return observation


def prior_learning(person, version, on: date) -> Completion:
    recognised = PriorLearning(
        user_id=person.id,
        module_id=version.module_id,
        title="Conflict course",
        provider="Another trust",
        completed_on=on,
        approved_by="A lead",
        evidence_name="course.pdf",
        evidence_type="application/pdf",
        evidence=b"%PDF-",
        recorded_by_id=person.id,
    )
    _db.session.add(recognised)
    _db.session.flush()
    done = Completion(
        user_id=person.id,
        module_id=version.module_id,
        module_version_id=version.id,
        completed_on=on,
        method="prior_learning",
        prior_learning_id=recognised.id,
    )
    _db.session.add(done)
    _db.session.commit()
    return done


def code_of(response) -> str:
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    return re.search(r"([0-9A-Z]{4}-){3}[0-9A-Z]{4}", reader.pages[0].extract_text()).group(0)


# -- What a certificate says ---------------------------------------------------------------------


def test_a_certificate_says_who_did_what_when_and_where_to_check_it(ward):
    issued = issue_certificate(ward["completion"].id)
    words = pdf_words(issued.pdf)
    address = f"{BASE_URL}/verify/{issued.code}"
    for expected in (
        "Siân O'Neill",  # the curly apostrophe in plain form: the built-in fonts lack it
        "Calm in conflict",
        "Version 1.0",
        "Completed 2 Mar 2026",
        "Score 92%",
        "How it was earned Quiz passed",
        "Expires 2 Mar 2027",
        "Riverside Community Trust",
        issued.code,
        address,
    ):
        assert expected in words, expected
    assert "Observed practice" not in words
    metadata = pypdf.PdfReader(io.BytesIO(issued.pdf))
    assert metadata.metadata.title == "Certificate: Calm in conflict, Siân O’Neill"
    assert metadata.metadata.author == "Riverside Community Trust"
    assert issued.code in metadata.metadata.subject
    catalog = metadata.trailer["/Root"]
    assert catalog["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in catalog  # the QR code is a tagged figure with alternative text
    assert b"/Alt (QR code that opens the verification page" in issued.pdf


def test_the_qr_code_opens_the_verification_address(ward):
    issued = issue_certificate(ward["completion"].id)
    assert qr_codes(issued.pdf) == [f"{BASE_URL}/verify/{issued.code}"]


def test_testing_out_an_earlier_redo_date_and_observed_practice_are_on_it(ward, make):
    done = ward["completion"]
    done.method = "tested_out"
    done.redo_by = date(2026, 9, 30)
    done.observation_id = observed(make, ward["learner"], ward["version"], date(2026, 2, 27)).id
    _db.session.commit()
    words = pdf_words(issue_certificate(done.id).pdf)
    assert "How it was earned Tested out" in words
    assert "Expires 30 Sept 2026" in words or "Expires 30 Sep 2026" in words
    assert "Signed off by Grace Okafor on 27 Feb 2026: all 3 items met" in words


def test_a_completion_that_never_expires_says_so(ward, make):
    done = make.completion(ward["learner"], make.module(recertify_after_months=None), DONE_ON)
    _db.session.commit()
    assert "Expires Does not expire" in pdf_words(issue_certificate(done.id).pdf)


def test_prior_learning_has_no_certificate(ward):
    done = prior_learning(ward["learner"], ward["version"], date(2025, 5, 1))
    with pytest.raises(NoCertificate):
        issue_certificate(done.id)
    with pytest.raises(NoCertificate):
        issue_certificate(999_999)


def test_names_outside_the_built_in_fonts_are_written_plainly():
    assert pdf_text("Łukasz Wójcik – “Ward 7”") == 'Lukasz Wójcik - "Ward 7"'
    assert pdf_text("Zoë Ševčík") == "Zoë Sevcík"  # í is in Latin-1
    assert pdf_text("李") == "?"


# -- Issuing once --------------------------------------------------------------------------------


def test_issued_once_kept_byte_for_byte_with_its_hash_and_an_audit_entry(ward):
    first = issue_certificate(ward["completion"].id, actor_id=ward["learner"].id)
    _db.session.commit()
    again = issue_certificate(ward["completion"].id)
    assert again.id == first.id and again.pdf == first.pdf
    assert hashlib.sha256(first.pdf).hexdigest() == first.sha256
    assert re.fullmatch(rf"[{CODE_ALPHABET}]{{4}}(-[{CODE_ALPHABET}]{{4}}){{3}}", first.code)
    assert normalise_code(first.code.lower().replace("-", " ")) == first.code
    assert normalise_code("not a code") is None
    events = _db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.issue")
    ).all()
    assert len(events) == 1
    assert describe(events[0], load_names(events)) == (
        f"CareLearn issued Siân O’Neill a certificate for Calm in conflict (version 1.0), "
        f"code {first.code}, first downloaded by Siân O’Neill"
    )


def test_codes_are_long_random_and_distinct():
    codes = {issuing.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code.replace("-", "")) == 16 for code in codes)
    assert not set("ILOU") & set("".join(codes))


def test_two_first_downloads_at_once_make_one_certificate(ward, monkeypatch):
    """The other download commits its certificate while this one is drawing the PDF."""
    completion_id = ward["completion"].id
    drawn = issuing.render_certificate

    def another_download_wins(facts):
        data = drawn(facts)
        with _db.engine.begin() as other:
            other.execute(
                insert(Certificate),
                {
                    "code": "WXYZ-WXYZ-WXYZ-WXYZ",
                    "completion_id": completion_id,
                    "user_id": ward["learner"].id,
                    "pdf": b"the winner",
                    "sha256": hashlib.sha256(b"the winner").hexdigest(),
                    "issued_at": datetime(2026, 3, 2),
                },
            )
        return data

    monkeypatch.setattr(issuing, "render_certificate", another_download_wins)
    got = issue_certificate(completion_id)
    _db.session.commit()
    assert got.code == "WXYZ-WXYZ-WXYZ-WXYZ" and got.pdf == b"the winner"
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1
    assert (
        _db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issue")
        )
        == 0
    )


def test_two_downloads_at_the_same_moment_make_one_certificate(app, ward, monkeypatch):
    """Two requests both find none, both draw one, then both save: one is kept, both get it."""
    completion_id = ward["completion"].id
    both_drawn = threading.Barrier(2)
    drawn = issuing.render_certificate

    def draw_then_wait(facts):
        data = drawn(facts)
        both_drawn.wait(timeout=10)
        return data

    monkeypatch.setattr(issuing, "render_certificate", draw_then_wait)
    got, failed = [], []

    def download():
        try:
            with app.app_context():
                got.append(issue_certificate(completion_id).code)
                _db.session.commit()
        except Exception as error:  # reported below, with the thread's own traceback lost
            failed.append(repr(error))

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failed and len(got) == 2 and got[0] == got[1], (got, failed)
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1
    assert (
        _db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issue")
        )
        == 1
    )


def test_drawing_a_certificate_is_quick():
    """The evidence pack draws one for every completion: a few milliseconds of work each (of
    this process's own time, so other work on a busy machine does not count)."""
    facts = CertificateFacts(
        holder="Siân O’Neill",
        module_title="Communicating with people who need extra support",
        version_label="1.2",
        completed_on=DONE_ON,
        score_percent=92,
        method_words="tested out",
        stops_counting_on=EXPIRES_ON,
        organisation="Riverside Community Trust",
        code="B12Y-HTZ4-0KZB-XYQ2",
        address=f"{BASE_URL}/verify/B12Y-HTZ4-0KZB-XYQ2",
        sign_off=SignOff("Grace Okafor", date(2026, 2, 27), 4),
        issued_at=datetime(2026, 3, 2, 10),
    )
    render_certificate(facts)
    timings = []
    for _ in range(50):
        started = time.process_time()
        render_certificate(facts)
        timings.append(time.process_time() - started)
    assert statistics.median(timings) < 0.010, timings


def test_certificates_for_many_completions_in_one_query(ward, make, count_queries):
    done = [ward["completion"]] + [
        make.completion(ward["learner"], make.module(), DONE_ON) for _ in range(3)
    ]
    _db.session.commit()
    issued = {c.id: issue_certificate(c.id).code for c in done[:3]}
    _db.session.commit()
    with count_queries() as counted:
        found = certificates_for([c.id for c in done], with_pdf=False)
    assert counted.count == 1
    assert {k: v.code for k, v in found.items()} == issued
    # Issuing after a read without the files still gives the whole certificate.
    assert issue_certificate(done[0].id).pdf.startswith(b"%PDF-")


# -- How it stands -------------------------------------------------------------------------------


def stands(certificate, on: date) -> tuple[str, date | None]:
    status = certificate_status(certificate, on)
    return status.kind.value, status.since


def test_valid_until_the_day_it_expires(ward):
    issued = issue_certificate(ward["completion"].id)
    assert stands(issued, date(2027, 3, 1)) == ("valid", None)
    assert stands(issued, EXPIRES_ON) == ("expired", EXPIRES_ON)
    assert certificate_status(issued, EXPIRES_ON).words == "Expired on 2 Mar 2027"


def test_a_redo_date_earlier_than_the_expiry_is_when_it_stops_counting(ward):
    ward["completion"].redo_by = date(2026, 10, 1)
    _db.session.commit()
    issued = issue_certificate(ward["completion"].id)
    assert stands(issued, date(2026, 9, 30)) == ("valid", None)
    assert stands(issued, date(2026, 10, 1)) == ("expired", date(2026, 10, 1))


def test_superseded_from_the_day_of_a_newer_completion(ward, make):
    issued = issue_certificate(ward["completion"].id)
    make.completion(ward["learner"], ward["version"], date(2027, 2, 20))
    _db.session.commit()
    assert stands(issued, date(2027, 2, 19)) == ("valid", None)
    assert stands(issued, date(2027, 2, 20)) == ("superseded", date(2027, 2, 20))
    assert stands(issued, date(2027, 6, 1)) == ("superseded", date(2027, 2, 20))  # not expired
    assert (
        certificate_status(issued, date(2027, 2, 20)).words
        == "Superseded on 20 Feb 2027 by a newer certificate"
    )


def test_a_second_completion_the_same_day_supersedes_the_first(ward, make):
    issued = issue_certificate(ward["completion"].id)
    version_2 = make.module()  # another version row of the same module
    version_2.module_id, version_2.number = ward["version"].module_id, 2
    _db.session.flush()
    later = make.completion(ward["learner"], version_2, DONE_ON)
    _db.session.commit()
    assert stands(issued, DONE_ON) == ("superseded", DONE_ON)
    assert stands(issue_certificate(later.id), DONE_ON) == ("valid", None)


def test_another_persons_or_modules_completion_supersedes_nothing(ward, make):
    issued = issue_certificate(ward["completion"].id)
    make.completion(ward["other"], ward["version"], date(2026, 6, 1))
    make.completion(ward["learner"], make.module(), date(2026, 6, 1))
    _db.session.commit()
    assert stands(issued, date(2026, 7, 1)) == ("valid", None)


def test_revoked_from_the_day_it_was_revoked_and_that_wins(ward, make):
    issued = issue_certificate(ward["completion"].id)
    make.completion(ward["learner"], ward["version"], date(2026, 5, 1))
    _db.session.commit()
    with pytest.raises(RevokeProblem, match="Write why"):
        revoke_certificate(issued.id, "   ", ward["admin"].id)
    with pytest.raises(RevokeProblem, match="500 characters or fewer"):
        revoke_certificate(issued.id, "x" * 501, ward["admin"].id)
    with pytest.raises(RevokeProblem, match="NHS number"):
        revoke_certificate(issued.id, "Mixed up with patient 943 476 5919", ward["admin"].id)
    from carelearn.core import clock

    clock.freeze(datetime(2026, 6, 10, 9, 30))
    revoke_certificate(issued.id, "Quiz taken by someone else", ward["admin"].id)
    _db.session.commit()
    assert stands(issued, date(2026, 6, 9)) == ("superseded", date(2026, 5, 1))
    assert stands(issued, date(2026, 6, 10)) == ("revoked", date(2026, 6, 10))
    assert certificate_status(issued, date(2026, 6, 10)).words == "Revoked on 10 Jun 2026"
    with pytest.raises(RevokeProblem, match="already revoked on 10 Jun 2026"):
        revoke_certificate(issued.id, "Again", ward["admin"].id)
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "certificate.revoke"))
    assert describe(event, load_names([event])) == (
        f"{ward['admin'].name} revoked the certificate of Siân O’Neill for Calm in conflict, "
        f"code {issued.code}: “Quiz taken by someone else”"
    )


def test_statuses_of_many_certificates_in_one_query(ward, make, count_queries):
    issued = [issue_certificate(ward["completion"].id)]
    for _ in range(4):
        done = make.completion(ward["learner"], make.module(), DONE_ON, expires=EXPIRES_ON)
        issued.append(issue_certificate(done.id))
    _db.session.commit()
    with count_queries() as counted:
        statuses = certificate_statuses([c.id for c in issued], date(2027, 3, 2))
    assert counted.count == 1
    assert {s.kind for s in statuses.values()} == {Standing.EXPIRED}


# -- Downloads -----------------------------------------------------------------------------------


def test_the_learner_downloads_their_certificate_the_same_bytes_each_time(ward, logged_in):
    client = logged_in(ward["learner"])
    page = client.get("/learn/record").get_data(as_text=True)
    url = f"/learn/record/{ward['completion'].id}/certificate.pdf"
    assert f'href="{url}"' in page
    assert 'Download (PDF)<span class="visually-hidden"> certificate for Calm in conflict' in page
    first = client.get(url)
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Cache-Control"] == "no-store"
    assert "attachment" in first.headers["Content-Disposition"]
    again = client.get(url)
    assert again.data == first.data
    stored = _db.session.scalar(select(Certificate))
    assert hashlib.sha256(first.data).hexdigest() == stored.sha256


def test_another_learners_certificate_is_not_found(ward, logged_in):
    issue_certificate(ward["completion"].id)
    _db.session.commit()
    client = logged_in(ward["other"])
    assert client.get(f"/learn/record/{ward['completion'].id}/certificate.pdf").status_code == 404
    assert client.get("/learn/record/999999/certificate.pdf").status_code == 404


def test_prior_learning_offers_no_certificate(ward, logged_in):
    done = prior_learning(ward["learner"], ward["version"], date(2025, 5, 1))
    client = logged_in(ward["learner"])
    assert client.get(f"/learn/record/{done.id}/certificate.pdf").status_code == 404
    assert "None: recognised from elsewhere" in client.get("/learn/record").get_data(as_text=True)


def test_managers_in_scope_and_admins_download_others_get_not_found(ward, logged_in):
    person, done = ward["learner"], ward["completion"]
    url = f"/manage/people/{person.id}/completions/{done.id}/certificate.pdf"
    page = logged_in(ward["manager"]).get(f"/manage/people/{person.id}").get_data(as_text=True)
    assert f'href="{url}"' in page
    assert logged_in(ward["manager"]).get(url).status_code == 200
    assert logged_in(ward["admin"]).get(url).status_code == 200
    assert logged_in(ward["outsider"]).get(url).status_code == 404
    # Someone the manager sees, with another person's completion: not found either.
    other_done = f"/manage/people/{person.id}/completions/999999/certificate.pdf"
    assert logged_in(ward["manager"]).get(other_done).status_code == 404
    assert _db.session.scalar(select(func.count(Certificate.id))) == 1


def test_downloads_take_a_fixed_number_of_queries(ward, make, logged_in, count_queries):
    for n in range(15):
        make.completion(ward["learner"], make.module(), date(2026, 1, 1 + n))
    _db.session.commit()
    client = logged_in(ward["learner"])
    manager = logged_in(ward["manager"])
    own = f"/learn/record/{ward['completion'].id}/certificate.pdf"
    theirs = (
        f"/manage/people/{ward['learner'].id}/completions/{ward['completion'].id}/certificate.pdf"
    )
    counts = {}
    for name, browser, url in (
        ("first", client, own),
        ("again", client, own),
        ("manager", manager, theirs),
    ):
        with count_queries() as counted:
            assert browser.get(url).status_code == 200
        counts[name] = counted.count
    assert counts["again"] <= 3, counts
    assert counts["first"] <= 9, counts
    assert counts["manager"] <= 5, counts
    with count_queries() as counted:
        assert client.get("/learn/record").status_code == 200
    record_page = counted.count
    for n in range(15):
        issue_certificate(make.completion(ward["learner"], make.module(), date(2025, 1, 1 + n)).id)
    _db.session.commit()
    with count_queries() as counted:
        assert client.get("/learn/record").status_code == 200
    assert counted.count == record_page


# -- Revoking ------------------------------------------------------------------------------------


def test_an_admin_revokes_from_the_person_page_with_a_reason(ward, logged_in):
    issued = issue_certificate(ward["completion"].id)
    _db.session.commit()
    person = ward["learner"]
    url = f"/manage/people/{person.id}/certificates/{issued.id}/revoke"
    manager_page = logged_in(ward["manager"]).get(f"/manage/people/{person.id}")
    assert url not in manager_page.get_data(as_text=True)
    manager = logged_in(ward["manager"])
    token = csrf_token(manager, f"/manage/people/{person.id}")
    assert manager.post(url, data={"csrf_token": token, "reason": "No"}).status_code == 403

    admin = logged_in(ward["admin"])
    page = admin.get(f"/manage/people/{person.id}").get_data(as_text=True)
    assert f'action="{url}"' in page and 'for="reason-' in page
    token = csrf_token(admin, f"/manage/people/{person.id}")
    empty = admin.post(url, data={"csrf_token": token, "reason": ""}, follow_redirects=True)
    assert "Write why the certificate is revoked" in empty.get_data(as_text=True)
    done = admin.post(url, data={"csrf_token": token, "reason": "Taken by someone else"})
    assert done.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Certificate, issued.id).revoked_reason == "Taken by someone else"
    after = admin.get(f"/manage/people/{person.id}").get_data(as_text=True)
    assert "Revoked on" in after and url not in after
    # Not someone else's certificate through this person's address.
    other = f"/manage/people/{ward['other'].id}/certificates/{issued.id}/revoke"
    assert admin.post(other, data={"csrf_token": token, "reason": "x"}).status_code == 404
