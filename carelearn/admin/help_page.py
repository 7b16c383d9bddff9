"""The admin page for the Help page's text: whom people should ask."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..forms import form_problems
from ..services.site.help import HELP_MAX_CHARS, help_problems, help_text, save_help_text
from .saving import save

SAVED_BY_SOMEONE_ELSE = (
    "body",
    "Someone else saved the help text a moment ago. Check the Help page, then save again.",
)


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/help", view_func=edit_help, methods=["GET", "POST"])


class HelpTextForm(FlaskForm):
    body = TextAreaField("Help text", render_kw={"rows": 18, "maxlength": HELP_MAX_CHARS})


def edit_help():
    current = help_text()
    form = HelpTextForm(data={"body": current.markdown})
    general: list[str] = []
    if form.validate_on_submit():
        text = form.body.data or ""
        problems = help_problems(text)
        if problems:
            form.body.errors = problems
        else:
            saved = save(
                lambda: save_help_text(text, current_user.id),
                form,
                general,
                taken=SAVED_BY_SOMEONE_ELSE,
            )
            if saved.ok:
                if saved.result:
                    flash("Saved. Everyone now sees the new text on the Help page.", "success")
                else:
                    flash("Nothing changed: the text is the same as before.", "info")
                return redirect(url_for("admin.edit_help"))
    problems = form_problems(form, extra=general)
    return render_template(
        "admin/help.html",
        form=form,
        current=current,
        problems=problems,
        max_chars=HELP_MAX_CHARS,
    ), (422 if problems else 200)
