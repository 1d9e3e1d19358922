"""Call to display: how long after a clerk presses *call next* every display board connected has the call.

Run: ``.venv/bin/python bench/queue_display.py [--postgres-url URL] [--redis-url URL] [--connections 500]
[--calls 60] [--pace 0.5]``.

Four cases, each on a fresh PostgreSQL database (``antrian_bench_display``) with ``--calls`` walk-in tickets
waiting today at one counter, each against fresh ``booking serve`` processes (rate limit off):

- one API process, changes in its memory (the embedded default): 1 display connected (the baseline), then
  ``--connections`` displays;
- two API processes on Redis (``BOOKING_EVENTS_URL``), the clerk on the first: 1 display on the second (the
  baseline), then ``--connections`` displays, half on each process.

The displays are plain asyncio SSE clients (raw sockets) in two spawned processes; each is counted once it
has its first message (the board). The clerk then calls the next ticket every ``--pace`` seconds and marks
it done (another change, so every call is followed by a second message to every display). A call's latency
at a display runs from just before the clerk's request is sent to the moment that display has read the
message carrying the call (``time.monotonic``: one clock for all processes of the machine). Prints the table
and writes ``bench/results/queue-display.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, peak_rss_mib, seed_waiting_walk_ins, wait_healthy  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from tests.factories import make_site, make_staff  # noqa: E402
from tests.gateways import free_port  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "antrian_bench_display"
LISTENER_PROCESSES = 2
CALLED = re.compile(rb'"kind":"call","ticket":"([^"]+)"')
STREAM = "/api/v1/sites/bench/queue/stream"
STRAGGLERS_S = 5.0  # after the last call, how long the displays may still take before they are counted


def seed(url: str, calls: int) -> None:
    """The site (one counter), an admin, and today's waiting walk-ins (rows only)."""

    db = Database(url)
    site = make_site(db, slug="bench", counters=1, capacity=10)
    make_staff(db, "bench-admin", role="admin", site="bench")
    seed_waiting_walk_ins(db, site.service, calls)
    db.dispose()


# --- the displays ------------------------------------------------------------------------------------------


def listener_process(targets: list[tuple[str, int]], ready, stop, results) -> None:
    """``targets``: (host, port) of each display's connection. Reports {ticket: [receive times]} at the end."""
    asyncio.run(_listen(targets, ready, stop, results))


async def _listen(targets, ready, stop, results) -> None:
    seen: dict[str, list[float]] = {}
    connected = 0
    all_connected = asyncio.Event()
    failures: list[str] = []

    async def display(host: str, port: int) -> None:
        nonlocal connected
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET {STREAM} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            if b" 200 " not in head.split(b"\r\n", 1)[0]:
                raise RuntimeError(head[:100])
            buffer, first = b"", True
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                received = time.monotonic()
                buffer += data
                *events, buffer = buffer.split(b"\n\n")
                for event in events:
                    if first and b"data: " in event:
                        first = False
                        connected += 1
                        if connected == len(targets):
                            all_connected.set()
                    for ticket in CALLED.findall(event):
                        seen.setdefault(ticket.decode(), []).append(received)
        except (OSError, RuntimeError, asyncio.IncompleteReadError) as failure:
            failures.append(repr(failure))

    tasks = [asyncio.create_task(display(host, port)) for host, port in targets]
    await asyncio.wait_for(all_connected.wait(), timeout=300)
    ready.put(connected)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, stop.wait)
    for task in tasks:
        task.cancel()
    results.put((seen, failures))


def open_displays(targets: list[tuple[str, int]]):
    context = multiprocessing.get_context("spawn")
    ready, stop, results = context.Queue(), context.Event(), context.Queue()
    shares = [targets[n::LISTENER_PROCESSES] for n in range(LISTENER_PROCESSES)]
    processes = [
        context.Process(target=listener_process, args=(share, ready, stop, results)) for share in shares if share
    ]
    for process in processes:
        process.start()
    connected = sum(ready.get(timeout=300) for _ in processes)
    assert connected == len(targets), f"{connected} of {len(targets)} displays connected"

    def close() -> tuple[dict[str, list[float]], list[str]]:
        stop.set()
        seen: dict[str, list[float]] = {}
        failures: list[str] = []
        for _ in processes:
            got, failed = results.get(timeout=120)
            for ticket, times in got.items():
                seen.setdefault(ticket, []).extend(times)
            failures += failed
        for process in processes:
            process.join(timeout=30)
        return seen, failures

    return close


