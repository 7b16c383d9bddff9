"""Logging feedback heard in person, from a phone, in a few taps: the team, compliment,
concern or complaint, what it was about, an optional note, Send."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import Optional

from ..content.themes import FEEDBACK_THEMES
from ..core.database import read_only
from ..extensions import db
from ..forms import form_problems, optional_int, show_error
from ..services.feedback.staff_log import (
    KIND_WORDS,
    NEXT_STEPS,
    NOTE_MAX,
    HeardFeedback,
    LogProblems,
    log_heard_feedback,
    loggable_teams,
    own_team_id,
)


class HeardForm(FlaskForm):
    """What was heard; the choices are checked by the service (see save)."""

    team = SelectField("Team", coerce=optional_int, validate_choice=False)
    kind = RadioField("What did you hear?", choices=list(KIND_WORDS.items()), validate_choice=False)
    themes = SelectMultipleField(
        "What was it about?", choices=list(FEEDBACK_THEMES.items()), validate_choice=False
    )
    note = TextAreaField("Note (optional)", validators=[Optional()])


def register(bp: Blueprint) -> None:
    """The logging page, on the learners' blueprint (anyone signed in)."""
    bp.add_url_rule("/learn/feedback", "feedback_log", log_page, methods=["GET"])
    bp.add_url_rule("/learn/feedback", "feedback_save", save, methods=["POST"])


def _form(formdata=None) -> tuple[HeardForm, list[tuple[int, str]]]:
    form = HeardForm(formdata=formdata) if formdata is not None else HeardForm()
    teams = loggable_teams(current_user)
    form.team.choices = teams
    return form, teams


def _page(form: HeardForm, teams, general: list[str] | None = None, status: int = 200):
    return render_template(
        "learn/feedback_log.html",
        form=form,
        teams=teams,
        themes=FEEDBACK_THEMES,
        note_max=NOTE_MAX,
        problems=form_problems(form, extra=general or []),
    ), status


@read_only
def log_page():
    form, teams = _form()
    known = {team_id for team_id, _ in teams}
    wanted = request.args.get("team", type=int)
    form.team.data = wanted if wanted in known else own_team_id(current_user)
    if form.team.data not in known and teams:
        form.team.data = teams[0][0]
    return _page(form, teams)


def save():
    form, teams = _form(request.form)
    # Not form.validate(): the token was checked before the view (CSRFProtect), and the
    # service checks every choice with one message per thing to fix.
    if len(teams) == 1:  # no choice was shown: it is their one team
        form.team.data = teams[0][0]
    general: list[str] = []
    try:
        _entry, team = log_heard_feedback(
            current_user,
            HeardFeedback(
                team_id=form.team.data,
                kind=form.kind.data,
                themes=form.themes.data or [],
                note=form.note.data,
            ),
        )
    except LogProblems as found:
        for problem in found.problems:
            show_error(form, problem, general)
        return _page(form, teams, general, 422)
    db.session.commit()
    flash(f"Thank you: logged for {team.name}.", "success")
    if form.kind.data in NEXT_STEPS:
        flash(f"What to do next: {NEXT_STEPS[form.kind.data]}", "info")
    return redirect(url_for("learn.feedback_log", team=team.id))
