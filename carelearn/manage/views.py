"""Managers' pages: their teams at a glance, the matrix, people, questions, assigning, exports."""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from ..core.audit import record_event
from ..core.database import read_only
from ..core.freshness import cached
from ..extensions import db
from ..forms import ActionForm, module_choices
from ..models import JobRole, Team
from ..services.huddles.history import attended_huddles, huddles_csv, monthly_counts
from ..services.onboarding.reminders import remind_now
from ..services.reporting import person_record as people_view
from ..services.reporting import reports
from ..services.reporting.exports import completions_csv, matrix_csv
from ..services.reporting.permissions import (
    managed_team_ids_query,
    manager_required,
    visible_user_or_404,
)
from ..services.reporting.questions import TOO_FEW, question_analysis
from ..services.reporting.team_page import team_page
from ..services.training.status import Status
from . import charts
from .assign import register as register_assign_pages
from .certificates import register as register_certificate_pages
from .downloads import csv_download
from .evidence import register as register_evidence_pages
from .feedback import register as register_feedback_pages
from .forms import MatrixFilterForm
from .huddles import register as register_huddle_pages
from .posters import register as register_poster_pages
from .prior_learning import register as register_prior_learning_pages
from .pulse import register as register_pulse_pages
from .questions import register as register_question_pages
from .reminding import register as register_reminder_pages
from .supervisors import register as register_supervisor_pages

bp = Blueprint("manage", __name__, url_prefix="/manage")
register_assign_pages(bp)
register_certificate_pages(bp)
register_evidence_pages(bp)
register_feedback_pages(bp)
register_huddle_pages(bp)
register_prior_learning_pages(bp)
register_poster_pages(bp)
register_pulse_pages(bp)
register_question_pages(bp)
register_reminder_pages(bp)
register_supervisor_pages(bp)


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


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.get("/")
@read_only
def dashboard():
    board = reports.dashboard(current_user, _page())
    target = current_app.config["COMPLETION_TARGET"]
    # Kept like the board's figures: a recorded huddle raises its team's change counter.
    team_ids = tuple(f.team.id for f in board.teams.figures)
    huddles = cached(
        current_user, "huddle months", team_ids, lambda: monthly_counts(current_user, team_ids)
    )
    return render_template(
        "manage/dashboard.html",
        board=board,
        huddles=huddles,
        target=target,
        trend_chart=charts.trend_chart(board.trend, target),
        teams_chart=charts.teams_chart(board.teams.figures, target),
    )


@bp.get("/teams/<int:team_id>")
@read_only
def team(team_id: int):
    found = team_page(current_user, team_id, _page())
    if found is None:
        abort(404)
    target = current_app.config["COMPLETION_TARGET"]
    return render_template(
        "manage/team.html",
        page=found,
        target=target,
        modules_chart=charts.modules_chart(found.modules),
        teams_chart=charts.teams_chart(found.sub_teams.figures, target),
        segments=charts.SEGMENTS,
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


def _record_export(name: str) -> None:
    """Who took which list of people away, in the audit trail; written before the file streams."""
    record_event("export", "user", current_user.id, actor_id=current_user.id, what=name)
    db.session.commit()


@bp.get("/matrix.csv")
def export_matrix():
    _form, filters = _filter_form()
    _record_export("matrix")
    return csv_download(matrix_csv(current_user, filters), "matrix")


@bp.get("/completions.csv")
def export_completions():
    _form, filters = _filter_form()
    _record_export("completions")
    return csv_download(completions_csv(current_user, filters), "completions")


@bp.get("/huddles.csv")
def export_huddles():
    _record_export("huddles")
    return csv_download(huddles_csv(current_user), "huddles")


@bp.get("/people/<int:user_id>")
@read_only
def person(user_id: int):
    member = visible_user_or_404(current_user, user_id)
    pages = {
        name: max(request.args.get(f"{name}_page", 1, type=int) or 1, 1)
        for name in people_view.SECTIONS
    }
    return render_template(
        "manage/person.html",
        person=member,
        page=people_view.person_page(member, pages),
        huddles=attended_huddles(member, pages["huddles"]),
        form=ActionForm(),
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
    stats = question_analysis(current_user, module_id) if module_id else []
    return render_template(
        "manage/questions.html",
        modules=modules,
        module_id=module_id,
        stats=stats,
        too_few=TOO_FEW,
    )
