from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    Form,
    HiddenField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import optional_int
from ..services.people.checks import (
    APP_ROLE_LABELS,
    EMAIL_MAX,
    KIND_LABELS,
    NAME_MAX,
    PREFERRED_NAME_MAX,
    TEAM_NAME_MAX,
)


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PeopleFilterForm(Form):
    """The search and filters above the people list (GET: no CSRF token)."""

    q = SearchField("Name or email", validators=[Optional(), Length(max=120)])
    team = SelectField("Team", coerce=optional_int, validate_choice=True)
    job_role = SelectField("Job role", default="")
    status = SelectField(
        "Status",
        choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "Everyone")],
        default="active",
    )


class PersonForm(FlaskForm):
    name = StringField(
        "Full name",
        validators=[
            DataRequired("Enter the person's name."),
            Length(max=NAME_MAX, message=f"The name must be {NAME_MAX} characters or fewer."),
        ],
    )
    preferred_name = StringField(
        "Preferred name (optional)",
        validators=[
            Optional(),
            Length(
                max=PREFERRED_NAME_MAX,
                message=f"The preferred name must be {PREFERRED_NAME_MAX} characters or fewer.",
            ),
        ],
    )
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter an email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=EMAIL_MAX),
        ],
    )
    job_role = SelectField(
        "Job role", coerce=optional_int, validators=[DataRequired("Choose a job role.")]
    )
    app_role = SelectField(
        "What they can do in CareLearn", choices=list(APP_ROLE_LABELS.items()), default="learner"
    )
    teams = CheckboxListField("Teams", coerce=int, validate_choice=True)
    start_date = DateField(
        "Start date",
        validators=[Optional()],
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message="Enter a real date, for example 2025-01-06.",
    )


class TeamForm(FlaskForm):
    name = StringField(
        "Team name",
        validators=[
            DataRequired("Enter a name for the team."),
            Length(
                max=TEAM_NAME_MAX, message=f"The name must be {TEAM_NAME_MAX} characters or fewer."
            ),
        ],
    )
    kind = SelectField("Kind", choices=list(KIND_LABELS.items()), default="team")
    # Any team may be asked for; the rules say why a loop or a wrong kind is refused.
    parent = SelectField("Inside", coerce=optional_int, validate_choice=False)
    # Checked by the team rules (services/people/teams.py), which tidy spaces first.
    service_promise = StringField("The team's service promise (optional)")


class ManagersForm(FlaskForm):
    keep = CheckboxListField("Current managers", coerce=int, validate_choice=True)
    add_email = EmailField(
        "Add a manager by email address",
        validators=[
            Optional(),
            Email("Enter an email address like name@example.org."),
            Length(max=EMAIL_MAX),
        ],
    )


class ImportUploadForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file to upload.")],
        render_kw={"accept": ".csv,text/csv"},
    )

    def validate_file(self, field):
        name = (field.data.filename or "").lower() if field.data else ""
        if not name.endswith(".csv"):
            raise ValidationError(
                "The file must be a CSV file (ending .csv). In Excel, "
                "choose File > Save As > CSV UTF-8."
            )


class ImportConfirmForm(FlaskForm):
    payload = HiddenField()


class AuditFilterForm(Form):
    """The filters above the audit trail (GET: no CSRF token, links can be shared)."""

    person = SearchField(
        "Person (name or email address)", validators=[Optional(), Length(max=EMAIL_MAX)]
    )
    action = SelectField("Kind of entry", default="")
    team = SelectField("Team", coerce=optional_int, validate_choice=True)
    date_from = DateField(
        "From",
        validators=[Optional()],
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message="Enter a real date for From, for example 2026-01-31.",
    )
    date_to = DateField(
        "To (included)",
        validators=[Optional()],
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message="Enter a real date for To, for example 2026-12-31.",
    )
