"""Faults of the delivery path, with real parts: an API server (``booking serve``), Celery workers with beat
(``booking worker --beat``), a broker, and a local HTTP gateway that records every request it is sent.

Each test counts at the receiving end: every message arrives, and arrives once (one raw request per
``X-Idempotency-Key``, not merely one distinct key).

- The broker is down while citizens book: a Redis of the test's own, on a free port, not yet started
  while the API and the worker come up and the bookings are made. Bookings answer 201 without waiting on
  the broker, ``/ready`` says the broker is unavailable; once Redis is started every confirmation goes out
  once and ``/ready`` is 200.
- Two workers, each started with ``--beat``, on one database and one broker: one beat holds the beat lock
  and sweeps every 0.5 s, the other waits (``pg_locks`` or ``/proc/locks`` show one holder, one of the two
  workers); the sweeps and the API's wake-ups, spread over both workers, race over the same due rows: each
  message is delivered exactly once, and no worker dies. (On the embedded broker this found kombu's
  filesystem transport handing out half-written message files; see workers/folder_broker.py.)
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import redis
from sqlalchemy import select, update

from booking.models import Notification, Site
from tests.factories import at, booking_body, make_site
from tests.gateways import HttpGateway, free_port, wait_until
from tests.processes import beat_lock_holders
from tests.server import running_server
from tests.worker import running, worker_env

pytestmark = pytest.mark.slow
WIB = ZoneInfo("Asia/Jakarta")
REDIS_SERVER = "/usr/bin/redis-server"
CHANNELS = ("sms", "whatsapp")
# Celery's broker_connection_timeout is 3 s: a booking that waited on the dead broker would take that long.
QUICK_ANSWER_S = 2.5
DELIVERY_TIMEOUT_S = 60.0
QUIET_AFTER_S = 3.0  # six sweeps of the beat: time enough for a duplicate to show up at the gateway
# The test site's slots (08.00-12.00, break 10.00-10.30, 30 minutes): 7 a day.
SLOT_TIMES = ((8, 0), (8, 30), (9, 0), (9, 30), (10, 30), (11, 0), (11, 30))


def tomorrow() -> dt.date:
    return dt.datetime.now(WIB).date() + dt.timedelta(days=1)


def slot(n: int) -> str:
    hour, minute = SLOT_TIMES[n % len(SLOT_TIMES)]
    return at(tomorrow(), hour, minute)


def only_confirmations(db) -> None:
    """No reminders planned: every row a booking writes is a confirmation, due at once (none falls due mid-test)."""
    with db.write() as session:
        session.execute(update(Site).values(reminder_day_before_at=None, reminder_soon_minutes=None))


def book(base: str, n: int) -> tuple[dict, float]:
    """Book citizen ``n`` on both gateway channels; return the booking and how long the API took to answer."""
    body = booking_body(slot(n), n, channels=list(CHANNELS))
    started = time.perf_counter()
    made = httpx.post(f"{base}/api/v1/sites/uji/bookings", json=body, timeout=10)
    elapsed = time.perf_counter() - started
    assert made.status_code == 201, made.text
    return made.json(), elapsed


def keys_received(gateway: HttpGateway) -> Counter:
    """Raw requests per idempotency key, as the gateway saw them (a duplicate counts twice)."""
    return Counter(request.headers.get("X-Idempotency-Key", "") for request in gateway.received())


def expected_keys(db) -> set[str]:
    """``antrian-<id>`` of every notification row: what the gateway must have received, once each."""
    with db.read() as session:
        return {f"antrian-{row_id}" for row_id in session.scalars(select(Notification.id))}


def statuses(db) -> Counter:
    with db.read() as session:
        return Counter(session.scalars(select(Notification.status)))


def assert_each_delivered_once(gateway: HttpGateway, db, bookings: int) -> None:
    received = keys_received(gateway)
    expected = expected_keys(db)
    assert len(expected) == bookings * len(CHANNELS)
    assert len(gateway.received()) == bookings * len(CHANNELS), f"raw requests: {sum(received.values())}"
    assert set(received) == expected
    duplicates = {key: count for key, count in received.items() if count != 1}
    assert not duplicates, f"sent more than once: {duplicates}"
    assert statuses(db) == Counter({"sent": bookings * len(CHANNELS)})


def gateway_env(database_url: str, data_dir: Path, gateway: HttpGateway, broker_url: str) -> dict[str, str]:
    return worker_env(database_url, data_dir, broker_url=broker_url, sms=gateway.url("sms"), whatsapp=gateway.url("wa"))


def server_settings(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith("BOOKING_")}


@contextmanager
def redis_server(port: int, log_path: Path) -> Iterator[subprocess.Popen]:
    """Our own Redis on 127.0.0.1:``port`` (never the shared one), stopped on exit whatever happened."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--dir", str(log_path.parent),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        client = redis.Redis("127.0.0.1", port, socket_connect_timeout=0.5, socket_timeout=0.5)

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"redis-server exited with {process.returncode}: {log_path.read_text()[-2000:]}")
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                return False

        assert wait_until(answers, timeout=10, interval=0.05), "our redis-server did not answer PING within 10 s"
        client.close()
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)


def ready(base: str) -> httpx.Response:
    return httpx.get(f"{base}/ready", timeout=15)


