"""Rating a completed module: the form under a passed quiz's result and on its own page, linked
from My record for each completed version not yet rated."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.database import read_only
from ..core.numbers import parse_id
from ..extensions import db
from ..forms import ActionForm
from ..services.feedback.ratings import (
    COMMENT_MAX,
    QUESTION,
    STARS,
    NotCompleted,
    RatingProblems,
    completed_version,
    rating_offer,
    save_rating,
    unrated_versions,
)
from ..services.training.attempts import find_attempt


def register(bp: Blueprint) -> None:
    """The rating page, on the learners' blueprint; the result page and My record read a
    person's rating and their unrated versions (one query each) with the helpers below."""
    bp.add_url_rule("/learn/ratings/<int:version_id>", "rate", rate_page, methods=["GET"])
    bp.add_url_rule("/learn/ratings/<int:version_id>", "rate_save", save, methods=["POST"])
    bp.context_processor(
        lambda: {
            "rating_offer": rating_offer,
            "unrated_versions": unrated_versions,
            "rating_question": QUESTION,
            "rating_stars": STARS,
            "rating_comment_max": COMMENT_MAX,
        }
    )


def _version_or_404(version_id: int):
    version = completed_version(current_user, version_id)
    if version is None:
        abort(404)
    return version


@read_only
def rate_page(version_id: int):
    version = _version_or_404(version_id)
    return render_template(
        "learn/rate.html", version=version, form=ActionForm(), sent=None, problems=[]
    )


def _back(version_id: int):
    """Back to the quiz result the rating was given under, or else to My record."""
    attempt_id = parse_id(request.form.get("attempt"))
    attempt = find_attempt(current_user, attempt_id) if attempt_id else None
    if attempt is not None and attempt.module_version.id == version_id:
        return redirect(url_for("learn.attempt", attempt_id=attempt.id, _anchor="rate"))
    return redirect(url_for("learn.record", _anchor="rate"))


def save(version_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    sent = {"stars": request.form.get("stars", ""), "comment": request.form.get("comment", "")}
    try:
        first = save_rating(current_user, version_id, sent["stars"], sent["comment"])
    except NotCompleted:
        abort(404)
    except RatingProblems as problems:
        version = _version_or_404(version_id)
        found = [("stars-1" if p.field == "stars" else p.field, str(p)) for p in problems.problems]
        return render_template(
            "learn/rate.html", version=version, form=ActionForm(), sent=sent, problems=found
        ), 422
    db.session.commit()
    flash(
        "Thank you: your rating is saved." if first else "Thank you: your rating is changed.",
        "success",
    )
    return _back(version_id)
