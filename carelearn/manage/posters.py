"""A team's feedback poster, for a manager to print: PNG, SVG or A4 PDF, each with the QR code of
the team's public feedback form."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort
from flask_login import current_user

from ..core.database import read_only
from ..core.email import absolute_url
from ..services.feedback.posters import PosterFacts, poster_pdf, poster_png, poster_svg
from ..services.reporting.reports import team_in_scope

_MAKERS: dict[str, tuple[str, Callable[[PosterFacts], bytes | str]]] = {
    "png": ("image/png", poster_png),
    "svg": ("image/svg+xml", poster_svg),
    "pdf": ("application/pdf", poster_pdf),
}


def register(bp: Blueprint) -> None:
    """The poster, on the managers' blueprint."""
    bp.add_url_rule("/teams/<int:team_id>/poster.<kind>", "team_poster", poster, methods=["GET"])


@read_only
def poster(team_id: int, kind: str):
    team = team_in_scope(current_user, team_id)
    if team is None or kind not in _MAKERS:
        abort(404)
    mimetype, make = _MAKERS[kind]
    # The address is built from the configured site address, never from this request's Host.
    facts = PosterFacts(
        team.name, team.service_promise, absolute_url("feedback.form", team_id=team.id)
    )
    return Response(
        make(facts),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'inline; filename="feedback-poster-team-{team.id}.{kind}"',
            "Cache-Control": "private, no-cache",
        },
    )
