"""Call next with 50 counters calling at once, on PostgreSQL, beside GET /health under the same load.

Run: ``.venv/bin/python bench/queue_calls.py [--postgres-url URL] [--counters 50] [--rounds 20]
[--api-processes 2]``.

A fresh database (``antrian_bench_queue``) with one agency of ``--counters`` counters serving one service,
and ``counters x rounds`` walk-in tickets waiting today. ``booking serve`` (rate limit off) runs with
``--api-processes``. One client per counter, spread over 4 spawned processes, all released at once: each
presses *call next*, then *done*, ``rounds`` times; every call-next is timed from the client. The baseline is
the same clients, on the same server, each sending ``GET /health`` as many times. Then the database is
checked: every ticket called exactly once, never two at a counter. Prints the table and writes
``bench/results/queue-calls.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, seed_waiting_walk_ins, wait_healthy  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from booking.models import Ticket, TicketStatus  # noqa: E402
from tests.factories import make_site, make_staff  # noqa: E402
from tests.gateways import free_port  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "antrian_bench_queue"
CLIENT_PROCESSES = 4


def seed(url: str, counters: int, rounds: int) -> None:
    """The site, an admin, and today's waiting walk-ins (rows only: no booking is needed to be called)."""
    db = Database(url)
    site = make_site(db, slug="bench", counters=counters, capacity=10)
    make_staff(db, "bench-admin", role="admin", site="bench")
    seed_waiting_walk_ins(db, site.service, counters * rounds)
    db.dispose()


def client_process(base: str, token: str, counters: list[str], rounds: int, go, ready, results, health: bool):
    import threading

    import httpx

    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(counters) + 1)

    def counter_loop(label: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=30, headers=headers) as client:
            barrier.wait()
            go.wait()
            for _ in range(rounds):
                began = time.perf_counter()
                answer = client.get("/health") if health else client.post(f"/api/v1/staff/counters/{label}/call-next")
                took = time.perf_counter() - began
                with lock:
                    timings.append(took)
                    if answer.status_code != 200:
                        errors.append(f"{answer.status_code} {answer.text[:120]}")
                if not health and answer.status_code == 200:
                    client.post(f"/api/v1/staff/tickets/{answer.json()['ticket']}/done")

    threads = [threading.Thread(target=counter_loop, args=(label,)) for label in counters]
    for thread in threads:
        thread.start()
    barrier.wait()
    ready.put(len(threads))
    for thread in threads:
        thread.join()
    results.put((timings, errors))


def load(
    base: str, token: str, labels: list[str], rounds: int, *, health: bool
) -> tuple[list[float], list[str], float]:
    context = multiprocessing.get_context("spawn")
    go, ready, results = context.Event(), context.Queue(), context.Queue()
    shares = [labels[n::CLIENT_PROCESSES] for n in range(CLIENT_PROCESSES)]
    processes = [
        context.Process(target=client_process, args=(base, token, share, rounds, go, ready, results, health))
        for share in shares
        if share
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get(timeout=60)
    began = time.perf_counter()
    go.set()
    timings, errors = [], []
    for _ in processes:
        got, failed = results.get(timeout=600)
        timings += got
        errors += failed
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join(timeout=30)
    return timings, errors, elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def check(url: str, counters: int, rounds: int) -> dict:
    from sqlalchemy import func, select

    db = Database(url)
    with db.read() as session:
        statuses = dict(session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
        active = session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.status.in_([TicketStatus.called, TicketStatus.serving]))
        )
    db.dispose()
    return {"statuses": statuses, "still_called": active, "expected_done": counters * rounds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--counters", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--api-processes", type=int, default=2)
    args = parser.parse_args()

    url = fresh_database(args.postgres_url, DATABASE)
    upgrade(url)
    seed(url, args.counters, args.rounds)
    labels = [f"Loket {n}" for n in range(1, args.counters + 1)]
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "BOOKING_DATABASE_URL": url,
            "BOOKING_DATA_DIR": data_dir,
            "BOOKING_SECRET_KEY": "bench",
            "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
            "BOOKING_LOG_LEVEL": "WARNING",
            "BOOKING_PORT": str(port),
            "BOOKING_DB_POOL_SIZE": "30",
        }
        server = subprocess.Popen(
            [str(BIN / "booking"), "serve", "--workers", str(args.api_processes)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, seconds=120)
            import httpx

            login = {"username": "bench-admin", "password": "kata-sandi-uji-123"}
            token = httpx.post(f"{base}/api/v1/auth/token", json=login, timeout=30).json()["access_token"]
            health, _, health_elapsed = load(base, token, labels, args.rounds, health=True)
            calls, errors, calls_elapsed = load(base, token, labels, args.rounds, health=False)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    outcome = check(url, args.counters, args.rounds)
    rows = {
        "call-next": {
            "requests": len(calls),
            "per_s": len(calls) / calls_elapsed,
            "p50_ms": statistics.median(calls) * 1000,
            "p99_ms": percentile(calls, 0.99) * 1000,
            "max_ms": max(calls) * 1000,
            "errors": len(errors),
        },
        "GET /health (baseline)": {
            "requests": len(health),
            "per_s": len(health) / health_elapsed,
            "p50_ms": statistics.median(health) * 1000,
            "p99_ms": percentile(health, 0.99) * 1000,
            "max_ms": max(health) * 1000,
            "errors": 0,
        },
    }
    print(f"\n{args.counters} counters calling at once, {args.rounds} rounds, {args.api_processes} API processes")
    print(f"{'what':<24}{'requests':>9}{'per s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    for name, row in rows.items():
        print(
            f"{name:<24}{row['requests']:>9}{row['per_s']:>9.1f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
            f"{row['max_ms']:>9.1f}{row['errors']:>8}"
        )
    print(f"tickets: {outcome['statuses']}; still called: {outcome['still_called']}; errors: {errors[:3]}")
    done = outcome["statuses"].get(TicketStatus.done, 0)
    assert done == outcome["expected_done"], f"{done} tickets done of {outcome['expected_done']}"
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "queue-calls.json").write_text(
        json.dumps({"counters": args.counters, "rounds": args.rounds, "rows": rows, "tickets": outcome}, default=str)
    )


if __name__ == "__main__":
    main()