def test_bookings_succeed_while_the_broker_is_down_and_messages_follow_when_it_is_back(
    database_url, db, gateway, tmp_path
):
    make_site(db)
    only_confirmations(db)
    redis_port = free_port()  # nothing listens here until the test starts its Redis
    env = gateway_env(database_url, tmp_path / "data", gateway, f"redis://127.0.0.1:{redis_port}/0")
    citizens = 6

    # Redis is started late but stopped last (its own stack, left last): the worker and the server stop
    # while their broker is still there, as in an orderly shutdown.
    with ExitStack() as broker, ExitStack() as stack:
        stack.enter_context(running(["worker", "--beat"], env, tmp_path / "worker.log"))
        base = stack.enter_context(running_server(database_url, tmp_path / "data", extra_env=server_settings(env)))

        made = [book(base, n) for n in range(1, citizens + 1)]
        slowest = max(elapsed for _, elapsed in made)
        print(f"\nbroker down: {citizens} bookings, slowest answer {slowest * 1000:.0f} ms")
        assert slowest < QUICK_ANSWER_S, [round(elapsed, 2) for _, elapsed in made]
        assert len({booking["code"] for booking, _ in made}) == citizens

        down = ready(base)
        assert down.status_code == 503, down.text
        assert down.json()["broker"] == "unavailable" and down.json()["database"] == "ok"
        assert statuses(db) == Counter({"pending": citizens * len(CHANNELS)})  # the rows are there, waiting
        assert gateway.received() == []  # nothing could go out: the broker really was down

        started = time.perf_counter()
        broker.enter_context(redis_server(redis_port, tmp_path / "redis.log"))
        wanted = citizens * len(CHANNELS)
        assert wait_until(lambda: len(keys_received(gateway)) >= wanted, timeout=DELIVERY_TIMEOUT_S), (
            f"{len(keys_received(gateway))} of {wanted} messages within {DELIVERY_TIMEOUT_S:.0f} s of the broker's "
            f"return; worker log:\n{(tmp_path / 'worker.log').read_text(errors='replace')[-4000:]}"
        )
        print(f"broker back: all {wanted} confirmations at the gateway {time.perf_counter() - started:.1f} s later")
        assert wait_until(lambda: ready(base).status_code == 200, timeout=15)
        time.sleep(QUIET_AFTER_S)  # beat keeps sweeping: nothing may be sent again

        assert_each_delivered_once(gateway, db, citizens)
        codes = {booking["code"] for booking, _ in made}
        assert {code for code in codes for r in gateway.received() if code in r.payload["message"]} == codes


def test_two_workers_and_two_beats_deliver_each_message_exactly_once(database_url, db, broker_url, gateway, tmp_path):
    """Both workers run ``--beat``: exactly one beat holds the lock all along, and every message goes out once."""
    make_site(db, capacity=3)  # 7 slots x 2 counters x 3: room for everyone tomorrow
    only_confirmations(db)
    env = gateway_env(database_url, tmp_path / "data", gateway, broker_url)
    before, during = 15, 15  # a backlog for the first sweep, then bookings while both workers run
    timeout = DELIVERY_TIMEOUT_S  # all goes out in a few seconds

    with ExitStack() as stack:
        base = stack.enter_context(running_server(database_url, tmp_path / "data", extra_env=server_settings(env)))
        with ThreadPoolExecutor(max_workers=4) as pool:
            made = list(pool.map(lambda n: book(base, n)[0], range(1, before + 1)))
        assert statuses(db) == Counter({"pending": before * len(CHANNELS)})

        started = time.perf_counter()
        logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        workers = [stack.enter_context(running(["worker", "--beat"], env, log)) for log in logs]
        pids = {worker.pid for worker in workers}

        def holders() -> list[int]:
            found = beat_lock_holders(database_url)
            assert len(found) <= 1, f"two beats hold the beat lock: {found}"
            return found

        # The premise, read from the lock itself: one of the two workers' beats holds it, the other waits.
        assert wait_until(lambda: len(holders()) == 1, timeout=timeout), f"no beat took the lock: {logs_tail(logs)}"
        (sweeper,) = holders()
        assert sweeper in pids, f"the beat lock is held by pid {sweeper}, not by one of the workers {pids}"

        def delivered_or_a_worker_died(wanted: int):
            return lambda: len(keys_received(gateway)) >= wanted or any(w.poll() is not None for w in workers)

        backlog = before * len(CHANNELS)
        wait_until(delivered_or_a_worker_died(backlog), timeout=timeout)
        assert all(worker.poll() is None for worker in workers), f"a worker died: {[w.poll() for w in workers]}"
        assert len(keys_received(gateway)) >= backlog, (
            f"backlog: {len(keys_received(gateway))} of {backlog} messages within {timeout:.0f} s"
        )
        print(f"\ntwo workers, one beat: a backlog of {backlog} messages in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()  # now the API's wake-ups race the beat's sweeps, on both workers
        with ThreadPoolExecutor(max_workers=4) as pool:
            made += list(pool.map(lambda n: book(base, n)[0], range(before + 1, before + during + 1)))
        bookings = before + during
        assert len({booking["code"] for booking in made}) == bookings
        wanted = bookings * len(CHANNELS)
        wait_until(delivered_or_a_worker_died(wanted), timeout=timeout)
        assert all(worker.poll() is None for worker in workers), f"a worker died: {[w.poll() for w in workers]}"
        assert len(keys_received(gateway)) >= wanted, (
            f"{len(keys_received(gateway))} of {wanted} messages within {timeout:.0f} s"
        )
        print(f"two workers, one beat: {wanted - backlog} more while booking, in {time.perf_counter() - started:.1f} s")
        time.sleep(QUIET_AFTER_S)
        assert all(worker.poll() is None for worker in workers), f"a worker died: {[w.poll() for w in workers]}"

        assert_each_delivered_once(gateway, db, bookings)
        assert holders() == [sweeper], "the beat lock changed hands while both workers ran"


def logs_tail(logs: list[Path]) -> str:
    return "\n".join(f"{log.name}:\n{log.read_text(errors='replace')[-2000:]}" for log in logs)
