"""The signed token the feedback form carries: which team it was for and when it was shown.

It stands in for a CSRF token (there is no session here) and slows down scripts: an answer sent
within seconds of the page being shown, or with a token that was not issued here for this team,
is not stored. Signed with the app's secret key, so it cannot be made or changed elsewhere.
"""

from __future__ import annotations

from datetime import UTC

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..config import signing_key
from ..core.clock import utcnow

MIN_SECONDS = 3  # no one reads and answers the form faster than this
MAX_SECONDS = 2 * 60 * 60  # a page left open longer is shown again with a fresh token
_SALT = "feedback-form"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(signing_key(current_app), salt=_SALT)


def _now() -> float:
    return utcnow().replace(tzinfo=UTC).timestamp()


def issue_token(team_id: int, issued_at: float | None = None) -> str:
    return _serializer().dumps([team_id, int(issued_at if issued_at is not None else _now())])


def token_problem(token: str | None, team_id: int) -> str | None:
    """None when the token was issued here for this team between MIN_SECONDS and MAX_SECONDS
    ago; "too_fast" when it is newer; "expired" when it is missing, forged, for another team or
    too old."""
    try:
        issued_for, issued_at = _serializer().loads(token or "")
    except (BadSignature, TypeError, ValueError):
        return "expired"
    if issued_for != team_id or not isinstance(issued_at, int):
        return "expired"
    age = _now() - issued_at
    if age > MAX_SECONDS:
        return "expired"
    if age < MIN_SECONDS:
        return "too_fast"
    return None
