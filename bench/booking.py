"""Booking throughput and latency through the HTTP API, beside pgbench running the same transaction's SQL.

Run: ``.venv/bin/python bench/booking.py [--postgres-url URL] [--seconds S] [--api-processes N] [--clients N ...]
[--sqlite]``.

A dedicated PostgreSQL database (``antrian_bench_booking``, made afresh) with the test site: one service
served by two counters, 7 slots a day, and a capacity so large that no slot fills during the run, so every
request takes the same path (the place-taking UPDATE succeeds) in the API and in pgbench alike.

For each case -- a hot slot (every request for one slot: two capacity rows) and spread (a random one of
196 slots over 28 days), at 32 and 128 concurrent clients -- it runs:

- the API: ``booking serve`` (rate limit off) loaded for S seconds by ``wrk`` (Debian package) with
  bench/booking.lua, one connection per client, every request a new citizen; its latency percentiles
  are wrk's histogram's;
- the database alone: ``pgbench`` with as many clients, for S seconds, running the statements the API's
  booking transaction sends (read off SQLAlchemy's echo of ``create_booking``): the site read, the
  service's and counters' ``FOR KEY SHARE`` reads, the service with its agency, counters and rules in
  one joined read, the closures and duplicate-citizen reads, the ``slot_loads`` read, the booking
  ``INSERT`` in a savepoint, the three outbox ``INSERT``s, and last the place: ``INSERT ... ON CONFLICT
  DO NOTHING`` and the conditional ``UPDATE``;
- the minimal booking transaction (issue 15's baseline): ``pgbench`` again, as many clients, running the
  least a booking must cost the database -- the conditional ``UPDATE`` of an existing ``slot_loads`` row
  (all made before the runs, so no ``INSERT ... ON CONFLICT``), the booking ``INSERT`` under its unique
  indexes and three outbox ``INSERT``s, one commit. On the hot slot it updates one row (one counter's), as
  the issue asks; spread, the same random slot and counter as the other script. Spread is over the test
  site's one service, not the demo's services: the database does the same work per booking either way;

then checks the capacity invariants. The headline figures are API bookings/s divided by each pgbench's
transactions/s. Prints a table and writes ``bench/results/booking-<N>-process.json``. Peak RSS of the API process
is read from /proc after the runs.

``--sqlite``: the embedded default instead -- the API on a fresh SQLite file, the spread case only, no pgbench
(SQLite has none); writes ``bench/results/booking-sqlite.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._server import fresh_database, peak_rss_mib, wait_healthy  # noqa: E402
from booking.db import Database  # noqa: E402
from booking.invariants import capacity_violations  # noqa: E402
from booking.migrate import upgrade  # noqa: E402
from tests.factories import make_site  # noqa: E402
from tests.gateways import free_port  # noqa: E402

BIN = Path(sys.executable).parent
DATABASE = "antrian_bench_booking"
WIB = ZoneInfo("Asia/Jakarta")
SLOT_MINUTES_AFTER_8 = (0, 30, 60, 90, 150, 180, 210)  # make_site's slots: 08.00-10.00, 10.30-12.00
DAYS = range(2, 30)  # inside the 30-day window, past the 60-minute lead
CAPACITY = 1_000_000  # no slot fills: every booking takes the same path
CONCURRENCIES = (32, 128)
OUTBOX_KINDS = ("booking_confirmed", "reminder_day_before", "reminder_soon")  # what one booking plans
# PostgreSQL's default max_connections is 100, shared with whatever else runs: pgbench gets at most this many
# (its rate has levelled off well before: two cores). The API needs only its pool (BOOKING_DB_POOL_SIZE x 2).
PGBENCH_MAX_CLIENTS = 64


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--seconds", type=float, default=12)
    parser.add_argument("--api-processes", type=int, default=1)
    parser.add_argument("--pool-size", type=int, default=10, help="BOOKING_DB_POOL_SIZE of the API")
    parser.add_argument("--clients", type=int, nargs="+", default=list(CONCURRENCIES), help="concurrencies to run")
    parser.add_argument("--sqlite", action="store_true", help="the API on SQLite, spread only, no pgbench")
    args = parser.parse_args()
    if args.sqlite:
        return main_sqlite(args)
    if not shutil.which("pgbench"):
        raise SystemExit("pgbench not found: apt-get install postgresql-contrib (make bench does)")
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk (make bench does)")

    url = fresh_database(args.postgres_url, DATABASE)
    upgrade(url)
    db = Database(url)
    make_site(db, capacity=CAPACITY, counters=2)
    ids = site_ids(db)
    today = dt.datetime.now(WIB).date()
    hot = [start_of(today + dt.timedelta(days=2), SLOT_MINUTES_AFTER_8[0])]
    spread = [start_of(today + dt.timedelta(days=d), m) for d in DAYS for m in SLOT_MINUTES_AFTER_8]
    make_slot_loads(db, ids, spread)  # the hot slot is among them

    results, citizens = [], 1
    with tempfile.TemporaryDirectory() as data_dir, api_server(url, data_dir, args) as (base, server):
        for case, starts in (("hot slot", hot), ("spread", spread)):
            for clients in args.clients:
                api = load(base, starts, clients, args.seconds, citizens)
                citizens += api["citizens_used"]
                pg_clients = min(clients, PGBENCH_MAX_CLIENTS)
                database = pgbench(url, script(ids, starts, case), pg_clients, args.seconds, data_dir)
                minimal = pgbench(url, minimal_script(ids, starts, case), pg_clients, args.seconds, data_dir)
                with db.read() as session:
                    problems = capacity_violations(session)
                results.append(
                    {
                        "case": case, "clients": clients, "api": api, "pgbench": database,
                        "pgbench_minimal": minimal, "violations": problems,
                    }
                )  # fmt: skip
                print_row(results[-1], first=len(results) == 1)
        api_rss = peak_rss_mib(server.pid)
    db.dispose()

    print(f"\npeak RSS of the API process: {api_rss:.0f} MiB")
    write_results(args, f"booking-{args.api_processes}-process.json", api_rss, results, database="postgresql")


def main_sqlite(args) -> None:
    """The spread case through the API on SQLite (the embedded default), nothing to compare it to."""
    results, citizens = [], 1
    with tempfile.TemporaryDirectory() as data_dir:
        url = f"sqlite:///{Path(data_dir) / 'antrian.db'}"
        upgrade(url)
        db = Database(url)
        make_site(db, capacity=CAPACITY, counters=2)
        today = dt.datetime.now(WIB).date()
        spread = [start_of(today + dt.timedelta(days=d), m) for d in DAYS for m in SLOT_MINUTES_AFTER_8]
        with api_server(url, data_dir, args) as (base, server):
            for clients in args.clients:
                api = load(base, spread, clients, args.seconds, citizens)
                citizens += api["citizens_used"]
                with db.read() as session:
                    problems = capacity_violations(session)
                results.append({"case": "spread", "clients": clients, "api": api, "violations": problems})
                print_row(results[-1], first=len(results) == 1)
            api_rss = peak_rss_mib(server.pid)
        db.dispose()
    print(f"\nSQLite; peak RSS of the API process: {api_rss:.0f} MiB")
    write_results(args, "booking-sqlite.json", api_rss, results, database="sqlite")


def write_results(args, name: str, api_rss: float, results: list[dict], database: str) -> None:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(
        json.dumps(
            {
                "database": database,
                "seconds": args.seconds,
                "api_processes": args.api_processes,
                "pool_size": args.pool_size,
                "api_peak_rss_mib": api_rss,
                "cases": results,
            },
            indent=2,
        )
    )
    if any(result["violations"] for result in results):
        raise SystemExit("capacity invariants violated")


def make_slot_loads(db: Database, ids: dict[str, int], starts: list[str]) -> None:
    """Every capacity row either pgbench script or the API can touch, made before the runs with what the API
    would put in them: the minimal transaction only updates, as a booking of a slot already booked does."""
    rows = [
        {"counter": counter, "starts_at": dt.datetime.fromisoformat(start).astimezone(dt.UTC).replace(tzinfo=None)}
        for start in starts
        for counter in (ids["counter_lo"], ids["counter_hi"])
    ]
    with db.write() as session:
        session.execute(
            sa.text(
                "INSERT INTO slot_loads (counter_id, starts_at, capacity, booked, online_capacity, online_booked) "
                f"VALUES (:counter, :starts_at, {CAPACITY}, 0, {CAPACITY}, 0)"
            ),
            rows,
        )


def site_ids(db: Database) -> dict[str, int]:
    with db.read() as session:
        row = session.execute(
            sa.text(
                "SELECT s.id AS site, v.id AS service, v.agency_id AS agency, min(c.id) AS counter_lo, "
                "max(c.id) AS counter_hi FROM sites s JOIN services v ON v.site_id = s.id AND v.code = 'KTP' "
                "JOIN counters c ON c.site_id = s.id GROUP BY s.id, v.id, v.agency_id"
            )
        ).one()
    return dict(row._mapping)


def start_of(day: dt.date, minutes_after_8: int) -> str:
    return (dt.datetime.combine(day, dt.time(8), WIB) + dt.timedelta(minutes=minutes_after_8)).isoformat()


class api_server:  # noqa: N801 - used as a context manager, like open()
    def __init__(self, url: str, data_dir: str, args) -> None:
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.env = {
            **os.environ,
            "BOOKING_DATABASE_URL": url,
            "BOOKING_DATA_DIR": data_dir,
            "BOOKING_SECRET_KEY": "bench",
            "BOOKING_PORT": str(port),
            "BOOKING_RATE_LIMIT_PER_MINUTE": "0",
            "BOOKING_LOG_LEVEL": "WARNING",
            "BOOKING_DB_POOL_SIZE": str(args.pool_size),
        }
        self.command = [str(BIN / "booking"), "serve", "--workers", str(args.api_processes)]

    def __enter__(self):
        log = open(Path(self.env["BOOKING_DATA_DIR"]) / "server.log", "ab")  # noqa: SIM115 - the child owns it
        self.process = subprocess.Popen(self.command, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_healthy(self.base)
        return self.base, self.process

    def __exit__(self, *exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def load(base: str, starts: list[str], clients: int, seconds: float, first_citizen: int) -> dict:
    """``clients`` connections of wrk booking for ``seconds``, each request a new citizen (bench/booking.lua).

    wrk is C and one thread: it took 0.15 s of CPU where the Python load generator took 3.2 s for the
    same 20 s run, CPU the server shares on this machine (pgbench is C too).
    """
    command = [
        "wrk", "-t", "1", "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "30s",
        "-s", str(ROOT / "bench" / "booking.lua"), f"{base}/api/v1/sites/uji/bookings", "--",
        "KTP", str(first_citizen), *starts,
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    counts = json.loads(output.split("JSON ", 1)[1].splitlines()[0])
    elapsed = counts["duration_us"] / 1e6
    return {
        "load_generator": "wrk",
        "concurrency": clients,
        "seconds": elapsed,
        "requests": counts["requests"],
        "requests_per_second": counts["requests"] / elapsed,
        "bookings_per_second": counts["created"] / elapsed,
        "statuses": {
            "201": counts["created"],
            "409": counts["conflict"],
            "429": counts["limited"],
            "5xx": counts["server_error"],
            "other": counts["other"],
            "transport error": counts["transport"],
        },
        "latency_ms": {p: counts[f"{p}_us"] / 1000 for p in ("p50", "p90", "p99", "max")},
        # requests cut off at the end were numbered too, and may have booked
        "citizens_used": counts["requests"] + clients + 1,
    }


def picked_slot(starts: list[str], case: str) -> tuple[str, str, str]:
    """pgbench's pick of a slot as the load picks it (``:d`` the day, ``:s`` the slot of the day), and SQL for
    its start and its local day."""
    first = dt.datetime.fromisoformat(starts[0]).astimezone(dt.UTC).replace(tzinfo=None)
    local_day = dt.datetime.fromisoformat(starts[0]).date()
    if case == "hot slot":
        pick = "\\set d 0\n\\set s 1\n"
    else:
        pick = f"\\set d random(0, {len(DAYS) - 1})\n\\set s random(1, {len(SLOT_MINUTES_AFTER_8)})\n"
    minutes = ",".join(str(m) for m in SLOT_MINUTES_AFTER_8)
    start = (
        f"(timestamp '{first:%Y-%m-%d %H:%M}' + :d::int * interval '1 day' "
        f"+ (ARRAY[{minutes}])[:s::int] * interval '1 minute')"
    )
    return pick, start, f"(date '{local_day}' + :d::int)"


def script(ids: dict[str, int], starts: list[str], case: str) -> str:
    """One booking transaction's statements, as the API sends them; random picks as in the load."""
    pick, start, day = picked_slot(starts, case)
    booking_values = (
        f"substr(md5(random()::text), 1, 16), {ids['site']}, {ids['service']}, :c, {start}, "
        f"{start} + interval '30 minutes', {day}, 'confirmed', 0, md5(random()::text), '0001', 'Warga Uji', "
        "'+6281234567890', NULL, '[\"sms\"]', 'id', substr(md5(random()::text), 1, 16), md5(random()::text), "
        "now(), now(), NULL"
    )
    notification = (
        "INSERT INTO notifications (booking_id, kind, channel, revision, status, send_at, lease_until, attempts, "
        "last_error, sent_at, created_at, updated_at) VALUES (currval('bookings_id_seq'), '{kind}', 'sms', 0, "
        "'pending', now(), NULL, 0, NULL, NULL, now(), now()) RETURNING notifications.id;\n"
    )
    return (
        pick
        + f"\\set c random({ids['counter_lo']}, {ids['counter_hi']})\n"
        + "BEGIN;\n"
        + "SELECT id, slug, name, timezone, address, min_lead_minutes, max_days_ahead, reminder_day_before_at, "
        "reminder_soon_minutes FROM sites WHERE slug = 'uji';\n"
        # hold_rules: the service and its counters held against a concurrent admin change
        + f"SELECT services.id FROM services WHERE site_id = {ids['site']} AND code = 'KTP' FOR KEY SHARE;\n"
        + "SELECT counters.id FROM counters JOIN counter_services ON counter_services.counter_id = counters.id "
        f"WHERE counter_services.service_id = {ids['service']} ORDER BY counters.id FOR KEY SHARE OF counters;\n"
        + "SELECT services.id, services.site_id, services.agency_id, services.code, services.name, "
        "services.duration_minutes, services.requirements, services.daily_quota, a.id, a.site_id, a.slug, a.name, "
        "a.sort_order, r.id, r.counter_id, r.weekday, r.opens_at, r.closes_at, r.slot_minutes, r.capacity, "
        "r.walk_in_places, r.break_starts_at, r.break_ends_at, r.valid_from, r.valid_until, c.id, c.site_id, "
        "c.agency_id, c.label FROM services LEFT OUTER JOIN agencies AS a ON a.id = services.agency_id "
        "LEFT OUTER JOIN (counter_services AS cs JOIN counters AS c ON c.id = cs.counter_id) "
        "ON services.id = cs.service_id LEFT OUTER JOIN opening_rules AS r ON c.id = r.counter_id "
        f"WHERE services.site_id = {ids['site']} AND services.code = 'KTP';\n"
        + "SELECT id, site_id, agency_id, counter_id, starts_on, ends_on, reason, reason_en, kind FROM closures "
        f"WHERE starts_on <= {day} AND ends_on >= {day} AND (site_id IS NULL OR site_id = {ids['site']});\n"
        + f"SELECT id FROM bookings WHERE service_id = {ids['service']} AND local_date = {day} "
        "AND citizen_nik_hash = md5(random()::text) AND status != 'cancelled';\n"
        + "SELECT counter_id, booked, booked < capacity, online_booked < online_capacity FROM slot_loads "
        f"WHERE starts_at = {start} AND counter_id IN ({ids['counter_lo']}, {ids['counter_hi']});\n"
        + "SAVEPOINT sa_savepoint_1;\n"
        + "INSERT INTO bookings (code, site_id, service_id, counter_id, starts_at, ends_at, local_date, status, "
        "revision, citizen_nik_hash, citizen_nik_last4, citizen_name, citizen_phone, citizen_email, channels, "
        "locale, manage_token_salt, manage_token_hash, created_at, updated_at, cancelled_at) VALUES "
        f"({booking_values}) RETURNING bookings.id;\n"
        + "RELEASE SAVEPOINT sa_savepoint_1;\n"
        + "".join(
            notification.format(kind=kind) for kind in ("booking_confirmed", "reminder_day_before", "reminder_soon")
        )
        # the place last, as create_booking takes it: the row stays locked from the UPDATE to the commit
        + "INSERT INTO slot_loads (counter_id, starts_at, capacity, booked, online_capacity, online_booked) "
        f"VALUES (:c, {start}, {CAPACITY}, 0, {CAPACITY}, 0) ON CONFLICT DO NOTHING RETURNING slot_loads.id;\n"
        + "UPDATE slot_loads SET booked = booked + 1, online_booked = online_booked + 1 "
        f"WHERE counter_id = :c AND starts_at = {start} AND booked < capacity AND online_booked < online_capacity;\n"
        + "END;\n"
    )


