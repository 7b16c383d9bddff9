"""The public feedback form, built once per language from that language's wording.

A plain WTForms form, not Flask-WTF's: there is no sign-in and no cookie, so there is no session
for a CSRF token to belong to. The signed token in `started` (tokens.py) does that work instead.
"""

from __future__ import annotations

from wtforms import Form, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..models.feedback import ASPECTS, FFT_ANSWERS
from ..services.feedback.public_form import COMMENT_MAX
from .wording import Wording

ASPECT_VALUES = {"good": True, "better": False}
HONEYPOT = "website"


class FeedbackForm(Form):
    """The fields are made for each language by `form_class`; these are the ones views read."""

    answer: RadioField
    comment: TextAreaField
    started: HiddenField

    def aspect_fields(self):
        return [self[f"aspect_{a}"] for a in ASPECTS]

    def aspects(self) -> dict[str, bool]:
        """Each aspect answered: True for good, False for could be better."""
        return {
            a: ASPECT_VALUES[self[f"aspect_{a}"].data]
            for a in ASPECTS
            if self[f"aspect_{a}"].data in ASPECT_VALUES
        }


def _one_character_line_breaks(text: str | None) -> str | None:
    # Browsers count a line break as one character against `maxlength` but send two (CR LF).
    return text.replace("\r\n", "\n") if text else text


def form_class(wording: Wording) -> type[FeedbackForm]:
    """The form in one language: built once when the app starts (see views.py)."""
    errors = wording["errors"]
    # Choices are checked by AnyOf, with the message in the form's language.
    fields = {
        "answer": RadioField(
            wording["question"],
            choices=[(a, wording["answers"][a]) for a in FFT_ANSWERS],
            validate_choice=False,
            validators=[
                InputRequired(errors["answer_missing"]),
                AnyOf(FFT_ANSWERS, errors["not_a_choice"]),
            ],
        ),
        **{
            f"aspect_{a}": RadioField(
                wording["aspects"][a],
                choices=[(v, wording["aspect_answers"][v]) for v in ASPECT_VALUES],
                validate_choice=False,
                validators=[Optional(), AnyOf(tuple(ASPECT_VALUES), errors["not_a_choice"])],
            )
            for a in ASPECTS
        },
        "comment": TextAreaField(
            wording["comment_label"],
            filters=[_one_character_line_breaks],
            validators=[Length(max=COMMENT_MAX, message=errors["comment_too_long"])],
        ),
        "started": HiddenField(),
        HONEYPOT: StringField(wording["honeypot_label"]),
    }
    return type("FeedbackForm", (FeedbackForm,), fields)
