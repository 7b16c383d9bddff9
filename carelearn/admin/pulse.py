"""The admin page for the staff pulse: open this quarter's round, close it early, and see every
round with a link to its results."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from ..core.clock import today
from ..core.database import read_only
from ..core.dates import format_day
from ..extensions import db
from ..forms import ActionForm, form_problems
from ..services.feedback.pulse import (
    PulseProblem,
    all_rounds,
    close_round,
    is_open,
    quarter_end,
    quarter_of,
    start_round,
)
from .saving import save

DATE_UNREADABLE = "Enter the closing date as a date, like 2026-12-31."
OPENED_BY_SOMEONE_ELSE = (
    "closes_on",
    "Someone else opened this quarter's pulse a moment ago. Check this page.",
)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/pulse", "pulse", pulse_rounds, methods=["GET"])
    bp.add_url_rule("/pulse", "pulse_open", open_pulse, methods=["POST"])
    bp.add_url_rule("/pulse/<int:round_id>/close", "pulse_close", close_pulse, methods=["POST"])


class PulseRoundForm(FlaskForm):
    closes_on = DateField("Last day for answers", validators=[Optional()])


def _page(form: PulseRoundForm, problems: list[tuple[str, str]]):
    rounds = all_rounds()
    quarter = quarter_of(today())
    return render_template(
        "admin/pulse.html",
        form=form,
        close_form=ActionForm(),
        rounds=rounds,
        open_now=next((r for r in rounds if is_open(r)), None),
        this_quarter=quarter,
        this_quarter_opened=any(r.quarter == quarter for r in rounds),
        quarter_end=quarter_end(quarter),
        is_open=is_open,
        problems=problems,
    ), (422 if problems else 200)


@read_only
def pulse_rounds():
    form = PulseRoundForm(data={"closes_on": quarter_end(quarter_of(today()))})
    return _page(form, [])


def open_pulse():
    form = PulseRoundForm()
    general: list[str] = []
    if form.validate_on_submit():
        try:
            saved = save(
                lambda: start_round(current_user, form.closes_on.data),
                form,
                general,
                taken=OPENED_BY_SOMEONE_ELSE,
            )
        except PulseProblem as problem:
            form[problem.field].errors = [str(problem)]
        else:
            if saved.ok:
                flash(
                    f"The pulse for {saved.result.quarter} is open until "
                    f"{format_day(saved.result.closes_on)}. Everyone sees it on My training.",
                    "success",
                )
                return redirect(url_for("admin.pulse"))
    elif form.closes_on.errors:
        form.closes_on.errors = [DATE_UNREADABLE]
    return _page(form, form_problems(form, extra=general))


def close_pulse(round_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    closed = close_round(current_user, round_id)
    if closed is None:
        abort(404)
    db.session.commit()
    flash(f"The pulse for {closed.quarter} is closed. Its results can be read now.", "success")
    return redirect(url_for("admin.pulse"))
