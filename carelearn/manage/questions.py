"""One quiz question as learners see it, with how the manager's people answer it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..core.database import read_only
from ..services.reporting.questions import TOO_FEW, question_detail


def register(bp: Blueprint) -> None:
    bp.add_url_rule("/questions/<int:module_id>/<key>", "question", question, methods=["GET"])


@read_only
def question(module_id: int, key: str):
    detail = question_detail(current_user, module_id, key)
    if detail is None:
        abort(404)
    return render_template("manage/question.html", detail=detail, too_few=TOO_FEW)
