"""The outbox page: emails that failed or whose delivery is in doubt, and sending them again.

Message bodies are never shown: they may hold a password link meant for someone else.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..core.outbox import emails_needing_attention, send_again
from ..extensions import db
from ..forms import ActionForm
from ..models import OutboxEmail
from .saving import get_or_404


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/outbox", view_func=outbox)
    bp.add_url_rule("/outbox/<int:email_id>/send-again", view_func=resend, methods=["POST"])


def outbox():
    result = emails_needing_attention(request.args.get("page", 1, type=int))
    return render_template(
        "admin/outbox.html", result=result, link_args={}, action_form=ActionForm(formdata=None)
    )


def resend(email_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    email = get_or_404(OutboxEmail, email_id)
    if send_again(email, actor_id=current_user.id):
        db.session.commit()
        flash(f"The email to {email.recipient} is queued to be sent again.", "success")
    else:
        flash("That email is already queued or sent again: there is nothing to do.", "info")
    return redirect(url_for("admin.outbox", page=request.args.get("page", type=int)))
