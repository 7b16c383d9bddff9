from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    Form,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, NumberRange, Optional, ValidationError
from wtforms.widgets import Select

from ..forms import optional_int
from ..services.training.status import Status

SORTS = [("name", "Name A–Z"), ("-name", "Name Z–A"), ("role", "Job role")]


def _plain(choices) -> bool:
    return choices is not None and all(isinstance(c, tuple) and len(c) == 2 for c in choices)


class QuickSelect(Select):
    """WTForms' select for plain (value, label) choices, writing the options directly: a
    manager's list of teams can be long, and WTForms' general path costs a lot per option."""

    def __call__(self, field, **kwargs):
        if (
            not _plain(field.choices)
            or kwargs.keys() - {"class"}
            or any(getattr(field.flags, f, False) for f in self.validation_attrs)
        ):
            return super().__call__(field, **kwargs)
        css = f'class="{escape(kwargs["class"])}" ' if "class" in kwargs else ""
        html = [f'<select {css}id="{escape(field.id)}" name="{escape(field.name)}">']
        for value, label in field.choices:
            selected = " selected" if field.coerce(value) == field.data else ""
            html.append(f'<option{selected} value="{escape(value)}">{escape(label)}</option>')
        html.append("</select>")
        return Markup("".join(html))


class QuickSelectField(SelectField):
    """A SelectField that renders with QuickSelect and checks the choice the same way, faster."""

    widget = QuickSelect()

    def pre_validate(self, form):
        if self.process_errors or not self.validate_choice or not _plain(self.choices):
            return super().pre_validate(form)
        if not any(self.coerce(value) == self.data for value, _ in self.choices):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


class MatrixFilterForm(Form):
    """Filters read from the query string: bookmarkable, so no CSRF token (nothing changes)."""

    q = SearchField("Name or email", validators=[Optional()])
    team = QuickSelectField("Team", coerce=optional_int, validators=[Optional()])
    job_role = QuickSelectField("Job role", coerce=optional_int, validators=[Optional()])
    module = QuickSelectField("Module", coerce=optional_int, validators=[Optional()])
    status = QuickSelectField(
        "Status",
        choices=[("", "Any status")] + [(s.value, s.value.capitalize()) for s in Status],
        validators=[Optional()],
    )
    sort = QuickSelectField("Sort by", choices=SORTS, default="name", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])


class AssignForm(FlaskForm):
    """What to assign, to whom and by when. While the manager chooses (searching, paging,
    checking) it is read from the query string without a CSRF token, since nothing changes;
    the final step posts it with its token."""

    what = SelectField(
        "Module or learning path",
        validators=[DataRequired("Choose a module or a learning path.")],
        validate_choice=False,  # checked by the service, with a message saying what to do
    )
    target = RadioField(
        "Assign to",
        choices=[
            ("people", "Chosen people"),
            ("team", "A whole team (and the teams below it)"),
            ("job_role", "Everyone with a job role, in the teams I manage"),
        ],
        default="people",
        validate_choice=False,  # checked by the service, with a message saying what to do
    )
    q = SearchField("Search by name or email", validators=[Optional()])
    people = SelectMultipleField("People", coerce=int, validate_choice=False)
    team = SelectField("Team", coerce=optional_int, validate_choice=False)
    job_role = SelectField("Job role", coerce=optional_int, validate_choice=False)
    due_on = DateField("Due date", validators=[DataRequired("Enter a due date.")])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])
