"""A learner's certificates and their whole record to take away, from My record."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, send_file
from flask_login import current_user

from ..extensions import db
from ..services.evidence.certificates import (
    CertificateRemoved,
    NoCertificate,
    certificate_to_download,
    certificates_for,
)
from ..services.evidence.own_record import take_own_record

RECORD_TYPES = {"pdf": "application/pdf", "json": "application/json"}


def register(bp: Blueprint) -> None:
    """The download pages, on the learners' blueprint; My record's table reads which of its
    completions have a certificate already (one query) with `certificates_for`."""
    bp.add_url_rule("/learn/record/<int:completion_id>/certificate.pdf", "certificate", certificate)
    bp.add_url_rule("/learn/record.pdf", "record_pdf", record_file, defaults={"kind": "pdf"})
    bp.add_url_rule("/learn/record.json", "record_json", record_file, defaults={"kind": "json"})
    bp.context_processor(lambda: {"certificates_for": certificates_for})


def _attachment(data: bytes, mimetype: str, name: str):
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


def certificate(completion_id: int):
    """The certificate of one of the learner's own completions, issued on the first download."""
    try:
        issued = certificate_to_download(
            completion_id, holder_id=current_user.id, actor_id=current_user.id
        )
    except NoCertificate:
        abort(404)
    except CertificateRemoved:
        abort(410)
    db.session.commit()
    return _attachment(issued.pdf, "application/pdf", f"certificate-{issued.code}.pdf")


def record_file(kind: str):
    data = take_own_record(current_user, kind)
    db.session.commit()
    return _attachment(data, RECORD_TYPES[kind], f"training-record.{kind}")
