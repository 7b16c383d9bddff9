"""Error pages, zoom, phones and pages without JavaScript, in the real browser."""

from __future__ import annotations

import re

import pytest
from flask import abort
from playwright.sync_api import expect

from carelearn import create_app

from ..servers import start_server, stop_server
from .checks import assert_no_sideways_scroll, check_page
from .conftest import DESKTOP, JOURNEY_MODULE, PHONE
from .journey import MODULE_TITLE, expect_page, talk_through

pytestmark = pytest.mark.browser

DEVICES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


def log_in(page, server, learner) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email address").fill(learner.email)
    page.get_by_label("Password", exact=True).fill(learner.password)
    page.get_by_role("button", name="Log in").click()
    expect_page(page, "My training", "My training")


def _failing_responses(live_server) -> dict[int, str]:
    """The app's own 403 and 500 pages. The live server has no page that fails on purpose, so
    an app in this process gets two routes that do, and the browser shows what they return."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": live_server.database_url,
            "SECRET_KEY": "error-page-preview",
            "PROPAGATE_EXCEPTIONS": False,
            "RATELIMIT_MEMORY_OK": True,  # one process, in the test
        }
    )
    app.add_url_rule("/refused", "refused", lambda: abort(403))

    def broken():
        raise RuntimeError("a deliberate failure to show the 500 page")

    app.add_url_rule("/broken", "broken", broken)
    app.logger.disabled = True
    client = app.test_client()
    pages = {}
    for path, code in (("/refused", 403), ("/broken", 500)):
        response = client.get(path)
        assert response.status_code == code
        pages[code] = response.get_data(as_text=True)
    return pages


def _answer_with(code: int, html: str):
    def fulfil(route):
        route.fulfill(status=code, body=html, content_type="text/html; charset=utf-8")

    return fulfil


@pytest.mark.parametrize("device", DEVICES)
def test_error_pages_share_the_layout(live_server, learner, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"

    response = page.goto(live_server.url + "/no-such-page")
    assert response.status == 404
    expect_page(page, "Page not found", "Page not found")
    expect(page.get_by_role("link", name="Go to my training")).to_be_visible()
    check_page(page, phone=phone, screenshot=f"not-found-{device}")

    # Logged in, a module that does not exist is a 404 with the usual navigation.
    log_in(page, live_server, learner)
    response = page.goto(live_server.url + "/learn/no-such-module")
    assert response.status == 404
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    check_page(page, phone=phone)

    for code, html in _failing_responses(live_server).items():
        url = f"{live_server.url}/preview-{code}"
        page.route(url, _answer_with(code, html))
        assert page.goto(url).status == code
        expect(page.locator(".error-page__code")).to_have_text(f"Error {code}")
        check_page(page, phone=phone)


def test_database_outage_shows_a_calm_page(tmp_path, new_page):
    # A server whose database cannot be opened: the health check says so, pages stay calm.
    process, out, server = start_server(
        tmp_path, "sqlite:///" + str(tmp_path / "missing-folder" / "db.sqlite3"), health_status=503
    )
    try:
        page = new_page(**DEVICES["desktop"])
        page.goto(server.url + "/login")
        page.get_by_label("Email address").fill("someone@browser.example")
        page.get_by_label("Password", exact=True).fill("whatever-it-is")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Log in").click()
        assert answer.value.status == 503
        expect(page.locator("h1")).to_have_text("CareLearn is busy or being looked after")
        expect(page.locator(".lead")).to_contain_text("your progress is saved")
        check_page(page, screenshot="unavailable-desktop")
    finally:
        stop_server(process, out)


# 200% zoom of a 1280x800 window lays pages out in 640x400 CSS pixels; 400% gives 320 px,
# the width WCAG's reflow rule asks to work without scrolling sideways.
@pytest.mark.parametrize("zoom", [200, 400])
def test_pages_reflow_when_zoomed(live_server, learner, best_choice, new_page, zoom):
    scale = zoom / 100
    page = new_page(
        viewport={"width": int(DESKTOP["width"] / scale), "height": int(DESKTOP["height"] / scale)},
        device_scale_factor=scale,
    )

    def check():
        assert_no_sideways_scroll(page)
        for link in page.get_by_role("navigation", name="Main").get_by_role("link").all():
            box = link.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]

    page.goto(live_server.url + "/login")
    assert_no_sideways_scroll(page)
    log_in(page, live_server, learner)
    check()
    page.goto(f"{live_server.url}/learn/{JOURNEY_MODULE}")
    check()
    page.get_by_role("link", name=re.compile("Start the first lesson")).click()
    while True:
        check()
        button = page.get_by_role("button", name=re.compile("^Mark as done"))
        last = "quiz" in button.inner_text()
        # Checked only once the next page is there, not while the click is still loading it.
        with page.expect_navigation():
            button.click()
        if last:
            break
    page.get_by_role("button", name="Start the quiz").click()
    talk_through(page, best_choice, lambda locator: locator.click(), check=check)
    expect_page(page, "Quiz", f"Quiz: {MODULE_TITLE}")
    check()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check()
    page.goto(live_server.url + "/learn/record")
    check()


def test_the_journey_works_without_javascript(live_server, learner, new_page):
    page = new_page(viewport=DESKTOP, java_script_enabled=False)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    log_in(page, live_server, learner)
    page.get_by_role("link", name=f"Start {MODULE_TITLE}").click()
    page.get_by_role("button", name=re.compile("^Mark as done")).click()
    expect(page.locator(".meta").first).to_contain_text("Lesson 2 of")
    page.get_by_role("link", name="Previous lesson").click()
    expect(page.locator(".meta").first).to_contain_text("Done")
    page.get_by_role("link", name="My record").click()
    expect_page(page, "My record", "My record")
    # Everything the pages need comes from the app itself: no CDN, no other host.
    others = [url for url in requests if not url.startswith(live_server.url + "/")]
    assert not others, f"requests to other hosts: {others}"
