"""Links to set a password: invitations for new staff, and resets for a forgotten password.

A link carries a random token of 256 bits. Only its SHA-256 hash is stored, so a copy of the
database cannot be used to take over accounts. A link expires (an invitation after 7 days,
a reset after an hour) and works once: setting a password closes every other open link of
that person too.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import render_template
from sqlalchemy import select, update

from ...core.audit import record_event
from ...core.clock import utcnow
from ...core.email import absolute_url
from ...core.outbox import send_email
from ...extensions import db
from ...models import AuthToken, User
from ...models.people import normalise_email
from .accounts import password_problem

logger = logging.getLogger(__name__)

INVITE = "invite"
RESET = "reset"
PURPOSES = (INVITE, RESET)
INVITE_LIFETIME = timedelta(days=7)
RESET_LIFETIME = timedelta(hours=1)
LIFETIMES = {INVITE: INVITE_LIFETIME, RESET: RESET_LIFETIME}
TOKEN_BYTES = 32  # 256 bits from the operating system's secure random source
MAX_TOKEN_LENGTH = 100  # a real token is 43 characters; anything far longer is not worth hashing


class InvalidLink(ValueError):
    """A password link that cannot be used. `reason` is 'unknown', 'expired' or 'used'."""

    MESSAGES = {
        "unknown": "This link is not valid. Check that you copied the whole link from the email.",
        "expired": "This link has expired.",
        "used": "This link has already been used.",
    }

    def __init__(self, reason: str):
        super().__init__(self.MESSAGES[reason])
        self.reason = reason


class WeakPassword(ValueError):
    """The new password is not good enough; the message says what to change."""


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def issue_token(user: User, purpose: str) -> tuple[str, AuthToken]:
    """Store a new link token for `user` (only its hash); returns the raw token, to send once."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    if user.id is None:  # a person created in this transaction and not yet written
        db.session.flush()
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    token = AuthToken(
        user_id=user.id,
        purpose=purpose,
        token_hash=hash_token(raw),
        created_at=now,
        expires_at=now + LIFETIMES[purpose],
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def password_link(raw_token: str) -> str:
    return absolute_url("auth.set_password", token=raw_token)


def invite_users(users: list[User], actor_id: int | None = None) -> int:
    """Queue an email to each active person with a link to set their password; returns how
    many were queued. Deactivated people are skipped.

    The links, their emails and the audit events are committed together, so every working
    link has its email on the way, and the worker sends them however long the list.
    """
    queued = 0
    for user in users:
        if not user.active:
            continue
        raw, token = issue_token(user, INVITE)
        body = render_template(
            "auth/email/invitation.txt",
            user=user,
            link=password_link(raw),
            forgot_link=absolute_url("auth.forgot_password"),
            expires_at=token.expires_at,
            days=INVITE_LIFETIME.days,
        )
        send_email(user.email, "Set your password for CareLearn", body)
        record_event(
            "user.invited",
            "user",
            user.id,
            actor_id=actor_id,
            expires_at=token.expires_at.isoformat(timespec="minutes"),
        )
        queued += 1
    db.session.commit()
    return queued


def request_password_reset(email: str) -> None:
    """Queue a reset link to the account with this address, if there is an active one.

    For an unknown or deactivated address it does nothing and says nothing: that would tell a
    stranger whether the address has an account. Queueing still takes longer than not, so a
    page should call this after its response has gone (the forgot-password page does).
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        logger.info("Password reset asked for an address with no active account")
        return
    send_password_reset(user)


def send_password_reset(user: User, sent_by: User | None = None) -> bool:
    """Queue an email to an active person with a link to choose a new password (valid for an
    hour): asked for by the person themselves, or sent by an admin helping them (`sent_by`,
    named in the email and the audit trail). Commits. Returns False, queueing nothing, for a
    deactivated person."""
    if not user.active:
        return False
    if sent_by is not None and sent_by.id == user.id:
        sent_by = None
    raw, _token = issue_token(user, RESET)
    body = render_template(
        "auth/email/password_reset.txt",
        user=user,
        link=password_link(raw),
        forgot_link=absolute_url("auth.forgot_password"),
        minutes=int(RESET_LIFETIME.total_seconds() // 60),
        sent_by=sent_by,
    )
    send_email(user.email, "Reset your CareLearn password", body)
    record_event(
        "user.password_reset_sent", "user", user.id, actor_id=sent_by.id if sent_by else user.id
    )
    db.session.commit()
    return True


@dataclass(frozen=True)
class LinkSent:
    """The latest password link sent to someone, for an admin helping them sign in."""

    purpose: str  # INVITE or RESET
    sent_at: datetime
    expires_at: datetime
    state: str  # "open", "used" or "expired"


def latest_link(user_id: int) -> LinkSent | None:
    token = db.session.scalar(
        select(AuthToken)
        .where(AuthToken.user_id == user_id)
        .order_by(AuthToken.created_at.desc(), AuthToken.id.desc())
        .limit(1)
    )
    if token is None:
        return None
    if token.used_at is not None:
        state = "used"
    else:
        state = "expired" if utcnow() >= token.expires_at else "open"
    return LinkSent(token.purpose, token.created_at, token.expires_at, state)


def find_token(raw_token: str) -> AuthToken:
    """The open token for this link, or InvalidLink saying why it cannot be used."""
    if not raw_token or len(raw_token) > MAX_TOKEN_LENGTH:
        raise InvalidLink("unknown")
    token = db.session.scalar(
        select(AuthToken).where(AuthToken.token_hash == hash_token(raw_token))
    )
    if token is None:
        raise InvalidLink("unknown")
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        raise InvalidLink("unknown")
    if token.used_at is not None:
        raise InvalidLink("used")
    if utcnow() >= token.expires_at:
        raise InvalidLink("expired")
    return token


def redeem_token(raw_token: str, purpose: str, new_password: str) -> User:
    """Set the password of the link's owner and close the link; returns the person.

    Raises InvalidLink for an unknown, expired or used link (or one of another purpose) and
    WeakPassword when the password is not good enough; in both cases nothing changes.
    """
    token = find_token(raw_token)
    if token.purpose != purpose:
        raise InvalidLink("unknown")
    if problem := password_problem(new_password):
        raise WeakPassword(problem)
    now = utcnow()
    # Claimed with one conditional UPDATE, so two requests racing with the same link
    # cannot both succeed.
    claimed = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == token.id, AuthToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise InvalidLink("used")
    # Any other open link of this person, invitation or reset, stops working.
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.user_id == token.user_id, AuthToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    user = db.session.get(User, token.user_id)
    user.set_password(new_password)
    record_event("user.password_set", "user", user.id, actor_id=user.id, via=purpose)
    db.session.commit()
    return user
