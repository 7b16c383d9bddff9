from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from ..services.people.accounts import MIN_PASSWORD_LENGTH, password_problem


class LoginForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=200)]
    )
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.org."),
            Length(max=254),
        ],
    )
    submit = SubmitField("Send me a link")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(max=200, message="Use at most 200 characters."),
        ],
    )
    confirm = PasswordField(
        "Type the new password again",
        validators=[
            DataRequired("Type the new password again."),
            EqualTo(
                "password",
                "The two passwords are not the same. Type the same password in both boxes.",
            ),
        ],
    )
    submit = SubmitField("Set password")

    hint = (
        f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong "
        "password that is easy to remember."
    )

    def validate_password(self, field):
        # The same rule the service enforces, checked here too so every problem shows at once.
        if problem := password_problem(field.data or ""):
            raise ValidationError(problem)
