"""Managers' and admins' pages, and the password pages, checked like the learner's: structure,
axe-core, no sideways scroll, and finger-sized targets on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carelearn.demo import DEMO_PASSWORD

from .checks import check_page
from .test_pages import DEVICES

pytestmark = pytest.mark.browser

# For each kind of staff: who logs in, the pages they open, and (page, link) pairs for pages
# reached as a person would, by following the first such link.
STAFF = {
    "manager": (
        "manager@carelearn.example",
        [
            "/manage/",
            "/manage/matrix",
            "/manage/matrix?status=overdue&sort=role",
            "/manage/questions",
            "/manage/assign",
        ],
        [
            ("/manage/", "main a[href^='/manage/teams/']"),
            ("/manage/matrix", "main a[href^='/manage/people/']"),
        ],
    ),
    "admin": (
        "admin@carelearn.example",
        [
            "/admin/",
            "/admin/people",
            "/admin/people/new",
            "/admin/teams",
            "/admin/teams/new",
            "/admin/import",
            "/admin/paths",
            "/admin/paths/new",
            "/admin/rules/new",
            "/admin/audit",
            "/admin/outbox",
        ],
        [
            ("/admin/people", "main a[href^='/admin/people/']:not([href$='/new'])"),
            ("/admin/teams", "main a[href^='/admin/teams/']:not([href$='/new'])"),
        ],
    ),
}


def log_in_as(page, server, email: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def visit(page, server, path: str, phone: bool) -> None:
    response = page.goto(server.url + path)
    assert response.status == 200, (path, response.status)
    check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("who", STAFF)
def test_staff_pages(live_server, new_page, who, device):
    email, paths, links = STAFF[who]
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, email)
    for path in paths:
        visit(page, live_server, path, phone)
    for path, link in links:
        page.goto(live_server.url + path)
        page.locator(link).first.click()
        check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
def test_password_pages(live_server, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    visit(page, live_server, "/password/forgot", phone)
    page.get_by_role("button").last.click()  # sent empty: the errors are checked too
    check_page(page, phone=phone)
    page.get_by_label("Email address").fill("someone@example.org")
    page.get_by_role("button").last.click()
    check_page(page, phone=phone)
