"""The audit trail, read-only, newest first: each entry as a sentence, filtered, paged by id,
and downloadable as a CSV file of every entry the filters match."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context

from ..core.clock import today
from ..core.database import read_only
from ..forms import form_problems
from ..services.reporting.audit_trail import (
    AuditFilters,
    FilterProblem,
    action_choices,
    audit_csv,
    audit_page,
    check_filters,
    find_person,
)
from .forms import AuditFilterForm
from .people import team_choices

CHOOSE_KIND = "Choose a kind of entry from the list."


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/audit", view_func=audit)
    bp.add_url_rule("/audit.csv", view_func=audit_download)


def _filters() -> tuple[AuditFilterForm, AuditFilters | None]:
    """The filter form as asked, and the filters, or None when one needs fixing (the form
    then says what)."""
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Everything"), *action_choices()]
    form.team.choices = [("", "All teams"), *team_choices()]
    if not form.validate():
        # A choice not on the list comes from an old link or a typed address: say it plainly.
        for f, message in ((form.team, "Choose a team from the list."), (form.action, CHOOSE_KIND)):
            if f.errors:
                f.errors = [message]
        return form, None
    person_id = None
    try:
        if form.person.data and form.person.data.strip():
            person_id = find_person(form.person.data).id
        filters = AuditFilters(
            person_id=person_id,
            action=form.action.data or "",
            team_id=form.team.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        check_filters(filters)
    except FilterProblem as problem:
        form[problem.field].errors = [*form[problem.field].errors, str(problem)]
        return form, None
    return form, filters


def _link_args() -> dict[str, str]:
    """The filters as asked, for links to other pages and the download."""
    names = ("person", "action", "team", "date_from", "date_to")
    return {name: request.args[name] for name in names if request.args.get(name, "").strip()}


@read_only
def audit():
    form, filters = _filters()
    page = audit_page(filters, request.args.get("before", type=int)) if filters else None
    problems = form_problems(form)
    return render_template(
        "admin/audit.html",
        form=form,
        page=page,
        problems=problems,
        link_args=_link_args(),
        first_page=not request.args.get("before"),
    ), 422 if problems else 200


@read_only
def audit_download():
    form, filters = _filters()
    if filters is None:  # a link typed by hand: the page shows what to fix
        return render_template(
            "admin/audit.html",
            form=form,
            page=None,
            problems=form_problems(form),
            link_args=_link_args(),
            first_page=True,
        ), 422
    filename = f"carelearn-audit-trail-{today().isoformat()}.csv"
    return Response(
        stream_with_context(audit_csv(filters)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
