"""Observing someone at work, on a phone: the people I may observe, then a module's practice
checklist to sign off. Open to managers, admins and named practice supervisors, who may be
learners themselves, so these pages have a blueprint of their own."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError, OperationalError

from ..core.database import read_only
from ..extensions import db
from ..services.evidence.observable import module_status, observable_people
from ..services.evidence.observations import (
    COMMENT_MAX,
    ObservationNotFound,
    ObservationProblems,
    Target,
    next_step_words,
    observation_target,
    observations_of,
    record_observation,
)
from ..services.evidence.supervisors import is_observer
from .forms import FindPersonForm, ObservationForm

bp = Blueprint("observe", __name__, url_prefix="/observe")
_OBSERVER = "carelearn_observer"


@bp.before_request
@login_required
def _require_observer():
    """Managers, admins and practice supervisors; anyone else gets 403."""
    if not _may_observe():
        abort(403)


def _may_observe() -> bool:
    """Whether the signed-in person may observe anyone: asked once per request."""
    if not current_user.is_authenticated:
        return False
    if _OBSERVER not in g:
        try:
            setattr(g, _OBSERVER, is_observer(current_user))
        except OperationalError:  # the "try again" page of a database outage still renders
            db.session.rollback()
            setattr(g, _OBSERVER, False)
    return g.get(_OBSERVER)


@bp.app_context_processor
def _observer_link():
    """For the site's navigation: the link to these pages, for those who may use them."""
    return {"may_observe": _may_observe}


@bp.get("/")
@read_only
def people():
    form = FindPersonForm(request.args)
    page = form.page.data if form.validate() and form.page.data else 1
    found = observable_people(current_user, form.q.data or "", page)
    link_args = {"q": found.query} if found.query else {}
    return render_template(
        "observe/people.html", form=form, found=found, result=found, link_args=link_args
    )


def _target_or_404(user_id: int, slug: str) -> Target:
    try:
        return observation_target(current_user, user_id, slug)
    except ObservationNotFound:
        abort(404)


@bp.get("/people/<int:user_id>/<slug>")
@read_only
def checklist(user_id: int, slug: str):
    target = _target_or_404(user_id, slug)
    form = ObservationForm().for_checklist(len(target.version.practice_checklist))
    return _checklist_page(target, form, [])


@bp.post("/people/<int:user_id>/<slug>")
def save(user_id: int, slug: str):
    # CSRFProtect has checked the token before any POST reaches a view.
    target = _target_or_404(user_id, slug)
    form = ObservationForm().for_checklist(len(target.version.practice_checklist))
    try:
        signed = _record_once(user_id, slug, form)
    except ObservationNotFound:
        abort(404)
    except ObservationProblems as found:
        problems = []
        for problem in found.problems:
            entry = form.items[problem.position - 1].form
            entry[problem.part].errors = [*entry[problem.part].errors, str(problem)]
            # A radio group's message links to its first choice.
            anchor = entry.met.id + "-0" if problem.part == "met" else entry.comment.id
            problems.append((anchor, str(problem)))
        return _checklist_page(target, form, problems, 422)
    flash(next_step_words(target.person, target.version.title, signed), "success")
    return redirect(url_for("observe.people"))


def _record_once(user_id: int, slug: str, form: ObservationForm):
    """Record and commit the observation. Two observers signing off the same waiting pass at
    once would complete it twice: the database keeps one completion per attempt, so the second
    is saved again without it (the pass is complete already)."""
    try:
        signed = record_observation(current_user, user_id, slug, form.answers())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        signed = record_observation(current_user, user_id, slug, form.answers())
        db.session.commit()
    return signed


def _checklist_page(target: Target, form: ObservationForm, problems, status: int = 200):
    return render_template(
        "observe/checklist.html",
        person=target.person,
        version=target.version,
        form=form,
        rows=list(zip(target.version.practice_checklist, form.items, strict=True)),
        problems=problems,
        status_now=module_status(target.person.id, target.version.module_id),
        earlier=observations_of(target.person.id, 1, target.version.module_id),
        comment_max=COMMENT_MAX,
    ), status
