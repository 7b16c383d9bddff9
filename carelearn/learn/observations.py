"""A person's observed practice on My record: each observation, item by item with the
observer's comments, and the button that says they have read it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm
from ..services.evidence.observations import acknowledge_observation, observations_of


def register(bp: Blueprint) -> None:
    """The acknowledgement, and what My record's observations section reads, on the learners'
    blueprint."""
    bp.add_url_rule(
        "/learn/observations/<int:observation_id>/read",
        "acknowledge_observation",
        acknowledge,
        methods=["POST"],
    )
    bp.context_processor(_my_observations)


def _my_observations():
    """For templates/learn/_observations.html: a page of the person's own observations, read
    only when My record shows them."""

    def page():
        number = max(request.args.get("observations_page", 1, type=int) or 1, 1)
        return observations_of(current_user.id, number)

    return {"my_observations": page}


def acknowledge(observation_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    if acknowledge_observation(current_user, observation_id) is None:
        abort(404)
    db.session.commit()
    flash("Thank you. Your record now shows that you have read this feedback.", "success")
    return redirect(url_for("learn.record", _anchor="observations"))
