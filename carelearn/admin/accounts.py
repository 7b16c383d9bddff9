"""Admin pages that help a person with their account: sending the invitation again or a
password-reset link, deactivating a leaver (after a page that says what it does) or bringing
them back, and removing a leaver's details after the retention period."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from ..core.clock import today
from ..extensions import db
from ..forms import ActionForm
from ..models import User
from ..services.people.checks import PeopleError
from ..services.people.invitations import (
    INVITE_LIFETIME,
    RESET_LIFETIME,
    invite_users,
    send_password_reset,
)
from ..services.people.leavers import anonymise_from, anonymise_leaver
from ..services.people.people import set_active
from .saving import get_or_404


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/people/<int:user_id>/invite", view_func=invite_again, methods=["POST"])
    bp.add_url_rule(
        "/people/<int:user_id>/password-reset", view_func=password_reset, methods=["POST"]
    )
    bp.add_url_rule(
        "/people/<int:user_id>/deactivate", view_func=deactivate, methods=["GET", "POST"]
    )
    bp.add_url_rule("/people/<int:user_id>/reactivate", view_func=reactivate, methods=["POST"])
    bp.add_url_rule("/people/<int:user_id>/anonymise", view_func=anonymise, methods=["GET", "POST"])


def _person_for_action(user_id: int) -> User:
    person = get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return person


def _back_to(person: User):
    return redirect(url_for("admin.person", user_id=person.id, _anchor="signing-in"))


def invite_again(user_id: int):
    person = _person_for_action(user_id)
    if not invite_users([person], actor_id=current_user.id):
        flash(f"{person.name} is deactivated, so no invitation was sent.", "error")
    else:
        flash(
            f"A new invitation is on its way to {person.email}. Its link works for "
            f"{INVITE_LIFETIME.days} days; earlier links keep working until they expire.",
            "success",
        )
    return _back_to(person)


def password_reset(user_id: int):
    person = _person_for_action(user_id)
    if not send_password_reset(person, sent_by=current_user):
        flash(f"{person.name} is deactivated, so no link was sent.", "error")
    else:
        minutes = int(RESET_LIFETIME.total_seconds() // 60)
        flash(
            f"A link to choose a new password is on its way to {person.email}. It works for "
            f"{minutes} minutes; their password stays the same until they use it.",
            "success",
        )
    return _back_to(person)


def deactivate(user_id: int):
    """GET: what deactivating does, and the button that does it. POST: deactivate."""
    person = get_or_404(User, user_id)
    form = ActionForm()
    if not form.is_submitted():
        return render_template("admin/deactivate.html", person=person, form=form)
    if not form.validate():
        abort(400)
    return _set_active(person, False)


def anonymise(user_id: int):
    """GET: what removing a leaver's details does, or when it may be done. POST: do it."""
    person = get_or_404(User, user_id)
    form = ActionForm()
    allowed_from = anonymise_from(person)
    if form.is_submitted():
        if not form.validate():
            abort(400)
        try:
            anonymise_leaver(person, actor_id=current_user.id)
            db.session.commit()
        except PeopleError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(f"The leaver's details are removed: they are now {person.name}.", "success")
        return redirect(url_for("admin.person", user_id=person.id))
    return render_template(
        "admin/anonymise.html",
        person=person,
        form=form,
        allowed_from=allowed_from,
        may_now=allowed_from is not None and today() >= allowed_from,
        retention_days=current_app.config["LEAVER_RETENTION_DAYS"],
    )


def reactivate(user_id: int):
    return _set_active(_person_for_action(user_id), True)


def _set_active(person: User, active: bool):
    try:
        changed = set_active(person, active, actor_id=current_user.id)
        db.session.commit()
    except PeopleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if changed and active:
            flash(f"{person.name} has been reactivated and can sign in again.", "success")
        elif changed:
            flash(
                f"{person.name} has been deactivated. They can no longer sign in; their "
                "training records are kept, and you can reactivate them here at any time.",
                "success",
            )
    return redirect(url_for("admin.person", user_id=person.id))
