"""The evidence behind recognised prior learning, for admins and the person's managers."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, send_file
from flask_login import current_user

from ..extensions import db
from ..services.people.prior_learning import evidence_for


def register(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/prior-learning/<int:prior_learning_id>/evidence",
        "prior_learning_evidence",
        evidence,
        methods=["GET"],
    )


def evidence(prior_learning_id: int):
    """Always a download, never shown in the browser, as the type read from its first bytes;
    not read-only, as each download is recorded."""
    prior = evidence_for(current_user, prior_learning_id)
    if prior is None:
        abort(404)
    data, name, kind = prior.evidence, prior.evidence_name, prior.evidence_type
    db.session.commit()
    response = send_file(
        BytesIO(data), mimetype=kind, as_attachment=True, download_name=name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
