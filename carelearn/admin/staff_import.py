"""Admin pages for importing staff from an HR spreadsheet: upload, preview, confirm.

The preview page carries the uploaded file back to the confirm button, compressed and signed
with the secret key, so any worker can confirm it and nobody can alter it in between. The file
is planned again on confirm: if the plan differs from what was shown, it is shown again.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..config import signing_key
from ..extensions import csrf, db
from ..forms import form_problems
from ..services.people.staff_csv import COLUMN_TITLES, MAX_IMPORT_BYTES, parse_staff_csv
from ..services.people.staff_import import ImportRefused, apply_import, plan_import
from .forms import ImportConfirmForm, ImportUploadForm

IMPORT_SALT = "carelearn.staff-import"
IMPORT_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview can be confirmed for
# The confirm form carries the file back, compressed and signed: allow for base64 growth.
CONFIRM_MAX_BYTES = 2 * MAX_IMPORT_BYTES + 64 * 1024
UPLOAD_MAX_BYTES = MAX_IMPORT_BYTES + 64 * 1024
# A file of 10,000 staff would make a page nobody reads: the preview lists the first rows, then
# only those with an error or a change, up to a limit; the counts above it cover every row.
PREVIEW_FIRST_ROWS = 200
PREVIEW_MAX_ROWS = 500
SUMMARY_MAX_ERRORS = 50


def rows_to_show(plan) -> list:
    shown = plan.rows[:PREVIEW_FIRST_ROWS]
    for row in plan.rows[PREVIEW_FIRST_ROWS:]:
        if len(shown) >= PREVIEW_MAX_ROWS:
            break
        if row.status in ("error", "changed"):
            shown.append(row)
    return shown


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule("/import", view_func=import_staff, methods=["GET", "POST"])
    bp.add_url_rule("/import/confirm", view_func=confirm_import, methods=["POST"])
    bp.register_error_handler(413, _too_large)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_key(current_app), salt=IMPORT_SALT)


def _protect_with_limit(max_bytes: int) -> None:
    """Cap the request before its body is read, then check the CSRF token."""
    request.max_content_length = max_bytes
    request.max_form_memory_size = max_bytes
    csrf.protect()


def _preview(plan, filename: str, text: str, notice: str | None = None, status: int = 200):
    payload = None
    if not plan.has_errors:
        payload = _serializer().dumps(
            {"by": current_user.id, "name": filename, "csv": text, "plan": plan.fingerprint()}
        )
    confirm = ImportConfirmForm(formdata=None, data={"payload": payload})
    shown = rows_to_show(plan)
    return render_template(
        "admin/import_preview.html",
        plan=plan,
        shown=shown,
        shown_lines={r.line for r in shown},
        first_rows=PREVIEW_FIRST_ROWS,
        error_rows=[r for r in plan.rows if r.status == "error"],
        summary_max=SUMMARY_MAX_ERRORS,
        filename=filename,
        confirm_form=confirm,
        upload=ImportUploadForm(formdata=None),
        notice=notice,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
    ), status if not plan.has_errors else 422


def _upload_page(form: ImportUploadForm, status: int = 200):
    return render_template(
        "admin/import.html",
        form=form,
        problems=form_problems(form),
        columns=COLUMN_TITLES,
        max_mb=MAX_IMPORT_BYTES // (1024 * 1024),
    ), status


def _too_large(_error):
    form = ImportUploadForm(formdata=None)
    form.file.errors = [
        f"The file is too large. Upload a file of at most "
        f"{MAX_IMPORT_BYTES // (1024 * 1024)} MB, or split it in two."
    ]
    return _upload_page(form, 413)


@csrf.exempt  # checked in the view, once the size limit is in place
def import_staff():
    if request.method == "GET":
        return _upload_page(ImportUploadForm(formdata=None))
    _protect_with_limit(UPLOAD_MAX_BYTES)
    form = ImportUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422)
    data = form.file.data.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        return _too_large(None)
    parsed = parse_staff_csv(data)
    plan = plan_import(parsed)
    db.session.rollback()  # planning writes nothing; make sure of it
    return _preview(plan, form.file.data.filename, parsed.text)


@csrf.exempt  # checked in the view, once the size limit is in place
def confirm_import():
    _protect_with_limit(CONFIRM_MAX_BYTES)
    form = ImportConfirmForm()
    if not form.validate_on_submit() or not form.payload.data:
        abort(400)
    try:
        upload = _serializer().loads(form.payload.data, max_age=IMPORT_PREVIEW_MAX_AGE)
    except SignatureExpired:
        flash("That preview is more than an hour old. Upload the file again to check it.", "error")
        return redirect(url_for("admin.import_staff"))
    except BadSignature:
        abort(400)
    if upload.get("by") != current_user.id:
        abort(400)
    parsed = parse_staff_csv(upload["csv"])
    plan = plan_import(parsed)
    if plan.has_errors or plan.fingerprint() != upload["plan"]:
        db.session.rollback()
        return _preview(
            plan,
            upload["name"],
            parsed.text,
            notice=(
                "The people or teams in CareLearn changed since you saw the preview, so it has "
                "been checked again. Look through it and confirm again."
            ),
            status=409,
        )
    try:
        result = apply_import(plan, actor_id=current_user.id)
    except ImportRefused as error:
        return _preview(
            plan_import(parse_staff_csv(upload["csv"])),
            upload["name"],
            parsed.text,
            notice=str(error),
            status=409,
        )
    flash(f"Import finished: {result.summary}.", "success")
    if result.invited:
        flash(result.invitations_summary, "info")
    return redirect(url_for("admin.people_list"))
