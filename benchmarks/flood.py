"""A flood of the public feedback form, sent while learner pages are measured (see bench.py).

A script posting answers to one team's form as fast as `CONNECTIONS` connections with a pause
of `PAUSE_MS` between requests allow (about 200 a second), each from a new client address, so
only the limit per team refuses it. The limits are counted in Redis, as in production, when
Redis answers on 127.0.0.1:6379; otherwise each worker counts its own and the report says so.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

FLOOD_PAGE = "learner pages during a flood"
FLOODED_PAGES = ("my training", "lesson")
TARGET = 0.80  # each learner page keeps at least this share of its speed without the flood
TURNS = 3  # each page is measured this many times without the flood and as many during it
CONNECTIONS, PAUSE_MS = 2, 10
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13  # a database of the benchmark's own
LUA = Path(__file__).resolve().parent / "flood.lua"
STARTED = re.compile(r'name="started"[^>]*value="([^"]+)"')


@dataclass
class FloodStats:
    """How the flood's requests were answered while one page was measured."""

    requests: int = 0
    seconds: float = 0.0
    refused: int = 0  # 429, refused by the limit per team
    taken: int = 0  # 303, taken as an answer (within the limit)
    other: int = 0
    errors: int = 0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def limit_store() -> str | None:
    """The Redis store for the flooded server's limits, emptied first; None if none answers."""
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        return None
    import redis

    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).flushdb()
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


def form_body(port: int, team_id: int) -> str:
    """A whole, valid answer to the team's form, with the signed token its page gave."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/f/{team_id}")
    response = conn.getresponse()
    page = response.read().decode()
    conn.close()
    found = STARTED.search(page)
    if response.status != 200 or not found:
        raise SystemExit(f"the feedback form of team {team_id} answered {response.status}")
    return urlencode({"answer": "very_good", "aspect_kindness": "good", "started": found.group(1)})


@contextmanager
def flooding(port: int, team_id: int, body: str, seconds: int):
    """Floods the form for `seconds` from the moment it is entered; yields the FloodStats, filled
    in once the flood has ended (on leaving, after waiting for it)."""
    stats = FloodStats()
    process = subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            f"http://127.0.0.1:{port}/f/{team_id}",
            "--",
            f"/f/{team_id}",
            body,
            str(PAUSE_MS),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        yield stats
    finally:
        output, _ = process.communicate(timeout=seconds + 60)
    data = json.loads(output.strip().splitlines()[-1])
    stats.requests, stats.seconds = data["requests"], data["duration_us"] / 1e6
    stats.refused, stats.taken, stats.other = data["refused"], data["taken"], data["other"]
    stats.errors = data["socket_errors"]
