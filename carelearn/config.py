"""Settings read from the environment, with defaults that are safe for a laptop demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-not-secret"
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """The app was started with settings it must not run with."""


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _flag(env, name: str, default: bool) -> bool:
    value = env.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be 1 or 0 (or on/off), not {value!r}.")


def _port(env, name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{name} must be a port number such as 587, not {value!r}.")
    return int(value)


def _mail_config(env, instance_path: str) -> dict:
    """Outgoing email: SMTP when a host is set, otherwise .eml files in an outbox folder."""
    user = env.get("CARELEARN_SMTP_USER", "")
    return {
        "SMTP_HOST": env.get("CARELEARN_SMTP_HOST", "").strip(),
        "SMTP_PORT": _port(env, "CARELEARN_SMTP_PORT", 587),
        "SMTP_USER": user,
        "SMTP_PASSWORD": env.get("CARELEARN_SMTP_PASSWORD", ""),
        # On by default whenever there is a password to protect; a local relay may turn it off.
        "SMTP_STARTTLS": _flag(env, "CARELEARN_SMTP_STARTTLS", default=bool(user)),
        "MAIL_FROM": env.get("CARELEARN_MAIL_FROM") or "CareLearn <no-reply@carelearn.invalid>",
        "OUTBOX_DIR": env.get("CARELEARN_OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        # Links in emails are built from this, never from the Host header of a request.
        "BASE_URL": (env.get("CARELEARN_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
    }


def _steps(value: str) -> list[int]:
    try:
        return sorted({int(part) for part in value.split(",") if part.strip()}, reverse=True)
    except ValueError as error:
        raise ConfigError(
            f"CARELEARN_REMINDER_STEPS must be whole numbers of days separated by commas, "
            f"like 30,7,0,-7 (got {value!r})."
        ) from error


def _whole_number(env, name: str, default: int) -> int:
    value = env.get(name, str(default)).strip()
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number such as 1, not {value!r}.")
    return int(value)


def _seconds(env, name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds < 24 * 60 * 60:
        raise ConfigError(f"{name} must be a number of seconds such as 1 or 0.5, not {value!r}.")
    return seconds


def _percent(env, name: str, default: int) -> int:
    value = env.get(name, "").strip().rstrip("%").strip()
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) <= 100:
        raise ConfigError(
            f"{name} must be a whole percentage from 1 to 100, such as 95, not {value!r}."
        )
    return int(value)


def _worker_config(env) -> dict:
    """The background worker (`flask worker`): how it polls, claims and schedules."""
    hour = _whole_number(env, "CARELEARN_DAILY_JOBS_HOUR", 6)
    if hour > 23:
        raise ConfigError(f"CARELEARN_DAILY_JOBS_HOUR must be an hour from 0 to 23, not {hour}.")
    batch_size = _whole_number(env, "CARELEARN_WORKER_BATCH_SIZE", 50)
    if batch_size < 1:
        raise ConfigError("CARELEARN_WORKER_BATCH_SIZE must be at least 1.")
    return {
        "WORKER_POLL_SECONDS": _seconds(env, "CARELEARN_WORKER_POLL_SECONDS", 1.0),
        # Emails sent over one connection to the mail server, then it is closed.
        "WORKER_BATCH_SIZE": batch_size,
        # How long a worker's claim holds: after it, work of a worker that died is taken up.
        "WORKER_LEASE_SECONDS": _seconds(env, "CARELEARN_WORKER_LEASE_SECONDS", 300.0),
        "DAILY_JOBS_HOUR": hour,  # UTC
    }


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = overrides or {}
    default_db = "sqlite:///" + str(Path(instance_path) / "carelearn.sqlite3")
    config = {
        "SQLALCHEMY_DATABASE_URI": _normalise_database_url(env.get("DATABASE_URL", default_db)),
        "SECRET_KEY": env.get("SECRET_KEY", DEV_SECRET_KEY),
        "CONTENT_DIR": env.get("CARELEARN_CONTENT_DIR", str(PROJECT_ROOT / "modules")),
        # Days before a due or expiry date to remind on; negative numbers are days after it.
        "REMINDER_STEPS": _steps(env.get("CARELEARN_REMINDER_STEPS", "30,7,0,-7")),
        "DIGEST_WEEKDAY": int(env.get("CARELEARN_DIGEST_WEEKDAY", "0")),  # 0 is Monday
        # The share of required training the organisation aims to have done: a line on charts.
        "COMPLETION_TARGET": _percent(env, "CARELEARN_COMPLETION_TARGET", 95),
        # The name certificates and verification pages give as the one that issued them.
        "ORGANISATION_NAME": env.get("CARELEARN_ORGANISATION_NAME", "").strip()
        or "CareLearn demo hospital",
        # Only `flask db ...` (upgrade makes the database) may create a missing SQLite file.
        "DATABASE_FILE_MAY_BE_CREATED": _running_database_command(),
        # Demo mode allows the development key; it is what `make run` uses.
        "DEMO_MODE": env.get("CARELEARN_DEMO", "") == "1",
        # No form needs more than the staff import's file; anything bigger is refused outright.
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("CARELEARN_SECURE_COOKIES", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Shared ward computers: a session ends after this long unused, and this long in all.
        "SESSION_IDLE_MINUTES": _whole_number(env, "CARELEARN_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _whole_number(env, "CARELEARN_SESSION_MAX_HOURS", 12),
        # How long after leaving a person's name and email are kept before an admin may remove
        # them (their training counts stay). Set it to your records retention schedule.
        "LEAVER_RETENTION_DAYS": _whole_number(env, "CARELEARN_LEAVER_RETENTION_DAYS", 6 * 365),
        "WTF_CSRF_TIME_LIMIT": None,
        # Failed logins and password-reset requests are limited (services/throttle.py). Each
        # worker counts on its own unless they share a store: set redis://... in production.
        "RATELIMIT_STORAGE_URI": env.get("CARELEARN_RATELIMIT_STORAGE", "memory://"),
        "RATELIMIT_MEMORY_OK": env.get("CARELEARN_RATELIMIT_STORAGE_MEMORY_OK", "") == "1",
        # How many proxies in front of the app set X-Forwarded-For and -Proto: the limits count
        # by the person's address, not the proxy's.
        "PROXY_HOPS": _whole_number(env, "CARELEARN_PROXY_HOPS", 0),
        # Idle connections are checked before use (see database.py), not every one every time.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        **_mail_config(env, instance_path),
        **_worker_config(env),
    }
    config.update(overrides)
    return config


def _running_database_command() -> bool:
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true" and "db" in sys.argv[1:]


def _running_maintenance_command() -> bool:
    """True for `flask content check` and the like: they sign no cookies, so need no key."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true" and "run" not in sys.argv[1:]


