"""What patients and staff say, for managers: a team's feedback with every team below it (or
everything they see), its comments with hiding and showing again, the modules that answer its
weakest themes (assigned to the team in one step), "You said, we did", and the CSV."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.clock import today
from ..core.database import read_only
from ..core.freshness import cached
from ..core.numbers import parse_id
from ..core.templating import with_form_tokens
from ..extensions import db
from ..forms import ActionForm, form_problems, show_error
from ..models import Team
from ..services.feedback.feedback_csv import feedback_csv, record_export
from ..services.feedback.insights import Insights, feedback_insights
from ..services.feedback.moderation import (
    REASON_MAX,
    EntryNotFound,
    ModerationProblem,
    comments,
    hide_entry,
    show_entry,
)
from ..services.feedback.you_said import (
    WE_DID_MAX,
    YOU_SAID_MAX,
    YouSaidProblems,
    post_you_said,
    remove_you_said,
    team_you_said,
)
from ..services.onboarding.assigning import AssignChoice, AssignProblems, carry_out, plan_assignment
from ..services.reporting.permissions import managed_team_ids_query
from ..services.reporting.reports import team_in_scope
from .assign import _outcome_message as outcome_message
from .downloads import csv_download
from .feedback_charts import paired_chart

DUE_DAYS = 30


class HideForm(FlaskForm):
    reason = StringField("Why hide it?", validators=[Optional()])
    team = HiddenField()  # the list to go back to: a team's, or everything the viewer sees
    page = HiddenField()


class AssignThemeForm(FlaskForm):
    module = HiddenField()
    due_on = DateField(
        "Due date", default=lambda: today() + timedelta(days=DUE_DAYS), validators=[Optional()]
    )


class YouSaidForm(FlaskForm):
    you_said = TextAreaField("You said", validators=[Optional()])
    we_did = TextAreaField("We did", validators=[Optional()])


def register(bp: Blueprint) -> None:
    """The feedback pages, on the managers' blueprint."""
    # Everything the viewer sees, or one team with the teams below it: the same pages.
    everything = {"team_id": None}
    bp.add_url_rule("/feedback", "feedback", insights, defaults=everything)
    bp.add_url_rule("/teams/<int:team_id>/feedback", "feedback", insights)
    bp.add_url_rule("/feedback/comments", "feedback_comments", comments_page, defaults=everything)
    bp.add_url_rule("/teams/<int:team_id>/feedback/comments", "feedback_comments", comments_page)
    bp.add_url_rule(
        "/feedback/entries/<int:entry_id>/hide", "feedback_hide", hide, methods=["POST"]
    )
    bp.add_url_rule(
        "/feedback/entries/<int:entry_id>/show", "feedback_show", show, methods=["POST"]
    )
    bp.add_url_rule(
        "/teams/<int:team_id>/feedback/assign", "feedback_assign", assign, methods=["POST"]
    )
    bp.add_url_rule("/teams/<int:team_id>/you-said", "feedback_you_said", you_said_page)
    bp.add_url_rule(
        "/teams/<int:team_id>/you-said", "feedback_you_said_post", you_said_post, methods=["POST"]
    )
    bp.add_url_rule(
        "/you-said/<int:item_id>/remove",
        "feedback_you_said_remove",
        you_said_remove,
        methods=["POST"],
    )
    bp.add_url_rule("/feedback.csv", "export_feedback", export)


