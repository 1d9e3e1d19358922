"""``booking serve`` as a real process: it comes up, answers, and stops cleanly on SIGTERM.

Also checks the helper in ``tests/server.py`` that the flash-crowd and idempotency tests rely on.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests import server
from tests.gateways import free_port, wait_until
from tests.server import BOOKING_COMMAND, HOST, ServerFailed, running_server
from tests.worker import running, worker_env

live_server = server.live_server  # the fixture, made available to this module

pytestmark = pytest.mark.slow


def test_live_server_answers_health_and_ready_on_its_database(live_server):
    with httpx.Client(base_url=live_server, timeout=10) as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
        assert client.get("/api/v1/sites").json() == []


def test_server_stops_on_sigterm_even_with_an_idle_keep_alive_connection(tmp_path):
    with httpx.Client(timeout=10) as client:  # its connection stays open while the server is told to stop
        with running_server(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data") as base_url:
            assert client.get(f"{base_url}/health").status_code == 200
            stopping = time.monotonic()
        assert time.monotonic() - stopping < 15  # running_server also fails the test beyond 15 s


def test_a_server_that_cannot_start_fails_with_its_output(tmp_path):
    with (
        pytest.raises(ServerFailed, match="before answering /health"),
        running_server("sqlite:///ignored.db", tmp_path / "data", extra_env={"BOOKING_PORT": "not-a-port"}),
    ):
        pass  # pragma: no cover - never reached


def test_server_accepts_a_lower_case_log_level(tmp_path):
    with running_server(
        f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data", log_level="warning", startup_timeout=20
    ) as base_url:
        assert httpx.get(f"{base_url}/health", timeout=10).status_code == 200


def test_several_server_processes_finish_a_request_in_flight_on_sigterm_then_exit_zero(tmp_path):
    """``booking serve --workers 2``: SIGTERM to the parent reaches every process; a request whose body is
    still arriving is answered, not dropped; then the parent exits 0 and leaves no process behind."""
    port = free_port()
    env = {**worker_env(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data"), "BOOKING_PORT": str(port)}
    subprocess.run([str(BOOKING_COMMAND), "db", "upgrade"], env=env, check=True, capture_output=True)
    log_path = tmp_path / "serve.log"
    with running(["serve", "--workers", "2"], env, log_path) as parent:
        assert wait_until(lambda: _answers(f"http://{HOST}:{port}/health"), timeout=30), log_path.read_text()
        children = _children(parent.pid)
        assert len(children) >= 2, log_path.read_text()  # two servers (and multiprocessing's resource tracker)
        body = b'{"service": "KTP", "start": "2026-12-01T08:00:00+07:00"}'
        with socket.create_connection((HOST, port), timeout=10) as connection:
            connection.sendall(
                b"POST /api/v1/sites/uji/bookings HTTP/1.1\r\nHost: antrian\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            time.sleep(0.5)  # the request has begun in one of the processes
            parent.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            connection.sendall(body[10:])
            answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 4"), answer  # answered (422/404: no such site), not cut off
        assert parent.wait(timeout=20) == 0, log_path.read_text()[-3000:]
        assert wait_until(lambda: not any(_alive(pid) for pid in children), timeout=5), [
            _command(pid) for pid in children if _alive(pid)
        ]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
    except OSError:
        return "(gone)"


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