def check_secret_key(config: dict, debug: bool) -> None:
    allowed = (
        debug or config.get("TESTING") or config.get("DEMO_MODE") or _running_maintenance_command()
    )
    if config["SECRET_KEY"] == DEV_SECRET_KEY and not allowed:
        raise ConfigError(
            "SECRET_KEY is not set. Set it to a long random value, for example the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )


def check_limit_store(config: dict, debug: bool) -> None:
    """In production the rate limits must be shared by every web process (Redis): counted in
    each process's memory, each would allow the whole allowance again, and a second host
    doubles it. One process on purpose may say so with CARELEARN_RATELIMIT_STORAGE_MEMORY_OK=1."""
    allowed = (
        debug
        or config.get("TESTING")
        or config.get("DEMO_MODE")
        or config.get("RATELIMIT_MEMORY_OK")
        or _running_maintenance_command()
    )
    if config["RATELIMIT_STORAGE_URI"].startswith("memory://") and not allowed:
        raise ConfigError(
            "CARELEARN_RATELIMIT_STORAGE is not set, so each web process would count sign-in "
            "and form limits on its own. Set it to a shared store such as "
            "redis://127.0.0.1:6379/0, or, for a single process on purpose, set "
            "CARELEARN_RATELIMIT_STORAGE_MEMORY_OK=1."
        )


def signing_key(app: Flask) -> bytes:
    """The secret key as bytes, for signing cookies and tokens (Flask allows str or bytes)."""
    key = app.secret_key
    if key is None:
        raise ConfigError("SECRET_KEY is not set.")
    return key if isinstance(key, bytes) else key.encode()
