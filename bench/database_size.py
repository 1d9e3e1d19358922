"""How much PostgreSQL a booking costs on disk, for the README's sizing table.

Run after ``bench/availability_national.py`` (it fills ``antrian_bench_national``: 250 sites, 785,280
bookings, each with its ``slot_loads`` row):

    .venv/bin/python bench/database_size.py [--postgres-url URL]

Measures every table's size with its indexes and TOAST (``pg_total_relation_size``) and its rows. The
national data has no outbox rows, so the script adds the three a booking plans (confirmation, day-before
and soon reminders, one channel) for every booking, in one statement, measures, and removes them again.
Prints bytes per booking (bookings + slot_loads + notifications, indexes included) and writes
``bench/results/database-size.json``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import sqlalchemy as sa

DATABASE = "antrian_bench_national"
RESULTS = Path(__file__).resolve().parent / "results" / "database-size.json"
PER_BOOKING = ("bookings", "slot_loads", "notifications")
OUTBOX = """INSERT INTO notifications (booking_id, kind, channel, revision, status, send_at, attempts, created_at,
    updated_at, sent_at)
    SELECT b.id, k.kind, 'sms', 0, 'sent', b.created_at, 1, b.created_at, b.created_at, b.created_at
    FROM bookings b, (VALUES ('booking_confirmed'), ('reminder_day_before'), ('reminder_soon')) AS k(kind)"""


def sizes(connection) -> dict[str, dict[str, int]]:
    tables = connection.execute(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).scalars()
    measured = {}
    for table in tables:
        rows = connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()
        size = connection.execute(sa.text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar()
        measured[table] = {"rows": rows, "bytes": size}
    return measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    url = sa.engine.make_url(args.postgres_url).set(database=DATABASE).render_as_string(hide_password=False)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("TRUNCATE notifications")
        connection.exec_driver_sql(OUTBOX)
        connection.exec_driver_sql("VACUUM ANALYZE")
        measured = sizes(connection)
        database = connection.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        connection.exec_driver_sql("TRUNCATE notifications")
    engine.dispose()

    bookings = measured["bookings"]["rows"]
    per_booking = sum(measured[table]["bytes"] for table in PER_BOOKING) / bookings
    for table, figures in sorted(measured.items(), key=lambda item: -item[1]["bytes"]):
        if figures["bytes"] > 1 << 20:
            print(f"{table:24} {figures['rows']:>12,} rows {figures['bytes'] / 2**20:>10.1f} MiB")
    print(f"database: {database / 2**20:.1f} MiB; {bookings:,} bookings")
    print(f"per booking (bookings + slot_loads + 3 notifications, indexes included): {per_booking:,.0f} bytes")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"tables": measured, "database_bytes": database, "bytes_per_booking": per_booking}, indent=2)
    )


if __name__ == "__main__":
    main()
