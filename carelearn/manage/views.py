"""Managers' pages: their teams at a glance, the matrix, people, questions, assigning, exports."""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import literal, select

from ..core.clock import today
from ..core.database import read_only
from ..core.freshness import cached
from ..extensions import db
from ..forms import ActionForm, module_choices
from ..models import JobRole, LearningPath, Team, User
from ..services.onboarding.assignments import assign_modules
from ..services.onboarding.reminders import remind_now
from ..services.reporting import person_record as people_view
from ..services.reporting import reports
from ..services.reporting.exports import completions_csv, matrix_csv
from ..services.reporting.permissions import (
    managed_team_ids_query,
    manager_required,
    visible_user_ids_query,
    visible_user_or_404,
)
from ..services.training.status import Status
from .forms import AssignForm, MatrixFilterForm

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.before_request
@manager_required
def _require_manager():
    """Every page here is for managers and admins."""


def _scope_teams() -> Sequence[Team]:
    return db.session.scalars(
        select(Team).where(Team.id.in_(managed_team_ids_query(current_user))).order_by(Team.name)
    ).all()


def _filter_choices() -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The viewer's teams and the job roles, kept until the organisation changes."""

    def compute():
        teams = [(t.id, t.name) for t in _scope_teams()]
        roles = [
            tuple(r)
            for r in db.session.execute(select(JobRole.id, JobRole.name).order_by(JobRole.name))
        ]
        return teams, roles

    return cached(current_user, "filter choices", (), compute)


def _filter_form() -> tuple[MatrixFilterForm, reports.MatrixFilters]:
    form = MatrixFilterForm(request.args)
    teams, roles = _filter_choices()
    form.team.choices = [("", "All my teams")] + teams
    form.job_role.choices = [("", "Any job role")] + roles
    form.module.choices = [("", "All modules")] + module_choices()
    if not form.validate():
        return form, reports.MatrixFilters()
    return form, reports.MatrixFilters(
        team_id=form.team.data,
        job_role_id=form.job_role.data,
        module_id=form.module.data,
        status=Status(form.status.data) if form.status.data else None,
        search=(form.q.data or "").strip(),
        sort=form.sort.data or "name",
        page=form.page.data or 1,
    )


@bp.get("/")
@read_only
def dashboard():
    figures, trend = reports.dashboard(current_user)
    return render_template("manage/dashboard.html", figures=figures, trend=trend)


@bp.get("/teams/<int:team_id>")
@read_only
def team(team_id: int):
    chosen = reports.team_in_scope(current_user, team_id)
    if chosen is None:
        abort(404)
    return render_template(
        "manage/team.html",
        team=chosen,
        summary=reports.team_figures([chosen])[0],
        figures=reports.team_figures(reports.child_teams(chosen)),
    )


@bp.get("/matrix")
@read_only
def matrix():
    filters, filters_form = _matrix_filters()
    return render_template(
        "manage/matrix.html",
        filters_form=filters_form,
        matrix=reports.build_matrix(current_user, filters),
    )


def _matrix_filters() -> tuple[reports.MatrixFilters, Markup]:
    """The filters asked for and the filter form showing them: the same query string gives the
    same form until the viewer's teams, the job roles or the published modules change (see
    services/freshness.py)."""

    def compute():
        form, filters = _filter_form()
        return filters, Markup(render_template("manage/_matrix_filters.html", form=form))

    return cached(current_user, "matrix filters", request.query_string, compute, rendered=True)


def _csv_response(lines, name: str) -> Response:
    filename = f"carelearn-{name}-{today().isoformat()}.csv"
    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/matrix.csv")
def export_matrix():
    _form, filters = _filter_form()
    return _csv_response(matrix_csv(current_user, filters), "matrix")


@bp.get("/completions.csv")
def export_completions():
    _form, filters = _filter_form()
    return _csv_response(completions_csv(current_user, filters), "completions")


