"""A real API server process for tests: ``booking serve`` in a subprocess, on 127.0.0.1 and a free port.

Not a test module. Use the context manager directly::

    from tests.server import running_server

    with running_server(database_url, tmp_path) as base_url:
        httpx.get(f"{base_url}/health")

or the ``live_server`` fixture, made available in a test module with ``live_server = server.live_server``
(after ``from tests import server``; conftest.py is not ours to change): it is function-scoped, starts a
server on the test's ``database_url`` (so it follows the SQLite/PostgreSQL parametrisation) and yields
its base URL.

The server's output goes to a log file (a pipe nobody reads could fill up and stall the server); when the
server does not come up, or dies, the failure message carries the end of that log.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

VENV_BIN = Path(sys.executable).parent
BOOKING_COMMAND = VENV_BIN / "booking"
HOST = "127.0.0.1"
SECRET_KEY = "live-server-test-secret"
# Bounds, not waits: each returns as soon as the server answers (or exits). A loaded 2-core CI machine running
# other servers, workers and browsers can take tens of seconds to start Python and import the app.
STARTUP_TIMEOUT_S = 120.0
SHUTDOWN_TIMEOUT_S = 60.0
HEALTH_POLL_TIMEOUT_S = 10.0  # one probe; a probe that times out is simply sent again until the deadline
PORT_ATTEMPTS = 3  # a free port can be taken by someone else between our probe and the server's bind


class ServerFailed(AssertionError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _tail(log_path: Path, limit: int = 4000) -> str:
    try:
        text = log_path.read_text(errors="replace")
    except OSError as error:
        return f"(no server log: {error})"
    return text[-limit:] if text else "(server log is empty)"


def wait_until_healthy(process: subprocess.Popen, base_url: str, log_path: Path, timeout: float) -> bool:
    """True once GET /health answers 200; False if the process exited first (e.g. port taken). Any process that
    serves /health: ``booking serve``, or a proxy in front of it."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=HEALTH_POLL_TIMEOUT_S) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                if client.get(f"{base_url}/health").status_code == 200:
                    return True
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    _stop(process, log_path)
    raise ServerFailed(f"server at {base_url} did not answer /health within {timeout:.0f} s; log:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen, log_path: Path) -> int:
    """SIGTERM and wait; a server that does not stop in time is killed and the test fails."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
        raise ServerFailed(
            f"server did not exit within {SHUTDOWN_TIMEOUT_S:.0f} s of SIGTERM; log:\n{_tail(log_path)}"
        ) from None


@contextmanager
def running_server(
    database_url: str,
    data_dir: Path,
    *,
    log_level: str = "WARNING",
    extra_env: dict[str, str] | None = None,
    startup_timeout: float = STARTUP_TIMEOUT_S,
) -> Iterator[str]:
    """Start ``booking serve`` against ``database_url``; yield its base URL; SIGTERM it on exit."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    last_log = None
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        base_url = f"http://{HOST}:{port}"
        env = {
            **os.environ,
            "BOOKING_DATABASE_URL": database_url,
            "BOOKING_DATA_DIR": str(data_dir),
            "BOOKING_SECRET_KEY": SECRET_KEY,
            "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
            "BOOKING_HOST": HOST,
            "BOOKING_PORT": str(port),
            "BOOKING_LOG_LEVEL": log_level,
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        log_path = data_dir / f"server-{port}.log"
        last_log = log_path
        with open(log_path, "wb") as log_file:
            # cwd = data_dir: no stray .env file of the developer's is read by the server.
            process = subprocess.Popen(
                [str(BOOKING_COMMAND), "serve"],
                env=env,
                cwd=data_dir,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if not wait_until_healthy(process, base_url, log_path, startup_timeout):
            process.wait(timeout=5)
            if "address already in use" in _tail(log_path).lower() and attempt < PORT_ATTEMPTS:
                continue
            raise ServerFailed(
                f"server exited with {process.returncode} before answering /health; log:\n{_tail(log_path)}"
            )
        try:
            yield base_url
        finally:
            if process.poll() is not None:
                raise ServerFailed(f"server died during the test (exit {process.returncode}); log:\n{_tail(log_path)}")
            code = _stop(process, log_path)
            # uvicorn shuts down gracefully, then re-raises the signal it caught: -SIGTERM (older ones exit 0)
            assert code in (0, -signal.SIGTERM), f"server exited with {code} after SIGTERM; log:\n{_tail(log_path)}"
        return
    raise ServerFailed(f"no free port after {PORT_ATTEMPTS} attempts; last log:\n{_tail(last_log)}")


def server_log(data_dir: Path) -> str:
    """Everything the servers started in ``data_dir`` wrote (for assertions on, e.g., logged errors)."""
    return "".join(path.read_text(errors="replace") for path in sorted(Path(data_dir).glob("server-*.log")))


@pytest.fixture
def live_server(database_url, db, tmp_path) -> Iterator[str]:
    """A real ``booking serve`` process on the test's database (SQLite or PostgreSQL); yields its base URL.

    Depends on ``db`` so that the database exists (and, for PostgreSQL, is emptied) before the server
    starts.
    """
    with running_server(database_url, tmp_path / "server-data") as base_url:
        yield base_url
