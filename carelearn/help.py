"""The Help page: whom to ask. Public, so that someone who cannot log in can read it too."""

from __future__ import annotations

from flask import Blueprint, render_template

from .core.database import read_only
from .services.site.help import help_text

bp = Blueprint("help", __name__)


@bp.get("/help")
@read_only
def page():
    return render_template("help.html", help=help_text())