def _team_or_404(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = team_in_scope(current_user, team_id)
    if team is None:
        abort(404)
    return team


def _page(name: str = "page") -> int:
    return max(request.args.get(name, 1, type=int) or 1, 1)


@read_only
def insights(team_id: int | None):
    found = feedback_insights(current_user, team_id)
    if found is None:
        abort(404)
    return render_template(
        "manage/feedback.html",
        team=found.team,
        found=found,
        figures=_figures(found),
    )


def _figures(found: Insights) -> Markup:
    """The figures, charts, tables and what to work on as HTML, kept like the figures
    themselves, so the same HTML serves every visit; the assign forms get this request's token."""

    def render() -> Markup:
        months = [m.month for m in found.months]
        due_on = AssignThemeForm().due_on.data
        return Markup(
            render_template(
                "manage/_feedback_figures.html",
                team=found.team,
                found=found,
                is_admin=current_user.is_admin,
                answers_chart=paired_chart(
                    months,
                    [m.positive_percent for m in found.months],
                    [m.negative_percent for m in found.months],
                    ("chart__bar--positive", "chart__bar--negative"),
                ),
                before_after_chart=paired_chart(
                    months,
                    [p.positive_percent for p in found.before_after],
                    [p.completion_percent for p in found.before_after],
                    ("chart__bar--positive", "chart__bar--completion"),
                ),
            )
            + render_template(
                "manage/_feedback_work_on.html", team=found.team, found=found, due_on=due_on
            )
        )

    key = found.team.id if found.team else None
    return with_form_tokens(cached(current_user, "feedback figures", key, render, rendered=True))


def _comments_page(
    team: Team | None, form: HideForm | None = None, failed: int | None = None, page: int = 1
):
    return render_template(
        "manage/feedback_comments.html",
        team=team,
        lines=comments(current_user, team.id if team else None, page),
        form=form or HideForm(),
        failed=failed,
        problems=form_problems(form) if form else [],
        reason_max=REASON_MAX,
    )


@read_only
def comments_page(team_id: int | None):
    return _comments_page(_team_or_404(team_id), page=_page())


def _back_to_comments(form: HideForm):
    team_id = parse_id(form.team.data)
    page = parse_id(form.page.data) or 1
    if team_id is not None:
        return redirect(url_for("manage.feedback_comments", team_id=team_id, page=page))
    return redirect(url_for("manage.feedback_comments", page=page))


def hide(entry_id: int):
    form = HideForm()
    if not form.validate():
        abort(400)
    try:
        hide_entry(current_user, entry_id, managed_team_ids_query(current_user), form.reason.data)
    except EntryNotFound:
        abort(404)
    except ModerationProblem as problem:
        form.reason.errors = [str(problem)]
        team_id = parse_id(form.team.data)
        back = team_in_scope(current_user, team_id) if team_id else None
        return _comments_page(back, form, entry_id, parse_id(form.page.data) or 1), 422
    db.session.commit()
    flash("The comment is hidden. It is no longer counted, shown or exported.", "success")
    return _back_to_comments(form)


def show(entry_id: int):
    form = HideForm()
    if not form.validate():
        abort(400)
    try:
        show_entry(current_user, entry_id, managed_team_ids_query(current_user))
    except EntryNotFound:
        abort(404)
    db.session.commit()
    flash("The comment is shown again and counted.", "success")
    return _back_to_comments(form)


def assign(team_id: int):
    team = _team_or_404(team_id)
    assert team is not None
    # The token was checked before the view (CSRFProtect); an unreadable date reaches the
    # plan as none, which says what to enter.
    form = AssignThemeForm()
    choice = AssignChoice(
        what=f"module:{parse_id(form.module.data) or ''}",
        target="team",
        due_on=form.due_on.data,
        team_id=team.id,
    )
    try:
        plan = plan_assignment(current_user, choice)
    except AssignProblems as found:
        for problem in found.problems:
            flash(str(problem), "error")
        return redirect(url_for("manage.feedback", team_id=team.id, _anchor="weakest"))
    outcome = carry_out(current_user, plan)
    db.session.commit()
    flash(outcome_message(plan, len(outcome.people)), "success")
    return redirect(url_for("manage.feedback", team_id=team.id, _anchor="weakest"))


def _you_said_page(team: Team, form: YouSaidForm, general=(), status: int = 200):
    return render_template(
        "manage/feedback_you_said.html",
        team=team,
        form=form,
        items=team_you_said(team.id, _page()),
        problems=form_problems(form, extra=general),
        you_said_max=YOU_SAID_MAX,
        we_did_max=WE_DID_MAX,
    ), status


@read_only
def you_said_page(team_id: int):
    team = _team_or_404(team_id)
    assert team is not None
    return _you_said_page(team, YouSaidForm(formdata=None))


def you_said_post(team_id: int):
    team = _team_or_404(team_id)
    assert team is not None
    form = YouSaidForm()
    general: list[str] = []
    try:
        post_you_said(current_user, team, form.you_said.data, form.we_did.data)
    except YouSaidProblems as found:
        for problem in found.problems:
            show_error(form, problem, general)
        return _you_said_page(team, form, general, 422)
    db.session.commit()
    flash(f"Posted. It shows on the public page of {team.name}.", "success")
    return redirect(url_for("manage.feedback_you_said", team_id=team.id))


def you_said_remove(item_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        item = remove_you_said(current_user, item_id)
    except EntryNotFound:
        abort(404)
    db.session.commit()
    flash("Removed from the public page.", "success")
    return redirect(url_for("manage.feedback_you_said", team_id=item.team_id))


def export():
    with_comments = request.args.get("comments") == "1"
    record_export(current_user, with_comments)
    db.session.commit()
    name = "feedback-with-comments" if with_comments else "feedback"
    return csv_download(feedback_csv(current_user, with_comments), name)
