"""Admin pages: people, teams, the staff import, learning paths and onboarding rules, the
audit trail, the outbox, the Help page's text and the organisation's service vision. Every
page here is for admins only.

Each module adds its pages in an `add_routes` function, called when the blueprint is made, so
nothing is registered by importing a module.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from ..models import AppRole


@login_required
def _require_admin():
    if current_user.app_role != AppRole.ADMIN:
        abort(403)


def create_blueprint() -> Blueprint:
    from . import (
        accounts,
        audit,
        help_page,
        onboarding,
        outbox,
        people,
        prior_learning,
        pulse,
        ratings,
        staff_import,
        teams,
        vision,
    )

    bp = Blueprint("admin", __name__, url_prefix="/admin")
    bp.before_request(_require_admin)
    for module in (
        people,
        accounts,
        teams,
        staff_import,
        onboarding,
        audit,
        outbox,
        help_page,
        vision,
        prior_learning,
        pulse,
        ratings,
    ):
        module.add_routes(bp)
    return bp
