"""Managers' and admins' pages, and the password pages, checked like the learner's: structure,
axe-core, no sideways scroll, and finger-sized targets on a phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carelearn.demo import DEMO_PASSWORD

from .checks import check_page
from .test_pages import DEVICES

pytestmark = pytest.mark.browser

MANAGER_PAGES = ["/manage/", "/manage/matrix", "/manage/matrix?status=overdue&sort=role",
                 "/manage/questions", "/manage/assign"]
ADMIN_PAGES = ["/admin/", "/admin/people", "/admin/people/new", "/admin/teams", "/admin/teams/new",
               "/admin/import", "/admin/paths", "/admin/paths/new", "/admin/rules/new", "/admin/audit"]


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
def test_manager_pages(live_server, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "manager@carelearn.example")
    for path in MANAGER_PAGES:
        visit(page, live_server, path, phone)
    # A team's page and a person's page, reached as a manager would: by their links.
    page.goto(live_server.url + "/manage/")
    page.locator("main a[href^='/manage/teams/']").first.click()
    check_page(page, phone=phone)
    page.goto(live_server.url + "/manage/matrix")
    page.locator("main a[href^='/manage/people/']").first.click()
    check_page(page, phone=phone)


@pytest.mark.parametrize("device", DEVICES)
def test_admin_pages(live_server, new_page, device):
    page = new_page(**DEVICES[device])
    phone = device == "phone"
    log_in_as(page, live_server, "admin@carelearn.example")
    for path in ADMIN_PAGES:
        visit(page, live_server, path, phone)
    page.goto(live_server.url + "/admin/people")
    page.locator("main a[href^='/admin/people/']:not([href$='/new'])").first.click()
    check_page(page, phone=phone)
    page.goto(live_server.url + "/admin/teams")
    page.locator("main a[href^='/admin/teams/']:not([href$='/new'])").first.click()
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
