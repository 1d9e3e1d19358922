"""31-day availability at national scale, next to GET /health (the framework's floor), through a real server.

Run: ``.venv/bin/python bench/availability_national.py [--postgres-url URL] [--runs N] [--keep]``.

Generated with bulk SQL into a dedicated PostgreSQL database (``antrian_bench_national``, made afresh
unless ``--keep`` finds it filled): 250 sites (WIB, WITA, WIT) x 30 agencies x 4 counters (30,000
counters), 3 services per agency (22,500), every counter serving its agency's services, opening rules
Monday-Friday 08.00-15.00 with a break 12.00-13.00 and Saturday 08.00-12.00, 15-minute slots, 2 places
(180,000 rules). The booking window is filled ahead with bookings (each with its ``slot_loads`` row):
every slot of every counter of the measured site for the whole 30-day window, and for every other site
every other slot of the next 3 days (about 900,000 bookings in all).

Then one ``booking serve`` process and ``--runs`` sequential calls of 31-day availability, rotating over
the measured site's 90 services, beside ``GET /health``; times are client-observed over loopback after 20
warm-up calls. Prints p50, p99 and max, writes ``bench/results/availability-national.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, peak_rss_mib, wait_healthy  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from tests.gateways import free_port  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "antrian_bench_national"
SITES, AGENCIES, COUNTERS, SERVICES = 250, 30, 4, 3
MEASURED_SITE = "mpp-001"
OTHER_SITES_DAYS_FILLED = 3
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")

# Every statement is one INSERT ... SELECT: the database makes the rows, nothing crosses the wire.
GENERATE = [
    f"""INSERT INTO sites (slug, name, timezone, address, min_lead_minutes, max_days_ahead, reminder_day_before_at,
        reminder_soon_minutes)
        SELECT 'mpp-' || lpad(n::text, 3, '0'), 'MPP ' || n, (ARRAY{list(ZONES)})[1 + n % 3], 'Jl. Uji ' || n, 60, 30,
        '16:00', 120 FROM generate_series(1, {SITES}) n""",
    # ticket letters unique per site (queue tickets, issue 8): A..Z, then AA, AB, ...
    f"""INSERT INTO agencies (site_id, slug, name, sort_order, ticket_prefix)
        SELECT s.id, 'dinas-' || a, 'Dinas ' || a, a,
               CASE WHEN a <= 26 THEN chr(64 + a) ELSE 'A' || chr(64 + a - 26) END
        FROM sites s, generate_series(1, {AGENCIES}) a""",
    f"""INSERT INTO services (site_id, agency_id, code, name, duration_minutes, requirements, daily_quota)
        SELECT a.site_id, a.id, upper(a.slug) || '-' || v, 'Layanan ' || v || ' ' || a.name, 15, '[]', NULL
        FROM agencies a, generate_series(1, {SERVICES}) v""",
    f"""INSERT INTO counters (site_id, agency_id, label)
        SELECT a.site_id, a.id, a.slug || ' loket ' || c FROM agencies a, generate_series(1, {COUNTERS}) c""",
    """INSERT INTO counter_services (counter_id, service_id)
        SELECT c.id, v.id FROM counters c JOIN services v ON v.agency_id = c.agency_id""",
    """INSERT INTO opening_rules (counter_id, weekday, opens_at, closes_at, slot_minutes, capacity, break_starts_at,
        break_ends_at, valid_from, valid_until)
        SELECT c.id, d, '08:00', CASE WHEN d = 5 THEN '12:00'::time ELSE '15:00'::time END, 15, 2,
        CASE WHEN d = 5 THEN NULL ELSE '12:00'::time END, CASE WHEN d = 5 THEN NULL ELSE '13:00'::time END, NULL, NULL
        FROM counters c, generate_series(0, 5) d""",
    # One place of two taken in the slots filled: every slot of the measured site's window, every other
    # slot of the next days elsewhere. Local wall-clock times, stored in UTC as the application does.
    """CREATE TEMP TABLE filled AS
        SELECT c.id AS counter_id, c.agency_id,
               ((day::date + slot) AT TIME ZONE s.timezone) AT TIME ZONE 'UTC' AS starts_at, day::date AS local_date
        FROM sites s JOIN counters c ON c.site_id = s.id JOIN opening_rules r ON r.counter_id = c.id,
             generate_series(CURRENT_DATE + 1, CURRENT_DATE + CASE WHEN s.slug = :measured THEN 30 ELSE :others END,
                             interval '1 day') day,
             LATERAL (SELECT r.opens_at + m * interval '1 minute' AS slot
                      FROM generate_series(0, (extract(epoch FROM r.closes_at - r.opens_at) / 60)::int - 15, 15) m) g
        WHERE extract(isodow FROM day) - 1 = r.weekday
          AND (r.break_starts_at IS NULL OR NOT (slot >= r.break_starts_at AND slot < r.break_ends_at))
          AND (s.slug = :measured OR extract(minute FROM slot)::int % 30 = 0)""",
    "INSERT INTO slot_loads (counter_id, starts_at, capacity, booked, online_capacity, online_booked) "
    "SELECT counter_id, starts_at, 2, 1, 2, 1 FROM filled",
    """INSERT INTO bookings (code, site_id, service_id, counter_id, starts_at, ends_at, local_date, status, revision,
        citizen_nik_hash, citizen_nik_last4, citizen_name, citizen_phone, citizen_email, channels, locale,
        manage_token_salt, manage_token_hash, created_at, updated_at, cancelled_at)
        SELECT upper(substr(md5(f.counter_id || ' ' || f.starts_at), 1, 16)), c.site_id, v.id, f.counter_id,
        f.starts_at, f.starts_at + interval '15 minutes', f.local_date, 'confirmed', 0,
        md5('nik' || f.counter_id || ' ' || f.starts_at), '0001', 'Warga Uji', '+6281234567890', NULL, '["sms"]',
        'id', 'salt', md5('token' || f.counter_id || f.starts_at), now(), now(), NULL
        FROM filled f JOIN counters c ON c.id = f.counter_id
        JOIN LATERAL (SELECT min(id) AS id FROM services WHERE agency_id = f.agency_id) v ON true""",
    "ANALYZE",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse a filled database from an earlier run")
    parser.add_argument("--label", default="", help="a name for this run in the results file, e.g. 'before'")
    args = parser.parse_args()

    url = sa.engine.make_url(args.postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    if not (args.keep and filled(url)):
        generate(args.postgres_url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("sites", "agencies", "services", "counters", "opening_rules", "slot_loads", "bookings")
        }
        services = list(
            connection.execute(
                sa.text("SELECT v.code FROM services v JOIN sites s ON s.id = v.site_id WHERE s.slug = :slug"),
                {"slug": MEASURED_SITE},
            ).scalars()
        )
    engine.dispose()

    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        env = {
            **os.environ,
            "BOOKING_DATABASE_URL": url,
            "BOOKING_DATA_DIR": data_dir,
            "BOOKING_SECRET_KEY": "bench",
            "BOOKING_PORT": str(port),
            "BOOKING_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [str(BIN / "booking"), "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base)
            first = dt.datetime.now(ZoneInfo("Asia/Jakarta")).date()
            last = first + dt.timedelta(days=30)
            site = f"/api/v1/sites/{MEASURED_SITE}"
            paths = [f"{site}/services/{code}/availability?from={first}&to={last}" for code in services]
            with httpx.Client(base_url=base, timeout=30) as client:
                results = {
                    "GET /health (floor)": timed(client, ["/health"], args.runs),
                    "availability, 31 days": timed(client, paths, args.runs),
                }
            rss = peak_rss_mib(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    print(f"\n31-day availability at national scale ({counts}), {args.runs} sequential calls {args.label}")
    print(f"{'request':28} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, timing in results.items():
        print(f"{name:28} {timing['p50_ms']:8.2f} {timing['p99_ms']:8.2f} {timing['max_ms']:8.2f}")
    print(f"peak RSS of the API process: {rss:.0f} MiB")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = f"availability-national{'-' + args.label if args.label else ''}.json"
    (out / name).write_text(json.dumps({"rows": counts, "runs": args.runs, "results": results, "rss_mib": rss}))


def filled(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM sites").scalar() == SITES
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def generate(admin_url: str) -> None:
    url = fresh_database(admin_url, DATABASE)
    upgrade(url)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in GENERATE:
            connection.execute(sa.text(statement), {"measured": MEASURED_SITE, "others": OTHER_SITES_DAYS_FILLED})
    engine.dispose()
    print(f"generated the national data in {time.perf_counter() - started:.0f} s")


def timed(client: httpx.Client, paths: list[str], runs: int) -> dict[str, float]:
    for n in range(20):
        client.get(paths[n % len(paths)]).raise_for_status()
    samples = []
    for n in range(runs):
        started = time.perf_counter()
        client.get(paths[n % len(paths)]).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": samples[len(samples) // 2],
        "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
        "max_ms": samples[-1],
    }


if __name__ == "__main__":
    main()
