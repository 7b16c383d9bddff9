"""Slowing down password guessing and email flooding.

The `limits` library keeps the counts (a moving window, in each worker's memory or in a shared
store such as Redis: RATELIMIT_STORAGE_URI). Only the views that need it call this, so no other
page pays anything for it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Flask, current_app
from limits import RateLimitItem, parse_many, storage, strategies

from ..models.people import normalise_email

# What is allowed before a pause, for one email address and for one network address (a
# hospital's computers may share one, so that allowance is larger).
LOGIN_FAILURES_PER_EMAIL = "5/minute;20/hour"
LOGIN_FAILURES_PER_ADDRESS = "30/minute;300/hour"
RESET_REQUESTS_PER_EMAIL = "3/hour"
RESET_REQUESTS_PER_ADDRESS = "10/minute;100/hour"


@dataclass(frozen=True)
class Rule:
    limits: Sequence[RateLimitItem]
    key: str


def per_email_and_address(
    action: str, per_email: str, per_address: str, email: str, address: str | None
) -> list[Rule]:
    """One allowance for the email address typed and one for the network address it came from.
    An email address with no account is counted the same way, so a pause tells nothing about
    who has one."""
    return [
        Rule(parse_many(per_email), f"{action}:{normalise_email(email)}"),
        Rule(parse_many(per_address), f"{action}:{address or ''}"),
    ]


def init_app(app: Flask) -> None:
    store = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["carelearn.throttle"] = strategies.MovingWindowRateLimiter(store)


def _limiter() -> strategies.MovingWindowRateLimiter:
    return current_app.extensions["carelearn.throttle"]


def seconds_to_wait(rules: Sequence[Rule]) -> int:
    """0 if another try is allowed now, else how many seconds until it is."""
    limiter = _limiter()
    wait = 0.0
    for each in rules:
        for item in each.limits:
            if not limiter.test(item, each.key):
                reset = limiter.get_window_stats(item, each.key).reset_time
                wait = max(wait, reset - time.time(), 1)
    return math.ceil(wait)


def count(rules: Sequence[Rule]) -> None:
    """Count one try against every limit of these rules."""
    limiter = _limiter()
    for each in rules:
        for item in each.limits:
            limiter.hit(item, each.key)
