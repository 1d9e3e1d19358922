"""31-day availability under load, beside GET /health on the same server in the same run (issue 15).

Run: ``.venv/bin/python bench/availability_load.py [--postgres-url URL | --database-url URL] [--clients N]
[--seconds S] [--api-processes N]``.

The demo data (``booking db upgrade`` and ``booking demo load``, as ``make run`` does) in a fresh database:
``antrian_bench_availability_load`` made afresh at ``--postgres-url`` (an admin URL), or ``--database-url``,
or by default a SQLite file (the embedded default). Every other slot of DKP-07's first open day is booked
first (as bench/availability.py does), so capacity rows are read too. Then ``booking serve`` with
``--api-processes`` (rate limit off), and ``wrk`` (one thread, ``--clients`` connections) with
bench/availability.lua for ``--seconds``: each request is the 31-day availability of a service of Blora
picked at random, from today. Then ``GET /health`` with as many clients for as many seconds, on the same
server: the framework's floor. After 2 s of warm-up on each path.

Prints requests/s, p50, p99 (wrk's histogram) and non-2xx of both and their ratio; writes
``bench/results/availability-load-<database>.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, peak_rss_mib  # noqa: E402
from bench.availability import _prebook  # noqa: E402
from bench.booking import api_server  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "antrian_bench_availability_load"
SITE = "blora"
WARM_UP_SECONDS = 2


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="", help=f"an admin URL: run on a fresh database {DATABASE} there")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--api-processes", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10, help="BOOKING_DB_POOL_SIZE of the API")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (make bench does)")
    if args.postgres_url:
        args.database_url = fresh_database(args.postgres_url, DATABASE)

    with tempfile.TemporaryDirectory() as data_dir:
        url = args.database_url or f"sqlite:///{Path(data_dir) / 'antrian.db'}"
        env = {**os.environ, "BOOKING_DATABASE_URL": url, "BOOKING_DATA_DIR": data_dir, "BOOKING_SECRET_KEY": "bench"}
        for command in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run([str(BIN / "booking"), *command], env=env, check=True, capture_output=True)
        server_args = SimpleNamespace(api_processes=args.api_processes, pool_size=args.pool_size)
        with api_server(url, data_dir, server_args) as (base, server):
            with httpx.Client(base_url=base, timeout=30) as client:
                booked = _prebook(client)
                codes = [service["code"] for service in client.get(f"/api/v1/sites/{SITE}/services").json()]
            today = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
            availability_args = [f"/api/v1/sites/{SITE}", str(today), str(today + dt.timedelta(days=30)), *codes]
            results = {}
            for name, arguments in (("availability, 31 days", availability_args), ("GET /health (floor)", [])):
                wrk(f"{base}/health", args.clients, WARM_UP_SECONDS, arguments)
                results[name] = wrk(f"{base}/health", args.clients, args.seconds, arguments)
            rss = peak_rss_mib(server.pid)

    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    availability, health = results["availability, 31 days"], results["GET /health (floor)"]
    ratio = availability["requests_per_second"] / health["requests_per_second"]
    print(
        f"\n31-day availability under load ({database}, demo data of {SITE}: {len(codes)} services picked at random, "
        f"{booked} bookings in place; {args.clients} clients, {args.api_processes} API processes, {args.seconds:.0f} s)"
    )
    print(f"{'request':24} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non-2xx':>8} {'transport':>9}")
    for name, result in results.items():
        latency = result["latency_ms"]
        print(
            f"{name:24} {result['requests_per_second']:9.1f} {latency['p50']:8.2f} {latency['p99']:8.2f} "
            f"{latency['max']:8.2f} {result['non_2xx']:8d} {result['transport_errors']:9d}"
        )
    print(f"availability / health: {ratio:.3f} (1/{1 / ratio:.0f}); peak RSS of the API process: {rss:.0f} MiB")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"availability-load-{database}.json").write_text(
        json.dumps(
            {
                "database": database,
                "site": SITE,
                "services": len(codes),
                "bookings": booked,
                "clients": args.clients,
                "seconds": args.seconds,
                "api_processes": args.api_processes,
                "api_peak_rss_mib": rss,
                "results": results,
                "availability_over_health": ratio,
            },
            indent=2,
        )
    )


def wrk(url: str, clients: int, seconds: float, arguments: list[str]) -> dict:
    """``clients`` connections of one wrk thread for ``seconds``: the 31-day availability of random services
    (``arguments``: site path, first and last day, codes), or GET ``url`` when ``arguments`` is empty."""
    command = [
        "wrk", "-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s",
        "-s", str(ROOT / "bench" / "availability.lua"), url, "--", *arguments,
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    counts = json.loads(output.split("JSON ", 1)[1].splitlines()[0])
    elapsed = counts["duration_us"] / 1e6
    return {
        "seconds": elapsed,
        "requests": counts["requests"],
        "requests_per_second": counts["requests"] / elapsed,
        "non_2xx": counts["other"],
        "transport_errors": counts["transport"],
        "latency_ms": {p: counts[f"{p}_us"] / 1000 for p in ("p50", "p90", "p99", "max")},
    }


if __name__ == "__main__":
    main()
