"""Admin pages for learning paths and onboarding rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import FieldList, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..extensions import db
from ..forms import ActionForm, module_choices, optional_int
from ..models import JobRole, LearningPath, OnboardingRule, Team
from ..services.onboarding.paths import PathError, add_rule, remove_rule, save_path
from ..services.onboarding.rules import apply_onboarding_rules

PATH_STEPS = 8


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/paths", view_func=paths)
    bp.add_url_rule(
        "/paths/new", view_func=edit_path, methods=["GET", "POST"], defaults={"path_id": None}
    )
    bp.add_url_rule("/paths/<int:path_id>", view_func=edit_path, methods=["GET", "POST"])
    bp.add_url_rule("/rules/new", view_func=new_rule, methods=["GET", "POST"])
    bp.add_url_rule("/rules/<int:rule_id>/delete", view_func=delete_rule, methods=["POST"])


class PathForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired("Enter a name for the path."), Length(max=120)]
    )
    description = TextAreaField("What it is for", validators=[Length(max=500)])
    steps = FieldList(
        SelectField("Module", coerce=optional_int, validate_choice=False), min_entries=PATH_STEPS
    )


class RuleForm(FlaskForm):
    job_role = SelectField(
        "Job role", coerce=optional_int, validators=[InputRequired("Choose a job role.")]
    )
    team = SelectField("Only in this team (and the teams below it)", coerce=optional_int)
    path = SelectField(
        "Learning path", coerce=optional_int, validators=[InputRequired("Choose a path.")]
    )
    due_days = IntegerField(
        "Due this many days after they start",
        default=28,
        validators=[
            InputRequired("Enter a number of days, such as 28."),
            NumberRange(min=0, max=365, message="Enter a number of days from 0 to 365."),
        ],
    )


def _module_choices() -> list[tuple[int | str, str]]:
    return [("", "–"), *module_choices()]


def paths():
    all_paths = db.session.scalars(
        select(LearningPath).options(selectinload(LearningPath.steps)).order_by(LearningPath.name)
    ).all()
    rules = db.session.execute(
        select(OnboardingRule, JobRole.name, Team.name, LearningPath.name)
        .join(JobRole, JobRole.id == OnboardingRule.job_role_id)
        .join(LearningPath, LearningPath.id == OnboardingRule.path_id)
        .outerjoin(Team, Team.id == OnboardingRule.team_id)
        .order_by(JobRole.name, LearningPath.name)
    ).all()
    titles = dict(_module_choices()[1:])
    return render_template(
        "admin/paths.html", paths=all_paths, rules=rules, titles=titles, form=ActionForm()
    )


def edit_path(path_id: int | None):
    path = db.session.get(LearningPath, path_id) if path_id is not None else None
    if path_id is not None and path is None:
        abort(404)
    form = PathForm(obj=path)
    if path is not None and not form.is_submitted():
        for entry, step in zip(form.steps.entries, path.steps, strict=False):
            entry.data = step.module_id
    for entry in form.steps:
        entry.choices = _module_choices()
    if form.validate_on_submit():
        module_ids = [e.data for e in form.steps if e.data]
        try:
            saved = save_path(
                path, form.name.data, form.description.data or "", module_ids, current_user.id
            )
        except PathError as problem:
            form[problem.field].errors.append(str(problem))
        else:
            flash(f"Saved the path {saved.name}.", "success")
            return redirect(url_for("admin.paths"))
    elif any(entry.errors for entry in form.steps):
        form.steps.errors.append("Choose each module from the list.")
    return render_template(
        "admin/path_form.html", form=form, path=path
    ), 422 if form.errors else 200


def new_rule():
    form = RuleForm()
    form.job_role.choices = [("", "Choose a job role")] + [
        (r.id, r.name) for r in db.session.scalars(select(JobRole).order_by(JobRole.name))
    ]
    form.team.choices = [("", "Any team")] + [
        (t.id, t.name) for t in db.session.scalars(select(Team).order_by(Team.name))
    ]
    form.path.choices = [("", "Choose a path")] + [
        (p.id, p.name) for p in db.session.scalars(select(LearningPath).order_by(LearningPath.name))
    ]
    if form.validate_on_submit():
        try:
            add_rule(
                form.job_role.data,
                form.team.data,
                form.path.data,
                form.due_days.data,
                current_user.id,
            )
        except PathError as problem:
            form[problem.field].errors.append(str(problem))
        else:
            created = apply_onboarding_rules(actor_id=current_user.id)
            flash(f"Rule added. {created} assignment(s) made for people it applies to.", "success")
            return redirect(url_for("admin.paths"))
    return render_template("admin/rule_form.html", form=form), 422 if form.errors else 200


def delete_rule(rule_id: int):
    rule = db.session.get(OnboardingRule, rule_id)
    if rule is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    remove_rule(rule, current_user.id)
    flash("Rule removed. Assignments it made before stay in place.", "success")
    return redirect(url_for("admin.paths"))