# --- the servers and the clerk -----------------------------------------------------------------------------


def start_server(url: str, data_dir: str, port: int, events_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "BOOKING_DATABASE_URL": url,
        "BOOKING_DATA_DIR": data_dir,
        "BOOKING_SECRET_KEY": "bench",
        "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
        "BOOKING_LOG_LEVEL": "WARNING",
        "BOOKING_PORT": str(port),
        "BOOKING_EVENTS_URL": events_url,
    }
    return subprocess.Popen(
        [str(BIN / "booking"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def clerk_calls(base: str, calls: int, pace: float) -> tuple[dict[str, float], list[float]]:
    import httpx

    login = {"username": "bench-admin", "password": "kata-sandi-uji-123"}
    token = httpx.post(f"{base}/api/v1/auth/token", json=login, timeout=60).json()["access_token"]
    sent: dict[str, float] = {}
    requests: list[float] = []
    with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(calls):
            began = time.monotonic()
            answer = client.post("/api/v1/staff/counters/Loket 1/call-next")
            requests.append(time.monotonic() - began)
            assert answer.status_code == 200, answer.text
            ticket = answer.json()["ticket"]
            sent[ticket] = began
            assert client.post(f"/api/v1/staff/tickets/{ticket}/done").status_code == 200
            time.sleep(max(0.0, pace - (time.monotonic() - began)))
    return sent, requests


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run_case(args, name: str, processes: int, connections: int) -> dict:
    url = fresh_database(args.postgres_url, DATABASE)
    upgrade(url)
    seed(url, args.calls)
    events_url = args.redis_url if processes > 1 else ""
    ports = [free_port() for _ in range(processes)]
    with tempfile.TemporaryDirectory() as data_dir:
        servers = [start_server(url, data_dir, port, events_url) for port in ports]
        try:
            for port in ports:
                wait_healthy(f"http://127.0.0.1:{port}", seconds=120)
            # one process: every display on it; two: the displays on both, the lone baseline display on the
            # process the clerk is not on (its calls must cross Redis)
            display_ports = ports if connections > 1 else ports[-1:]
            targets = [("127.0.0.1", display_ports[n % len(display_ports)]) for n in range(connections)]
            close = open_displays(targets)
            sent, requests = clerk_calls(f"http://127.0.0.1:{ports[0]}", args.calls, args.pace)
            time.sleep(STRAGGLERS_S)
            seen, failures = close()
            rss = [peak_rss_mib(server.pid) for server in servers]
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                server.wait(timeout=60)
    latencies = [at - sent[ticket] for ticket, times in seen.items() if ticket in sent for at in times]
    expected = len(sent) * connections
    row = {
        "case": name,
        "api_processes": processes,
        "backend": "redis" if events_url else "memory",
        "connections": connections,
        "calls": len(sent),
        "deliveries": len(latencies),
        "missed": expected - len(latencies),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies) * 1000,
        "call_request_p50_ms": statistics.median(requests) * 1000,
        "peak_rss_mib": [round(value, 1) for value in rss],
        "failures": failures[:3],
    }
    print(
        f"{name:<34}{row['connections']:>6}{row['deliveries']:>9}{row['missed']:>7}{row['p50_ms']:>9.1f}"
        f"{row['p99_ms']:>9.1f}{row['max_ms']:>9.1f}{row['call_request_p50_ms']:>10.1f}  "
        f"{'/'.join(f'{value:.0f}' for value in rss)}",
        flush=True,
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--connections", type=int, default=500)
    parser.add_argument("--calls", type=int, default=60)
    parser.add_argument("--pace", type=float, default=0.5, help="seconds between the clerk's calls")
    args = parser.parse_args()

    print(f"\ncall to display: {args.calls} calls, one every {args.pace} s, each followed by 'done'")
    print(
        f"{'case':<34}{'displ.':>6}{'deliv.':>9}{'missed':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'call ms':>10}  peak RSS MiB"
    )
    rows = [
        run_case(args, "1 process, memory (baseline)", 1, 1),
        run_case(args, f"1 process, memory, {args.connections} displays", 1, args.connections),
        run_case(args, "2 processes, Redis (baseline)", 2, 1),
        run_case(args, f"2 processes, Redis, {args.connections} displays", 2, args.connections),
    ]
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "queue-display.json").write_text(
        json.dumps({"calls": args.calls, "pace_s": args.pace, "rows": rows}, indent=1)
    )
    assert all(row["missed"] == 0 for row in rows), "a display missed a call"


if __name__ == "__main__":
    main()
