"""Admin pages for people: the searchable list, adding and editing (helping them sign in and
deactivating are in accounts.py)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import ActionForm, form_problems
from ..models import Team, User
from ..services.people.accounts import ensure_job_roles
from ..services.people.checks import PersonDetails
from ..services.people.invitations import latest_link
from ..services.people.people import (
    create_person,
    managed_team_ids_of,
    team_ids_of,
    update_person,
    welcome_new_people,
)
from ..services.people.search import PeopleFilters, search_people
from ..services.people.teams import flatten_tree, team_tree
from .forms import PeopleFilterForm, PersonForm
from .saving import get_or_404, save

EMAIL_TAKEN = ("email", "Someone already has that email address.")


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/", view_func=index)
    bp.add_url_rule("/people", view_func=people_list)
    bp.add_url_rule("/people/new", view_func=new_person, methods=["GET", "POST"])
    bp.add_url_rule("/people/<int:user_id>", view_func=person, methods=["GET", "POST"])


def index():
    return redirect(url_for("admin.people_list"))


def team_choices(exclude: set[int] | None = None) -> list[tuple[int, str]]:
    """Teams in tree order; non-breaking spaces show the nesting without a screen reader
    announcing it."""
    exclude = exclude or set()
    return [
        (node.team.id, "\u00a0\u00a0\u00a0" * node.depth + node.team.name)
        for node in flatten_tree(team_tree())
        if node.team.id not in exclude
    ]


def _filters_from(form: PeopleFilterForm) -> PeopleFilters:
    """The filters as asked, leaving out any that make no sense (an old link, a typed URL)."""
    form.validate()

    def good(f, fallback):
        if f.errors or f.data is None:
            f.data, f.errors = fallback, []
        return f.data

    return PeopleFilters(
        q=good(form.q, ""),
        team_id=good(form.team, None),
        job_role=good(form.job_role, ""),
        status=good(form.status, "active"),
    )


def people_list():
    roles = ensure_job_roles()
    form = PeopleFilterForm(request.args)
    form.team.choices = [("", "All teams"), *team_choices()]
    form.job_role.choices = [("", "All job roles")] + sorted(
        ((slug, role.name) for slug, role in roles.items()), key=lambda c: c[1]
    )
    filters = _filters_from(form)
    page = request.args.get("page", 1, type=int)
    result = search_people(filters, page)
    link_args = {
        k: v
        for k, v in {
            "q": filters.q,
            "team": filters.team_id,
            "job_role": filters.job_role,
            "status": filters.status if filters.status != "active" else None,
        }.items()
        if v not in (None, "")
    }
    return render_template(
        "admin/people.html", form=form, result=result, link_args=link_args, filtered=bool(link_args)
    )


def _person_form(data: dict | None = None) -> PersonForm:
    form = PersonForm(data=data)
    roles = ensure_job_roles()
    form.job_role.choices = [("", "Choose a job role")] + sorted(
        ((role.id, role.name) for role in roles.values()), key=lambda c: c[1]
    )
    form.teams.choices = team_choices()
    return form


def _details(form: PersonForm) -> PersonDetails:
    return PersonDetails(
        email=form.email.data,
        name=form.name.data,
        preferred_name=form.preferred_name.data,
        job_role_id=form.job_role.data,
        app_role=form.app_role.data,
        team_ids=form.teams.data or [],
        start_date=form.start_date.data,
    )


def _person_page(form: PersonForm, person: User | None, general: list[str]):
    problems = form_problems(form, extra=general)
    managed = []
    if person is not None:
        managed = [
            t
            for t in (db.session.get(Team, i) for i in managed_team_ids_of(person.id))
            if t is not None
        ]
    return render_template(
        "admin/person_form.html",
        form=form,
        person=person,
        managed=managed,
        link=latest_link(person.id) if person is not None else None,
        action_form=ActionForm(formdata=None),
        problems=problems,
    ), 422 if problems else 200


def new_person():
    form = _person_form()
    general: list[str] = []
    if form.validate_on_submit():
        saved = save(
            lambda: create_person(_details(form), actor_id=current_user.id),
            form,
            general,
            taken=EMAIL_TAKEN,
        )
        if saved.ok:
            person = saved.result
            welcome_new_people([person], actor_id=current_user.id)
            flash(
                f"{person.name} has been added. Their invitation to set a password is queued.",
                "success",
            )
            return redirect(url_for("admin.person", user_id=person.id))
    return _person_page(form, None, general)


def person(user_id: int):
    person = get_or_404(User, user_id)
    form = _person_form(
        data={
            "name": person.name,
            "preferred_name": person.preferred_name,
            "email": person.email,
            "job_role": person.job_role_id,
            "app_role": person.app_role,
            "teams": team_ids_of(person.id),
            "start_date": person.start_date,
        }
    )
    general: list[str] = []
    if form.validate_on_submit():
        saved = save(
            lambda: update_person(person, _details(form), actor_id=current_user.id),
            form,
            general,
            taken=EMAIL_TAKEN,
        )
        if saved.ok:
            flash("Changes saved." if saved.result else "Nothing to change.", "success")
            return redirect(url_for("admin.person", user_id=person.id))
    return _person_page(form, person, general)
