"""Running a ten-minute team huddle: choose a card from a team's page, show it to the team a
step at a time (presenter mode, moved on by keyboard or a presentation clicker, working without
JavaScript), then tick who came on a phone and write what the team agreed."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import Optional

from ..core.clock import today
from ..core.database import read_only
from ..core.dates import format_day
from ..core.numbers import parse_id
from ..extensions import db
from ..forms import form_problems
from ..models import Team
from ..services.huddles.cards import Card, card_step, find_card, offered_cards
from ..services.huddles.history import team_huddles
from ..services.huddles.recording import (
    AGREED_MAX,
    HuddleEntry,
    HuddleProblems,
    TeamNotFound,
    chosen_members,
    record_huddle,
    team_members,
)
from ..services.reporting.reports import team_in_scope

DATE_UNREADABLE = "Enter the date of the huddle as a date, like 2027-01-05."


class HuddleForm(FlaskForm):
    """Who came is read from the ticked boxes themselves (see _ticked); the service checks
    everything, with a message for each thing to fix."""

    held_on = DateField("Date of the huddle", default=today, validators=[Optional()])
    agreed = TextAreaField("What the team agreed", validators=[Optional()])


def register(bp: Blueprint) -> None:
    """The huddle pages, on the managers' blueprint."""
    bp.add_url_rule("/teams/<int:team_id>/huddle", "huddle_choose", choose, methods=["GET"])
    bp.add_url_rule(
        "/teams/<int:team_id>/huddle/<int:card_id>/step/<int:step>",
        "huddle_present",
        present,
        methods=["GET"],
    )
    bp.add_url_rule(
        "/teams/<int:team_id>/huddle/<int:card_id>/who-came",
        "huddle_record",
        who_came,
        methods=["GET"],
    )
    bp.add_url_rule(
        "/teams/<int:team_id>/huddle/<int:card_id>/who-came",
        "huddle_save",
        save,
        methods=["POST"],
    )


def _team_or_404(team_id: int) -> Team:
    team = team_in_scope(current_user, team_id)
    if team is None:
        abort(404)
    return team


def _card_or_404(card_id: int) -> Card:
    card = find_card(card_id)
    if card is None:
        abort(404)
    return card


def _page(name: str = "page") -> int:
    return max(request.args.get(name, 1, type=int) or 1, 1)


@read_only
def choose(team_id: int):
    team = _team_or_404(team_id)
    return render_template(
        "manage/huddle_choose.html",
        team=team,
        modules=offered_cards(),
        held=team_huddles(team.id, _page()),
    )


@read_only
def present(team_id: int, card_id: int, step: int):
    team = _team_or_404(team_id)
    card = _card_or_404(card_id)
    shown = card_step(card, step)
    if shown is None:
        abort(404)
    return render_template("manage/huddle_present.html", team=team, card=card, step=shown)


@read_only
def who_came(team_id: int, card_id: int):
    team = _team_or_404(team_id)
    card = _card_or_404(card_id)
    return _who_came_page(team, card, HuddleForm(), [], [])


def _ticked() -> list[int | None]:
    """The ids of the ticked people as sent; None for one that is not a whole number."""
    return [parse_id(value) for value in request.form.getlist("attendees")]


def _who_came_page(
    team: Team,
    card: Card,
    form: HuddleForm,
    ticked: list[int | None],
    problems: list[tuple[str, str]],
    page: int = 1,
    status: int = 200,
):
    members = team_members(team.id, page)
    chosen = chosen_members(team.id, [i for i in ticked if i is not None])
    on_page = {p.id for p in members.people}
    attendee_errors = [message for target, message in problems if target == "attendees"]
    others = [("main", message) for target, message in problems if target != "attendees"]
    return render_template(
        "manage/huddle_record.html",
        team=team,
        card=card,
        form=form,
        members=members,
        ticked={p.id for p in chosen},
        kept=[p for p in chosen if p.id not in on_page],
        # In the page's order: who came, the date, what was agreed, then anything else.
        problems=[("attendees", m) for m in attendee_errors] + form_problems(form) + others,
        attendee_errors=attendee_errors,
        agreed_max=AGREED_MAX,
    ), status


def save(team_id: int, card_id: int):
    team = _team_or_404(team_id)
    card = _card_or_404(card_id)
    form = HuddleForm()
    ticked = _ticked()
    moving_to = parse_id(request.form.get("page"))
    if moving_to is not None:  # a page button: show other people, keeping everything
        return _who_came_page(team, card, form, ticked, [], moving_to)
    shown_page = parse_id(request.form.get("at")) or 1  # the page of people that was shown
    form.validate()  # the token was checked for every form before the view (CSRFProtect)
    if form.held_on.errors:  # typed in a browser without a date picker, and not a date
        form.held_on.errors = [DATE_UNREADABLE]
    try:
        huddle = record_huddle(
            current_user,
            team.id,
            HuddleEntry(card.id, form.held_on.data, ticked, form.agreed.data),
        )
    except TeamNotFound:
        abort(404)
    except HuddleProblems as found:
        general = []
        for problem in found.problems:
            if problem.field in ("held_on", "agreed"):
                if not form[problem.field].errors:
                    form[problem.field].errors = [str(problem)]
            else:
                general.append((problem.field, str(problem)))
        return _who_came_page(team, card, form, ticked, general, shown_page, 422)
    db.session.commit()
    came = len({i for i in ticked if i is not None})
    flash(
        f"The huddle on {format_day(huddle.held_on)} is recorded: "
        f"{came} {'person' if came == 1 else 'people'} came.",
        "success",
    )
    return redirect(url_for("manage.team", team_id=team.id))
