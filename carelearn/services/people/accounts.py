"""Creating accounts and the reference data they need."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ...content.roles import JOB_ROLES
from ...core.audit import record_event
from ...core.clock import utcnow
from ...extensions import db
from ...models import AppRole, JobRole, User
from ...models.people import normalise_email
from .checks import non_ascii_email_problem

MIN_PASSWORD_LENGTH = 10


class AccountError(ValueError):
    """The account cannot be created as asked; the message says what to fix."""


def ensure_job_roles() -> dict[str, JobRole]:
    """Make sure every known job role exists; returns them by slug."""
    existing = {r.slug: r for r in db.session.scalars(select(JobRole))}
    for slug, name in JOB_ROLES.items():
        if slug not in existing:
            existing[slug] = JobRole(slug=slug, name=name)
            db.session.add(existing[slug])
    db.session.flush()
    return existing


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    return None


def record_sign_in(user: User) -> None:
    """Note that the person has just signed in, for admins to see and in the audit trail;
    commits. Cached pages do not show it, so it leaves them as they are (models/versions.py)."""
    user.last_signed_in_at = utcnow()
    record_event("auth.sign_in", "user", user.id, actor_id=user.id)
    db.session.commit()


def record_failed_sign_in(email: str, user: User | None) -> None:
    """A sign-in that failed, in the audit trail: the person's, or the address typed when it
    has no account (cut short: it may be anything). Commits."""
    record_event(
        "auth.sign_in_failed",
        "user",
        user.id if user is not None else None,
        email=None if user is not None else normalise_email(email)[:120],
    )
    db.session.commit()


def create_admin_account(email: str, name: str, password: str) -> User:
    if problem := non_ascii_email_problem(email):
        raise AccountError(problem)
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise AccountError(f"That email address is not valid: {error}") from error
    if not name.strip():
        raise AccountError("Enter a name.")
    if problem := password_problem(password):
        raise AccountError(problem)
    roles = ensure_job_roles()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        user = User(email=email, name=name.strip(), job_role=roles["admin-staff"])
        db.session.add(user)
    user.app_role = AppRole.ADMIN
    user.active = True
    user.set_password(password)
    db.session.flush()
    record_event("user.role", "user", user.id, role=AppRole.ADMIN.value)
    db.session.commit()
    return user
