"""The board's stream with real ``booking serve`` processes: a call made on one API process reaches a display
connected to another through Redis (``BOOKING_EVENTS_URL``), and a server asked to stop ends its displays'
streams properly at once instead of holding its shutdown on them. And when the boards' Redis goes away for
a while, calls still go through, and once it is back the displays show what was called meanwhile.

The servers keep the real time, so the waiting tickets are written for today and tomorrow in Blora: a run
across midnight still finds today's queue.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from booking.http.app import create_app
from booking.models import Agency, Service, Site, Ticket, TicketStatus
from booking.settings import Settings
from tests.factories import PASSWORD, WIB, FixedClock, make_site, make_staff
from tests.gateways import wait_until
from tests.inprocess_server import serving
from tests.redis_server import fresh_redis_url
from tests.server import free_port, running_server, server_log
from tests.sse import BoardStream, called

pytestmark = pytest.mark.slow
STREAM = "/api/v1/sites/uji/queue/stream"


def waiting_walk_ins(db, count: int) -> None:
    """``count`` walk-ins waiting at dukcapil (A-001, A-002, ...) today and tomorrow in Blora."""
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(WIB).date()
    with db.write() as session:
        site = session.scalar(select(Site).where(Site.slug == "uji"))
        agency = session.scalar(select(Agency).where(Agency.site_id == site.id, Agency.slug == "dukcapil"))
        service = session.scalar(select(Service).where(Service.site_id == site.id, Service.code == "KTP"))
        for day in (today, today + dt.timedelta(days=1)):
            for number in range(1, count + 1):
                session.add(
                    Ticket(
                        site_id=site.id, agency_id=agency.id, service_id=service.id, booking_id=None,
                        local_date=day, prefix=agency.ticket_prefix, number=number, leg=0, kind="walk_in",
                        priority=None, due_at=None, queued_at=now + dt.timedelta(seconds=number),
                        status=TicketStatus.waiting, recalls=0, comebacks=0, arrived_at=now, transferred=False,
                    )
                )  # fmt: skip


def clerk_token(base: str, username: str = "ani") -> dict[str, str]:
    answer = httpx.post(f"{base}/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=60)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.mark.redis
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_a_call_on_one_api_process_reaches_a_display_connected_to_another(database_url, db, tmp_path):
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    waiting_walk_ins(db, 2)
    shared = {"BOOKING_EVENTS_URL": fresh_redis_url()}
    with (
        running_server(database_url, tmp_path / "clerks-api", extra_env=shared) as clerks_api,
        running_server(database_url, tmp_path / "displays-api", extra_env=shared) as displays_api,
        BoardStream(displays_api + STREAM) as display,
    ):
        assert display.next()["board"]["calling"] == []
        clerk = clerk_token(clerks_api)
        answer = httpx.post(f"{clerks_api}/api/v1/staff/counters/Loket 1/call-next", headers=clerk, timeout=60)
        assert answer.status_code == 200, answer.text
        ticket = answer.json()["ticket"]

        message = display.wait_for(lambda m: called(m, ticket))
        assert called(message, ticket)["counter"] == "Loket 1"
        assert [(row["ticket"], row["counter"]) for row in message["board"]["calling"]] == [(ticket, "Loket 1")]

        recall = httpx.post(f"{clerks_api}/api/v1/staff/tickets/{ticket}/recall", headers=clerk, timeout=60)
        assert recall.status_code == 200, recall.text
        display.wait_for(lambda m: called(m, ticket, "recall"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_stopping_server_ends_its_displays_streams_properly(database_url, db, tmp_path):
    make_site(db)
    with running_server(database_url, tmp_path / "server") as base:
        display = BoardStream(base + STREAM)
        display.next()
    # running_server has sent SIGTERM and seen the server exit; the stream was ended by the server, cleanly
    # (uvicorn alone would hold its shutdown on the open stream for its grace period, then cut it off)
    display.wait_until_ended()
    assert display.ended_cleanly.is_set(), f"the stream was cut off: {display.failure!r}"
    assert "Traceback" not in server_log(tmp_path / "server")
    display.close()


class PrivateRedis:
    """A Redis of this test's own, so that the test may stop it and start it again on the same port."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            message = "redis-server is missing (apt-get install redis-server)"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message + " — CI=true requires it")
            pytest.skip(message)
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert wait_until(self._answers, timeout=30, interval=0.05), "the test's Redis did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False


@pytest.mark.redis
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_after_redis_comes_back_the_display_shows_the_calls_made_while_it_was_away(database_url, db, tmp_path):
    make_site(db)
    make_staff(db, "ani", agency="dukcapil")
    waiting_walk_ins(db, 2)
    redis = PrivateRedis(tmp_path / "redis")
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, secret_key="test-secret", rate_limit_per_minute=0,
        events_url=redis.url,
    )  # fmt: skip
    redis.start()
    try:
        app = create_app(settings, db=db, clock=FixedClock(dt.datetime.now(dt.UTC)))
        with serving(app) as base, BoardStream(base + STREAM) as display:
            display.next()
            clerk = clerk_token(base)
            first = httpx.post(f"{base}/api/v1/staff/counters/Loket 1/call-next", headers=clerk, timeout=60)
            assert first.status_code == 200, first.text
            display.wait_for(lambda m: called(m, first.json()["ticket"]))  # through Redis
            done = httpx.post(f"{base}/api/v1/staff/tickets/{first.json()['ticket']}/done", headers=clerk, timeout=60)
            assert done.status_code == 200, done.text

            redis.stop()
            second = httpx.post(f"{base}/api/v1/staff/counters/Loket 1/call-next", headers=clerk, timeout=60)
            assert second.status_code == 200, second.text  # a call never waits on the boards' Redis
            ticket = second.json()["ticket"]
            redis.start()
            message = display.wait_for(lambda m: ticket in [row["ticket"] for row in m["board"]["calling"]])
            assert [row["counter"] for row in message["board"]["calling"]] == ["Loket 1"]
    finally:
        redis.stop()
