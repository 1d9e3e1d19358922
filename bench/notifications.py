"""Notifications: confirmation latency and sends per second through one worker, beside a bare Apprise loop.

Run: ``.venv/bin/python bench/notifications.py [--database-url URL] [--broker-url URL] [--messages N]``.
A real API server, one ``booking worker --beat`` (2 threads) and a local HTTP gateway on 127.0.0.1:

- latency: ``--latency-runs`` bookings one after another; for each, the time from the API's 201 to the
  gateway receiving the SMS (the API's wake-up plus the worker; beat sweeps every 0.5 s as a fallback),
  after one untimed booking while the new worker connects;
- the same under load: ``--load-clients`` clients of bench/_load.py booking other agencies' services for
  ``--load-seconds`` while another ``--latency-runs`` bookings are timed, spaced over that time; and,
  read from the database once all are sent, the delay of every confirmation booked during the load
  (the timed series waits for each message, so under a backlog it falls behind the load);
- ``--workers N`` worker processes for those two series (beat inside the first);
- throughput: ``--messages`` bookings made with the worker stopped, then one worker started; sends per
  second from its first to its last delivery, beside the same number of ``apprise.notify`` calls in a
  plain loop to the same gateway (the floor: what Apprise and HTTP cost without us).

The per-channel rate limit is lifted for the run (``BOOKING_NOTIFY_RATE_LIMIT=10000/s``).
Writes ``bench/results/notifications-<database>-<broker>[-<N>-workers].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import apprise
import httpx
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, peak_rss_mib, wait_healthy  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.models import Notification  # noqa: E402
from tests.gateways import HttpGateway, free_port, wait_until  # noqa: E402 - reuse the test gateway

BIN = Path(sys.executable).parent
LATENCY_SERVICES = ("DKP-19", "DKP-20", "DKP-22", "DKP-23", "PTS-01", "PTS-02")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--postgres-url", default="", help="an admin URL: run on a fresh database antrian_bench_notifications there"
    )
    parser.add_argument("--broker-url", default="")
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--latency-runs", type=int, default=40)
    parser.add_argument("--load-clients", type=int, default=16, help="booking clients running beside the second series")
    parser.add_argument("--load-seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=1, help="worker processes during the latency series")
    args = parser.parse_args()
    if args.postgres_url:
        args.database_url = fresh_database(args.postgres_url, "antrian_bench_notifications")

    gateway = HttpGateway()
    with tempfile.TemporaryDirectory() as data_dir:
        database_url = args.database_url or f"sqlite:///{Path(data_dir) / 'antrian.db'}"
        port = free_port()
        env = {
            **os.environ,
            "BOOKING_DATA_DIR": data_dir,
            "BOOKING_SECRET_KEY": "bench",
            "BOOKING_PORT": str(port),
            "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
            "BOOKING_LOG_LEVEL": "WARNING",
            "BOOKING_SWEEP_SECONDS": "0.5",
            "BOOKING_NOTIFY_RATE_LIMIT": "10000/s",
            "BOOKING_NOTIFY_SMS_URL": gateway.url("sms"),
            "BOOKING_BROKER_URL": args.broker_url,
            "BOOKING_DATABASE_URL": args.database_url,
        }
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([str(BIN / "booking"), *command], env=env, check=True, capture_output=True)
        base = f"http://127.0.0.1:{port}"
        server = _start(["serve"], env)
        try:
            wait_healthy(base)
            slots = _free_slots(base, args.messages + 2 * args.latency_runs + 1)
            workers = _start_workers(args.workers, env)
            # not timed: the first message waits for the new worker to connect, which a running one never does
            _latencies(base, gateway, slots[-1:], first=2 * args.latency_runs + args.messages + 1)
            latencies = _latencies(base, gateway, slots[: args.latency_runs])
            load_began = dt.datetime.now(dt.UTC)
            load = _booking_load(base, args.load_clients, args.load_seconds)
            loaded = _latencies(
                base, gateway, slots[args.latency_runs : 2 * args.latency_runs], first=args.latency_runs + 1,
                spacing=args.load_seconds / (args.latency_runs + 2),
            )  # fmt: skip
            load_result = json.loads(load.communicate(timeout=args.load_seconds + 60)[0])
            load_ended = load_began + dt.timedelta(seconds=args.load_seconds)
            every_confirmation = _confirmations_in(database_url, load_began, load_ended)
            for worker in workers:
                _stop(worker)
            gateway.requests.clear()
            codes = {
                _book(base, start, n)
                for n, start in enumerate(slots[2 * args.latency_runs : -1], start=2 * args.latency_runs + 1)
            }
            worker = _start(["worker", "--beat"], env)
            assert wait_until(lambda: _all_received(gateway, codes), timeout=600, interval=0.05)
            worker_rss = peak_rss_mib(worker.pid)
            _stop(worker)
            # every message it sent in the span counts (the load's last confirmations may be among them)
            worker_rate = len(gateway.requests) / _span(gateway)
        finally:
            _stop(server)

    gateway.requests.clear()
    bare_rate = _bare_apprise(gateway, args.messages)
    gateway.close()

    database = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    broker = "redis" if args.broker_url.startswith("redis") else "embedded"
    results = {
        "database": database,
        "broker": broker,
        "worker_peak_rss_mib": worker_rss,
        "confirmation_latency_ms": {
            "median": statistics.median(latencies),
            "p95": p95(latencies),
            "worst": max(latencies),
            "runs": len(latencies),
        },
        "confirmation_latency_under_load_ms": {
            "median": statistics.median(loaded),
            "p95": p95(loaded),
            "worst": max(loaded),
            "runs": len(loaded),
            "load": load_result,
        },
        "every_confirmation_booked_during_the_load_ms": every_confirmation,
        "workers": args.workers,
        "sends_per_second": {
            "one worker (2 threads)": worker_rate,
            "bare apprise loop": bare_rate,
            "messages": args.messages,
        },
    }
    print(f"\nNotifications ({database}, {broker} broker)")
    print(
        f"confirmation latency over {len(latencies)} runs: median {statistics.median(latencies):.0f} ms, "
        f"p95 {p95(latencies):.0f} ms, worst {max(latencies):.0f} ms"
    )
    print(
        f"under load ({args.load_clients} clients booking other services: "
        f"{load_result['requests_per_second']:.0f} requests/s, {load_result['bookings_per_second']:.0f} bookings/s, "
        f"{load_result['statuses']}): median {statistics.median(loaded):.0f} ms, p95 {p95(loaded):.0f} ms, "
        f"worst {max(loaded):.0f} ms"
    )
    print(
        f"every confirmation booked during the load ({every_confirmation['count']}, {args.workers} worker(s), "
        f"booking row to sent): median {every_confirmation['median']:.0f} ms, p95 {every_confirmation['p95']:.0f} ms, "
        f"worst {every_confirmation['worst']:.0f} ms"
    )
    print(f"peak RSS of the worker (2 threads, with beat inside): {worker_rss:.0f} MiB")
    print(f"{'sender':30} {'messages/s':>10}")
    print(f"{'one worker (2 threads)':30} {worker_rate:10.1f}")
    print(f"{'bare apprise loop':30} {bare_rate:10.1f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    workers = f"-{args.workers}-workers" if args.workers > 1 else ""
    (out / f"notifications-{database}-{broker}{workers}.json").write_text(json.dumps(results, indent=2))


def _start_workers(count: int, env: dict) -> list[subprocess.Popen]:
    """``count`` worker processes (2 threads each), beat inside the first."""
    return [_start(["worker", "--beat"] if n == 0 else ["worker"], env) for n in range(count)]


def _confirmations_in(database_url: str, began: dt.datetime, ended: dt.datetime) -> dict:
    """Every confirmation of a booking made while the load ran: from its row's creation (in the booking's
    transaction) to its ``sent_at``, once none is left to send. The timed series above waits for each of
    its messages before booking the next, so under a backlog it falls behind the load; this does not."""
    db = Database(database_url)
    confirmations = select(Notification.created_at, Notification.sent_at, Notification.status).where(
        Notification.kind == "booking_confirmed", Notification.created_at.between(began, ended)
    )

    def rows():
        with db.read() as session:
            return session.execute(confirmations).all()

    assert wait_until(lambda: all(row.status == "sent" for row in rows()), timeout=600, interval=0.5)
    delays = sorted((row.sent_at - row.created_at).total_seconds() * 1000 for row in rows())
    db.dispose()
    return {"count": len(delays), "median": statistics.median(delays), "p95": p95(delays), "worst": delays[-1]}


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _latencies(
    base: str, gateway: HttpGateway, slots: list[str], *, first: int = 1, spacing: float = 0.0
) -> list[float]:
    """From each booking request to its SMS at the gateway, found by its code (other messages may arrive)."""
    latencies = []
    for n, start in enumerate(slots, start=first):
        asked = time.perf_counter()
        code = _book(base, start, n)

        def arrived(code=code):
            return next((r for r in gateway.requests if code in r.payload.get("message", "")), None)

        assert wait_until(lambda: arrived() is not None, timeout=60, interval=0.005), f"no SMS for {code}"
        latencies.append((arrived().received_at - asked) * 1000)
        time.sleep(max(0.0, spacing - (time.perf_counter() - asked)))
    return latencies


def _all_received(gateway: HttpGateway, codes: set[str]) -> bool:
    messages = [request.payload.get("message", "") for request in list(gateway.requests)]
    return all(any(code in message for message in messages) for code in codes)


def _booking_load(base: str, clients: int, seconds: float) -> subprocess.Popen:
    """bench/_load.py booking every free slot of two weeks of one service of every other agency.

    Other agencies: other counters, so the load never takes the places the series books. Every agency:
    enough free places (thousands) that the load books for its whole time instead of running out.
    """
    services = httpx.get(f"{base}/api/v1/sites/blora/services", timeout=30).json()
    measured = {s["agency"]["slug"] for s in services if s["code"] in LATENCY_SERVICES}
    one_per_agency = {s["agency"]["slug"]: s["code"] for s in reversed(services) if s["agency"]["slug"] not in measured}
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    starts = []
    for code in one_per_agency.values():
        days = httpx.get(
            f"{base}/api/v1/sites/blora/services/{code}/availability",
            params={"from": str(today), "to": str(today + dt.timedelta(days=13))},
            timeout=30,
        ).json()["days"]
        starts += [f"{code}|{slot['start']}" for day in days for slot in day["slots"] if slot["remaining"]]
    command = [sys.executable, str(ROOT / "bench" / "_load.py"), f"{base}/api/v1/sites/blora/bookings"]
    arguments = [f"--concurrency={clients}", f"--seconds={seconds}", "--first-citizen=500000", "--starts", *starts]
    return subprocess.Popen(command + arguments, stdout=subprocess.PIPE, text=True)


def _bare_apprise(gateway: HttpGateway, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        sender = apprise.Apprise()
        sender.add(gateway.url("sms").replace("{to}", "%2B6281234567890"))
        sender.notify(body=f"Pesan uji {n}", title="")
    return count / (time.perf_counter() - started)


def _span(gateway: HttpGateway) -> float:
    times = [request.received_at for request in gateway.requests]
    return max(max(times) - min(times), 1e-6)


def _free_slots(base: str, count: int) -> list[str]:
    """Distinct (service, start) pairs with room, so every booking is a different citizen's first."""
    today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
    slots = []
    for code in LATENCY_SERVICES:
        days = httpx.get(
            f"{base}/api/v1/sites/blora/services/{code}/availability",
            params={"from": str(today), "to": str(today + dt.timedelta(days=20))},
            timeout=30,
        ).json()
        for day in days["days"]:
            slots += [(code, slot["start"]) for slot in day["slots"] if slot["remaining"]]
    if len(slots) < count:
        raise SystemExit(f"only {len(slots)} free slots for {count} bookings")
    return [f"{code}|{start}" for code, start in slots[:count]]


def _book(base: str, service_start: str, n: int) -> str:
    service, start = service_start.split("|")
    body = {
        "service": service,
        "start": start,
        "channels": ["sms"],
        "citizen": {
            "nik": f"3316{(n // 10000) + 1:02d}170885{n % 10000 or 1:04d}",
            "name": "Warga Uji",
            "phone": "081234567890",
        },
    }
    made = httpx.post(f"{base}/api/v1/sites/blora/bookings", json=body, timeout=30)
    made.raise_for_status()
    return made.json()["code"]


def _start(command: list[str], env: dict) -> subprocess.Popen:
    log = open(Path(env["BOOKING_DATA_DIR"]) / f"{command[0]}.log", "ab")  # noqa: SIM115 - the child owns it
    return subprocess.Popen(
        [str(BIN / "booking"), *command], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # beat's child process, if it outlived the worker


if __name__ == "__main__":
    main()
