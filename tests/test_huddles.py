"""Team huddles: a manager chooses a card, shows it a step at a time, records who came and what
the team agreed; attendance shows on people's records, counts on My teams, and in a CSV."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from carelearn.config import PROJECT_ROOT
from carelearn.core import clock
from carelearn.models import (
    AppRole,
    AuditEvent,
    Huddle,
    HuddleAttendance,
    HuddleCard,
    ModuleVersion,
)
from carelearn.services.huddles.cards import card_steps, find_card, offered_cards
from carelearn.services.huddles.history import attended_huddles, monthly_counts, team_huddles
from carelearn.services.huddles.recording import (
    AGREED_MAX,
    MEMBERS_PER_PAGE,
    HuddleEntry,
    HuddleProblems,
    TeamNotFound,
    record_huddle,
)
from carelearn.services.reporting.audit_sentences import describe, load_names
from tests.conftest import csrf_token

TODAY = date(2026, 12, 15)


def add_cards(version: ModuleVersion, count: int = 2, prefix: str = "Card") -> list[HuddleCard]:
    from carelearn.extensions import db

    cards = [
        HuddleCard(
            module_version_id=version.id,
            key=f"card-{n}",
            position=n,
            title=f"{prefix} {n}",
            situation=f"Situation of {prefix.lower()} {n}: the phones ring and the queue grows.",
            prompts=[f"First question {n}?", f"Second question {n}?", f"Third question {n}?"],
            remember=f"Remember {n}: say when you will be back.",
        )
        for n in range(1, count + 1)
    ]
    db.session.add_all(cards)
    db.session.commit()
    return cards


@pytest.fixture
def trust(app, make):
    """A department with two teams (one with a team below it), a team outside, a manager of
    the department and published cards."""
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    department = make.team("Outpatients", kind="department")
    reception = make.team("Outpatients Reception", parent=department)
    evening = make.team("Evening Desk", parent=reception)
    nursing = make.team("Outpatients Nursing", parent=department)
    elsewhere = make.team("Portering")
    manager = make.manager_of(department, name="Grace Okafor", email="grace@example.org")
    tom = make.user(name="Tom Hughes", email="tom@example.org")
    aisha = make.user(name="Aisha Begum", email="aisha@example.org")
    dan = make.user(name="Daniel Price", email="dan@example.org", role="nurse")
    kwame = make.user(name="Kwame Mensah", email="kwame@example.org", role="porter")
    make.join(tom, reception)
    make.join(aisha, evening)
    make.join(dan, nursing)
    make.join(kwame, elsewhere)
    version = make.module(title="Managing expectations")
    cards = add_cards(version, 3)
    return {
        "department": department,
        "reception": reception,
        "evening": evening,
        "nursing": nursing,
        "elsewhere": elsewhere,
        "manager": manager,
        "tom": tom,
        "aisha": aisha,
        "dan": dan,
        "kwame": kwame,
        "version": version,
        "cards": cards,
    }


def who_came_url(team, card) -> str:
    return f"/manage/teams/{team.id}/huddle/{card.id}/who-came"


def post_huddle(client, team, card, **fields):
    data = {
        "csrf_token": csrf_token(client, who_came_url(team, card)),
        "held_on": "2026-12-14",
        "agreed": "We say how long the wait is.",
    }
    data.update(fields)
    return client.post(who_came_url(team, card), data=data)


def huddle_count(db) -> int:
    return db.session.scalar(select(func.count(Huddle.id)))


# -- The cards -----------------------------------------------------------------------------------


def test_the_cards_offered_are_those_of_each_modules_current_version_grouped_by_module(
    trust, make, db
):
    other = make.module(title="Active listening")
    add_cards(other, 2, prefix="Listening")
    old = make.module(title="Calm in conflict")
    add_cards(old, 2, prefix="Old")
    newer = ModuleVersion(
        module_id=old.module_id,
        number=2,
        label="2.0",
        content_hash="hash-newer",
        title="Calm in conflict",
        summary="Newer.",
        audience=old.audience,
        estimated_minutes=5,
        pass_mark=80,
        questions_per_attempt=3,
    )
    db.session.add(newer)
    db.session.flush()
    old.module.current_version_id = newer.id
    db.session.commit()
    add_cards(newer, 2, prefix="New")

    offered = offered_cards()
    assert [(m.title, [c.title for c in m.cards]) for m in offered] == [
        ("Active listening", ["Listening 1", "Listening 2"]),
        ("Calm in conflict", ["New 1", "New 2"]),
        ("Managing expectations", ["Card 1", "Card 2", "Card 3"]),
    ]
    # An older version's card is not offered, but a huddle begun with it can still be shown.
    older = db.session.scalar(select(HuddleCard).where(HuddleCard.title == "Old 1"))
    assert find_card(older.id).module_title == "Calm in conflict"
    assert find_card(987654) is None


def test_the_choose_page_lists_cards_by_module_and_the_team_page_links_to_it(trust, logged_in):
    client = logged_in(trust["manager"])
    team = trust["reception"]
    assert f'href="/manage/teams/{team.id}/huddle"' in client.get(
        f"/manage/teams/{team.id}"
    ).get_data(as_text=True)
    html = client.get(f"/manage/teams/{team.id}/huddle").get_data(as_text=True)
    assert "<h1>Run a huddle with Outpatients Reception</h1>" in html
    assert "<h2>Managing expectations</h2>" in html
    for card in trust["cards"]:
        assert card.title in html
        assert f'href="/manage/teams/{team.id}/huddle/{card.id}/step/1"' in html
        assert f'href="{who_came_url(team, card)}"' in html
    assert "No huddles recorded for Outpatients Reception yet." in html


# -- Presenter mode ------------------------------------------------------------------------------


def test_a_card_is_shown_in_five_steps_with_links_that_work_without_javascript(trust, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    base = f"/manage/teams/{team.id}/huddle/{card.id}/step"
    labels = [s.label for s in card_steps(find_card(card.id))]
    assert labels == [
        "The situation",
        "Question 1 of 3",
        "Question 2 of 3",
        "Question 3 of 3",
        "Remember",
    ]
    texts = [card.situation, *card.prompts, card.remember]
    for number in range(1, 6):
        response = client.get(f"{base}/{number}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert f'<h1 class="presenter__title">{card.title}</h1>' in html
        assert labels[number - 1] in html and texts[number - 1] in html
        assert f"step {number} of 5" in html
        nxt = re.search(r'href="([^"]+)" rel="next" data-presenter-key="next"', html).group(1)
        prev = re.search(r'href="([^"]+)" rel="prev" data-presenter-key="previous"', html)
        assert nxt == (f"{base}/{number + 1}" if number < 5 else who_came_url(team, card))
        assert prev.group(1) == (
            f"{base}/{number - 1}" if number > 1 else f"/manage/teams/{team.id}/huddle"
        )
        leave = f'href="/manage/teams/{team.id}" data-presenter-key="leave"'
        assert leave in html
        # The site's header and footer are left out; the skip link and main stay.
        assert "site-header" not in html and "site-footer" not in html
        assert 'href="#main"' in html and '<main id="main" class="presenter"' in html
    assert "Who came?" in client.get(f"{base}/5").get_data(as_text=True)
    assert client.get(f"{base}/0").status_code == 404
    assert client.get(f"{base}/6").status_code == 404


def test_the_presenter_script_is_a_file_and_the_page_has_no_inline_script(trust, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    response = client.get(f"/manage/teams/{team.id}/huddle/{card.id}/step/2")
    html = response.get_data(as_text=True)
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/js/presenter.js" defer>']
    assert "<script>" not in html and " onclick" not in html and " style=" not in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    script = (PROJECT_ROOT / "static" / "js" / "presenter.js").read_text()
    for key in ("ArrowRight", "PageDown", '" "', "Enter", "ArrowLeft", "PageUp", "Backspace"):
        assert key in script
    assert "Escape" in script
    # The keys' hint shows only once the script runs.
    assert '<p class="presenter__keys" hidden data-presenter-keys>' in html


# -- Recording -----------------------------------------------------------------------------------


def test_a_manager_records_a_huddle_and_it_is_audited(trust, db):
    team, card = trust["reception"], trust["cards"][1]
    people = [trust["tom"].id, trust["aisha"].id, trust["tom"].id]
    huddle = record_huddle(
        trust["manager"],
        team.id,
        HuddleEntry(card.id, date(2026, 12, 14), people, "  We say how long the wait is.  "),
    )
    db.session.commit()
    assert (huddle.team_id, huddle.card_id, huddle.held_on, huddle.led_by_id) == (
        team.id,
        card.id,
        date(2026, 12, 14),
        trust["manager"].id,
    )
    assert huddle.agreed == "We say how long the wait is."
    came = set(db.session.scalars(select(HuddleAttendance.user_id)))
    assert came == {trust["tom"].id, trust["aisha"].id}
    events = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "huddle.record"))
    )
    assert len(events) == 1
    assert describe(events[0], load_names(events)) == (
        "Grace Okafor recorded a huddle with Outpatients Reception on 14 Dec 2026, on the card "
        "“Card 2”: 2 people came"
    )


def test_recording_through_the_pages_lists_the_team_and_its_sub_teams(trust, db, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    html = client.get(who_came_url(team, card)).get_data(as_text=True)
    assert "<h1>Who came?</h1>" in html
    assert "Tom Hughes" in html and "Aisha Begum" in html  # Aisha is in the team below
    assert "Daniel Price" not in html and "Kwame Mensah" not in html
    assert 'value="2026-12-15"' in html  # today, to begin with
    response = post_huddle(client, team, card, attendees=[str(trust["tom"].id)])
    assert response.status_code == 302
    assert response.headers["Location"] == f"/manage/teams/{team.id}"
    page = client.get(f"/manage/teams/{team.id}").get_data(as_text=True)
    assert "The huddle on 14 Dec 2026 is recorded: 1 person came." in page
    assert huddle_count(db) == 1
    held = client.get(f"/manage/teams/{team.id}/huddle").get_data(as_text=True)
    assert "14 Dec 2026" in held and "We say how long the wait is." in held


def test_a_card_that_does_not_exist(trust, db, logged_in):
    team = trust["reception"]
    with pytest.raises(HuddleProblems) as found:
        record_huddle(
            trust["manager"], team.id, HuddleEntry(987654, TODAY, [trust["tom"].id], None)
        )
    assert [(p.field, str(p)) for p in found.value.problems] == [
        ("card", "Choose one of the huddle cards.")
    ]
    client = logged_in(trust["manager"])
    assert client.get(f"/manage/teams/{team.id}/huddle/987654/step/1").status_code == 404
    assert client.get(f"/manage/teams/{team.id}/huddle/987654/who-came").status_code == 404
    token = csrf_token(client, f"/manage/teams/{team.id}/huddle")
    response = client.post(
        f"/manage/teams/{team.id}/huddle/987654/who-came",
        data={"csrf_token": token, "held_on": "2026-12-14", "attendees": str(trust["tom"].id)},
    )
    assert response.status_code == 404
    assert huddle_count(db) == 0


def test_a_date_in_the_future_is_refused_and_nothing_is_lost(trust, db, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    response = post_huddle(
        client,
        team,
        card,
        held_on="2026-12-16",
        attendees=[str(trust["tom"].id), str(trust["aisha"].id)],
        agreed="We answer the phone by the third ring.",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert '<a href="#held_on">The date of the huddle cannot be in the future.</a>' in html
    assert 'value="2026-12-16"' in html
    assert "We answer the phone by the third ring.</textarea>" in html
    for person in (trust["tom"], trust["aisha"]):
        assert f'value="{person.id}" id="attendee-{person.id}" checked' in html
    assert huddle_count(db) == 0


def test_an_unreadable_date_and_nobody_ticked(trust, db, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    html = post_huddle(client, team, card, held_on="last tuesday").get_data(as_text=True)
    assert "Tick everyone who came: at least one person." in html
    assert "Enter the date of the huddle as a date, like 2027-01-05." in html
    # The summary lists the problems in the page's order: who came first.
    assert html.index('href="#attendees"') < html.index('href="#held_on"')
    html = post_huddle(client, team, card, held_on="", attendees="1").get_data(as_text=True)
    assert "Enter the date of the huddle." in html
    assert huddle_count(db) == 0


def test_someone_outside_the_team_cannot_be_ticked(trust, db, logged_in):
    team, card = trust["reception"], trust["cards"][0]
    for outsider in (trust["dan"], trust["kwame"]):  # in another of her teams; out of scope
        with pytest.raises(HuddleProblems) as found:
            record_huddle(
                trust["manager"],
                team.id,
                HuddleEntry(card.id, TODAY, [trust["tom"].id, outsider.id], None),
            )
        assert [str(p) for p in found.value.problems] == [
            "Tick only people in Outpatients Reception or the teams below it: someone ticked "
            "is not."
        ]
    client = logged_in(trust["manager"])
    response = post_huddle(client, team, card, attendees=[str(trust["kwame"].id), "x1"])
    assert response.status_code == 422
    assert "someone ticked is not." in response.get_data(as_text=True)
    assert huddle_count(db) == 0


def test_what_was_agreed_may_be_up_to_1000_characters(trust, db, logged_in):
    team, card = trust["reception"], trust["cards"][0]
    record_huddle(
        trust["manager"], team.id, HuddleEntry(card.id, TODAY, [trust["tom"].id], "a" * AGREED_MAX)
    )
    db.session.commit()
    client = logged_in(trust["manager"])
    long_text = "We will " + "b" * AGREED_MAX
    response = post_huddle(client, team, card, attendees=str(trust["tom"].id), agreed=long_text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert (
        f"Write what the team agreed in 1000 characters or fewer (this is {len(long_text)})."
        in html
    )
    assert f"{long_text}</textarea>" in html
    assert huddle_count(db) == 1


def test_what_was_agreed_may_not_hold_a_patients_details(trust, db, logged_in):
    team, card = trust["reception"], trust["cards"][0]
    client = logged_in(trust["manager"])
    agreed = "Call back the patient in bay 4 on 07700 900123 about the wait"
    response = post_huddle(client, team, card, attendees=str(trust["tom"].id), agreed=agreed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "a phone number (07700 900123)" in html and "Nothing has been saved" in html
    assert huddle_count(db) == 0
    # "bay 4" alone is fine.
    response = post_huddle(
        client, team, card, attendees=str(trust["tom"].id), agreed="Offer a chair in bay 4"
    )
    assert response.status_code == 302 and huddle_count(db) == 1


def test_a_team_outside_the_managers_scope_is_not_found(trust, db, logged_in):
    other, card = trust["elsewhere"], trust["cards"][0]
    with pytest.raises(TeamNotFound):
        record_huddle(
            trust["manager"], other.id, HuddleEntry(card.id, TODAY, [trust["kwame"].id], None)
        )
    client = logged_in(trust["manager"])
    for path in (
        f"/manage/teams/{other.id}/huddle",
        f"/manage/teams/{other.id}/huddle/{card.id}/step/1",
        who_came_url(other, card),
        "/manage/teams/987654/huddle",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/manage/")
    response = client.post(
        who_came_url(other, card),
        data={"csrf_token": token, "held_on": "2026-12-14", "attendees": str(trust["kwame"].id)},
    )
    assert response.status_code == 404
    assert huddle_count(db) == 0


def test_a_learner_may_not_run_or_record_huddles(trust, db, logged_in):
    client = logged_in(trust["tom"])
    team, card = trust["reception"], trust["cards"][0]
    for path in (
        f"/manage/teams/{team.id}/huddle",
        f"/manage/teams/{team.id}/huddle/{card.id}/step/1",
        who_came_url(team, card),
        "/manage/huddles.csv",
    ):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/learn")
    response = client.post(
        who_came_url(team, card),
        data={"csrf_token": token, "held_on": "2026-12-14", "attendees": str(trust["tom"].id)},
    )
    assert response.status_code == 403
    assert huddle_count(db) == 0


def test_a_long_team_comes_a_page_at_a_time_and_ticks_are_kept(trust, db, make, logged_in):
    team, card = trust["nursing"], trust["cards"][0]
    make.staff_in(team, MEMBERS_PER_PAGE + 4, role="nurse")
    client = logged_in(trust["manager"])
    first = client.get(who_came_url(team, card)).get_data(as_text=True)
    assert first.count('name="attendees"') == MEMBERS_PER_PAGE
    assert 'name="page" value="2"' in first
    ticked = re.search(r'name="attendees" value="(\d+)"', first).group(1)
    response = post_huddle(client, team, card, attendees=ticked, page="2", agreed="Kept.")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Ticked on other pages" in html
    assert f'value="{ticked}" id="attendee-{ticked}" checked' in html
    assert "Kept.</textarea>" in html and 'value="2"' in html
    assert huddle_count(db) == 0  # moving between pages saves nothing
    extra = re.findall(r'name="attendees" value="(\d+)" id="attendee-\d+">', html)[0]
    response = post_huddle(client, team, card, attendees=[ticked, extra], at="2")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(HuddleAttendance)) == 2


def test_saving_needs_the_forms_token(trust, db, logged_in):
    client = logged_in(trust["manager"])
    team, card = trust["reception"], trust["cards"][0]
    response = client.post(
        who_came_url(team, card),
        data={"held_on": "2026-12-14", "attendees": str(trust["tom"].id), "agreed": "Forged."},
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert huddle_count(db) == 0


# -- Reading huddles back ------------------------------------------------------------------------


def hold(trust, team, on: date, people, card=0, agreed=None):
    from carelearn.extensions import db

    huddle = record_huddle(
        trust["manager"],
        team.id,
        HuddleEntry(trust["cards"][card].id, on, [p.id for p in people], agreed),
    )
    db.session.commit()
    return huddle


def test_attendance_shows_on_my_record_and_on_the_managers_person_page(trust, logged_in):
    hold(trust, trust["reception"], date(2026, 11, 3), [trust["tom"], trust["aisha"]], card=0)
    hold(trust, trust["evening"], date(2026, 12, 1), [trust["aisha"]], card=2)
    aisha = logged_in(trust["aisha"]).get("/learn/record").get_data(as_text=True)
    section = aisha[aisha.index('<h2 id="huddles">') :]
    assert section.index("1 Dec 2026") < section.index("3 Nov 2026")  # newest first
    assert "Card 3" in section and "Evening Desk" in section
    assert "Card 1" in section and "Outpatients Reception" in section
    tom = logged_in(trust["tom"]).get("/learn/record").get_data(as_text=True)
    assert "3 Nov 2026" in tom and "Card 3" not in tom
    dan = logged_in(trust["dan"]).get("/learn/record").get_data(as_text=True)
    assert "None yet. When your manager records a team huddle you came to" in dan

    manager = logged_in(trust["manager"])
    page = manager.get(f"/manage/people/{trust['aisha'].id}").get_data(as_text=True)
    huddles = page[page.index("<h2>Team huddles</h2>") : page.index("<h2>Reminders sent</h2>")]
    assert "1 Dec 2026" in huddles and "Card 3" in huddles and "Evening Desk" in huddles
    assert "3 Nov 2026" in huddles and "Outpatients Reception" in huddles
    page = manager.get(f"/manage/people/{trust['dan'].id}").get_data(as_text=True)
    assert "No team huddles recorded for Daniel Price yet." in page


def test_a_persons_huddles_and_a_teams_come_a_page_at_a_time(trust):
    for day in range(1, 13):
        hold(trust, trust["reception"], date(2026, 11, day), [trust["tom"]])
    first = attended_huddles(trust["tom"])
    assert len(first.items) == 10 and first.has_older and not first.has_newer
    assert first.items[0].held_on == date(2026, 11, 12)
    second = attended_huddles(trust["tom"], 2)
    assert [h.held_on.day for h in second.items] == [2, 1] and not second.has_older
    held = team_huddles(trust["department"].id)
    assert held.items[0].team == "Outpatients Reception" and held.items[0].attendees == 1
    assert held.items[0].led_by == "Grace Okafor" and held.has_older


def test_huddles_per_team_per_month_count_the_teams_below_and_only_six_months(trust, db):
    hold(trust, trust["reception"], date(2026, 12, 2), [trust["tom"]])
    hold(trust, trust["evening"], date(2026, 12, 10), [trust["aisha"]])
    hold(trust, trust["reception"], date(2026, 10, 31), [trust["tom"]])
    hold(trust, trust["nursing"], date(2026, 7, 1), [trust["dan"]])
    hold(trust, trust["nursing"], date(2026, 6, 30), [trust["dan"]])  # seven months back
    admin = db.session.get(type(trust["manager"]), trust["manager"].id)
    ids = [trust["department"].id, trust["reception"].id, trust["nursing"].id]
    months = monthly_counts(admin, ids)
    assert months.months == [date(2026, m, 1) for m in range(7, 13)]
    assert months.of(trust["department"].id) == [1, 0, 0, 1, 0, 2]
    assert months.of(trust["reception"].id) == [0, 0, 0, 1, 0, 2]
    assert months.of(trust["nursing"].id) == [1, 0, 0, 0, 0, 0]
    assert months.this_month(trust["reception"].id) == 2
    # A team the viewer does not see counts nothing, whatever was asked for.
    assert monthly_counts(admin, [trust["elsewhere"].id]).of(trust["elsewhere"].id) == [0] * 6


def test_my_teams_shows_huddles_this_month_and_the_last_six_months(trust, logged_in):
    hold(trust, trust["reception"], date(2026, 12, 2), [trust["tom"]])
    hold(trust, trust["nursing"], date(2026, 12, 3), [trust["dan"]])
    hold(trust, trust["nursing"], date(2026, 9, 3), [trust["dan"]])
    html = logged_in(trust["manager"]).get("/manage/").get_data(as_text=True)
    section = html[html.index('<h2 id="huddles-heading">') :]
    assert "Outpatients · Huddles this month: <strong>2</strong>" in section
    for month in ("Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026", "Dec 2026"):
        assert month in section
    assert '<th scope="row">Outpatients</th><td>0</td><td>0</td><td>1</td>' in section
    assert 'href="/manage/huddles.csv"' in section


def test_a_huddle_recorded_shows_at_once_on_a_dashboard_already_seen(
    trust, db, count_queries, logged_in
):
    """The dashboard keeps its huddle counts between requests, until a huddle is recorded or
    removed, by the app or by any other program."""
    from sqlalchemy import create_engine

    manager = logged_in(trust["manager"])

    def this_month() -> str:
        html = manager.get("/manage/").get_data(as_text=True)
        line = html[html.index("Outpatients · Huddles this month:") :]
        return line[: line.index("</strong>")]

    assert this_month().endswith("<strong>0")
    with count_queries() as again:
        assert this_month().endswith("<strong>0")
    assert not [s for s in again.statements if "huddle" in s.lower()]  # kept, not counted
    huddle = hold(trust, trust["reception"], date(2026, 12, 2), [trust["tom"]])
    assert this_month().endswith("<strong>1")

    other_program = create_engine(db.engine.url)
    with other_program.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM huddle_attendance WHERE huddle_id = {huddle.id}")
        conn.exec_driver_sql(f"DELETE FROM huddle WHERE id = {huddle.id}")
    other_program.dispose()
    assert this_month().endswith("<strong>0")


def test_the_huddles_csv_holds_the_viewers_teams_only_and_is_safe_in_excel(
    trust, make, db, logged_in
):
    hold(
        trust, trust["reception"], date(2026, 12, 2), [trust["tom"], trust["aisha"]], agreed="=1+1"
    )
    outside_manager = make.manager_of(trust["elsewhere"], name="Rob Stone")
    record_huddle(
        outside_manager,
        trust["elsewhere"].id,
        HuddleEntry(trust["cards"][1].id, date(2026, 12, 5), [trust["kwame"].id], "Lift first."),
    )
    db.session.commit()
    response = logged_in(trust["manager"]).get("/manage/huddles.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="carelearn-huddles-2026-12-15.csv"' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines == [
        "Date,Team,Card,Module,Led by,Attendees,Agreed",
        "2026-12-02,Outpatients Reception,Card 1,Managing expectations,Grace Okafor,2,'=1+1",
    ]
    admin = make.user(app_role=AppRole.ADMIN)
    lines = logged_in(admin).get("/manage/huddles.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 3
    assert lines[1] == "2026-12-05,Portering,Card 2,Managing expectations,Rob Stone,1,Lift first."


# -- Queries -------------------------------------------------------------------------------------


def dashboard_queries(make, db, count_queries, logged_in, teams: int, people: int) -> dict:
    org = make.team(kind="organisation")
    made = [make.team(kind="team", parent=org) for _ in range(teams)]
    version = make.module()
    cards = add_cards(version, 2)
    manager = make.manager_of(*made)
    everyone = []
    for team in made:
        everyone += make.bulk_staff(team, people)
    for n, team in enumerate(made):
        for k in range(3):
            huddle = Huddle(
                team_id=team.id,
                card_id=cards[k % 2].id,
                held_on=date(2026, 12 - k, 1 + n % 20),
                led_by_id=manager.id,
            )
            db.session.add(huddle)
            db.session.flush()
            db.session.add_all(
                HuddleAttendance(huddle_id=huddle.id, user_id=i) for i in everyone[:people]
            )
    db.session.commit()
    client = logged_in(manager)
    learner = logged_in(db.session.get(type(manager), everyone[0]))
    counts = {}
    for name, browser, path in (
        ("dashboard", client, "/manage/"),
        ("dashboard again", client, "/manage/"),
        ("person", client, f"/manage/people/{everyone[0]}"),
        ("record", learner, "/learn/record"),
        ("choose", client, f"/manage/teams/{made[0].id}/huddle"),
        ("who came", client, f"/manage/teams/{made[0].id}/huddle/{cards[0].id}/who-came"),
    ):
        with count_queries() as c:
            assert browser.get(path).status_code == 200, path
        counts[name] = c.count
    return counts


def test_huddle_pages_and_my_teams_run_the_same_queries_for_few_or_many_teams_and_people(
    app, make, db, count_queries, logged_in
):
    clock.freeze(datetime(2026, 12, 15, 9, 0))
    small = dashboard_queries(make, db, count_queries, logged_in, teams=1, people=2)
    large = dashboard_queries(make, db, count_queries, logged_in, teams=8, people=40)
    assert small == large
    assert max(small.values()) <= 14, small


# -- The demo ------------------------------------------------------------------------------------


def test_the_demo_huddles_are_seeded_once_and_only_with_published_cards(app, db):
    from carelearn.demo.huddles import seed_huddles
    from carelearn.models import User

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo"]).exit_code == 0  # no content published: no cards
    assert "none were added" in seed_huddles()
    assert huddle_count(db) == 0

    app.config["CONTENT_DIR"] = str(PROJECT_ROOT / "modules")
    assert runner.invoke(args=["content", "publish"]).exit_code == 0
    assert seed_huddles() == "Demo huddles ready: 5 recorded."
    huddles = list(db.session.scalars(select(Huddle)))
    assert len(huddles) == 5
    days_ago = [(clock.today() - h.held_on).days for h in huddles]
    assert all(0 < d <= 92 for d in days_ago), days_ago
    assert all(h.agreed for h in huddles)
    assert len({h.card_id for h in huddles}) == 5
    tom = db.session.scalar(select(User).where(User.email == "reception@carelearn.example"))
    assert len(attended_huddles(tom).items) == 2
    assert "none were added" in seed_huddles()
    assert huddle_count(db) == 5
