"""Admin pages for the nested teams and who manages them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..extensions import db
from ..forms import form_problems
from ..models import Team
from ..services.people.checks import KIND_LABELS, TEAM_NAME_MAX
from ..services.people.search import find_active_person
from ..services.people.teams import (
    create_team,
    descendant_ids,
    search_tree,
    set_team_managers,
    team_managers,
    team_tree,
    update_team,
)
from .forms import ManagersForm, TeamForm
from .people import team_choices
from .saving import get_or_404, save


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/teams", view_func=teams)
    bp.add_url_rule("/teams/new", view_func=new_team, methods=["GET", "POST"])
    bp.add_url_rule("/teams/<int:team_id>", view_func=team, methods=["GET", "POST"])
    bp.add_url_rule(
        "/teams/<int:team_id>/managers",
        view_func=managers,
        methods=["POST"],
        endpoint="team_managers",
    )


def teams():
    """The whole tree, or with `q` the teams whose name holds it."""
    tree = team_tree(with_details=True)
    q = " ".join(request.args.get("q", "").split())[:TEAM_NAME_MAX]
    return render_template(
        "admin/teams.html",
        tree=tree,
        q=q,
        found=search_tree(tree, q) if q else None,
        kinds=KIND_LABELS,
    )


def _parent_choices(exclude: set[int]) -> list[tuple[int | str, str]]:
    return [("", "Nothing: it is at the top"), *team_choices(exclude)]


def new_team():
    form = TeamForm(data={"parent": request.args.get("parent", type=int)})
    form.parent.choices = _parent_choices(set())
    general: list[str] = []
    if form.validate_on_submit():
        saved = save(
            lambda: create_team(
                form.name.data,
                form.kind.data,
                form.parent.data,
                actor_id=current_user.id,
                service_promise=form.service_promise.data,
            ),
            form,
            general,
        )
        if saved.ok:
            flash(f"{saved.result.name} has been added.", "success")
            return redirect(url_for("admin.team", team_id=saved.result.id))
    problems = form_problems(form, extra=general)
    return render_template(
        "admin/team_form.html", form=form, team=None, problems=problems
    ), 422 if problems else 200


def _team_page(team: Team, form: TeamForm, managers_form: ManagersForm, general: list[str]):
    problems = form_problems(form, managers_form, extra=general)
    return render_template(
        "admin/team_form.html",
        form=form,
        managers_form=managers_form,
        team=team,
        managers=team_managers(team.id),
        problems=problems,
        kinds=KIND_LABELS,
    ), 422 if problems else 200


def _team_form(team: Team, formdata: bool) -> TeamForm:
    form = TeamForm(
        data={
            "name": team.name,
            "kind": team.kind,
            "parent": team.parent_id,
            "service_promise": team.service_promise or "",
        },
        **({} if formdata else {"formdata": None}),
    )
    form.parent.choices = _parent_choices(descendant_ids(team.id))
    return form


def _managers_form(team: Team, formdata: bool) -> ManagersForm:
    current = team_managers(team.id)
    form = ManagersForm(
        data={"keep": [u.id for u in current]}, **({} if formdata else {"formdata": None})
    )
    form.keep.choices = [(u.id, f"{u.name} ({u.email})") for u in current]
    return form


def team(team_id: int):
    team = get_or_404(Team, team_id)
    form = _team_form(team, formdata=True)
    general: list[str] = []
    if form.validate_on_submit():
        saved = save(
            lambda: update_team(
                team,
                name=form.name.data,
                kind=form.kind.data,
                parent_id=form.parent.data,
                actor_id=current_user.id,
                service_promise=form.service_promise.data or "",
            ),
            form,
            general,
            on_error=lambda: db.session.refresh(team),
        )
        if saved.ok:
            flash("Changes saved." if saved.result else "Nothing to change.", "success")
            return redirect(url_for("admin.team", team_id=team.id))
    return _team_page(team, form, _managers_form(team, formdata=False), general)


def managers(team_id: int):
    team = get_or_404(Team, team_id)
    form = _managers_form(team, formdata=True)
    general: list[str] = []
    if form.validate_on_submit():
        wanted = set(form.keep.data or [])
        if form.add_email.data:
            newcomer = find_active_person(form.add_email.data)
            if newcomer is None:
                form.add_email.errors = [
                    "Nobody active has that email address. Check it, or add the person first."
                ]
            else:
                wanted.add(newcomer.id)
        if not form.add_email.errors:
            saved = save(
                lambda: set_team_managers(team, wanted, actor_id=current_user.id), form, general
            )
            if saved.ok:
                added, removed = saved.result
                for person in added:
                    flash(f"{person.name} now manages {team.name}.", "success")
                for person in removed:
                    flash(f"{person.name} no longer manages {team.name}.", "success")
                if not added and not removed:
                    flash("Nothing to change.", "info")
                return redirect(url_for("admin.team", team_id=team.id, _anchor="managers"))
    return _team_page(team, _team_form(team, formdata=False), form, general)
