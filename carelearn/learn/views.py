"""The learner's pages: My training, lessons, quizzes and their own record."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..core.database import read_only
from ..core.dates import format_day
from ..forms import ActionForm
from ..services.huddles.history import attended_huddles
from ..services.site.vision import current_vision, lesson_parts, vision_for
from ..services.training import learning
from ..services.training.attempts import find_attempt
from ..services.training.conversations import (
    StepResult,
    conversation_item,
    shown_choices,
    take_step,
)
from ..services.training.published import PublishedLesson
from ..services.training.quiz import (
    QuizNotAvailable,
    open_attempt,
    parse_answers,
    quiz_size,
    submit_attempt,
    tried_testing_out,
)
from ..services.training.redo import pending_redo
from ..services.training.status import Status
from .certificates import register as register_certificate_pages
from .feedback import register as register_feedback_pages
from .observations import register as register_observation_pages
from .pulse import register as register_pulse_pages
from .ratings import register as register_rating_pages

bp = Blueprint("learn", __name__)
register_certificate_pages(bp)
register_feedback_pages(bp)
register_observation_pages(bp)
register_pulse_pages(bp)
register_rating_pages(bp)


def _version_or_404(slug: str):
    version = learning.current_version(slug)
    if version is None:
        abort(404)
    return version


@bp.before_request
@login_required
def _require_login():
    """Every page here is for a logged-in person."""


@bp.get("/")
def home():
    return redirect(url_for("learn.my_training"))


@bp.get("/learn")
@read_only
def my_training():
    progress = learning.training_overview(current_user)
    return render_template(
        "learn/my_training.html", modules=progress, vision=vision_for(current_user)
    )


@bp.get("/learn/<slug>")
@read_only
def module(slug: str):
    version = _version_or_404(slug)
    progress = learning.module_progress(current_user, version)
    redo = pending_redo(current_user.id, version.module_id)
    # Until the lessons are done, to anyone with the module still to take (a quiz passed
    # that waits for observed practice has been taken).
    offer_test_out = (
        version.test_out_mark is not None
        and not progress.all_lessons_done
        and progress.status != Status.AWAITING_SIGN_OFF
        and (redo is not None or not progress.status.is_done)
    )
    return render_template(
        "learn/module.html",
        version=version,
        progress=progress,
        size=quiz_size(current_user, version),
        redo=redo,
        offer_test_out=offer_test_out,
        tried_testing_out=offer_test_out and tried_testing_out(current_user, version),
        form=ActionForm(),
    )


@bp.get("/learn/<slug>/continue")
def resume(slug: str):
    version = _version_or_404(slug)
    position = learning.module_progress(current_user, version).next_lesson_position
    if position is None:
        return redirect(url_for("learn.module", slug=slug, _anchor="quiz"))
    return redirect(url_for("learn.lesson", slug=slug, position=position))


@bp.get("/learn/<slug>/lessons/<int:position>")
def lesson(slug: str, position: int):
    version = _version_or_404(slug)
    page = learning.open_lesson(current_user, version, position)
    if page is None:
        abort(404)
    # Where the lesson shows the organisation's vision: the vision, or nothing without one.
    parts = lesson_parts(page.lesson.body_html)
    vision = current_vision() if len(parts) > 1 else None
    return render_template(
        "learn/lesson.html", version=version, page=page, parts=parts, vision=vision
    )


@bp.post("/learn/<slug>/lessons/<int:position>/complete")
def complete_lesson(slug: str, position: int):
    version = _version_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    if not learning.complete_lesson(current_user, version, position):
        abort(404)
    if position < len(version.lessons):
        return redirect(url_for("learn.lesson", slug=slug, position=position + 1))
    # The last lesson: say where the learner really stands, never more than is true.
    progress = learning.module_progress(current_user, version)
    unfinished = progress.unfinished_lessons
    if unfinished:
        flash(_lessons_left(slug, unfinished), "info")
        return redirect(url_for("learn.module", slug=slug))
    if progress.quiz_open or pending_redo(current_user.id, version.module_id):
        flash("You have finished the lessons. The quiz is next.", "success")
    else:
        completion = progress.latest_completion
        done_on = format_day(completion.completed_on if completion else None)
        flash(
            f"You have read every lesson again. You completed this module on {done_on}, "
            "so there is no quiz to take until it is due again.",
            "info",
        )
    return redirect(url_for("learn.module", slug=slug, _anchor="quiz"))


def _lessons_left(slug: str, unfinished: list[tuple[int, PublishedLesson]]) -> Markup:
    """Which lessons are not done yet ("lessons 1, 2 and 4"), with a link to the first."""
    numbers = [str(position) for position, _ in unfinished]
    if len(numbers) == 1:
        which = f"lesson {numbers[0]} is"
    else:
        which = f"lessons {', '.join(numbers[:-1])} and {numbers[-1]} are"
    first_position, first = unfinished[0]
    return Markup(
        "You have read the last lesson, but {which} not done yet, so the quiz is not open. "
        '<a href="{url}">Go to lesson {position}: {title}</a>'
    ).format(
        which=which,
        url=url_for("learn.lesson", slug=slug, position=first_position),
        position=first_position,
        title=first.title,
    )


@bp.post("/learn/<slug>/quiz")
def start_quiz(slug: str):
    version = _version_or_404(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempt = open_attempt(
            current_user, version, testing_out=request.form.get("testing_out") == "yes"
        )
    except QuizNotAvailable as reason:
        flash(str(reason), "info")
        return redirect(url_for("learn.module", slug=slug))
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


@bp.route("/learn/attempts/<int:attempt_id>", methods=["GET", "POST"])
@read_only
def attempt(attempt_id: int):
    attempt = find_attempt(current_user, attempt_id)
    if attempt is None:
        abort(404)
    if attempt.submitted_at is not None:
        if request.method == "POST":
            flash("This attempt was already submitted; your first submission counts.", "info")
            return redirect(url_for("learn.attempt", attempt_id=attempt.id))
        next_up = (
            learning.next_due(current_user, attempt.module_version) if attempt.passed else None
        )
        return render_template(
            "learn/result.html", attempt=attempt, next_up=next_up, form=ActionForm()
        )

    if (item := attempt.unfinished_conversation) is not None:
        if request.method == "POST":
            flash("Finish the conversation first: the questions come after it.", "info")
            return redirect(url_for("learn.attempt", attempt_id=attempt.id))
        return _conversation_page(attempt, item)
    answers = None
    if request.method == "POST":
        # CSRFProtect has checked the token before any POST reaches a view.
        answers = parse_answers(attempt, request.form)
        if not answers.errors:
            submit_attempt(current_user, attempt, answers)
            return redirect(url_for("learn.attempt", attempt_id=attempt.id))
    status = 422 if answers and answers.errors else 200
    return render_template(
        "learn/quiz.html", attempt=attempt, answers=answers, form=ActionForm()
    ), status


@bp.post("/learn/attempts/<int:attempt_id>/step")
def conversation_step(attempt_id: int):
    """One choice in a conversation; the page then shows the next step, or the questions."""
    attempt = find_attempt(current_user, attempt_id)
    if attempt is None:
        abort(404)
    back = redirect(url_for("learn.attempt", attempt_id=attempt.id))
    if attempt.submitted_at is not None:
        flash("This attempt was already submitted, so its conversation cannot change.", "info")
        return back
    item = conversation_item(attempt, request.form.get("item", -1, type=int))
    if item is None:
        abort(404)
    taken = request.form.get("taken", -1, type=int)
    result = take_step(item, taken, request.form.get("choice", ""))
    if result is StepResult.NOT_A_CHOICE:
        return _conversation_page(attempt, item, "Choose what you would say or do.")
    if result is StepResult.ALREADY_TAKEN:
        flash("That step was already taken. The conversation carries on from here.", "info")
    return back


def _conversation_page(attempt, item, error: str | None = None):
    step = item.walk.current
    return render_template(
        "learn/conversation.html",
        attempt=attempt,
        item=item,
        step=step,
        choices=shown_choices(item, step),
        error=error,
        form=ActionForm(),
    ), (422 if error else 200)


@bp.get("/learn/record")
@read_only
def record():
    completions = learning.completion_history(current_user)
    reflections = learning.my_reflections(current_user, request.args.get("page", 1, type=int))
    huddles_page = max(request.args.get("huddles_page", 1, type=int) or 1, 1)
    return render_template(
        "learn/record.html",
        completions=completions,
        result=reflections,
        huddles=attended_huddles(current_user, huddles_page),
        link_args={"huddles_page": huddles_page} if huddles_page > 1 else {},
    )
