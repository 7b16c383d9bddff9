"""Evidence packs in the real browser, on a desktop and a phone: asking for one, a problem
shown with the form, the pack waiting, then ready to download."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carelearn.worker import Worker

from .checks import check_page
from .test_pages import DEVICES
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("device", DEVICES)
def test_a_manager_asks_for_an_evidence_pack_and_downloads_it(
    live_server, data_app, new_page, device
):
    phone = device == "phone"
    page = new_page(**DEVICES[device])
    log_in_as(page, live_server, "manager@carelearn.example")
    page.goto(f"{live_server.url}/manage/")
    page.get_by_role("link", name="Evidence packs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence packs")
    check_page(page, phone=phone, screenshot=f"evidence-{device}")

    page.get_by_role("button", name="Build the pack").click()  # no team ticked
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Choose at least one team.")).to_be_visible()
    check_page(page, phone=phone)

    page.get_by_role("group", name="Which teams").get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Build the pack").click()
    expect(page.get_by_text("Waiting to start.").first).to_be_visible()
    check_page(page, phone=phone)

    with data_app.app_context():
        Worker("browser-tests").run(once=True)
    page.reload()
    download_link = page.get_by_role("link", name="Download").first
    expect(download_link).to_be_visible()
    check_page(page, phone=phone, screenshot=f"evidence-ready-{device}")
    with page.expect_download() as started:
        download_link.click()
    assert started.value.suggested_filename.startswith("carelearn-evidence-as-at-")
