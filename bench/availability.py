"""31-day availability on the demo data, next to GET /health (the framework's floor), through a real server.

Run: ``.venv/bin/python bench/availability.py [--database-url URL] [--runs N]``. Prints a table and writes
``bench/results/availability.json``. Each figure is the client-observed time of one request over loopback,
after warm-up; the median and p90 of ``--runs`` calls. Half the demo slots are pre-booked so that the
capacity rows are read, not only the rules.
"""

from __future__ import annotations

import argparse
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

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import wait_healthy  # noqa: E402
from tests.gateways import free_port  # noqa: E402

BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "BOOKING_DATA_DIR": data_dir,
            "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
            "BOOKING_LOG_LEVEL": "WARNING",
            "BOOKING_SECRET_KEY": "bench",
        }
        if args.database_url:
            env["BOOKING_DATABASE_URL"] = args.database_url
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([str(BIN / "booking"), *command], env=env, check=True, capture_output=True)
        port = free_port()
        env["BOOKING_PORT"] = str(port)
        server = subprocess.Popen(
            [str(BIN / "booking"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base)
            with httpx.Client(base_url=base, timeout=10) as client:
                booked = _prebook(client)
                today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
                first, last = today, today + dt.timedelta(days=30)
                availability = f"/api/v1/sites/blora/services/DKP-07/availability?from={first}&to={last}"
                results = {
                    "GET /health (floor)": _timed(client, "/health", args.runs),
                    "GET availability, 31 days, DKP-07": _timed(client, availability, args.runs),
                }
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)

    database = "postgresql" if args.database_url.startswith("postgresql") else "sqlite"
    print(f"\n31-day availability on the demo data ({database}, {booked} bookings in place, {args.runs} runs)")
    print(f"{'request':40} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
    for name, timings in results.items():
        print(f"{name:40} {timings['median_ms']:10.2f} {timings['p90_ms']:8.2f} {timings['max_ms']:8.2f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"availability-{database}.json").write_text(
        json.dumps({"database": database, "runs": args.runs, "bookings": booked, "results": results}, indent=2)
    )


def _prebook(client: httpx.Client) -> int:
    """Book every other slot of the first open day so the capacity rows are in play."""
    days = client.get("/api/v1/sites/blora/services/DKP-07/availability").json()["days"]
    open_day = next(day for day in days if day["status"] == "open")
    made = 0
    for n, slot in enumerate(open_day["slots"][::2], start=1):
        body = {
            "service": "DKP-07",
            "start": slot["start"],
            "channels": ["sms"],
            "citizen": {"nik": f"331601170885{n:04d}", "name": "Warga Uji", "phone": "081234567890"},
        }
        made += client.post("/api/v1/sites/blora/bookings", json=body).status_code == 201
    return made


def _timed(client: httpx.Client, path: str, runs: int) -> dict[str, float]:
    for _ in range(20):
        client.get(path).raise_for_status()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(path).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "median_ms": statistics.median(samples),
        "p90_ms": samples[int(len(samples) * 0.9) - 1],
        "max_ms": samples[-1],
    }


if __name__ == "__main__":
    main()
