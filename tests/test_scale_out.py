"""Scaled out, and losing processes: two API processes, two Celery workers and one beat on PostgreSQL and
Redis, a flash crowd split across both APIs, and one API process and one worker SIGKILLed mid-run.

What must hold, counted from outside:

- nothing is overbooked (the capacity invariants);
- no booking is lost or invented: every 201 a client saw is in the database, and the database holds no
  booking no client was given. A request whose connection died with the killed API has no answer; the
  client does what a real one should, and sends it again, with the same ``Idempotency-Key``, to the API
  that is still up. It then gets the booking the dead process had committed (replayed) or a fresh answer;
- every confirmation reaches the gateway: each message's ``X-Idempotency-Key`` arrives, and no row is
  left unsent. A message the killed worker had handed to the gateway but not yet recorded as sent is sent
  again after its lease runs out, with the same key (at least once, and a gateway that honours the key
  delivers it once); the test counts those repeats and allows no more than the worker had in hand.

The killed API process and worker are started again, and a second crowd goes through both APIs.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, update

from booking.bookings import normalise_code
from booking.invariants import capacity_violations
from booking.models import Booking, Notification, Site
from tests.crowd import Answer, fire
from tests.factories import at, booking_body, make_site
from tests.gateways import HttpGateway, free_port, wait_until
from tests.redis_server import fresh_redis_url
from tests.worker import kill_group, running, worker_env

pytestmark = [pytest.mark.slow, pytest.mark.postgresql, pytest.mark.redis]
WIB = ZoneInfo("Asia/Jakarta")
SLOT_TIMES = ((8, 0), (8, 30), (9, 0), (9, 30), (10, 30), (11, 0), (11, 30))  # make_site's 7 slots a day
COUNTERS, CAPACITY = 2, 8  # 7 x 2 x 8 = 112 places a day
FIRST_WAVE = 280  # citizens, over both APIs: more than the places, so 409s too
SECOND_WAVE = 40  # after the restart, on the next day: all of them fit
KILL_AFTER_BOOKINGS = 15  # the crowd is under way: the first bookings are committed, most are in flight
WORKER_THREADS = 2
SEND_LEASE_SECONDS = 3  # how soon a message held by the killed worker is taken again
DELIVERY_TIMEOUT_S = 60.0
QUIET_AFTER_S = 3.0


def day(offset: int) -> dt.date:
    return dt.datetime.now(WIB).date() + dt.timedelta(days=offset)


def crowd(first_citizen: int, count: int, on: dt.date) -> list[dict]:
    return [
        {
            "json": booking_body(at(on, *SLOT_TIMES[n % len(SLOT_TIMES)]), n),
            "headers": {"Idempotency-Key": f"scale-out-{n}"},
        }
        for n in range(first_citizen, first_citizen + count)
    ]


def api_env(env: dict[str, str], port: int) -> dict[str, str]:
    return {**env, "BOOKING_PORT": str(port), "BOOKING_HOST": "127.0.0.1", "BOOKING_RATE_LIMIT_PER_MINUTE": "0"}


def wait_healthy(base: str, process) -> None:
    def healthy() -> bool:
        assert process.poll() is None, f"{base} exited with {process.returncode}"
        try:
            return httpx.get(f"{base}/health", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    assert wait_until(healthy, timeout=30, interval=0.1), f"{base} did not come up"


def fire_split(bases: list[str], requests: list[dict]) -> list[Answer]:
    """Half the crowd at each API, both halves at once (two processes of threads each)."""
    halves = [requests[i :: len(bases)] for i in range(len(bases))]
    with ThreadPoolExecutor(max_workers=len(bases)) as pool:
        results = list(
            pool.map(
                lambda pair: fire(f"{pair[0]}/api/v1/sites/uji/bookings", pair[1], processes=2),
                zip(bases, halves, strict=True),
            )
        )
    answers: list[Answer] = [None] * len(requests)  # type: ignore[list-item]
    for i, result in enumerate(results):
        for answer in result.answers:
            answers[i + answer.index * len(bases)] = answer
    return answers


def retry_elsewhere(base: str, request: dict) -> httpx.Response:
    """What a client does when its connection died: the same request, same key, to an API that is up."""
    for _ in range(20):
        response = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=request["json"], headers=request["headers"])
        if response.json().get("code") != "idempotency_conflict":  # the dead request's transaction may linger
            return response
        time.sleep(0.25)
    return response


def booking_codes(db) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(Booking.code)))


def bookings_made(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Booking))


def notification_keys(db) -> set[str]:
    with db.read() as session:
        return {f"antrian-{row_id}" for row_id in session.scalars(select(Notification.id))}


def notification_statuses(db) -> Counter:
    with db.read() as session:
        return Counter(session.scalars(select(Notification.status)))


def keys_received(gateway: HttpGateway) -> Counter:
    return Counter(request.headers.get("X-Idempotency-Key", "") for request in gateway.received())


@pytest.fixture
def gateway():
    server = HttpGateway()
    yield server
    server.close()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_apis_two_workers_one_beat_lose_nothing_when_an_api_and_a_worker_are_killed(
    database_url, db, gateway, tmp_path: Path
):
    make_site(db, capacity=CAPACITY, counters=COUNTERS)
    with db.write() as session:  # confirmations only: every notification row is due now
        session.execute(update(Site).values(reminder_day_before_at=None, reminder_soon_minutes=None))
    env = worker_env(database_url, tmp_path / "data", broker_url=fresh_redis_url(), sms=gateway.url("sms"))
    env["BOOKING_SEND_LEASE_SECONDS"] = str(SEND_LEASE_SECONDS)
    env["BOOKING_NOTIFY_RATE_LIMIT"] = "1000/s"
    ports = [free_port(), free_port()]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    logs = tmp_path / "logs"
    started = time.monotonic()

    with ExitStack() as stack:
        apis = [
            stack.enter_context(running(["serve"], api_env(env, port), logs / f"api-{n}.log"))
            for n, port in enumerate(ports)
        ]
        concurrency = f"--concurrency={WORKER_THREADS}"
        workers = [
            stack.enter_context(running(["worker", concurrency], env, logs / f"worker-{n}.log")) for n in range(2)
        ]
        stack.enter_context(running(["beat"], env, logs / "beat.log"))
        for base, api in zip(bases, apis, strict=True):
            wait_healthy(base, api)

        killed_at: list[float] = []

        def kill_mid_run() -> None:
            if wait_until(lambda: bookings_made(db) >= KILL_AFTER_BOOKINGS, timeout=60, interval=0.02):
                killed_at.append(time.monotonic())
                kill_group(apis[0])
                kill_group(workers[0])

        killer = threading.Thread(target=kill_mid_run, daemon=True)
        killer.start()
        first = crowd(1, FIRST_WAVE, day(1))
        answers = fire_split(bases, first)
        killer.join(timeout=60)

        assert killed_at, "the crowd never reached the kill point"
        on_killed_api = answers[0::2]
        assert killed_at[0] < max(answer.answered_at for answer in on_killed_api), "the kill came after the crowd"
        cut_off = [n for n, answer in enumerate(answers) if answer.status is None]
        retried = {n: retry_elsewhere(bases[1], first[n]) for n in cut_off}
        assert all(n % 2 == 0 for n in cut_off), "only requests to the killed API may lose their connection"
        statuses = [retried[n].status_code if n in retried else answer.status for n, answer in enumerate(answers)]
        codes = {
            retried[n].json()["code"] if n in retried else answer.booking_code
            for n, answer in enumerate(answers)
            if statuses[n] == 201
        }
        print(
            f"\nscale-out first wave: {len(first)} attempts over 2 APIs, {Counter(statuses)}, "
            f"{len(cut_off)} cut off by the kill and retried on the other API"
        )
        assert set(statuses) <= {201, 409}, Counter(statuses)
        assert Counter(statuses)[201] == COUNTERS * CAPACITY * len(SLOT_TIMES)  # every place, no more

        # Started again, as a supervisor would, on the same port; a second crowd goes through both.
        apis[0] = stack.enter_context(running(["serve"], api_env(env, ports[0]), logs / "api-0.log"))
        workers[0] = stack.enter_context(running(["worker", concurrency], env, logs / "worker-0.log"))
        wait_healthy(bases[0], apis[0])
        second = fire_split(bases, crowd(FIRST_WAVE + 1, SECOND_WAVE, day(2)))
        assert Counter(answer.status for answer in second) == {201: SECOND_WAVE}
        codes |= {answer.booking_code for answer in second}

        with db.read() as session:
            assert capacity_violations(session) == []
        # none lost, and none the clients were not given
        assert booking_codes(db) == {normalise_code(code) for code in codes}

        expected = notification_keys(db)
        assert len(expected) == len(codes)  # one confirmation (SMS) per booking
        assert wait_until(lambda: set(keys_received(gateway)) >= expected, timeout=DELIVERY_TIMEOUT_S), (
            f"{len(set(keys_received(gateway)) & expected)} of {len(expected)} confirmations delivered"
        )
        time.sleep(QUIET_AFTER_S)  # beat keeps sweeping: nothing more may be sent
        received = keys_received(gateway)
        assert set(received) == expected
        assert notification_statuses(db) == Counter({"sent": len(expected)})
        repeats = {key: count for key, count in received.items() if count > 1}
        print(f"scale-out: {len(expected)} confirmations, repeated after the worker's death: {repeats or 'none'}")
        assert len(repeats) <= WORKER_THREADS and all(count == 2 for count in repeats.values()), repeats
        for process in [*apis, *workers]:
            assert process.poll() is None, "a process died that the test did not kill"
    print(f"scale-out test took {time.monotonic() - started:.1f} s")
