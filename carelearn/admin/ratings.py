"""The admin pages for learners' ratings of modules: each version's average, count and spread,
and its comments, newest first, without names."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from ..core.database import read_only
from ..services.feedback.ratings import STARS, rating_summaries, version_comments, version_summary


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/ratings", "ratings", ratings, methods=["GET"])
    bp.add_url_rule(
        "/ratings/<int:version_id>", "version_ratings", version_ratings, methods=["GET"]
    )


@read_only
def ratings():
    return render_template("admin/ratings.html", summaries=rating_summaries(), stars=STARS)


@read_only
def version_ratings(version_id: int):
    summary = version_summary(version_id)
    if summary is None:
        abort(404)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    return render_template(
        "admin/ratings_version.html",
        summary=summary,
        result=version_comments(version_id, page),
        link_args={"version_id": version_id},
        stars=STARS,
    )
