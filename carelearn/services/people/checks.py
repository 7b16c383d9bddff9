"""Checking what was entered for a person or a team, before anything is saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from ...core.database import chunked
from ...extensions import db
from ...models import AppRole, JobRole, Team, TeamKind, User
from ...models.people import normalise_email

NAME_MAX = 120
PREFERRED_NAME_MAX = 60
EMAIL_MAX = 254
TEAM_NAME_MAX = 120
PREFERRED_NAME_MAX = 60
PEOPLE_PER_PAGE = 50

# Higher in the tree first: a team may only sit below a kind that ranks above its own.
KIND_ORDER = [TeamKind.ORGANISATION, TeamKind.DIRECTORATE, TeamKind.DEPARTMENT, TeamKind.TEAM]
KIND_RANK = {kind.value: rank for rank, kind in enumerate(KIND_ORDER)}
KIND_LABELS = {
    TeamKind.ORGANISATION.value: "Organisation",
    TeamKind.DIRECTORATE.value: "Directorate",
    TeamKind.DEPARTMENT.value: "Department",
    TeamKind.TEAM.value: "Team",
}
APP_ROLE_LABELS = {
    AppRole.LEARNER.value: "Learner",
    AppRole.MANAGER.value: "Manager",
    AppRole.ADMIN.value: "Admin",
}


class PeopleError(ValueError):
    """A change that the rules refuse. `field` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def clean_email(value: str | None) -> str:
    """A valid email address, lower-cased; raises PeopleError saying what is wrong."""
    value = (value or "").strip()
    if not value:
        raise PeopleError("Enter an email address.", "email")
    if len(value) > EMAIL_MAX:
        raise PeopleError(f"The email address must be {EMAIL_MAX} characters or fewer.", "email")
    if problem := non_ascii_email_problem(value):
        raise PeopleError(problem, "email")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise PeopleError(
            f"Enter an email address like name@example.org ({error}).", "email"
        ) from error
    return normalise_email(checked.normalized)


def non_ascii_email_problem(value: str) -> str | None:
    """Why an address with letters beyond plain ASCII is refused, or None for a plain one.

    Not every mail server delivers to "zoë@..." (it needs SMTPUTF8), so CareLearn could accept
    a person it can never email. A domain with accents has a plain form that always works."""
    if value.isascii():
        return None
    local, _, domain = value.rpartition("@")
    if local.isascii() and domain:
        try:
            plain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            plain = None
        if plain:
            return (
                f"Write the domain in its plain form: {local}@{plain}. CareLearn sends email "
                "only to addresses in plain letters, which every mail server accepts."
            )
    return (
        "CareLearn sends email only to addresses in plain letters, digits and . _ - + (not "
        "every mail server accepts others). Use the person's plain-letter address."
    )


def forename_first(value: str) -> str:
    """ "Okafor, Grace" (as HR files often hold names) as "Grace Okafor"; any other name as it
    is. Only a name with one comma, and words on both sides of it, is turned round."""
    surname, comma, forenames = value.partition(",")
    if not comma or "," in forenames or not surname.strip() or not forenames.strip():
        return value
    return f"{forenames.strip()} {surname.strip()}"


def clean_name(value: str | None) -> str:
    """The name as it is stored: spaces tidied, forename first (see forename_first)."""
    value = forename_first(" ".join((value or "").split()))
    if not value.strip(" ,"):
        raise PeopleError("Enter the person's name.", "name")
    if "," in value:
        raise PeopleError(
            "Write the name without commas, like Grace Okafor (or Okafor, Grace).", "name"
        )
    if len(value) > NAME_MAX:
        raise PeopleError(f"The name must be {NAME_MAX} characters or fewer.", "name")
    return value


def clean_preferred_name(value: str | None) -> str | None:
    """What the person likes to be called, or None when left blank."""
    value = " ".join((value or "").split()).strip(" ,")
    if not value:
        return None
    if "," in value:
        raise PeopleError("Write the preferred name without commas, like Gracie.", "preferred_name")
    if len(value) > PREFERRED_NAME_MAX:
        raise PeopleError(
            f"The preferred name must be {PREFERRED_NAME_MAX} characters or fewer.",
            "preferred_name",
        )
    return value


def email_taken(email: str, except_user_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == normalise_email(email))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query.limit(1)) is not None


@dataclass
class PersonDetails:
    """Everything an admin sets about a person."""

    email: str
    name: str
    job_role_id: int
    app_role: str = AppRole.LEARNER.value
    team_ids: Sequence[int] = field(default_factory=list)
    start_date: date | None = None
    preferred_name: str | None = None


def checked_details(batch: list[tuple[User | None, PersonDetails]]) -> list[PersonDetails]:
    """Clean each person's details and check them against the database, in a few queries
    whatever the size of the batch. Raises PeopleError for the first problem found."""
    cleaned = []
    for _user, details in batch:
        cleaned.append(
            PersonDetails(
                email=clean_email(details.email),
                name=clean_name(details.name),
                job_role_id=details.job_role_id,
                app_role=details.app_role,
                team_ids=sorted(set(details.team_ids)),
                start_date=details.start_date,
                preferred_name=clean_preferred_name(details.preferred_name),
            )
        )
        if details.app_role not in APP_ROLE_LABELS:
            raise PeopleError("Choose what the person can do in CareLearn.", "app_role")
        if details.job_role_id is None:
            raise PeopleError("Choose a job role.", "job_role")
    owners: dict[str, int | None] = {}
    for (user, _details), details in zip(batch, cleaned, strict=True):
        if details.email in owners:
            raise PeopleError(f"{details.email} is given for two people.", "email")
        owners[details.email] = user.id if user else None
    for chunk in chunked(list(owners)):
        for user_id, email in db.session.execute(
            select(User.id, User.email).where(User.email.in_(chunk))
        ):
            if owners[email] != user_id:
                raise PeopleError(
                    f"Someone already has the email address {email}. Find them on the People "
                    "page and edit them instead.",
                    "email",
                )
    role_ids = {d.job_role_id for d in cleaned}
    if len(set(db.session.scalars(select(JobRole.id).where(JobRole.id.in_(role_ids))))) != len(
        role_ids
    ):
        raise PeopleError("Choose a job role.", "job_role")
    team_ids = {t for d in cleaned for t in d.team_ids}
    if team_ids and len(
        set(db.session.scalars(select(Team.id).where(Team.id.in_(team_ids))))
    ) != len(team_ids):
        raise PeopleError("One of the chosen teams no longer exists. Choose again.", "teams")
    return cleaned
