"""The staff pulse's results for managers (their teams and every team below) and admins (the
whole organisation), a level of the team tree at a time."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..core.database import read_only
from ..core.numbers import parse_id
from ..services.feedback.pulse import QUESTIONS, open_round
from ..services.feedback.pulse_report import closed_rounds, pulse_report
from ..services.feedback.pulse_tree import MIN_GROUP


def register(bp: Blueprint) -> None:
    """The results page, on the managers' blueprint."""
    bp.add_url_rule("/pulse", "pulse", results, methods=["GET"])


@read_only
def results():
    rounds = closed_rounds()
    asked = request.args.get("quarter")
    chosen = next((r for r in rounds if r.quarter == asked), None) if asked else None
    if asked and chosen is None:
        abort(404)
    chosen = chosen or (rounds[0] if rounds else None)
    team_id = parse_id(request.args.get("team")) if request.args.get("team") else None
    if request.args.get("team") and team_id is None:
        abort(404)
    report = pulse_report(current_user, chosen.quarter, team_id) if chosen else None
    if chosen and report is None:
        abort(404)  # a team this viewer does not see, or none at all
    return render_template(
        "manage/pulse.html",
        rounds=rounds,
        chosen=chosen,
        report=report,
        team_id=team_id,
        open_now=open_round(),
        questions=QUESTIONS,
        min_group=MIN_GROUP,
    )