def minimal_script(ids: dict[str, int], starts: list[str], case: str) -> str:
    """The least a booking must cost the database: take the place, write the booking and its outbox, commit.

    The place is taken first, as a conditional UPDATE of a row that exists; the hot slot is one row (one
    counter), spread the same random pick as ``script``. No reads: whatever the API checks first (rules,
    closures, the citizen's other bookings) is on top of this.
    """
    pick, start, day = picked_slot(starts, case)
    if case == "hot slot":  # one row: one counter's
        pick += f"\\set c {ids['counter_lo']}\n"
    else:
        pick += f"\\set c random({ids['counter_lo']}, {ids['counter_hi']})\n"
    notification = (
        "INSERT INTO notifications (booking_id, kind, channel, revision, status, send_at, attempts, created_at, "
        "updated_at) VALUES (currval('bookings_id_seq'), '{kind}', 'sms', 0, 'pending', now(), 0, now(), now());\n"
    )
    take_place = (
        "UPDATE slot_loads SET booked = booked + 1, online_booked = online_booked + 1 "
        f"WHERE counter_id = :c AND starts_at = {start} AND booked < capacity AND online_booked < online_capacity;\n"
    )
    insert_booking = (
        "INSERT INTO bookings (code, site_id, service_id, counter_id, starts_at, ends_at, local_date, status, "
        "revision, citizen_nik_hash, citizen_nik_last4, citizen_name, citizen_phone, channels, locale, "
        "manage_token_salt, manage_token_hash, created_at, updated_at) VALUES "
        f"(substr(md5(random()::text), 1, 16), {ids['site']}, {ids['service']}, :c, {start}, "
        f"{start} + interval '30 minutes', {day}, 'confirmed', 0, md5(random()::text), '0001', 'Warga Uji', "
        "'+6281234567890', '[\"sms\"]', 'id', substr(md5(random()::text), 1, 16), md5(random()::text), now(), now());\n"
    )
    outbox = "".join(notification.format(kind=kind) for kind in OUTBOX_KINDS)
    return pick + "BEGIN;\n" + take_place + insert_booking + outbox + "END;\n"


