"""Issue 15's targets beside their baselines, met or not, read from bench/results/*.json.

Run: ``.venv/bin/python bench/targets.py [--results DIR]`` (``make bench`` and ``make bench-targets`` end with it).
Measures nothing: it reads what the benchmarks wrote and prints one table -- target, the figure now, the
baseline it is compared to (pgbench of the minimal booking transaction, ``GET /health`` on the same server,
a bare Apprise loop to the same gateway), their ratio, met or not met -- then the files it read with their
times, so one can see the figures come from one run. A file or figure missing makes its row "not measured".
Always exits 0: a target not met is a finding, not a failure.

The files: booking-2-process.json (bench/booking.py --api-processes 2), availability-national.json,
availability-load-postgresql.json and -sqlite.json (bench/availability_load.py),
notifications-postgresql-redis.json (one worker), booking-sqlite.json (bench/booking.py --sqlite) and
availability-sqlite.json (bench/availability.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOT_MEASURED = "not measured"


class Results:
    """The results files, each read once; remembers which were read for the footer."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.read: dict[str, dt.datetime | None] = {}
        self.cache: dict[str, dict] = {}

    def __call__(self, name: str) -> dict:
        path = self.directory / name
        if name not in self.cache:
            try:
                self.cache[name] = json.loads(path.read_text())
                self.read[name] = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            except FileNotFoundError:
                self.read[name] = None
                raise
        return self.cache[name]


def booking_case(results: Results, case: str, clients: int = 32, name: str = "booking-2-process.json") -> dict:
    return next(c for c in results(name)["cases"] if c["case"] == case and c["clients"] == clients)


def at_least(fraction: float) -> Callable[[float], bool]:
    return lambda ratio: ratio >= fraction


def booking_vs_minimal(case: str, fraction: float):
    def row(results: Results):
        found = booking_case(results, case)
        api = found["api"]["bookings_per_second"]
        minimal = found["pgbench_minimal"]["transactions_per_second"]
        ratio = api / minimal
        return (
            f"{api:.1f} bookings/s",
            f"pgbench minimal {minimal:.1f} tx/s ({found['pgbench_minimal']['clients']} clients)",
            f"{ratio:.2f}",
            ratio >= fraction,
        )

    return row


def booking_clean(results: Results):
    cases = results("booking-2-process.json")["cases"]
    errors = sum(c["api"]["statuses"].get("5xx", 0) for c in cases)
    violations = sum(len(c["violations"]) for c in cases)
    figure = f"{errors} 5xx, {violations} capacity violations in {len(cases)} cases"
    return figure, "0 and 0", "-", not errors and not violations


def national_p99(results: Results):
    found = results("availability-national.json")["results"]
    p99, health = found["availability, 31 days"]["p99_ms"], found["GET /health (floor)"]["p99_ms"]
    figure = f"p99 {p99:.1f} ms (p50 {found['availability, 31 days']['p50_ms']:.1f})"
    return figure, f"GET /health p99 {health:.1f} ms", "-", p99 <= 10


def availability_under_load(database: str, fraction: float | None):
    def row(results: Results):
        found = results(f"availability-load-{database}.json")
        availability, health = found["results"]["availability, 31 days"], found["results"]["GET /health (floor)"]
        ratio = availability["requests_per_second"] / health["requests_per_second"]
        latency = availability["latency_ms"]
        figure = (
            f"{availability['requests_per_second']:.0f} req/s, p50 {latency['p50']:.0f} ms, "
            f"p99 {latency['p99']:.0f} ms, {availability['non_2xx'] + availability['transport_errors']} non-2xx"
        )
        baseline = (
            f"GET /health {health['requests_per_second']:.0f} req/s, p50 {health['latency_ms']['p50']:.1f} ms, "
            f"p99 {health['latency_ms']['p99']:.1f} ms"
        )
        return figure, baseline, f"{ratio:.3f} (1/{1 / ratio:.0f})", None if fraction is None else ratio >= fraction

    return row


def notifications_per_worker(results: Results):
    found = results("notifications-postgresql-redis.json")["sends_per_second"]
    worker, bare = found["one worker (2 threads)"], found["bare apprise loop"]
    ratio = worker / bare
    return f"{worker:.1f} msg/s", f"bare Apprise loop {bare:.1f} msg/s", f"{ratio:.2f}", ratio >= 0.8


