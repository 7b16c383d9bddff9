from flask_wtf import FlaskForm
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

from ..services.status import Status

SORTS = [("name", "Name A–Z"), ("-name", "Name Z–A"), ("role", "Job role")]


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class MatrixFilterForm(Form):
    """Filters read from the query string: bookmarkable, so no CSRF token (nothing changes)."""

    q = SearchField("Name or email", validators=[Optional()])
    team = SelectField("Team", coerce=_optional_int, validators=[Optional()])
    job_role = SelectField("Job role", coerce=_optional_int, validators=[Optional()])
    module = SelectField("Module", coerce=_optional_int, validators=[Optional()])
    status = SelectField(
        "Status", choices=[("", "Any status")] + [(s.value, s.value.capitalize()) for s in Status],
        validators=[Optional()],
    )
    sort = SelectField("Sort by", choices=SORTS, default="name", validators=[Optional()])
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1)])


class AssignForm(FlaskForm):
    what = SelectField("Module or learning path", validators=[DataRequired("Choose a module or a path.")])
    target = RadioField(
        "Assign to",
        choices=[("people", "Chosen people"), ("team", "A whole team (and the teams below it)"),
                 ("job_role", "Everyone with a job role, in the teams I manage")],
        default="people",
    )
    people = SelectMultipleField("People", coerce=int, validate_choice=False)
    team = SelectField("Team", coerce=_optional_int, validate_choice=False)
    job_role = SelectField("Job role", coerce=_optional_int, validate_choice=False)
    due_on = DateField("Due date", validators=[DataRequired("Enter a due date.")])

    def validate_due_on(self, field):
        from ..services.clock import today

        if field.data and field.data < today():
            raise ValidationError("The due date cannot be in the past.")
