"""Reminding everyone overdue in a team: a page that shows who gets the email and what it says,
then one button that queues them all."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..forms import ActionForm
from ..models import Team
from ..services.onboarding.team_reminders import plan_team_reminder, remind_team_overdue
from ..services.reporting.reports import team_in_scope


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/teams/<int:team_id>/remind-overdue", "remind_team", preview, methods=["GET"])
    bp.add_url_rule(
        "/teams/<int:team_id>/remind-overdue", "remind_team_send", send, methods=["POST"]
    )


def _team_or_404(team_id: int) -> Team:
    team = team_in_scope(current_user, team_id)
    if team is None:
        abort(404)
    return team


def preview(team_id: int):
    team = _team_or_404(team_id)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    plan = plan_team_reminder(current_user, team, page)
    return render_template("manage/remind_team.html", team=team, plan=plan, form=ActionForm())


def send(team_id: int):
    team = _team_or_404(team_id)
    if not ActionForm().validate_on_submit():
        flash(
            "This page was open too long to be sure it is yours. Press the button again.", "error"
        )
        return redirect(url_for("manage.remind_team", team_id=team.id))
    try:
        outcome = remind_team_overdue(current_user, team)
        db.session.commit()
    except IntegrityError:  # another manager reminded some of them at the same moment
        db.session.rollback()
        flash(
            "Someone reminded some of these people just now. Check the list and try again.", "error"
        )
        return redirect(url_for("manage.remind_team", team_id=team.id))
    if outcome.queued:
        people = "person" if outcome.queued == 1 else "people"
        message = f"Reminders to {outcome.queued} {people} overdue in {team.name} are queued."
    else:
        message = f"No reminders were sent: nobody overdue in {team.name} is waiting for one."
    if outcome.skipped:
        message += f" {outcome.skipped} already had a reminder today and got no second one."
    flash(message, "success" if outcome.queued else "info")
    return redirect(url_for("manage.team", team_id=team.id))