def api_rss(results: Results):
    rss = results("booking-2-process.json")["api_peak_rss_mib"]
    return f"{rss:.0f} MiB (booking run, largest of 2)", "120 MiB", "-", rss <= 120


def worker_rss(results: Results):
    rss = results("notifications-postgresql-redis.json")["worker_peak_rss_mib"]
    return f"{rss:.0f} MiB (drain run)", "150 MiB", "-", rss <= 150


def sqlite_booking(results: Results):
    found = booking_case(results, "spread", name="booking-sqlite.json")
    api, processes = found["api"], results("booking-sqlite.json")["api_processes"]
    latency = api["latency_ms"]
    return (
        f"{api['bookings_per_second']:.1f} bookings/s ({processes} API process), p50 {latency['p50']:.0f} ms, "
        f"p99 {latency['p99']:.0f} ms, {api['statuses'].get('5xx', 0)} 5xx, {len(found['violations'])} overbooked",
        "-", "-", None,
    )  # fmt: skip


def sqlite_availability(results: Results):
    found = results("availability-sqlite.json")["results"]
    availability, health = found["GET availability, 31 days, DKP-07"], found["GET /health (floor)"]
    return (
        f"median {availability['median_ms']:.1f} ms, p90 {availability['p90_ms']:.1f} ms",
        f"GET /health median {health['median_ms']:.1f} ms", "-", None,
    )  # fmt: skip


ROWS = [
    ("booking, API on PG, spread, 32 clients, 2 processes: >= 0.25 x pgbench minimal",
     booking_vs_minimal("spread", 0.25)),
    ("booking, API on PG, hot slot, 32 clients, 2 processes: >= 0.5 x pgbench minimal, one row",
     booking_vs_minimal("hot slot", 0.5)),
    ("booking runs: zero 5xx, zero overbooking", booking_clean),
    ("31-day availability, national (250 sites), one client: p99 <= 10 ms", national_p99),
    ("31-day availability under load, PG, 8 clients, random demo services: >= 1/10 x GET /health",
     availability_under_load("postgresql", 0.1)),
    ("notifications per worker (PG + Redis): >= 0.8 x bare Apprise loop", notifications_per_worker),
    ("peak RSS, API process: <= 120 MiB", api_rss),
    ("peak RSS, worker with beat inside: <= 150 MiB", worker_rss),
    ("SQLite: booking, API, spread, 32 clients (no target)", sqlite_booking),
    ("SQLite: 31-day availability, demo, one client (no target)", sqlite_availability),
    ("SQLite: 31-day availability under load, 8 clients (no target)", availability_under_load("sqlite", None)),
]  # fmt: skip
HEADER = ("target", "figure now", "baseline", "ratio", "met?")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    results = Results(args.results)
    table = []
    for target, row in ROWS:
        try:
            figure, baseline, ratio, met = row(results)
            verdict = "-" if met is None else "met" if met else "NOT MET"
        except FileNotFoundError as missing:
            figure, baseline, ratio, verdict = NOT_MEASURED, f"(no {Path(missing.filename).name})", "-", NOT_MEASURED
        except (KeyError, StopIteration, ZeroDivisionError, json.JSONDecodeError) as missing:
            # a results file of an older script, or of a run that measured other cases
            figure, baseline, ratio, verdict = NOT_MEASURED, f"({type(missing).__name__} {missing})", "-", NOT_MEASURED
        table.append((target, figure, baseline, ratio, verdict))

    widths = [max(len(line[n]) for line in [HEADER, *table]) for n in range(len(HEADER))]
    print("\nIssue 15's targets (bench/results)\n")
    for line in [HEADER, tuple("-" * width for width in widths), *table]:
        print("| " + " | ".join(f"{cell:<{width}}" for cell, width in zip(line, widths, strict=True)) + " |")

    times = {name: when for name, when in results.read.items() if when}
    print("\nread: " + ", ".join(f"{name} ({when:%Y-%m-%d %H:%M:%S} UTC)" for name, when in sorted(times.items())))
    missing = sorted(name for name, when in results.read.items() if when is None)
    if missing:
        print("missing: " + ", ".join(missing))
    if times:
        span = max(times.values()) - min(times.values())
        print(f"written within {span.total_seconds() / 60:.0f} min of each other", end="")
    load = os.getloadavg()
    print(f"; load average now {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")


if __name__ == "__main__":
    main()
