"""The daily report (issue 14) at MPP and national scale, each beside a plain ``SELECT count(*)`` over the same rows.

Run: ``.venv/bin/python bench/report_daily.py [--postgres-url URL] [--runs N] [--keep]``.

Generated with bulk SQL into a dedicated PostgreSQL database (``antrian_bench_reports``, made afresh unless
``--keep`` finds it filled): 250 sites (WIB, WITA, WIT) x 30 agencies x 4 counters, one service per agency,
opening rules Monday-Saturday (Sunday closed), and the national holiday of 25 December as a closure. The
visits, each a booking and (unless it was cancelled, or a no-show who never came) a queue ticket with its
arrival, first call, start and end:

- the measured MPP (``mpp-001``): 20 visits per agency per open day (600 a day) for a whole year,
  1 December 2025 to 30 November 2026 (so its 90-day report reads a quarter of the site's history);
- every other site: 10 visits per agency per open day (300 a day) in November 2026.

Per visit: a third are walk-ins; 7 % cancelled, 8 % no-shows (half of them took a ticket and were missed),
the rest served; waits 0-60 minutes, service 3-30 minutes, arrivals spread over the opening hours.

Measured, in one process against that database, ``--runs`` times each after one warm-up, in the same run:

1. the report of ``mpp-001`` over the 90 days ending 30 November 2026, all agencies (``daily_report``),
   beside ``SELECT count(*)`` of that site's bookings and tickets in those days;
2. the national month: the report of each of the 250 sites for November 2026, beside one ``SELECT count(*)``
   of every booking and ticket of the month, and beside 250 per-site counts;
3. the alternative the report does not use (its first version), for both: the percentiles ranked by the
   database with window functions, five queries per report, instead of one line per ticket ranked in Python.

Prints median and max per measure, writes ``bench/results/report-daily.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database  # noqa: E402
from booking import reports  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from booking.models import Agency, Site, Ticket  # noqa: E402

DATABASE = "antrian_bench_reports"
SITES, AGENCIES, COUNTERS = 250, 30, 4
MEASURED_SITE = "mpp-001"
ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
MONTH = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
QUARTER = (dt.date(2026, 11, 30) - dt.timedelta(days=89), dt.date(2026, 11, 30))
HISTORY_START = dt.date(2025, 12, 1)

GENERATE = [
    f"""INSERT INTO sites (slug, name, timezone, address, min_lead_minutes, max_days_ahead)
        SELECT 'mpp-' || lpad(n::text, 3, '0'), 'MPP ' || n, (ARRAY{list(ZONES)})[1 + n % 3], 'Jl. Uji ' || n, 60, 30
        FROM generate_series(1, {SITES}) n""",
    f"""INSERT INTO agencies (site_id, slug, name, sort_order, ticket_prefix)
        SELECT s.id, 'dinas-' || a, 'Dinas ' || a, a, 'A' || a FROM sites s, generate_series(1, {AGENCIES}) a""",
    """INSERT INTO services (site_id, agency_id, code, name, duration_minutes, requirements, daily_quota)
        SELECT a.site_id, a.id, upper(a.slug), 'Layanan ' || a.name, 15, '[]', NULL FROM agencies a""",
    f"""INSERT INTO counters (site_id, agency_id, label)
        SELECT a.site_id, a.id, a.slug || ' loket ' || c FROM agencies a, generate_series(1, {COUNTERS}) c""",
    """INSERT INTO counter_services (counter_id, service_id)
        SELECT c.id, v.id FROM counters c JOIN services v ON v.agency_id = c.agency_id""",
    """INSERT INTO opening_rules (counter_id, weekday, opens_at, closes_at, slot_minutes, capacity, walk_in_places)
        SELECT c.id, d, '08:00', CASE WHEN d = 5 THEN '12:00'::time ELSE '15:00'::time END, 15, 4, 1
        FROM counters c, generate_series(0, 5) d""",
    """INSERT INTO closures (site_id, starts_on, ends_on, reason, reason_en, kind)
        VALUES (NULL, '2025-12-25', '2025-12-25', 'Hari Raya Natal', 'Christmas Day', 'holiday')""",
    "ANALYZE",
    # One row per visit: its site, agency, service, counter, local day, number in the agency's day, and dice.
    f"""CREATE TEMP TABLE visits AS
        SELECT s.id AS site_id, s.timezone, a.id AS agency_id, a.ticket_prefix, v.id AS service_id,
               desks.ids[1 + n % {COUNTERS}] AS counter_id,
               day::date AS local_date, n AS number, random() AS fate, random() AS wait, random() AS service,
               random() AS arrival
        FROM sites s JOIN agencies a ON a.site_id = s.id JOIN services v ON v.agency_id = a.id
             JOIN (SELECT agency_id, array_agg(id ORDER BY id) AS ids FROM counters GROUP BY agency_id) desks
               ON desks.agency_id = a.id,
             generate_series(CASE WHEN s.slug = :measured THEN DATE '{HISTORY_START}' ELSE DATE '{MONTH[0]}' END,
                             DATE '{MONTH[1]}', interval '1 day') day,
             generate_series(1, CASE WHEN s.slug = :measured THEN 20 ELSE 10 END) n
        WHERE extract(isodow FROM day) < 7 AND day::date <> DATE '2025-12-25'""",
    # Arrival between 07.45 and the last hour before closing; local wall-clock times stored in UTC.
    """CREATE TEMP TABLE timed AS
        SELECT vi.*, row_number() OVER () AS visit_id,
               ((local_date + time '07:45' + (arrival * CASE WHEN extract(isodow FROM local_date) = 6
                   THEN 195 ELSE 375 END) * interval '1 minute') AT TIME ZONE timezone) AT TIME ZONE 'UTC'
               AS arrived_at,
               CASE WHEN fate < 0.07 THEN 'cancelled' WHEN fate < 0.15 THEN 'no_show' ELSE 'served' END AS status,
               number % 3 = 0 AS walk_in
        FROM visits vi""",
    "ANALYZE timed",
    """INSERT INTO bookings (code, site_id, service_id, counter_id, starts_at, ends_at, local_date, status, revision,
        walk_in, citizen_nik_hash, citizen_nik_last4, citizen_name, citizen_phone, citizen_email, channels, locale,
        manage_token_salt, manage_token_hash, created_at, updated_at, cancelled_at, checked_in_at, served_at)
        SELECT 'B' || lpad(visit_id::text, 12, '0'), site_id, service_id, counter_id,
        arrived_at + interval '15 minutes', arrived_at + interval '30 minutes', local_date, status, 0, walk_in,
        NULL, NULL, NULL, NULL, NULL, '["sms"]', 'id', 'salt', md5(visit_id::text), arrived_at - interval '2 days',
        arrived_at, CASE WHEN status = 'cancelled' THEN arrived_at - interval '1 day' END,
        CASE WHEN status = 'served' THEN arrived_at END,
        CASE WHEN status = 'served' THEN arrived_at + interval '1 hour' END
        FROM timed""",
    "ANALYZE bookings",
    """INSERT INTO tickets (site_id, agency_id, service_id, booking_id, local_date, prefix, number, leg, kind,
        queued_at, status, recalls, comebacks, arrived_at, called_at, last_called_at, started_at, done_at, missed_at,
        transferred)
        SELECT t.site_id, t.agency_id, t.service_id, b.id, t.local_date, t.ticket_prefix, t.number, 0,
        CASE WHEN t.walk_in THEN 'walk_in' ELSE 'booked' END, t.arrived_at,
        CASE WHEN t.status = 'served' THEN 'done' ELSE 'missed' END, 0, 0, t.arrived_at,
        t.arrived_at + t.wait * interval '60 minutes', t.arrived_at + t.wait * interval '60 minutes',
        CASE WHEN t.status = 'served' THEN t.arrived_at + t.wait * interval '60 minutes' + interval '1 minute' END,
        CASE WHEN t.status = 'served' THEN t.arrived_at + t.wait * interval '60 minutes'
             + (4 + t.service * 27) * interval '1 minute' END,
        CASE WHEN t.status = 'no_show' THEN t.arrived_at + t.wait * interval '60 minutes' + interval '5 minutes' END,
        false
        FROM timed t JOIN bookings b ON b.code = 'B' || lpad(t.visit_id::text, 12, '0')
        WHERE t.status = 'served' OR (t.status = 'no_show' AND t.fate < 0.11)""",
    "ANALYZE",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="reuse a filled database from an earlier run")
    parser.add_argument("--label", default="", help="a name for this run in the results file, e.g. 'before'")
    args = parser.parse_args()

    url = sa.engine.make_url(args.postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    if not (args.keep and filled(url)):
        generate(args.postgres_url)
    db = Database(url)
    with db.read() as session:
        rows = {
            table: session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("sites", "agencies", "counters", "bookings", "tickets")
        }
        site_ids = list(session.scalars(sa.select(Site.id).order_by(Site.slug)))
        measured = session.scalar(sa.select(Site.id).where(Site.slug == MEASURED_SITE))

    def mpp_report():
        with db.read() as session:
            return reports.daily_report(session, session.get(Site, measured), *QUARTER, None)

    def national_report():
        with db.read() as session:
            return [reports.daily_report(session, session.get(Site, site), *MONTH, None) for site in site_ids]

    results = {
        "mpp-001, 90 days": {
            "report": timed(mpp_report, args.runs),
            "SELECT count(*) (baseline)": timed(lambda: count_rows(db, *QUARTER, [measured]), args.runs),
            "percentiles ranked in the database (5 queries)": timed(
                lambda: ranked_in_database(db, *QUARTER, measured), args.runs
            ),
        },
        "national month, 250 sites": {
            "report (250 site reports)": timed(national_report, args.runs),
            "SELECT count(*) (baseline, one statement)": timed(lambda: count_rows(db, *MONTH, None), args.runs),
            "SELECT count(*) per site (250 statements)": timed(
                lambda: [count_rows(db, *MONTH, [site]) for site in site_ids], args.runs
            ),
            "percentiles ranked in the database, per site": timed(
                lambda: [ranked_in_database(db, *MONTH, site) for site in site_ids], args.runs
            ),
        },
    }
    counted = {
        "mpp-001, 90 days": count_rows(db, *QUARTER, [measured]),
        "national month, 250 sites": count_rows(db, *MONTH, None),
    }
    db.dispose()

    print(f"\nThe daily report ({rows}), {args.runs} runs each after a warm-up {args.label}")
    for scenario, measures in results.items():
        print(f"\n{scenario}: {counted[scenario]} bookings + tickets in the range")
        print(f"{'':48} {'median s':>9} {'max s':>9}")
        for name, timing in measures.items():
            print(f"{name:48} {timing['median_s']:9.3f} {timing['max_s']:9.3f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    name = f"report-daily{'-' + args.label if args.label else ''}.json"
    (out / name).write_text(
        json.dumps({"rows": rows, "rows_in_range": counted, "runs": args.runs, "results": results}, indent=1)
    )


def count_rows(db: Database, first: dt.date, last: dt.date, site_ids: list[int] | None) -> int:
    where = "local_date BETWEEN :first AND :last" + (" AND site_id = ANY(:sites)" if site_ids else "")
    with db.read() as session:
        return session.execute(
            sa.text(
                f"SELECT (SELECT count(*) FROM bookings WHERE {where}) + (SELECT count(*) FROM tickets WHERE {where})"
            ),
            {"first": first, "last": last, "sites": site_ids},
        ).scalar()


def ranked_in_database(db: Database, first: dt.date, last: dt.date, site_id: int) -> int:
    """The road not taken (the report's first version): the percentiles ranked by the database, with window
    functions (portable SQL), returning only the values each percentile falls between; five queries, as the
    report needs agency-days, days and hours, for waits and service."""
    with db.read() as session:
        agency_ids = list(session.scalars(sa.select(Agency.id).where(Agency.site_id == site_id)))
        wait = (reports.minutes_between(Ticket.arrived_at, Ticket.called_at), Ticket.called_at.is_not(None))
        service = (
            reports.minutes_between(Ticket.started_at, Ticket.done_at),
            sa.and_(Ticket.started_at.is_not(None), Ticket.done_at.is_not(None)),
        )
        day_agency, day, hour = (
            [Ticket.local_date, Ticket.agency_id],
            [Ticket.local_date],
            [reports.utc_hour(Ticket.arrived_at)],
        )
        groups = 0
        for measure, keys in ((wait, day_agency), (service, day_agency), (wait, day), (service, day), (wait, hour)):
            groups += len(_ranked(session, measure, keys, agency_ids, first, last))
        return groups


def _ranked(session, measure, keys, agency_ids, first, last) -> dict[tuple, list[float]]:
    minutes, present = measure
    ranked = (
        sa.select(
            *[key.label(f"k{n}") for n, key in enumerate(keys)],
            minutes.label("v"),
            (sa.func.row_number().over(partition_by=keys, order_by=minutes) - 1).label("i"),
            sa.func.count().over(partition_by=keys).label("n"),
        )
        .where(Ticket.agency_id.in_(agency_ids), Ticket.local_date.between(first, last), present)
        .subquery()
    )
    group = [ranked.c[f"k{n}"] for n in range(len(keys))]
    fractions = (reports.MEDIAN, reports.P90)
    wanted = [ranked.c.i == (ranked.c.n - 1) * num // den + step for num, den in fractions for step in (0, 1)]
    picked: dict[tuple, list[float]] = defaultdict(list)
    for *key, _n, _i, v in session.execute(
        sa.select(*group, ranked.c.n, ranked.c.i, ranked.c.v).where(sa.or_(*wanted))
    ):
        picked[tuple(key)].append(float(v))
    return picked


def timed(work, runs: int) -> dict[str, float]:
    work()  # warm-up: caches, plans, the pool
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return {"median_s": statistics.median(samples), "max_s": max(samples), "samples_s": samples}


def filled(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM tickets").scalar() > 0
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
            connection.execute(sa.text(statement), {"measured": MEASURED_SITE})
    engine.dispose()
    print(f"generated the data in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
