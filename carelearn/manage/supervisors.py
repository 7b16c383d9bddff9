"""Observed practice on the managers' pages: naming a team's practice supervisors (people who
may observe its staff and sign their practice off, besides managers), what the team and person
pages show of it, and every observation in the manager's teams as a CSV file."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from ..core.database import read_only
from ..core.numbers import parse_id
from ..extensions import db
from ..forms import ActionForm
from ..services.evidence.observations import observations_of
from ..services.evidence.observations_csv import observations_csv, record_export
from ..services.evidence.supervisors import (
    SupervisorProblem,
    TeamNotFound,
    name_supervisor,
    remove_supervisor,
    supervisor_candidates,
    team_supervisors,
)
from ..services.reporting.reports import team_in_scope
from .downloads import csv_download


def register(bp: Blueprint) -> None:
    """The supervisor pages and the observations CSV, on the managers' blueprint."""
    bp.add_url_rule("/teams/<int:team_id>/supervisors", "supervisors", supervisors, methods=["GET"])
    bp.add_url_rule("/teams/<int:team_id>/supervisors", "supervisor_add", add, methods=["POST"])
    bp.add_url_rule(
        "/teams/<int:team_id>/supervisors/<int:user_id>/remove",
        "supervisor_remove",
        remove,
        methods=["POST"],
    )
    bp.add_url_rule("/observations.csv", "export_observations", export, methods=["GET"])
    bp.context_processor(_sections)


def _sections():
    """What the team page's supervisors section and the person page's observations section
    read (templates/manage/_supervisors.html, _observations.html), only when they show."""

    def person_observations(person_id: int):
        page = max(request.args.get("observations_page", 1, type=int) or 1, 1)
        return observations_of(person_id, page)

    return {
        "practice_supervisors": team_supervisors,
        "practice_observations": person_observations,
    }


@read_only
def supervisors(team_id: int):
    team = team_in_scope(current_user, team_id)
    if team is None:
        abort(404)
    query = (request.args.get("q") or "").strip()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = supervisor_candidates(current_user, team.id, query, page)
    return render_template(
        "manage/supervisors.html",
        team=team,
        named=team_supervisors(team.id),
        found=found,
        result=found,
        link_args={"q": query} if query else {},
    )


def _back(team_id: int):
    """To the page the button was on: the team's page, or its supervisors page."""
    if request.form.get("back") == "team":
        return redirect(url_for("manage.team", team_id=team_id))
    return redirect(url_for("manage.supervisors", team_id=team_id))


def add(team_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        person = name_supervisor(current_user, team_id, parse_id(request.form.get("user_id")))
    except TeamNotFound:
        abort(404)
    except SupervisorProblem as problem:
        flash(str(problem), "error")
        return redirect(url_for("manage.supervisors", team_id=team_id))
    db.session.commit()
    flash(f"{person.name} is now a practice supervisor of this team's staff.", "success")
    return redirect(url_for("manage.supervisors", team_id=team_id))


def remove(team_id: int, user_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        person = remove_supervisor(current_user, team_id, user_id)
    except TeamNotFound:
        abort(404)
    except SupervisorProblem as problem:
        flash(str(problem), "info")
        return _back(team_id)
    db.session.commit()
    flash(
        f"{person.name} is no longer a practice supervisor of this team. Their sign-offs stay.",
        "success",
    )
    return _back(team_id)


def export():
    record_export(current_user)
    db.session.commit()
    return csv_download(observations_csv(current_user), "observations")
