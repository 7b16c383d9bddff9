"""Signed-in sessions: started at sign-in, ended on the server at sign-out or deactivation,
and timed out when idle or too old.

The cookie (signed with the app's secret) holds a random key and two times: when the session
began and when it was last used. The server keeps only the key's hash, so the loader's one query
finds whether the session still stands; the times need no write on each request.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import MutableMapping
from datetime import UTC, timedelta

from flask import current_app
from sqlalchemy import update

from ...core.clock import utcnow
from ...extensions import db
from ...models import SignInSession

KEY, STARTED, SEEN = "session_key", "session_started", "session_seen"
# How often the last-used time in the cookie is brought up to date: not on every request.
_SEEN_EVERY = timedelta(minutes=1)


def _now() -> float:
    return utcnow().replace(tzinfo=UTC).timestamp()


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_session(user_id: int, cookie: MutableMapping) -> None:
    """Record a new sign-in and put its key and times in the (fresh) cookie."""
    key = secrets.token_urlsafe(32)
    db.session.add(SignInSession(user_id=user_id, key_hash=key_hash(key)))
    now = _now()
    cookie[KEY], cookie[STARTED], cookie[SEEN] = key, now, now


def end_session(cookie: MutableMapping, reason: str = "signed out") -> None:
    """End the cookie's session on the server, so a copy of the cookie stops working too."""
    key = cookie.get(KEY)
    if isinstance(key, str):
        db.session.execute(
            update(SignInSession)
            .where(SignInSession.key_hash == key_hash(key), SignInSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )


def end_all_sessions(user_id: int, reason: str) -> None:
    """End every session of a person (deactivated: coming back later does not revive them)."""
    db.session.execute(
        update(SignInSession)
        .where(SignInSession.user_id == user_id, SignInSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )


def timed_out(cookie: MutableMapping) -> str | None:
    """Why the cookie's session has run out (idle or too old), or None if it stands; brings
    the last-used time up to date when it stands."""
    started, seen = cookie.get(STARTED), cookie.get(SEEN)
    if not isinstance(started, float | int) or not isinstance(seen, float | int):
        return "unknown"
    now = _now()
    config = current_app.config
    if now - started > config["SESSION_MAX_HOURS"] * 3600:
        return "too old"
    if now - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if now - seen > _SEEN_EVERY.total_seconds():
        cookie[SEEN] = now
    return None
