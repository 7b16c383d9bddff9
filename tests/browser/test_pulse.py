"""The staff pulse and module ratings in the real browser, on a phone: a learner answers the
three questions from the card on My training and rates a module from My record; an admin reads
the rounds, the ratings and the results."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from carelearn.core.clock import today
from carelearn.demo import DEMO_PASSWORD
from carelearn.extensions import db
from carelearn.models import (
    Module,
    PulseResponse,
    PulseRound,
    Team,
    TeamMembership,
    User,
)
from carelearn.services.feedback.pulse import quarter_end, quarter_of
from tests import factories

from .checks import check_page
from .test_pages import DEVICES, log_in
from .test_staff_pages import log_in_as

pytestmark = pytest.mark.browser

TEAM = "Outpatients Reception"
MODULE = "active-listening"
EARLIER = "2026-Q3"  # a closed round with results to read (the server runs in the present)


@pytest.fixture
def pulse_open(data_app):
    """This quarter's round open, and an earlier one closed with answers from the demo teams."""
    with data_app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@carelearn.example"))
        quarter = quarter_of(today())
        if db.session.scalar(select(PulseRound).where(PulseRound.quarter == quarter)) is None:
            db.session.add(
                PulseRound(
                    quarter=quarter,
                    opened_by_id=admin.id,
                    opened_on=today(),
                    closes_on=quarter_end(quarter),
                )
            )
        if EARLIER != quarter and not db.session.scalar(
            select(PulseRound).where(PulseRound.quarter == EARLIER)
        ):
            db.session.add(
                PulseRound(
                    quarter=EARLIER,
                    opened_by_id=admin.id,
                    opened_on=date(2026, 7, 1),
                    closes_on=date(2026, 9, 30),
                )
            )
            teams = db.session.scalars(select(Team).order_by(Team.id)).all()
            db.session.add_all(
                PulseResponse(
                    quarter=EARLIER,
                    team_id=t.id,
                    know_vision=1 + (n + i) % 5,
                    can_raise_concern=1 + (n * i) % 5,
                    team_acts=4,
                )
                for i, t in enumerate(teams)
                for n in range(3 + i % 5)
            )
        db.session.commit()


@pytest.fixture
def member(data_app, learner):
    """The new learner, in a team, with one module completed."""
    with data_app.app_context():
        person = db.session.scalar(select(User).where(User.email == learner.email))
        team = db.session.scalar(select(Team).where(Team.name == TEAM))
        db.session.add(TeamMembership(user_id=person.id, team_id=team.id))
        version = db.session.scalar(select(Module).where(Module.slug == MODULE)).current_version
        factories.completion(person, version, today())
        db.session.commit()
        return learner, version.title


def test_answering_the_pulse_and_rating_a_module_on_a_phone(
    live_server, new_page, pulse_open, member
):
    learner, title = member
    page = new_page(**DEVICES["phone"])
    log_in(page, live_server, learner)
    card = page.get_by_role("region", name=re.compile("Three quick questions"))
    expect(card).to_be_visible()
    check_page(page, phone=True)
    card.get_by_role("link", name="Not now").click()
    expect(page.get_by_role("region", name=re.compile("Three quick questions"))).to_have_count(0)
    page.goto(f"{live_server.url}/learn")
    page.get_by_role("link", name="Answer the questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Three quick questions")
    check_page(page, phone=True)

    vision = page.get_by_role("group", name=re.compile("I know our service vision"))
    # Each choice's whole box is its label, so a tap anywhere on it chooses it.
    vision.get_by_text("Strongly agree", exact=True).click()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how much you agree")
    expect(vision.get_by_label("Strongly agree")).to_be_checked()  # kept
    check_page(page, phone=True)
    concern = page.get_by_role("group", name=re.compile("I can raise a concern"))
    concern.get_by_text("Agree", exact=True).click()
    acts = page.get_by_role("group", name=re.compile("My team acts on feedback"))
    acts.get_by_text("Neither agree nor disagree", exact=True).click()
    expect(acts.get_by_label("Neither agree nor disagree")).to_be_checked()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thank you: your answers are in.")).to_be_visible()
    expect(page.get_by_role("region", name=re.compile("Three quick questions"))).to_have_count(0)
    check_page(page, phone=True)

    page.goto(f"{live_server.url}/learn/record")
    check_page(page, phone=True)
    page.get_by_role("link", name=f"Rate {title}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Rate {title}")
    expect(
        page.get_by_text("Admins see your rating and comment without your name.")
    ).to_be_visible()
    check_page(page, phone=True)
    page.get_by_label("Comment (optional)").fill("Short, and the examples felt real.")
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how useful the module was")
    expect(page.get_by_label("Comment (optional)")).to_have_value(
        "Short, and the examples felt real."
    )
    check_page(page, phone=True)
    stars = page.get_by_role("group", name=re.compile("Your rating"))
    stars.get_by_text("4", exact=True).click()
    expect(stars.get_by_label("4", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save my rating").click()
    expect(page.get_by_text("Thank you: your rating is saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="Rate your modules")).to_have_count(0)
    check_page(page, phone=True)


def test_admins_read_rounds_ratings_and_results_on_a_phone(
    live_server, new_page, pulse_open, member
):
    page = new_page(**DEVICES["phone"])
    log_in_as(page, live_server, "admin@carelearn.example")
    for path, heading in (
        ("/admin/pulse", "Staff pulse"),
        ("/admin/ratings", "Module ratings"),
        (f"/manage/pulse?quarter={EARLIER}", f"Staff pulse: {EARLIER}"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        check_page(page, phone=True)
    expect(page.get_by_role("heading", name="Top level")).to_be_visible()
    assert DEMO_PASSWORD  # the demo's staff sign in with it (see log_in_as)
