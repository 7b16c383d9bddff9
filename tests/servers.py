"""Real CareLearn processes for tests: `flask` commands and servers on free loopback ports."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from carelearn.config import PROJECT_ROOT


@dataclass
class LiveServer:
    url: str
    database_url: str
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(instance: Path, database_url: str, secret_key: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "CARELEARN_"))}
    env.update(
        {
            "CARELEARN_INSTANCE_DIR": str(instance),
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret_key or secrets.token_hex(32),
            "CARELEARN_CONTENT_DIR": str(PROJECT_ROOT / "modules"),
            "CARELEARN_OUTBOX_DIR": str(instance / "outbox"),
            "PYTHONUNBUFFERED": "1",
            # One process per test server, unless a test shares a store on purpose.
            "CARELEARN_RATELIMIT_STORAGE_MEMORY_OK": "1",
        }
    )
    return env


def flask_command(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "carelearn", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_server(
    instance: Path, database_url: str, health_status: int = 200, secret_key: str | None = None
):
    """Start `flask run` on a free port and wait until /healthz answers as expected."""
    env = server_env(instance, database_url, secret_key)
    port = free_port()
    log = instance / "server.log"
    out = log.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "carelearn",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-reload",
            "--no-debugger",
            "--with-threads",
        ],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            out.close()
            raise RuntimeError(f"the server stopped at start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = None
        if status == health_status:
            break
        if time.monotonic() > deadline:
            stop_server(process, out)
            raise RuntimeError(f"the server did not answer in time:\n{log.read_text()}")
        time.sleep(0.1)
    return process, out, LiveServer(url, database_url, log)


def stop_server(process, out) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    out.close()
