"""The admin page for the organisation's service vision: its statement and promises."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..forms import form_problems
from ..services.site.vision import (
    PROMISE_MAX,
    PROMISES_MAX,
    STATEMENT_MAX,
    clean_statement,
    current_vision,
    promise_lines,
    save_vision,
    vision_problems,
)
from .saving import save

SAVED_BY_SOMEONE_ELSE = (
    "statement",
    "Someone else saved the vision a moment ago. Check this page, then save again.",
)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/vision", view_func=edit_vision, methods=["GET", "POST"])


class VisionForm(FlaskForm):
    statement = TextAreaField("Vision statement", render_kw={"rows": 4})
    promises = TextAreaField("Promises (optional)", render_kw={"rows": 6})


def edit_vision():
    current = current_vision()
    form = VisionForm(
        data={
            "statement": current.statement if current else "",
            "promises": "\n".join(current.promises) if current else "",
        }
    )
    general: list[str] = []
    if form.validate_on_submit():
        statement = clean_statement(form.statement.data)
        promises = promise_lines(form.promises.data)
        problems = vision_problems(statement, promises)
        for name, messages in problems.items():
            form[name].errors = messages
        if not problems:
            saved = save(
                lambda: save_vision(current_user, statement, promises),
                form,
                general,
                taken=SAVED_BY_SOMEONE_ELSE,
            )
            if saved.ok:
                if saved.result:
                    flash(
                        "Saved. Everyone now sees the vision at the top of My training.", "success"
                    )
                else:
                    flash("Nothing changed: the vision is the same as before.", "info")
                return redirect(url_for("admin.edit_vision"))
    problems = form_problems(form, extra=general)
    return render_template(
        "admin/vision.html",
        form=form,
        current=current,
        problems=problems,
        statement_max=STATEMENT_MAX,
        promises_max=PROMISES_MAX,
        promise_max=PROMISE_MAX,
    ), (422 if problems else 200)
