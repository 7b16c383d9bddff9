"""A real CareLearn server in its own process, a real Chromium, and fresh learners to drive them.

The server always uses its own SQLite file, even when the rest of the suite runs on the
PostgreSQL database in DATABASE_URL: that database is emptied by the other tests between
tests, while the server here must keep its data for a whole journey and runs in another
process. What the browser tests check (pages, keyboard, accessibility, layout) does not depend
on the database engine, which the rest of the suite covers on both.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from carelearn import create_app
from carelearn.content.conversation import Conversation
from carelearn.extensions import db
from carelearn.models import AppRole, AttemptQuestion, JobRole, Option, User

from ..servers import flask_command, server_env, start_server, stop_server
from .checks import axe_source
from .html_check import HtmlPages

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
JOURNEY_MODULE = "active-listening"
PASSWORD = "browser-test-password"  # only ever used against the throwaway test server

_numbers = itertools.count(1)
HTML_PAGES = HtmlPages()  # every page any browser context is sent, checked at the end


@pytest.fixture(scope="session", autouse=True)
def valid_html(tmp_path_factory):
    """After the last browser test: the W3C's Nu Html Checker finds no error in any page the
    browser tests saw (see html_check.py)."""
    yield HTML_PAGES
    problems = HTML_PAGES.problems(tmp_path_factory.mktemp("checked-html"))
    if problems:
        pytest.fail(
            f"The Nu Html Checker found {len(problems)} error(s) in the pages the browser tests "
            "saw:\n" + "\n".join(problems),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real app, migrated, with the real content published and the demo data seeded."""
    instance = tmp_path_factory.mktemp("browser-instance")
    database_url = "sqlite:///" + str(instance / "carelearn.sqlite3")
    env = server_env(instance, database_url)
    for args in (["db", "upgrade"], ["content", "publish"], ["demo"]):
        result = flask_command(env, *args)
        output = result.stdout + result.stderr
        # Content that fails its checks is never published (test_content_checker covers that);
        # the journey needs only its own module to be live.
        if args[0] == "content":
            assert f" {JOURNEY_MODULE}: version" in output, output
        else:
            assert result.returncode == 0, output
    process, out, server = start_server(instance, database_url)
    yield server
    stop_server(process, out)


@pytest.fixture(scope="session")
def data_app(live_server):
    """The app in this process, on the server's database: to make learners and read answers."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": live_server.database_url,
            "SECRET_KEY": "browser-tests",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@dataclass
class Learner:
    email: str
    name: str
    password: str = PASSWORD


@pytest.fixture
def learner(data_app) -> Learner:
    """A new receptionist with no progress at all, so no test depends on another's."""
    number = next(_numbers)
    email = f"learner{number}.{secrets.token_hex(3)}@browser.example"
    first = ["Sam", "Ola", "Jo", "Ravi", "Mia", "Leo"][number % 6]
    with data_app.app_context():
        role = db.session.scalar(select(JobRole).where(JobRole.slug == "receptionist"))
        user = User(
            email=email,
            name=f"{first} Taylor",
            job_role=role,
            app_role=AppRole.LEARNER,
            start_date=date.today(),
        )
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        return Learner(email=user.email, name=user.name)


@pytest.fixture
def correct_options(data_app):
    """Which of these option ids are right, read from the published content in the database."""

    def _lookup(option_ids: list[int]) -> set[int]:
        with data_app.app_context():
            return set(
                db.session.scalars(
                    select(Option.id).where(Option.id.in_(option_ids), Option.is_correct.is_(True))
                )
            )

    return _lookup


@pytest.fixture
def best_choice(data_app):
    """The best choice's value at the step a conversation page shows, read from the database's
    copy of the map, never from the page (which holds no more than the step)."""

    def _lookup(item_id: int, taken: int) -> int:
        with data_app.app_context():
            item = db.session.get(AttemptQuestion, item_id)
            best = Conversation.from_steps(item.question.steps).best_path()
            return best.taken[taken].index

    return _lookup


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _context(browser, **options):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", **options)
    context.set_default_timeout(10_000)
    HTML_PAGES.watch(context)
    if options.get("java_script_enabled", True):
        # axe-core ready in every page, for the checks; Chromium then compiles it only once.
        context.add_init_script(script=axe_source())
    return context


@pytest.fixture
def desktop(browser):
    context = _context(browser, viewport=DESKTOP)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = _context(
        browser, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def new_page(browser):
    """Pages with any viewport a test asks for; all closed at the end."""
    contexts = []

    def _open(**options):
        contexts.append(_context(browser, **options))
        return contexts[-1].new_page()

    yield _open
    for context in contexts:
        context.close()
