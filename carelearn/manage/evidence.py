"""Evidence packs: ask for one as at a date, watch it being built, download it when ready.

The list refreshes itself every few seconds while a pack is being built, with the `Refresh`
header, so it works without JavaScript."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField
from wtforms.validators import Optional

from ..core.clock import today
from ..core.database import read_only
from ..core.numbers import parse_id
from ..extensions import db
from ..forms import form_problems
from ..models import AppRole, Team
from ..services.evidence.pack import (
    PackProblems,
    PackRequest,
    TeamOutOfScope,
    downloadable_pack,
    pack_bytes,
    pack_file_name,
    record_download,
    request_pack,
    team_names,
    viewer_packs,
)
from ..services.reporting.permissions import managed_team_ids_query

REFRESH_SECONDS = 5
WHOLE_ORGANISATION = "organisation"
DATE_MESSAGES = {
    "as_at": "Enter the as-at date as a date, like 2026-11-30.",
    "period_from": "Enter the start of the audit period as a date, like 2025-12-01.",
}


class EvidencePackForm(FlaskForm):
    """The teams are read from the ticked boxes themselves (see _ticked_teams); the service
    checks everything, with a message for each thing to fix."""

    as_at = DateField("As at", default=today, validators=[Optional()])
    period_from = DateField("Audit entries from", validators=[Optional()])


def register(bp: Blueprint) -> None:
    """The evidence pack pages, on the managers' blueprint."""
    bp.add_url_rule("/evidence", "evidence", packs, methods=["GET"])
    bp.add_url_rule("/evidence", "evidence_request", ask, methods=["POST"])
    bp.add_url_rule("/evidence/<int:pack_id>/download", "evidence_download", download)


def _scope_teams() -> list[tuple[int, str]]:
    query = (
        select(Team.id, Team.name)
        .where(Team.id.in_(managed_team_ids_query(current_user)))
        .order_by(Team.name)
    )
    return [(team_id, name) for team_id, name in db.session.execute(query)]


def _page(form: EvidencePackForm, ticked: set[str], problems, status: int = 200):
    listed = viewer_packs(current_user)
    response = Response(
        render_template(
            "manage/evidence.html",
            form=form,
            teams=_scope_teams(),
            ticked=ticked,
            may_choose_organisation=current_user.app_role == AppRole.ADMIN,
            packs=listed,
            team_names=team_names(listed),
            problems=problems,
            refresh_seconds=REFRESH_SECONDS,
        ),
        status=status,
    )
    if any(pack.state in ("queued", "building") for pack in listed):
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@read_only
def packs():
    return _page(EvidencePackForm(formdata=None), set(), [])


def _ticked_teams() -> tuple[set[str], tuple[int, ...]]:
    """The ticked boxes as sent, and the team ids among them; a box that is not a whole number
    (nor the whole organisation) names no team anyone may see."""
    ticked = set(request.form.getlist("teams"))
    ids = []
    for value in ticked - {WHOLE_ORGANISATION}:
        team_id = parse_id(value)
        if team_id is None:
            abort(404)
        ids.append(team_id)
    return ticked, tuple(sorted(ids))


def ask():
    form = EvidencePackForm()
    ticked, team_ids = _ticked_teams()
    form.validate()  # the token was checked for every form before the view (CSRFProtect)
    for name, message in DATE_MESSAGES.items():
        if form[name].errors:  # typed in a browser without a date picker, and not a date
            form[name].errors = [message]
    if form.errors:
        return _page(form, ticked, form_problems(form), 422)
    whole = WHOLE_ORGANISATION in ticked
    try:
        pack = request_pack(
            current_user,
            PackRequest(
                as_at=form.as_at.data,
                period_from=form.period_from.data,
                team_ids=() if whole else team_ids,
                whole_organisation=whole,
            ),
        )
    except TeamOutOfScope:
        abort(404)
    except PackProblems as found:
        for problem in found.problems:
            if problem.field in form:
                form[problem.field].errors = [str(problem)]
        others = [(p.field, str(p)) for p in found.problems if p.field not in form]
        return _page(form, ticked, form_problems(form) + others, 422)
    db.session.commit()
    flash(
        "Your evidence pack is being built. This page shows how far it has got, and we will "
        "email you when it is ready.",
        "success",
    )
    return redirect(url_for("manage.evidence", _anchor=f"pack-{pack.id}"))


def download(pack_id: int):
    pack = downloadable_pack(current_user, pack_id)
    if pack is None:
        abort(404)
    record_download(current_user, pack)
    name, size = pack_file_name(pack), pack.size_bytes
    db.session.commit()
    return Response(
        stream_with_context(pack_bytes(pack_id)),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(size),
            "Cache-Control": "no-store",
        },
    )
