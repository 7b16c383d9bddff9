"""The public page that checks a certificate by its code, for an employer or an inspector: no
sign-in. It shows only what the certificate itself says about its holder, whether it still
stands, and checks a copy of the file against the one issued.

Codes are guessed only slowly (a limit per network address), and an unknown code costs the same
work as a known one, so the time an answer takes tells nothing either.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from limits import parse_many

from .core import throttle
from .core.database import read_only
from .errors import too_many_tries
from .services.evidence.certificates import is_issued_copy, verification

bp = Blueprint("verify", __name__)

UPLOAD_MAX_MB = 2
_LOOKUPS = parse_many(throttle.VERIFY_LOOKUPS_PER_ADDRESS)
_UPLOADS = parse_many(throttle.VERIFY_UPLOADS_PER_ADDRESS)


class CopyCheckForm(FlaskForm):
    copy = FileField(
        "The file to check",
        validators=[
            FileRequired("Choose the certificate file to check."),
            FileSize(
                max_size=UPLOAD_MAX_MB * 1024 * 1024,
                message=f"Choose a file of {UPLOAD_MAX_MB} MB or less: a certificate is far "
                "smaller.",
            ),
        ],
    )


def _rules(uploading: bool) -> list[throttle.Rule]:
    address = request.remote_addr or ""
    rules = [throttle.Rule(_LOOKUPS, f"verify:{address}")]
    if uploading:
        rules.append(throttle.Rule(_UPLOADS, f"verify-upload:{address}"))
    return rules


@bp.after_request
def _not_kept_or_indexed(response):
    # A certificate's standing changes (expiry, revocation): never answer from a cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/verify/<code>", methods=["GET", "POST"])
@read_only
def certificate(code: str):
    rules = _rules(uploading=request.method == "POST")
    wait = throttle.seconds_to_wait(rules)
    if wait:
        return too_many_tries(wait)
    throttle.count(rules)
    form = CopyCheckForm()  # made (with its token) before the lookup: the same work either way
    found = verification(code)
    if found is None:
        abort(404)
    exact = None
    if form.validate_on_submit():
        exact = is_issued_copy(found, form.copy.data.read())
    return render_template(
        "verify/certificate.html",
        found=found,
        form=form,
        exact=exact,
        organisation=current_app.config["ORGANISATION_NAME"],
        max_mb=UPLOAD_MAX_MB,
    ), 422 if form.errors else 200