def pgbench(url: str, sql: str, clients: int, seconds: float, data_dir: str) -> dict:
    script_path = Path(data_dir) / "booking.sql"
    script_path.write_text(sql)
    target = sa.engine.make_url(url)
    command = [
        "pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(int(seconds)),
        "-h", target.host or "127.0.0.1", "-p", str(target.port or 5432), "-U", target.username or "postgres",
        "-f", str(script_path), target.database,
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    tps = float(re.search(r"tps = ([\d.]+) \(without initial connection time\)", output).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", output).group(1))
    failed = int(re.search(r"number of failed transactions: (\d+)", output).group(1))
    return {"clients": clients, "transactions_per_second": tps, "latency_average_ms": latency, "failed": failed}


HEADER = (
    ("case", 9), ("clients", 7), ("API bk/s", 9), ("pgbench tx/s", 12), ("(clients)", 9), ("ratio", 6),
    ("minimal tx/s", 12), ("ratio", 6), ("p50 ms", 7),
    ("p90 ms", 7), ("p99 ms", 7), ("max ms", 7), ("201", 6), ("409", 5), ("429", 5), ("5xx", 5), ("transport", 9),
    ("overbooked", 10),
)  # fmt: skip


def print_row(result: dict, first: bool) -> None:
    if first:
        print("\n" + " ".join(f"{name:>{width}}" for name, width in HEADER))
    api, statuses, latency = result["api"], result["api"]["statuses"], result["api"]["latency_ms"]
    rate = api["bookings_per_second"]
    if "pgbench" in result:
        same, minimal = result["pgbench"], result["pgbench_minimal"]
        baselines = (
            f"{same['transactions_per_second']:.1f}", f"({same['clients']})",
            f"{rate / same['transactions_per_second']:.2f}",
            f"{minimal['transactions_per_second']:.1f}", f"{rate / minimal['transactions_per_second']:.2f}",
        )  # fmt: skip
    else:  # SQLite: no pgbench
        baselines = ("-",) * 5
    cells = (
        result["case"], result["clients"], f"{rate:.1f}", *baselines,
        *(f"{latency[p]:.1f}" for p in ("p50", "p90", "p99", "max")),
        *(statuses.get(key, 0) for key in ("201", "409", "429", "5xx", "transport error")),
        len(result["violations"]),
    )  # fmt: skip
    print(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, HEADER, strict=True)))


if __name__ == "__main__":
    main()
