"""People's certificates on a manager's person page: downloading one, and an admin revoking
one with a reason."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from ..extensions import db
from ..services.evidence.certificates import (
    CertificateRemoved,
    NoCertificate,
    RevokeProblem,
    certificate_to_download,
    certificates_for,
    revoke_certificate,
)
from ..services.reporting.permissions import visible_user_or_404


class RevokeCertificateForm(FlaskForm):
    """The reason is checked by revoke_certificate, which says what to fix."""

    reason = TextAreaField("Why it is revoked")


def register(bp: Blueprint) -> None:
    """The certificate pages, on the managers' blueprint; the person page's completion history
    reads its completions' certificates (one query) with `certificates_for`."""
    bp.add_url_rule(
        "/people/<int:user_id>/completions/<int:completion_id>/certificate.pdf",
        "certificate",
        certificate,
    )
    bp.add_url_rule(
        "/people/<int:user_id>/certificates/<int:certificate_id>/revoke",
        "revoke_certificate",
        revoke,
        methods=["POST"],
    )
    bp.context_processor(lambda: {"certificates_for": certificates_for})


def certificate(user_id: int, completion_id: int):
    """The certificate of a completion of someone the viewer sees, issued on the first download."""
    member = visible_user_or_404(current_user, user_id)
    try:
        issued = certificate_to_download(
            completion_id, holder_id=member.id, actor_id=current_user.id
        )
    except NoCertificate:
        abort(404)
    except CertificateRemoved:
        abort(410)
    db.session.commit()
    response = send_file(
        BytesIO(issued.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"certificate-{issued.code}.pdf",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def revoke(user_id: int, certificate_id: int):
    """Revoke one of the person's certificates, for good (admins only)."""
    if not current_user.is_admin:
        abort(403)
    member = visible_user_or_404(current_user, user_id)
    form = RevokeCertificateForm()
    try:
        revoke_certificate(
            certificate_id, form.reason.data or "", current_user.id, holder_id=member.id
        )
    except NoCertificate:
        abort(404)
    except RevokeProblem as problem:
        flash(str(problem), "error")
    else:
        db.session.commit()
        flash("The certificate is revoked: its check page now says so.", "success")
    return redirect(url_for("manage.person", user_id=member.id, _anchor="history"))
