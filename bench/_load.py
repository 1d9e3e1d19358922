"""The load generator of bench/booking.py, run as a process of its own so that it never shares the server's.

``python bench/_load.py URL --concurrency N --seconds S --starts START [START ...] --first-citizen K``:
N asyncio clients (httpx, one connection each) book in a closed loop for S seconds, each request for a new
citizen (a distinct valid NIK) at a start picked round-robin from the list (``SERVICE|START`` books another
service than ``--service``). Prints one JSON object: counts
by status (201, 409, 429, 5xx, transport errors), requests per second and latency percentiles from a
log-bucketed histogram (1 % wide buckets, so a percentile is within 1 % of the true sample).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from collections import Counter

import httpx

BUCKET_GROWTH = 1.01  # each bucket 1 % wider than the last
SMALLEST_MS = 0.05


class Histogram:
    def __init__(self) -> None:
        self.buckets: Counter[int] = Counter()
        self.count = 0
        self.max_ms = 0.0

    def record(self, milliseconds: float) -> None:
        self.buckets[max(0, math.ceil(math.log(max(milliseconds, SMALLEST_MS) / SMALLEST_MS, BUCKET_GROWTH)))] += 1
        self.count += 1
        self.max_ms = max(self.max_ms, milliseconds)

    def percentile(self, fraction: float) -> float:
        wanted, seen = math.ceil(self.count * fraction), 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= wanted:  # the bucket's upper edge, never past the largest sample
                return min(SMALLEST_MS * BUCKET_GROWTH**bucket, self.max_ms)
        return self.max_ms


def nik(n: int) -> str:
    """The n-th distinct valid NIK of Blora (33.16.01): serial, then birth day and month, vary."""
    serial, rest = n % 9999 + 1, n // 9999
    return f"331601{rest % 28 + 1:02d}{(rest // 28) % 12 + 1:02d}85{serial:04d}"


async def client_loop(url, starts, citizens, deadline, histogram, statuses, service) -> None:
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=1)) as client:
        while time.perf_counter() < deadline:
            n = next(citizens)
            slot_service, _, start = starts[n % len(starts)].rpartition("|")  # "SERVICE|START" or "START"
            body = {
                "service": slot_service or service,
                "start": start,
                "channels": ["sms"],
                "citizen": {"nik": nik(n), "name": "Warga Uji", "phone": "081234567890"},
            }
            began = time.perf_counter()
            try:
                status = (await client.post(url, json=body)).status_code
            except httpx.HTTPError:
                statuses["transport error"] += 1
                continue
            histogram.record((time.perf_counter() - began) * 1000)
            statuses["5xx" if status >= 500 else str(status)] += 1


async def run(args) -> dict:
    histogram, statuses = Histogram(), Counter()
    citizens = iter(range(args.first_citizen, args.first_citizen + 10_000_000))
    began = time.perf_counter()
    deadline = began + args.seconds
    await asyncio.gather(
        *(
            client_loop(args.url, args.starts, citizens, deadline, histogram, statuses, args.service)
            for _ in range(args.concurrency)
        )
    )
    elapsed = time.perf_counter() - began
    return {
        "concurrency": args.concurrency,
        "seconds": elapsed,
        "requests": histogram.count,
        "requests_per_second": histogram.count / elapsed,
        "bookings_per_second": statuses["201"] / elapsed,
        "statuses": dict(statuses),
        "latency_ms": {
            "p50": histogram.percentile(0.50),
            "p90": histogram.percentile(0.90),
            "p99": histogram.percentile(0.99),
            "max": histogram.max_ms,
        },
        "citizens_used": next(citizens) - args.first_citizen,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--starts", nargs="+", required=True)
    parser.add_argument("--service", default="KTP")
    parser.add_argument("--first-citizen", type=int, default=1)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
