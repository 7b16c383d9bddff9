"""Logging in and out, and setting a password from an invitation or reset link."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from ..core import freshness, throttle
from ..core.numbers import parse_id
from ..errors import too_many_tries
from ..extensions import db, login_manager
from ..models import SignInSession, TeamSupervisor, User
from ..models.people import normalise_email, password_matches
from ..services.people import invitations, sign_in_sessions
from ..services.people.accounts import record_failed_sign_in, record_sign_in
from ..services.reporting.permissions import landing_endpoint
from . import devices
from .forms import ForgotPasswordForm, LoginForm, SetPasswordForm

bp = Blueprint("auth", __name__)


# Built once: loading the user is part of every request, so it skips building a query each time,
# and it reads the organisation's structure counter too (see services/freshness.py).
# Only while its sign-in session has not ended on the server (services/people/sign_in_sessions.py).
# Whether they are a named practice supervisor comes in the same query: the site's navigation
# shows them the Observe link on every page (services/evidence/supervisors.py).
_USER_BY_ID = (
    select(
        User,
        freshness.STRUCTURE_VERSION,
        select(TeamSupervisor.id).where(TeamSupervisor.user_id == User.id).exists(),
    )
    .join(SignInSession, SignInSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        SignInSession.key_hash == bindparam("key_hash"),
        SignInSession.ended_at.is_(None),
    )
)
# The same, with a manager's stamp when this worker remembers their teams (core/freshness.py).
_USER_AND_STAMP_BY_ID = _USER_BY_ID.add_columns(freshness.TEAMS_TOTAL)
_TIMED_OUT = {
    "idle": "You were signed out after {minutes} minutes without using CareLearn, in case "
    "someone else uses this computer. Sign in again to carry on.",
    "too old": "You were signed out because you signed in more than {hours} hours ago. Sign in "
    "again to carry on.",
}


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    user_id, _, session_key = session_id.partition(":")
    person_id = parse_id(user_id)
    sign_in_key = session.get(sign_in_sessions.KEY)
    if person_id is None or not isinstance(sign_in_key, str):
        return None
    if reason := sign_in_sessions.timed_out(session):
        session.clear()
        if reason in _TIMED_OUT:
            config = current_app.config
            flash(
                _TIMED_OUT[reason].format(
                    minutes=config["SESSION_IDLE_MINUTES"], hours=config["SESSION_MAX_HOURS"]
                ),
                "info",
            )
        return None
    try:
        params = {"user_id": person_id, "key_hash": sign_in_sessions.key_hash(sign_in_key)}
        teams = freshness.remembered_teams(person_id)
        if teams is None:
            found = db.session.execute(_USER_BY_ID, params).first()
        else:
            found = db.session.execute(
                _USER_AND_STAMP_BY_ID, {**params, "stamp_team_ids": teams[1]}
            ).first()
        if found is None:
            return None
        user, structure_version, named_supervisor, *teams_total = found
        if not hmac.compare_digest(user.session_key, session_key):
            return None  # the password has changed since this session began
        freshness.note_structure(structure_version)
        if teams is not None:
            freshness.note_manager_stamp(user, teams, structure_version, teams_total[0])
        # Not a column: kept on the signed-in person for this request only.
        user.named_supervisor = bool(named_supervisor)
        return user
    except SQLAlchemyError:
        # Not "signed out": that would send people to sign in while the database is down.
        # The error reaches the 503 page, which is drawn as for nobody signed in, without
        # asking the database again.
        db.session.rollback()
        g._login_user = login_manager.anonymous_user()
        raise


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        # A line break or other control character could split the Location header.
        or any(ord(c) < 32 or ord(c) == 127 for c in target)
    ):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(landing_endpoint(current_user)))
    form = LoginForm()
    email = request.form.get("email", "")
    rules = (
        throttle.sign_in_rules(email, request.remote_addr, devices.trusted_device_for(email))
        if request.method == "POST"
        else []
    )
    wait = throttle.seconds_to_wait(rules)
    if wait:
        return too_many_tries(wait)
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == normalise_email(form.email.data)))
        if not password_matches(user, form.password.data) or user is None or not user.active:
            form.password.errors.append(
                "That email and password do not match an active account. Check them and try again."
            )
            record_failed_sign_in(form.email.data, user)
        else:
            # A fresh session at login, so a session fixed before login is worth nothing.
            session.clear()
            login_user(user)
            sign_in_sessions.start_session(user.id, session)
            record_sign_in(user)
            response = redirect(
                safe_next(request.args.get("next")) or url_for(landing_endpoint(user))
            )
            devices.remember_device(response, user.email)
            return response
    throttle.count(rules)  # a failed try (logging in never counts)
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    sign_in_sessions.end_session(session)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if request.method == "POST":
        # Each request may send an email: a few an hour to one address, more from one place.
        rules = throttle.per_email_and_address(
            "reset",
            throttle.RESET_REQUESTS_PER_EMAIL,
            throttle.RESET_REQUESTS_PER_ADDRESS,
            request.form.get("email", ""),
            request.remote_addr,
        )
        wait = throttle.seconds_to_wait(rules)
        if wait:
            return too_many_tries(wait)
        throttle.count(rules)
    if form.validate_on_submit():
        # The same page, straight away, whether or not the address has an account: the lookup
        # and the email happen after the response has gone, so not even its timing tells.
        response = make_response(
            render_template("auth/forgot_password_sent.html", email=form.email.data)
        )
        _after_response(response, invitations.request_password_reset, form.email.data)
        return response
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/set/<token>", methods=["GET", "POST"])
def set_password(token: str):
    try:
        link = invitations.find_token(token)
    except invitations.InvalidLink as problem:
        return _link_problem(problem)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = invitations.redeem_token(token, link.purpose, form.password.data)
        except invitations.WeakPassword as problem:
            form.password.errors.append(str(problem))
        except invitations.InvalidLink as problem:
            return _link_problem(problem)
        else:
            # A fresh session, as at login; a new password ends every other one.
            sign_in_sessions.end_all_sessions(user.id, "new password")
            session.clear()
            login_user(user)
            sign_in_sessions.start_session(user.id, session)
            record_sign_in(user)
            flash("Your password is set and you are logged in.", "success")
            return redirect(url_for(landing_endpoint(user)))
    account = db.session.get(User, link.user_id)
    response = make_response(
        render_template("auth/set_password.html", form=form, user=account, purpose=link.purpose),
        422 if form.errors else 200,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _link_problem(problem: invitations.InvalidLink):
    status = 404 if problem.reason == "unknown" else 410
    response = make_response(render_template("auth/link_problem.html", problem=problem), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _after_response(response, func, *args) -> None:
    """Run `func(*args)` once the response has been sent, in an app context of its own."""
    # Made now, while the app is at hand, and entered only when the response has been sent.
    context = current_app.app_context()

    def run():
        with context:
            try:
                func(*args)
            except Exception:
                context.app.logger.exception("Work left to do after a response failed")

    response.call_on_close(run)
