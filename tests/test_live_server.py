"""``booking serve`` as a real process: it comes up, answers, and stops cleanly on SIGTERM.

Also checks the helper in ``tests/server.py`` that the flash-crowd and idempotency tests rely on.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests import server
from tests.server import ServerFailed, running_server

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
