"""Devices people have signed in on before: a long-lived cookie, signed with the app's secret,
holding a digest of each email address that signed in on it (not the address itself: the cookie
can be read). Failed sign-ins on such a device are counted against
that device only, so a guesser elsewhere cannot pause the person where they usually sign in
(core/throttle.py, docs/security.md)."""

from __future__ import annotations

import hashlib
import secrets

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..models.people import normalise_email

COOKIE = "carelearn_device"
LIFETIME_DAYS = 180
_MAX_ACCOUNTS = 5  # a shared ward computer: the last few people who signed in on it


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trusted-device")


def _read() -> dict | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        found = _serializer().loads(raw, max_age=LIFETIME_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(found, dict) or not isinstance(found.get("device"), str):
        return None
    accounts = found.get("accounts")
    return found if isinstance(accounts, list) else None


def _digest(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()[:32]


def trusted_device_for(email: str) -> str | None:
    """The device's id when this email address has signed in on it before, else None."""
    found = _read()
    if found is None or _digest(email) not in found["accounts"]:
        return None
    return found["device"]


def remember_device(response: Response, email: str) -> None:
    """After a successful sign-in: this device is now trusted for this email address too."""
    found = _read() or {"device": secrets.token_urlsafe(16), "accounts": []}
    digest = _digest(email)
    accounts = [a for a in found["accounts"] if a != digest][-(_MAX_ACCOUNTS - 1) :]
    value = _serializer().dumps({"device": found["device"], "accounts": [*accounts, digest]})
    response.set_cookie(
        COOKIE,
        value,
        max_age=LIFETIME_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