@bp.get("/people/<int:user_id>")
@read_only
def person(user_id: int):
    member = visible_user_or_404(current_user, user_id)
    return render_template(
        "manage/person.html", person=member, page=people_view.person_page(member), form=ActionForm()
    )


@bp.post("/people/<int:user_id>/remind")
def remind(user_id: int):
    member = visible_user_or_404(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    problem = remind_now(member, current_user.id)
    if problem:
        flash(problem, "info")
    else:
        flash(f"A reminder email to {member.name} is queued.", "success")
    return redirect(url_for("manage.person", user_id=member.id))


@bp.get("/questions")
@read_only
def questions():
    modules = module_choices()
    module_id = request.args.get("module", type=int) or (modules[0][0] if modules else None)
    if module_id is not None and module_id not in {m for m, _ in modules}:
        abort(404)
    stats = reports.question_analysis(current_user, module_id) if module_id else []
    return render_template(
        "manage/questions.html", modules=modules, module_id=module_id, stats=stats
    )


@bp.route("/assign", methods=["GET", "POST"])
def assign():
    form = AssignForm()
    modules = module_choices()
    paths = db.session.scalars(select(LearningPath).order_by(LearningPath.name)).all()
    form.what.choices = [(f"module:{m}", t) for m, t in modules] + [
        (f"path:{p.id}", f"Path: {p.name}") for p in paths
    ]
    teams = _scope_teams()
    form.team.choices = [("", "Choose a team")] + [(t.id, t.name) for t in teams]
    form.job_role.choices = [("", "Choose a job role")] + [
        (r.id, r.name) for r in db.session.scalars(select(JobRole).order_by(JobRole.name))
    ]
    visible = (
        select(User.id, User.name)
        .where(User.id.in_(visible_user_ids_query(current_user)), User.active.is_(True))
        .order_by(User.name)
    )
    form.people.choices = [tuple(row) for row in db.session.execute(visible.limit(2000))]
    if form.validate_on_submit():
        user_ids, problem = _assign_targets(form, {t.id for t in teams})
        if problem:
            getattr(form, form.target.data).errors.append(problem)
        else:
            kind, _, raw_id = form.what.data.partition(":")
            if kind == "path":
                path = db.session.get(LearningPath, int(raw_id))
                module_ids, path_id = [s.module_id for s in path.steps], path.id
            else:
                module_ids, path_id = [int(raw_id)], None
            outcome = assign_modules(
                user_ids, module_ids, form.due_on.data, actor_id=current_user.id, path_id=path_id
            )
            db.session.commit()
            flash(
                f"Assigned: {outcome.created} new assignment(s). "
                f"{outcome.already_assigned} were already assigned and were left as they were.",
                "success",
            )
            return redirect(url_for("manage.assign"))
    return render_template(
        "manage/assign.html", form=form, min_date=today().isoformat()
    ), 422 if form.errors else 200


def _assign_targets(form: AssignForm, team_ids: set[int]) -> tuple[Sequence[int], str | None]:
    """The people an assignment goes to, all within the manager's scope, or what to fix."""
    if form.target.data == "people":
        allowed = {pid for pid, _ in form.people.choices}
        chosen = [p for p in form.people.data if p in allowed]
        return (chosen, None) if chosen else ([], "Choose at least one person.")
    query = select(User.id).where(User.active.is_(True))
    if form.target.data == "team":
        if form.team.data not in team_ids:
            return [], "Choose one of your teams."
        query = query.where(
            User.id.in_(visible_user_ids_query(current_user, select(literal(form.team.data))))
        )
    else:
        if not form.job_role.data:
            return [], "Choose a job role."
        query = query.where(
            User.id.in_(visible_user_ids_query(current_user)),
            User.job_role_id == form.job_role.data,
        )
    ids = db.session.scalars(query).all()
    return (ids, None) if ids else ([], "Nobody in your teams matches that.")
