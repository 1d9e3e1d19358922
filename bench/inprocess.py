"""The domain's own cost, without HTTP: CPU per booking, and a 31-day availability call at national scale.

Run: ``.venv/bin/python bench/inprocess.py [--postgres-url URL] [--bookings N] [--calls N]``; for a before/after
pair, run it from each checkout in turn (each imports its own ``booking``), minutes apart.

- Booking: a fresh database (``antrian_bench_inprocess``) with the test site and a capacity no slot reaches;
  ``idempotency.book_once`` in ``Database.transaction``, as the API calls it, ``--bookings`` times one after
  another, spread over 196 slots, every booking a new citizen. Prints wall and CPU time (``process_time``)
  per booking: one thread, so CPU time is what the domain costs, whatever else the machine runs.
- Availability: ``service_availability`` and the API's answer for 31 days, ``--calls`` times over the 90
  services of ``mpp-001`` in the national database that ``bench/availability_national.py`` leaves (skipped
  when it is not there). Prints p50 and p99.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._load import nik  # noqa: E402
from bench._server import fresh_database  # noqa: E402
from booking import catalogue, idempotency  # noqa: E402
from booking.api.schemas import availability_out  # noqa: E402
from booking.availability import service_availability, site_today  # noqa: E402
from booking.bookings import BookingRequest  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from tests.factories import make_site  # noqa: E402

WIB = ZoneInfo("Asia/Jakarta")
NATIONAL = "antrian_bench_national"
MEASURED_SITE = "mpp-001"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--bookings", type=int, default=600)
    parser.add_argument("--calls", type=int, default=600)
    args = parser.parse_args()
    booking_cost(args.postgres_url, args.bookings)
    national_availability(args.postgres_url, args.calls)


def booking_cost(admin_url: str, count: int) -> None:
    url = fresh_database(admin_url, "antrian_bench_inprocess")
    upgrade(url)
    db = Database(url)
    make_site(db, capacity=1_000_000, counters=2)
    today = dt.datetime.now(WIB).date()
    starts = [
        (dt.datetime.combine(today + dt.timedelta(days=day), dt.time(8), WIB) + dt.timedelta(minutes=minutes))
        .isoformat()
        for day in range(2, 30)
        for minutes in (0, 30, 60, 90, 150, 180, 210)
    ]

    def book(n: int) -> None:
        request = BookingRequest(
            service="KTP", start=starts[n % len(starts)], nik=nik(n), name="Warga Uji", phone="081234567890"
        )

        def work(session):
            site = catalogue.get_site(session, "uji")
            return idempotency.book_once(
                session, site, request, key=None, request_hash="bench", answer=lambda _session, _made: {},
                now=dt.datetime.now(dt.UTC), ttl=dt.timedelta(hours=24), secret_key="bench",
                channels_ready=("sms", "email", "whatsapp"),
            )  # fmt: skip

        db.transaction(work)

    for n in range(100):  # warm-up: compiled statements, the catalogue's copies
        book(n)
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(100, 100 + count):
        book(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.dispose()
    print(f"booking, in-process: wall {wall / count * 1e3:.2f} ms, CPU {cpu / count * 1e3:.2f} ms per booking")


def national_availability(admin_url: str, calls: int) -> None:
    url = sa.engine.make_url(admin_url).set(database=NATIONAL).render_as_string(hide_password=False)
    try:
        db = Database(url)
        with db.read() as session:
            site = catalogue.get_site(session, MEASURED_SITE)
            codes = [service.code for service in catalogue.list_services(session, site)]
    except Exception as missing:  # noqa: BLE001 - no national database: nothing to measure
        print(f"national availability skipped ({type(missing).__name__}): run bench/availability_national.py first")
        return
    now = dt.datetime.now(dt.UTC)

    def call(code: str) -> None:
        with db.read() as session:
            found = catalogue.get_site(session, MEASURED_SITE)
            first = site_today(found, now)
            offer = service_availability(session, found, code, first, first + dt.timedelta(days=30), now)
            availability_out(offer, "id")

    for code in codes:  # warm-up
        call(code)
    times = []
    for n in range(calls):
        began = time.perf_counter()
        call(codes[n % len(codes)])
        times.append((time.perf_counter() - began) * 1e3)
    times.sort()
    db.dispose()
    print(
        f"31-day availability, national, in-process: p50 {times[len(times) // 2]:.2f} ms, "
        f"p99 {times[int(len(times) * 0.99) - 1]:.2f} ms"
    )


if __name__ == "__main__":
    main()
