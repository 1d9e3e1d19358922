"""Faults, counted at the receiving gateway: a broker that is down while citizens book, and two workers with
two beats (a doubled sweep) racing over the same due rows."""

from __future__ import annotations

import subprocess
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import select

from booking.models import Notification
from tests.gateways import free_port, wait_until
from tests.server import running_server
from tests.worker import running, worker_env
from tests.workers.test_delivery import book

pytestmark = pytest.mark.slow


def _booking_env(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("BOOKING_")}


def _statuses(db) -> Counter:
    with db.read() as session:
        return Counter(session.scalars(select(Notification.status)))


def test_bookings_succeed_while_the_broker_is_down_and_messages_follow_when_it_is_back(
    database_url, db, gateway, tmp_path
):
    from tests.factories import make_site

    make_site(db)
    port = free_port()  # a Redis of our own, not started yet: the broker is down
    env = worker_env(database_url, tmp_path / "data", broker_url=f"redis://127.0.0.1:{port}/0", sms=gateway.url())
    with (
        running(["worker", "--beat"], env, tmp_path / "worker.log"),
        running_server(database_url, tmp_path / "data", extra_env=_booking_env(env)) as base,
    ):
        answers = []
        for n in range(1, 4):
            asked = time.monotonic()
            answers.append(book(base, n=n, hour=(8, 9, 11)[n - 1]))
            assert time.monotonic() - asked < 2.5  # the wake-up never makes a citizen wait for the broker
        ready = httpx.get(f"{base}/ready", timeout=10)
        assert ready.status_code == 503 and ready.json()["broker"] == "unavailable"
        assert gateway.received() == []

        redis = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert wait_until(lambda: len(gateway.received()) >= 3, timeout=90)
            assert wait_until(lambda: httpx.get(f"{base}/ready", timeout=10).status_code == 200, timeout=20)
            time.sleep(2)  # anything sent twice would arrive now
        finally:
            redis.terminate()
            redis.wait(timeout=10)

    keys = Counter(request.headers["X-Idempotency-Key"] for request in gateway.received())
    assert len(keys) == 3 and set(keys.values()) == {1}
    assert {answer["code"] for answer in answers} == {
        next(a["code"] for a in answers if a["code"] in r.payload["message"]) for r in gateway.received()
    }


def test_two_workers_and_two_beats_deliver_each_message_exactly_once(database_url, db, broker_url, gateway, tmp_path):
    from tests.factories import make_site

    make_site(db, capacity=3, counters=3)
    env = worker_env(
        database_url, tmp_path / "data", broker_url=broker_url, sms=gateway.url(), whatsapp=gateway.url("wa")
    )
    with (
        running(["worker", "--beat"], env, tmp_path / "worker-1.log"),
        running(["worker", "--beat"], env, tmp_path / "worker-2.log"),
        running_server(database_url, tmp_path / "data", extra_env=_booking_env(env)) as base,
    ):
        bookings = [book(base, n=n, hour=(8, 9, 11)[n % 3], channels=["sms", "whatsapp"]) for n in range(1, 13)]
        expected = len(bookings) * 2
        assert wait_until(lambda: _statuses(db).get("sent", 0) == expected, timeout=90)
        time.sleep(2)  # a duplicate from a racing sweep would arrive now

    keys = Counter(request.headers["X-Idempotency-Key"] for request in gateway.received())
    assert len(gateway.received()) == expected  # raw requests: nothing sent twice
    assert len(keys) == expected and set(keys.values()) == {1}
    with db.read() as session:
        rows = session.execute(select(Notification.kind, Notification.status)).all()
    assert sorted({status for kind, status in rows if kind == "booking_confirmed"}) == ["sent"]
    assert {status for kind, status in rows if kind != "booking_confirmed"} <= {"pending"}  # reminders ahead
