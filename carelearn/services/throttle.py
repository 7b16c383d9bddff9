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


def rule(limits: str, *key_parts: str) -> Rule:
    return Rule(parse_many(limits), ":".join(key_parts))


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
