"""`make run` on an empty data dir serves the demo MPPs, sends confirmations to the outbox folder, and
Ctrl-C stops everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited early with {process.returncode}: {process.stdout.read()}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    pytest.fail(f"{url} never answered")


def _start(command: list[str], tmp_path: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {
        **os.environ,
        "BOOKING_DATA_DIR": str(tmp_path / "var"),
        "BOOKING_PORT": str(port),
        "BOOKING_HOST": "127.0.0.1",
    }
    env.pop("BOOKING_DATABASE_URL", None)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    return process, f"http://127.0.0.1:{port}"


@pytest.mark.slow
def test_make_run_serves_the_demo_and_stops_on_ctrl_c(tmp_path):
    process, base = _start(["make", "--no-print-directory", "run"], tmp_path)
    try:
        sites = _wait_for(f"{base}/api/v1/sites", process, seconds=120).json()
        assert {site["slug"] for site in sites} == {"blora", "denpasar"}
        assert len(httpx.get(f"{base}/api/v1/sites/blora/agencies", timeout=5).json()) == 31
        code = _book_first_free_slot(base)
        outbox = tmp_path / "var" / "outbox"  # what the citizen would receive, as files
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(code in path.read_text() for path in outbox.glob("*")):
            time.sleep(0.5)
        assert any(code in path.read_text() for path in outbox.glob("*")), "no confirmation in the outbox"
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        process.wait(timeout=20)
    assert (tmp_path / "var" / "antrian.db").exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{base}/health", timeout=2)


def _book_first_free_slot(base: str) -> str:
    days = httpx.get(f"{base}/api/v1/sites/blora/services/DKP-07/availability", timeout=10).json()["days"]
    start = next(slot["start"] for day in days for slot in day["slots"] if slot["remaining"])
    body = {"service": "DKP-07", "start": start, "channels": ["sms"],
            "citizen": {"nik": "3316011708850001", "name": "Siti Aminah", "phone": "081234567890"}}
    made = httpx.post(f"{base}/api/v1/sites/blora/bookings", json=body, timeout=10)
    assert made.status_code == 201, made.text
    return made.json()["code"]


@pytest.mark.slow
def test_the_server_stops_cleanly_on_sigterm(tmp_path):
    subprocess.run(
        [str(ROOT / ".venv/bin/booking"), "db", "upgrade"],
        check=True,
        capture_output=True,
        env={**os.environ, "BOOKING_DATA_DIR": str(tmp_path / "var")},
    )
    process, base = _start([str(ROOT / ".venv/bin/booking"), "serve"], tmp_path)
    _wait_for(f"{base}/health", process)
    process.send_signal(signal.SIGTERM)
    # uvicorn finishes in-flight work, then re-raises the signal so the exit status tells why it stopped.
    assert process.wait(timeout=20) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in process.stdout.read()
