"""``booking serve`` as a real process: it comes up, answers, and stops cleanly on SIGTERM.

Also checks the helper in ``tests/server.py`` that the flash-crowd and idempotency tests rely on.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests import server
from tests.gateways import free_port, wait_until
from tests.server import BOOKING_COMMAND, HOST, SHUTDOWN_TIMEOUT_S, STARTUP_TIMEOUT_S, ServerFailed, running_server
from tests.worker import running, worker_env

live_server = server.live_server  # the fixture, made available to this module

pytestmark = pytest.mark.slow


def test_live_server_answers_health_and_ready_on_its_database(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as client:
        assert client.get("/health").json() == {"status": "ok"}
        ready = client.get("/ready")
        assert ready.status_code == 200 and ready.json()["database"] == "ok"
        assert client.get("/api/v1/sites").json() == []


def test_server_stops_on_sigterm_even_with_an_idle_keep_alive_connection(tmp_path):
    with httpx.Client(timeout=60) as client:  # its connection stays open while the server is told to stop
        with running_server(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data") as base_url:
            assert client.get(f"{base_url}/health").status_code == 200
            stopping = time.monotonic()
        assert time.monotonic() - stopping < SHUTDOWN_TIMEOUT_S  # running_server also fails the test beyond it


def test_a_server_that_cannot_start_fails_with_its_output(tmp_path):
    with (
        pytest.raises(ServerFailed, match="before answering /health"),
        running_server("sqlite:///ignored.db", tmp_path / "data", extra_env={"BOOKING_PORT": "not-a-port"}),
    ):
        pass  # pragma: no cover - never reached


def test_server_accepts_a_lower_case_log_level(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data", log_level="warning") as base_url:
        assert httpx.get(f"{base_url}/health", timeout=60).status_code == 200


def test_several_server_processes_finish_a_request_in_flight_on_sigterm_then_exit_zero(tmp_path):
    """``booking serve --workers 2``: SIGTERM to the parent reaches every process; a request whose body is
    still arriving is answered, not dropped; then the parent exits 0 and leaves no process behind.

    Each step waits for what the kernel shows (/proc/net/tcp and the processes' descriptors), not for a
    sleep: the request's headers were read by a server process before the signal, and the server processes
    had stopped listening (they are shutting down) before the rest of the body is sent."""
    port = free_port()
    env = {**worker_env(f"sqlite:///{tmp_path / 'antrian.db'}", tmp_path / "data"), "BOOKING_PORT": str(port)}
    subprocess.run([str(BOOKING_COMMAND), "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    log_path = tmp_path / "serve.log"
    with running(["serve", "--workers", "2"], env, log_path) as parent:
        assert wait_until(lambda: _answers(f"http://{HOST}:{port}/health"), timeout=STARTUP_TIMEOUT_S), (
            log_path.read_text()
        )
        listening = _tcp(port, state=LISTEN)[0]["inode"]

        def listening_children() -> list[int]:  # the server processes (not multiprocessing's resource tracker)
            return [pid for pid in _children(parent.pid) if listening in _socket_inodes(pid)]

        assert wait_until(lambda: len(listening_children()) == 2, timeout=STARTUP_TIMEOUT_S), log_path.read_text()
        children, servers = _children(parent.pid), listening_children()
        body = b'{"service": "KTP", "start": "2026-12-01T08:00:00+07:00"}'
        with socket.create_connection((HOST, port), timeout=60) as connection:
            connection.sendall(
                b"POST /api/v1/sites/uji/bookings HTTP/1.1\r\nHost: antrian\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            mine = connection.getsockname()[1]
            # the request has begun in one of the processes: it accepted the connection and read what was sent
            assert wait_until(lambda: _read_by_a_server(port, mine, servers), timeout=STARTUP_TIMEOUT_S)
            parent.send_signal(signal.SIGTERM)
            # the signal reached the servers: they stopped listening, and are shutting down
            assert wait_until(
                lambda: not any(listening in _socket_inodes(pid) for pid in servers), timeout=SHUTDOWN_TIMEOUT_S
            ), log_path.read_text()[-3000:]
            connection.sendall(body[10:])
            answer = connection.recv(4096)
        assert answer.startswith(b"HTTP/1.1 4"), answer  # answered (422/404: no such site), not cut off
        assert parent.wait(timeout=SHUTDOWN_TIMEOUT_S) == 0, log_path.read_text()[-3000:]
        assert wait_until(lambda: not any(_alive(pid) for pid in children), timeout=SHUTDOWN_TIMEOUT_S), [
            _command(pid) for pid in children if _alive(pid)
        ]


LISTEN, ESTABLISHED = "0A", "01"


def _tcp(local_port: int, *, state: str, remote_port: int | None = None) -> list[dict]:
    """IPv4 sockets on 127.0.0.1 as the kernel lists them (/proc/net/tcp): inode 0 until a process accepts."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, st, queues, inode = fields[1], fields[2], fields[3], fields[4], fields[9]
        if (
            int(local.split(":")[1], 16) == local_port
            and st == state
            and (remote_port is None or int(remote.split(":")[1], 16) == remote_port)
        ):
            found.append({"inode": inode, "unread": int(queues.split(":")[1], 16)})
    return found


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    except OSError:
        pass
    return inodes


def _read_by_a_server(port: int, client_port: int, servers: list[int]) -> bool:
    """A server process holds our connection and has read every byte sent on it so far."""
    return any(
        sock["unread"] == 0 and any(sock["inode"] in _socket_inodes(pid) for pid in servers)
        for sock in _tcp(port, state=ESTABLISHED, remote_port=client_port)
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=10).status_code == 200
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
