"""Assigning training, in three steps that work on a touch screen and without JavaScript:
choose (what, to whom – searching and ticking people a page at a time, or a team, or a job
role – and by when), check what that comes to, then assign."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.database import read_only
from ..core.dates import format_day
from ..extensions import db
from ..forms import show_error
from ..services.onboarding.assigning import (
    AssignChoice,
    AssignPlan,
    AssignProblems,
    carry_out,
    chosen_people,
    job_role_choices,
    plan_assignment,
    search_people,
    team_choices,
    what_choices,
)
from .forms import AssignForm

# A forged or unreadable team, job role or person: what to do rather than WTForms' words.
UNREADABLE = {
    "team": "Choose one of your teams.",
    "job_role": "Choose a job role.",
    "people": "Tick at least one person from your teams.",
}


def register(bp: Blueprint) -> None:
    """The assign pages, on the managers' blueprint."""
    bp.add_url_rule("/assign", "assign", choose, methods=["GET"])
    bp.add_url_rule("/assign/check", "assign_check", check, methods=["GET"])
    bp.add_url_rule("/assign", "assign_save", save, methods=["POST"])


def _form(from_query: bool) -> AssignForm:
    form = AssignForm(formdata=request.args, meta={"csrf": False}) if from_query else AssignForm()
    form.what.choices = [("", "Choose a module or learning path")] + what_choices()
    form.team.choices = [("", "Choose a team")] + team_choices(current_user)
    form.job_role.choices = [("", "Choose a job role")] + job_role_choices()
    return form


@read_only
def choose():
    return _choose_page(_form(from_query=True))


def _choose_page(form: AssignForm, general: list[str] | None = None, status: int = 200):
    results = search_people(current_user, form.q.data or "", form.page.data or 1)
    ticked = chosen_people(current_user, form.people.data or [])
    on_page = {p.id for p in results.people}
    return render_template(
        "manage/assign.html",
        form=form,
        results=results,
        ticked={p.id for p in ticked},
        kept=[p for p in ticked if p.id not in on_page],
        general=general or [],
    ), status


def _plan(form: AssignForm, general: list[str]) -> AssignPlan | None:
    """The checked plan, or None with every problem on the form (and in `general`)."""
    form.validate()
    form.page.errors = []  # the page of people matters only while searching
    valid = not form.errors
    for name, message in UNREADABLE.items():
        if form[name].errors:
            form[name].errors = [message]
    choice = AssignChoice(
        what=form.what.data or "",
        target=form.target.data or "",
        due_on=form.due_on.data,
        people=form.people.data or [],
        team_id=form.team.data,
        job_role_id=form.job_role.data,
    )
    try:
        plan = plan_assignment(current_user, choice)
    except AssignProblems as found:
        for problem in found.problems:
            if not (problem.field in form and form[problem.field].errors):
                show_error(form, problem, general)
        return None
    return plan if valid else None


@read_only
def check():
    form = _form(from_query=True)
    general: list[str] = []
    plan = _plan(form, general)
    if plan is None:
        return _choose_page(form, general, 422)
    back = url_for("manage.assign", **request.args.to_dict(flat=False))
    return render_template("manage/assign_check.html", plan=plan, back=back)


def save():
    form = _form(from_query=False)
    general: list[str] = []
    plan = _plan(form, general)
    if plan is None:
        return _choose_page(form, general, 422)
    outcome = carry_out(current_user, plan)
    db.session.commit()
    flash(_outcome_message(plan, len(outcome.people)), "success")
    return redirect(url_for("manage.assign"))


def _people(count: int) -> str:
    return f"{count} person" if count == 1 else f"{count} people"


def _outcome_message(plan: AssignPlan, new_people: int) -> str:
    if not new_people:
        return (
            f"Everyone chosen already has {plan.title} open, so nothing changed and no email "
            "was sent."
        )
    message = (
        f"{plan.title} is assigned to {_people(new_people)}, due "
        f"{format_day(plan.due_on)}. Each of them is sent an email about it."
    )
    if plan.count > new_people:
        kept = plan.count - new_people
        message += f" {_people(kept)} already had it open and keep the date they have."
    return message
