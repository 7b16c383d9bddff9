"""The public check page of a certificate: what it shows (and does not), the copy check, unknown
codes answered as fast as known ones, and the limit on lookups."""

from __future__ import annotations

import gc
import io
import statistics
import time
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.core import clock
from carelearn.extensions import db as _db
from carelearn.models import Certificate
from carelearn.services.evidence.certificates import issue_certificate, revoke_certificate
from tests.conftest import csrf_token
from tests.test_certificates import code_of, ward  # noqa: F401  (ward is a fixture)


@pytest.fixture
def issued(ward):  # noqa: F811
    certificate = issue_certificate(ward["completion"].id)
    _db.session.commit()
    return certificate


def page(client, code: str, address: str = "192.0.2.1"):
    return client.get(f"/verify/{code}", environ_base={"REMOTE_ADDR": address})


def upload(client, code: str, data: bytes, address: str = "192.0.2.1"):
    token = csrf_token(client, f"/verify/{code}")
    return client.post(
        f"/verify/{code}",
        data={"csrf_token": token, "copy": (io.BytesIO(data), "certificate.pdf")},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_page_shows_the_certificate_and_nothing_else_about_the_person(
    ward,  # noqa: F811
    issued,
    client,
):
    clock.freeze(datetime(2026, 6, 1, 12))
    response = page(client, issued.code)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for expected in (
        "Siân O’Neill",
        "Calm in conflict, version 1.0",
        f"Issued</dt><dd>{issued.issued_at.day} ",
        "2 Mar 2027",
        "Valid",
        "Riverside Community Trust",
        '<meta name="robots" content="noindex">',
    ):
        assert expected in html, expected
    assert issued.sha256[:8] in html and issued.sha256[-8:] in html
    for private in ("sian@example.org", "Ward 7", "92%", ward["learner"].job_role.name):
        assert private not in html, private
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_code_typed_loosely_still_finds_it(issued, client):
    loose = issued.code.lower().replace("-", "")
    assert page(client, loose).status_code == 200


def test_unknown_and_malformed_codes_are_a_plain_not_found(issued, client):
    for code in ("ABCD-EFGH-JKMN-PQRS", "not-a-code", "x" * 300, "%00"):
        response = page(client, code)
        assert response.status_code == 404, code
        assert response.headers["Cache-Control"] == "no-store"
        assert "Siân" not in response.get_data(as_text=True)


def test_each_standing_shows_with_its_date(ward, issued, make, client):  # noqa: F811
    clock.freeze(datetime(2027, 3, 2, 9))
    assert "Expired on 2 Mar 2027" in page(client, issued.code).get_data(as_text=True)
    clock.freeze(datetime(2027, 3, 3, 9))
    revoke_certificate(issued.id, "Taken by someone else", ward["admin"].id)
    _db.session.commit()
    assert "Revoked on 3 Mar 2027" in page(client, issued.code).get_data(as_text=True)


def test_recertifying_gives_a_new_certificate_and_the_old_page_says_superseded(
    ward,  # noqa: F811
    issued,
    make,
    logged_in,
    client,
):
    clock.freeze(datetime(2027, 2, 20, 10))
    again = make.completion(ward["learner"], ward["version"], date(2027, 2, 20))
    _db.session.commit()
    learner = logged_in(ward["learner"])
    new_code = code_of(learner.get(f"/learn/record/{again.id}/certificate.pdf"))
    old_code = code_of(learner.get(f"/learn/record/{ward['completion'].id}/certificate.pdf"))
    assert old_code == issued.code != new_code
    old_page = page(client, old_code).get_data(as_text=True)
    assert "Superseded on 20 Feb 2027 by a newer certificate" in old_page
    assert "Valid" in page(client, new_code).get_data(as_text=True)
    assert _db.session.scalar(select(func.count(Certificate.id))) == 2  # both stay


def test_a_copy_is_checked_against_the_file_issued(issued, client):
    same = upload(client, issued.code, issued.pdf)
    assert same.status_code == 200
    assert "This file is exactly the certificate issued." in same.get_data(as_text=True)
    changed = bytearray(issued.pdf)
    changed[len(changed) // 2] ^= 0x01
    different = upload(client, issued.code, bytes(changed))
    assert "This file is NOT the certificate issued: it may have been changed." in (
        different.get_data(as_text=True)
    )


def test_the_copy_check_says_what_to_fix(issued, client):
    token = csrf_token(client, f"/verify/{issued.code}")
    none = client.post(f"/verify/{issued.code}", data={"csrf_token": token})
    assert none.status_code == 422
    assert "Choose the certificate file to check." in none.get_data(as_text=True)
    big = upload(client, issued.code, b"x" * (2 * 1024 * 1024 + 1))
    assert big.status_code == 422
    assert "Choose a file of 2 MB or less" in big.get_data(as_text=True)
    no_token = client.post(
        f"/verify/{issued.code}",
        data={"copy": (io.BytesIO(issued.pdf), "c.pdf")},
        content_type="multipart/form-data",
    )
    assert no_token.status_code == 400


def test_lookups_and_uploads_are_limited_per_address(issued, client):
    for _ in range(30):
        assert page(client, "ABCD-EFGH-JKMN-PQRS", "198.51.100.7").status_code == 404
    paused = page(client, issued.code, "198.51.100.7")
    assert paused.status_code == 429
    assert int(paused.headers["Retry-After"]) >= 1
    assert "Too many in a short time" in paused.get_data(as_text=True)
    assert page(client, issued.code, "198.51.100.8").status_code == 200  # another place
    for _ in range(10):
        assert upload(client, issued.code, b"x", "198.51.100.9").status_code == 200
    assert upload(client, issued.code, b"x", "198.51.100.9").status_code == 429


def test_an_unknown_code_takes_as_long_as_a_known_one(issued, client):
    """Both run the same query and render a page: the medians of 50 of each are close. The
    three kinds take turns, so a busy machine slows them alike."""
    codes = {"known": issued.code, "unknown": "ABCD-EFGH-JKMN-PQRS", "malformed": "nonsense"}
    timings: dict[str, list[float]] = {kind: [] for kind in codes}
    gc.disable()  # as timeit does: the test process's own collections would land on either
    try:
        for n in range(60):
            for kind, code in codes.items():
                started = time.perf_counter()
                response = page(client, code, f"203.0.113.{n}")
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == (200 if kind == "known" else 404)
                if n >= 10:  # the first few warm up templates and statements
                    timings[kind].append(elapsed)
    finally:
        gc.enable()
    known, unknown, malformed = (statistics.median(timings[kind]) for kind in codes)
    for other in (unknown, malformed):
        assert abs(known - other) < max(5.0, 0.25 * known), (known, unknown, malformed)


def test_the_page_takes_a_fixed_number_of_queries(ward, issued, make, client, count_queries):  # noqa: F811
    with count_queries() as counted:
        assert page(client, issued.code).status_code == 200
    one = counted.count
    for n in range(10):
        make.completion(ward["learner"], ward["version"], date(2027, 4, 1 + n))
    _db.session.commit()
    with count_queries() as counted:
        assert page(client, issued.code).status_code == 200
    assert counted.count == one <= 2
    with count_queries() as counted:
        assert page(client, "ABCD-EFGH-JKMN-PQRS").status_code == 404
    assert counted.count == one
