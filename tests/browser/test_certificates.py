"""Certificates in the real browser: downloaded from My record on a phone, checked on the public
page (a copy uploaded), and an admin's revoke form on the person page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.extensions import db
from carelearn.models import Certificate, User

from .checks import check_page
from .test_pages import DEVICES
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

HOLDER = "nurse@carelearn.example"  # the demo nurse has completed a module


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_certificate_is_downloaded_then_checked_on_its_public_page(
    live_server, data_app, new_page, device
):
    page = new_page(**DEVICES[device])
    log_in_as(page, live_server, HOLDER)
    page.goto(f"{live_server.url}/learn/record")
    check_page(page, phone=device == "phone", screenshot=f"record-certificates-{device}")
    expect(page.get_by_role("link", name="Download my record (PDF)")).to_be_visible()
    with page.expect_download() as downloaded:
        page.get_by_role(
            "link", name=re.compile(r"^Download \(PDF\) certificate for ")
        ).first.click()
    file = downloaded.value.path()
    with data_app.app_context():
        holder = db.session.scalar(select(User.id).where(User.email == HOLDER))
        code = db.session.scalar(
            select(Certificate.code).where(Certificate.user_id == holder).order_by(Certificate.id)
        )

    visitor = new_page(**DEVICES[device])  # anyone, not signed in
    visitor.goto(f"{live_server.url}/verify/{code}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Check a certificate")
    structure = check_page(visitor, phone=device == "phone", screenshot=f"verify-{device}")
    assert [h["level"] for h in structure["headings"]] == [1, 2]
    visitor.get_by_label("The file to check").set_input_files(file)
    visitor.get_by_role("button", name="Check the file").click()
    expect(visitor.get_by_text("This file is exactly the certificate issued.")).to_be_visible()
    check_page(visitor, phone=device == "phone")

    visitor.get_by_role("button", name="Check the file").click()  # no file chosen
    expect(visitor.get_by_role("alert")).to_contain_text("Choose the certificate file to check.")
    check_page(visitor, phone=device == "phone")


def test_an_admin_sees_a_revoke_form_for_each_certificate(live_server, data_app, new_page):
    with data_app.app_context():
        holder = db.session.scalar(select(User.id).where(User.email == HOLDER))
        issued = db.session.scalar(select(Certificate.id).where(Certificate.user_id == holder))
    if issued is None:
        pytest.skip("the download test issues the nurse's certificate first")
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, "admin@carelearn.example")
    page.goto(f"{live_server.url}/manage/people/{holder}")
    page.locator("summary", has_text="Revoke").first.click()
    expect(page.get_by_label("Why it is revoked").first).to_be_visible()
    check_page(page, phone=True, screenshot="person-revoke-phone")
