"""The staff pulse for each person: the card on My training while a round is open, and the page
with the three questions, answered once per round and kept without the person's name."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.database import read_only
from ..extensions import db
from ..forms import ActionForm
from ..services.feedback.pulse import (
    QUESTIONS,
    SCALE,
    CannotAnswer,
    PulseProblems,
    answering_team,
    open_round,
    pulse_invite,
    record_answers,
    why_cannot_answer,
)

NOT_NOW = "later"  # ?pulse=later on My training hides the card for that visit; nothing is kept


def register(bp: Blueprint) -> None:
    """The pulse page, on the learners' blueprint; My training's card reads the open round with
    `pulse_invite` (one query)."""
    bp.add_url_rule("/learn/pulse", "pulse", pulse_page, methods=["GET"])
    bp.add_url_rule("/learn/pulse", "pulse_answer", answer, methods=["POST"])
    bp.context_processor(lambda: {"pulse_invite": pulse_invite, "pulse_not_now": NOT_NOW})


def _page(chosen: dict[str, str], problems: list[tuple[str, str]], reason: str | None):
    pulse_round = open_round() if reason is None else None
    return render_template(
        "learn/pulse.html",
        form=ActionForm(),
        reason=reason,
        pulse_round=pulse_round,
        team=answering_team(current_user) if pulse_round else None,
        questions=QUESTIONS,
        scale=SCALE,
        chosen=chosen,
        problems=problems,
        not_now=NOT_NOW,
    ), (422 if problems else 200)


@read_only
def pulse_page():
    return _page({}, [], why_cannot_answer(current_user))


def answer():
    if not ActionForm().validate_on_submit():
        abort(400)
    sent = {column: request.form.get(column, "") for column, _ in QUESTIONS}
    try:
        record_answers(current_user, sent)
    except CannotAnswer as reason:
        db.session.rollback()
        flash(str(reason), "info")
        return redirect(url_for("learn.pulse"))
    except PulseProblems as problems:
        # Each question's radio group is a fieldset; the summary links to its first choice.
        found = [(f"{p.field}-1", str(p)) for p in problems.problems]
        return _page(sent, found, None)
    db.session.commit()
    flash(
        "Thank you: your answers are in. They are counted with your team's, without your name.",
        "success",
    )
    return redirect(url_for("learn.my_training"))
