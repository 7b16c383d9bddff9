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


def _spawn(env: dict[str, str], log: Path, *args: str):
    """Run `flask --app carelearn ARGS` with its output in `log`; returns it and the open log."""
    out = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "carelearn", *args],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    return process, out


def start_server(
    instance: Path,
    database_url: str,
    health_status: int = 200,
    secret_key: str | None = None,
    extra_env: dict[str, str] | None = None,
):
    """Start `flask run` on a free port and wait until /healthz answers as expected."""
    process, out, server = _spawn_server(instance, database_url, secret_key, extra_env)
    _wait_until_healthy(process, out, server, health_status)
    return process, out, server


def start_servers(instances: list[Path], database_url: str, extra_env: dict[str, str]):
    """Start `flask run` in each instance folder at once (quicker than one after another) and
    wait until each answers; returns the process, open log file and server of each."""
    started = [_spawn_server(instance, database_url, None, extra_env) for instance in instances]
    try:
        for each in started:
            _wait_until_healthy(*each, 200)
    except RuntimeError:
        for process, out, _server in started:
            stop_server(process, out)
        raise
    return started


def _spawn_server(instance, database_url, secret_key, extra_env):
    env = server_env(instance, database_url, secret_key) | (extra_env or {})
    port = free_port()
    log = instance / "server.log"
    process, out = _spawn(
        env,
        log,
        *("run", "--host", "127.0.0.1", "--port", str(port)),
        *("--no-reload", "--no-debugger", "--with-threads"),
    )
    return process, out, LiveServer(f"http://127.0.0.1:{port}", database_url, log)


def _wait_until_healthy(process, out, server: LiveServer, health_status: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            out.close()
            raise RuntimeError(f"the server stopped at start:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = None
        if status == health_status:
            return
        if time.monotonic() > deadline:
            stop_server(process, out)
            raise RuntimeError(f"the server did not answer in time:\n{server.log.read_text()}")
        time.sleep(0.1)


def start_workers(instances: list[Path], database_url: str, extra_env: dict[str, str]):
    """Start a `flask worker` in each instance folder at the same moment, so that they race for
    the same work, and wait until each says it has started (its log: instance/worker.log).
    Returns each process with its open log file; stop_server stops one cleanly (SIGTERM)."""
    started = []
    for instance in instances:
        env = server_env(instance, database_url) | extra_env
        started.append(_spawn(env, instance / "worker.log", "worker"))
    deadline = time.monotonic() + 30
    for instance, (process, _out) in zip(instances, started, strict=True):
        log = instance / "worker.log"
        while " started" not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                for each in started:
                    stop_server(*each)
                raise RuntimeError(f"a worker did not start:\n{log.read_text()}")
            time.sleep(0.1)
    return started


def stop_server(process, out, signalled: bool = False) -> int:
    """SIGTERM (unless `signalled`: sent already, and a second one could reach the process after
    its own handler is gone), then SIGKILL after 10 s; returns the exit code (0: it stopped
    cleanly)."""
    if not signalled:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    out.close()
    return process.returncode
