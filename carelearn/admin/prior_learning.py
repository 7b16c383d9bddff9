"""Admin page for recognised prior learning: record training someone did elsewhere, with its
evidence file, as a completion of one of our modules; and list what is recorded for them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from ..extensions import csrf
from ..forms import form_problems, module_choices, optional_int
from ..models import User
from ..services.people.prior_learning import (
    APPROVED_BY_MAX,
    EVIDENCE_MAX_BYTES,
    PROVIDER_MAX,
    TITLE_MAX,
    PriorLearningEntry,
    prior_learning_of,
    record_prior_learning,
)
from .saving import get_or_404, save

# The form's other fields and the multipart wrapping around the file.
UPLOAD_MAX_BYTES = EVIDENCE_MAX_BYTES + 64 * 1024
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
TOO_LARGE = (
    f"The evidence file is too large: upload one of at most "
    f"{EVIDENCE_MAX_BYTES // (1024 * 1024)} MB."
)


class PriorLearningForm(FlaskForm):
    module = SelectField(
        "Which of our modules it stands for",
        coerce=optional_int,
        validators=[DataRequired("Choose which of our modules it stands for.")],
    )
    # Lengths and patient details are checked by the rules (services/people/prior_learning.py).
    title = StringField("Course title", render_kw={"maxlength": TITLE_MAX})
    provider = StringField("Who provided it", render_kw={"maxlength": PROVIDER_MAX})
    completed_on = DateField(
        "Date completed",
        validators=[Optional()],
        format=DATE_FORMATS,
        invalid_value_message="Enter a real date, for example 2026-03-12.",
    )
    expires_on = DateField(
        "Expiry date (optional)",
        validators=[Optional()],
        format=DATE_FORMATS,
        invalid_value_message="Enter a real date, for example 2027-03-12, or leave it blank.",
    )
    approved_by = StringField("Approved by", render_kw={"maxlength": APPROVED_BY_MAX})
    evidence = FileField("Evidence file", render_kw={"accept": ".pdf,.png,.jpg,.jpeg"})


def add_routes(bp: Blueprint) -> None:
    bp.add_url_rule(
        "/people/<int:user_id>/prior-learning",
        view_func=prior_learning,
        methods=["GET", "POST"],
    )


def _form(**kwargs) -> PriorLearningForm:
    form = PriorLearningForm(**kwargs)
    form.module.choices = [("", "Choose a module"), *module_choices()]
    return form


def _entry(form: PriorLearningForm) -> PriorLearningEntry:
    upload = form.evidence.data
    data = upload.read(EVIDENCE_MAX_BYTES + 1) if upload else b""
    return PriorLearningEntry(
        module_id=form.module.data,
        title=form.title.data or "",
        provider=form.provider.data or "",
        completed_on=form.completed_on.data,
        expires_on=form.expires_on.data,
        approved_by=form.approved_by.data or "",
        evidence_name=(upload.filename or "") if upload else "",
        evidence=data,
    )


def _page(person: User, form: PriorLearningForm, general: list[str], status: int = 200):
    problems = form_problems(form, extra=general)
    return render_template(
        "admin/prior_learning.html",
        person=person,
        form=form,
        problems=problems,
        recorded=prior_learning_of(person),
        titles=dict(module_choices()),
        max_mb=EVIDENCE_MAX_BYTES // (1024 * 1024),
    ), (status if status != 200 else (422 if problems else 200))


@csrf.exempt  # checked in the view, once the size limit is in place
def prior_learning(user_id: int):
    person = get_or_404(User, user_id)
    general: list[str] = []
    if request.method == "GET":
        return _page(person, _form(formdata=None), general)
    request.max_content_length = UPLOAD_MAX_BYTES
    try:
        csrf.protect()
        form = _form()
    except RequestEntityTooLarge:
        form = _form(formdata=None)
        form.evidence.errors = [TOO_LARGE]
        return _page(person, form, general, 413)
    if form.validate():
        saved = save(
            lambda: record_prior_learning(person, _entry(form), actor_id=current_user.id),
            form,
            general,
        )
        if saved.ok:
            flash(
                f"Recorded {saved.result.title} for {person.name} as recognised prior learning.",
                "success",
            )
            return redirect(url_for("admin.prior_learning", user_id=person.id))
    return _page(person, form, general)
