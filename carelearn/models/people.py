"""Staff, their job roles and the nested teams they belong to."""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import secrets
from datetime import date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import signing_key
from ..core.clock import utcnow
from ..extensions import Model


class AppRole(enum.StrEnum):
    LEARNER = "learner"
    MANAGER = "manager"
    ADMIN = "admin"


class TeamKind(enum.StrEnum):
    ORGANISATION = "organisation"
    DIRECTORATE = "directorate"
    DEPARTMENT = "department"
    TEAM = "team"


class JobRole(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class User(UserMixin, Model):
    __table_args__ = (
        CheckConstraint("app_role IN ('learner', 'manager', 'admin')", name="app_role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see the validator), so the unique index is case-insensitive in effect.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # What they like to be called ("Gracie"): greetings use it (see greeting_name).
    preferred_name: Mapped[str | None] = mapped_column(String(60))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_role.id"), index=True)
    app_role: Mapped[str] = mapped_column(String(16), default=AppRole.LEARNER)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Set at each successful login. Not one of the details cached pages show (models/versions.py).
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When they were last deactivated (the retention period runs from it), and when a leaver's
    # name and email were removed for good.
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime)

    job_role: Mapped[JobRole] = relationship(lazy="joined")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    # Flask-Login refuses inactive users at login and on every request.
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the session cookie holds: the id and a key that changes with the password, so a
        new password ends every other session of this person (see auth's user loader)."""
        return f"{self.id}:{self.session_key}"

    @property
    def session_key(self) -> str:
        # Keyed with the app's secret: the cookie can be read, and must tell nothing about the hash.
        digest = hmac.new(
            signing_key(current_app), (self.password_hash or "").encode(), hashlib.sha256
        )
        return digest.hexdigest()[:24]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether the password is this person's. Takes as long with no password set as with a
        wrong one, so the time taken tells nothing (see password_matches)."""
        return password_matches(self, password)

    @property
    def is_admin(self) -> bool:
        return self.app_role == AppRole.ADMIN

    @property
    def greeting_name(self) -> str:
        """The name every greeting uses: "Hello Grace,". Their preferred name if they have
        one, else the first word of their name; a name left as "Okafor, Grace" gives "Grace".
        Never ends in a comma, and never empty."""
        return greeting_name(self.name, self.preferred_name)

    @property
    def first_name(self) -> str:
        return self.greeting_name


@functools.cache
def _stand_in_hash() -> str:
    """A hash made the same way as real ones, of a password nobody has: checking a password
    against it costs what checking a real one does."""
    return generate_password_hash(secrets.token_urlsafe(32))


def password_matches(person: User | None, password: str) -> bool:
    """Whether `password` is this person's. An unknown email (no person) and an account with no
    password yet are checked against a stand-in hash, so every failed sign-in takes the same
    time and the time does not tell who has an account."""
    stored = person.password_hash if person is not None else None
    matches = check_password_hash(stored or _stand_in_hash(), password)
    return matches and stored is not None


def greeting_name(name: str | None, preferred_name: str | None = None) -> str:
    """See User.greeting_name."""
    if preferred := _words(preferred_name):
        return " ".join(preferred)
    # "Okafor, Grace", as HR files often hold names: the forename is after the comma.
    for part in ((name or "").rpartition(",")[2], name):
        if words := _words(part):
            return words[0]
    return "there"


def _words(text: str | None) -> list[str]:
    return [w for w in (w.strip(",;") for w in (text or "").split()) if w]


def normalise_email(value: str) -> str:
    return value.strip().lower()


class Team(Model):
    __table_args__ = (
        CheckConstraint(
            "kind IN ('organisation', 'directorate', 'department', 'team')", name="kind_known"
        ),
        # Names are unique whatever their case, so the staff import can find a team by name.
        Index("uq_team_name_lower", func.lower(text("name")), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default=TeamKind.TEAM)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # The team's one-line service promise, in its own words (optional).
    service_promise: Mapped[str | None] = mapped_column(String(200))

    parent: Mapped[Team | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Team]] = relationship(back_populates="parent")


class TeamMembership(Model):
    __table_args__ = (UniqueConstraint("user_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)


class TeamManager(Model):
    """A manager of a team also manages every team nested below it."""

    __table_args__ = (UniqueConstraint("user_id", "team_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
