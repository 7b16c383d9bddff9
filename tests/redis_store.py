"""A Redis database of a test's own, for rate limits shared by several app processes.

The `limits` library takes its key prefix only as an argument in code, not from the storage URL
the app reads, so runs of the suite at the same time (SQLite and PostgreSQL) are kept apart by
database number instead: each claims an empty one, and removes only what it wrote.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import redis

REDIS_URL = os.environ.get("CARELEARN_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# Database 0 is left alone: it is where a developer's own app keeps its limits.
DATABASE_NUMBERS = range(1, 16)
CLAIM_KEY = "carelearn-tests:claimed"
CLAIM_SECONDS = 15 * 60  # a run that dies without cleaning up frees its database after this
LIMITS_KEYS = "LIMITS:*"  # the `limits` library's default prefix


@contextmanager
def private_redis_database() -> Iterator[str]:
    """Yield the URL of an empty Redis database that no other run is using.

    Raises redis.ConnectionError when Redis does not answer."""
    numbers = list(DATABASE_NUMBERS)
    random.shuffle(numbers)
    claim = secrets.token_hex(8)
    for number in numbers:
        client = redis.Redis.from_url(f"{REDIS_URL}/{number}", socket_timeout=5)
        # Empty first, then claimed atomically: two runs cannot both take it.
        if client.dbsize() == 0 and client.set(CLAIM_KEY, claim, nx=True, ex=CLAIM_SECONDS):
            break
        client.close()
    else:
        raise RuntimeError(f"every Redis database from 1 to 15 at {REDIS_URL} is in use")
    try:
        yield f"{REDIS_URL}/{number}"
    finally:
        written = list(client.scan_iter(match=LIMITS_KEYS))
        if written:
            client.delete(*written)
        if client.get(CLAIM_KEY) == claim.encode():
            client.delete(CLAIM_KEY)
        client.close()
