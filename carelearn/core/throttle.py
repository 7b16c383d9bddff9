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

# Failed sign-ins (docs/security.md explains the design). Guessing is slowed where it comes from,
# so no one else can use these limits to shut a person out:
# - one email typed from one network address (or on one trusted device): a guesser's pace;
# - from browsers that have never signed in here, one email from everywhere and one network
#   address for every email: a spread-out or scripted attack. A hospital's computers may share
#   one address, so that allowance is large; and a device someone has signed in on before is
#   never held back by them, so the person can always sign in where they usually do.
LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS = "5/minute;20/hour"
LOGIN_FAILURES_PER_EMAIL_AND_DEVICE = "10/minute;50/hour"
LOGIN_FAILURES_PER_EMAIL = "50/hour;200/day"
LOGIN_FAILURES_PER_ADDRESS = "100/minute;1000/hour"
RESET_REQUESTS_PER_EMAIL = "3/hour"
RESET_REQUESTS_PER_ADDRESS = "10/minute;100/hour"
# The public certificate check, per network address: looking codes up, and checking files.
VERIFY_LOOKUPS_PER_ADDRESS = "30/minute;600/hour"
VERIFY_UPLOADS_PER_ADDRESS = "10/minute;100/hour"
# The public feedback form. One address may stand for a whole hospital's guest Wi-Fi or a mobile
# network, so it allows a few patients at once; a team's poster in a busy clinic hears a few an
# hour at most, so its allowance only stops a flood from filling its page.
FEEDBACK_SENDS_PER_ADDRESS = "5/minute;30/hour"
FEEDBACK_SENDS_PER_TEAM = "60/minute;1000/day"


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


def sign_in_rules(email: str, address: str | None, trusted_device: str | None) -> list[Rule]:
    """The allowances a failed sign-in counts against (see the constants above). An email with
    no account is counted the same way, so a pause tells nothing about who has one."""
    email = normalise_email(email)
    if trusted_device is not None:
        return [
            Rule(parse_many(LOGIN_FAILURES_PER_EMAIL_AND_DEVICE), f"login:{email}|{trusted_device}")
        ]
    return [
        Rule(parse_many(LOGIN_FAILURES_PER_EMAIL_AND_ADDRESS), f"login:{email}|{address or ''}"),
        Rule(parse_many(LOGIN_FAILURES_PER_EMAIL), f"login:{email}"),
        Rule(parse_many(LOGIN_FAILURES_PER_ADDRESS), f"login:@{address or ''}"),
    ]


# Keys this process has seen refused, each with the time until which it stays refused: at most
# this many, so a flood from many addresses cannot grow it without end.
REMEMBERED_REFUSALS = 10_000
REFUSED = "carelearn.throttle_refused"  # the app extension holding them: key -> refused until


def init_app(app: Flask) -> None:
    store = storage.storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["carelearn.throttle"] = strategies.MovingWindowRateLimiter(store)
    app.extensions[REFUSED] = {}


def _limiter() -> strategies.MovingWindowRateLimiter:
    return current_app.extensions["carelearn.throttle"]


def seconds_to_wait(rules: Sequence[Rule]) -> int:
    """0 if another try is allowed now, else how many seconds until it is.

    A refusal is remembered in this process until the time the store gave: in a moving window
    no try leaves the window before then, so the key stays refused whatever other processes
    count, and a flood's further tries are refused without asking the store again. The wait
    then named is that key's; the full answer comes once it has passed."""
    refused = current_app.extensions[REFUSED]
    now = time.time()
    remembered = remembered_wait(refused, rules, now)
    if remembered:
        return remembered
    limiter = _limiter()
    wait = 0.0
    for each in rules:
        for item in each.limits:
            if not limiter.test(item, each.key):
                reset = limiter.get_window_stats(item, each.key).reset_time
                _remember(refused, each.key, reset, now)
                wait = max(wait, reset - now, 1)
    return math.ceil(wait)


def remembered_wait(refused: dict[str, float], rules: Sequence[Rule], now: float) -> int:
    """The seconds until this process's remembered refusal of any of these rules ends; 0 if
    none is remembered. Asks no store: also usable before a request reaches Flask."""
    until = max((refused.get(each.key, 0.0) for each in rules), default=0.0)
    return math.ceil(max(until - now, 1)) if until > now else 0


def _remember(refused: dict[str, float], key: str, until: float, now: float) -> None:
    if len(refused) >= REMEMBERED_REFUSALS:
        for old in [k for k, t in refused.items() if t <= now]:
            del refused[old]
        if len(refused) >= REMEMBERED_REFUSALS:
            refused.clear()  # only a shortcut: the store still holds every count
    refused[key] = max(refused.get(key, 0.0), until)


def count(rules: Sequence[Rule]) -> None:
    """Count one try against every limit of these rules."""
    limiter = _limiter()
    for each in rules:
        for item in each.limits:
            limiter.hit(item, each.key)
