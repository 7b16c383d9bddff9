"""The public feedback form a patient reaches from a team's poster, its thank-you page, and the
team's public page: what it promises and what it changed because of feedback.

No sign-in and no cookie: these pages never touch the session, and nothing here stores or logs
a network address (the rate limits count addresses in their own store, and forget them).
Abuse is kept down by the limits per address and per team, a size limit checked before the
body is read, a hidden field only scripts fill in, and a signed token that says when the form
was shown (tokens.py).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from limits import parse_many

from ..core import throttle
from ..core.database import read_only
from ..errors import too_many_tries
from ..extensions import csrf, db
from ..models import Team
from ..services.feedback.public_form import (
    CommentIdentifies,
    FeedbackRefused,
    public_changes,
    store_patient_feedback,
)
from .forms import HONEYPOT, FeedbackForm, form_class
from .tokens import issue_token, token_problem
from .wording import DEFAULT_LANGUAGE, Wording, day_words, identifiers_message, load_wordings

bp = Blueprint("feedback", __name__)

# A whole answer with a full 1,000-character comment is 1 to 3 KB: anything much larger is not
# a person's answer, and is refused before it is read.
BODY_MAX = 8 * 1024
_PER_ADDRESS = parse_many(throttle.FEEDBACK_SENDS_PER_ADDRESS)
_PER_TEAM = parse_many(throttle.FEEDBACK_SENDS_PER_TEAM)
_EXTENSION = "carelearn.feedback_forms"


@bp.record_once
def _load_wording(state) -> None:
    """Each language's wording and form, read and checked once, when the app starts."""
    state.app.extensions[_EXTENSION] = {
        language: (wording, form_class(wording)) for language, wording in load_wordings().items()
    }


@bp.after_request
def _not_kept_or_indexed(response):
    # The form carries a token that must not be reused from a cache; none of it is for search.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def send_rules(team_id: int, address: str | None) -> list[throttle.Rule]:
    """The limits one send to a team's form counts against (also read by shortcut.py)."""
    return [
        throttle.Rule(_PER_ADDRESS, f"feedback:{address or ''}"),
        throttle.Rule(_PER_TEAM, f"feedback-team:{team_id}"),
    ]


def _language() -> tuple[str, Wording, type[FeedbackForm]]:
    offered = current_app.extensions[_EXTENSION]
    language = request.args.get("lang", DEFAULT_LANGUAGE)
    if language not in offered:
        language = DEFAULT_LANGUAGE
    return language, *offered[language]


def _lang_arg(language: str) -> str | None:
    """The `lang` of links: none for English (a None value is left out of the address)."""
    return None if language == DEFAULT_LANGUAGE else language


def _team_or_404(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    return team


def _page(template: str, team: Team, language: str, wording: Wording, **context):
    others = [
        (code, words["language_name"], words["html_lang"])
        for code, (words, _form) in current_app.extensions[_EXTENSION].items()
        if code != language
    ]
    return render_template(
        template,
        team=team,
        w=wording,
        language=language,
        lang_arg=_lang_arg(language),
        other_languages=others,
        organisation=current_app.config["ORGANISATION_NAME"],
        **context,
    )


@bp.get("/f/<int:team_id>")
@read_only
def form(team_id: int):
    team = _team_or_404(team_id)
    language, wording, form_type = _language()
    form = form_type()
    form.started.data = issue_token(team.id)
    return _page("feedback/form.html", team, language, wording, form=form, general=[])


# Exempt from Flask-WTF's CSRF check: that token lives in the session, and these pages have no
# session (no cookie at all). The signed token in the form does its work instead (tokens.py).
@csrf.exempt
@bp.post("/f/<int:team_id>")
def send(team_id: int):
    if (request.content_length or 0) > BODY_MAX:
        abort(413)
    request.max_content_length = BODY_MAX  # a body sent without its length is cut off here too
    rules = send_rules(team_id, request.remote_addr)
    wait = throttle.seconds_to_wait(rules)
    if wait:
        return too_many_tries(wait)
    throttle.count(rules)
    team = _team_or_404(team_id)
    language, wording, form_type = _language()
    form = form_type(request.form)
    thanks = url_for(".thanks", team_id=team.id, lang=_lang_arg(language))
    if form[HONEYPOT].data:
        return redirect(thanks, 303)  # a script filled the hidden box: it learns nothing
    general: list[str] = []
    problem = token_problem(form.started.data, team.id)
    if problem == "expired":
        form.started.data = issue_token(team.id)  # so the next try can go through
    # Problems with the answers first: a person who pressed Send too soon to have chosen one
    # hears what is missing, not that they were quick.
    valid = form.validate()
    if valid and problem:
        general.append(wording["errors"][problem])
    elif valid:
        try:
            store_patient_feedback(
                team.id, form.answer.data, form.aspects(), form.comment.data, language
            )
        except CommentIdentifies as refused:
            form.comment.errors = [identifiers_message(wording, refused.found)]
        except FeedbackRefused as refused:
            name = refused.field if refused.field in form else f"aspect_{refused.field}"
            form[name].errors = [wording["errors"][refused.reason]]
        else:
            db.session.commit()
            return redirect(thanks, 303)
    return _page("feedback/form.html", team, language, wording, form=form, general=general), 422


@bp.get("/f/<int:team_id>/thanks")
@read_only
def thanks(team_id: int):
    team = _team_or_404(team_id)
    language, wording, _form = _language()
    return _page("feedback/thanks.html", team, language, wording)


@bp.get("/f/<int:team_id>/about")
@read_only
def about(team_id: int):
    team = _team_or_404(team_id)
    language, wording, _form = _language()
    changes = public_changes(team.id, request.args.get("page", 1, type=int) or 1)
    return _page(
        "feedback/about.html",
        team,
        language,
        wording,
        changes=changes,
        day_words=lambda day: day_words(wording, day),
    )
