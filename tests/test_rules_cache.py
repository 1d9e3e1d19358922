"""The process's copies of the catalogue (booking/rules_cache.py): used, and never stale, whoever changes the
rows and from whichever process."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from booking import catalogue
from booking.rules_cache import CATALOGUE_TABLES, current_token
from tests.factories import TOMORROW, add_closure, at, booking_body, make_site


def _in_another_process(url: str, sql: str) -> None:
    """A change made as an operator's psql or another API process would make it: its own connection and commit."""
    program = (
        "import sqlalchemy as sa, sys\n"
        "engine = sa.create_engine(sys.argv[1])\n"
        "with engine.begin() as connection:\n"
        "    connection.exec_driver_sql(sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", program, url, sql], check=True)


def _token(db) -> str:
    with db.read() as session:
        return current_token(session)


def test_every_change_to_a_catalogue_table_gives_a_new_token(db):
    make_site(db)
    add_closure(db, "uji", TOMORROW, "Rapat")
    assert _token(db)
    for table in CATALOGUE_TABLES:
        column = "counter_id" if table == "counter_services" else "id"
        before = _token(db)
        with db.write() as session:
            changed = session.execute(sa.text(f"UPDATE {table} SET {column} = {column}")).rowcount
        assert changed > 0, table  # a row was there to change (SQLite's triggers are per row)
        assert _token(db) != before, f"a change to {table} left the catalogue's token as it was"
    before = _token(db)
    with db.write() as session:
        session.execute(sa.text("DELETE FROM closures"))
    assert _token(db) != before


def _statements_of(db, work) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_):
        seen.append(statement)

    sa.event.listen(db.reader, "before_cursor_execute", note)
    try:
        with db.read() as session:
            work(session)
    finally:
        sa.event.remove(db.reader, "before_cursor_execute", note)
    return seen


def test_a_second_lookup_reads_only_the_token(db):
    make_site(db)

    def look(session):
        site = catalogue.get_site(session, "uji")
        service = catalogue.get_service(session, site, "ktp")
        assert [rule.capacity for counter in service.counters for rule in counter.rules][:1] == [2]
        catalogue.closures_between(session, site, TOMORROW, TOMORROW)

    first, second = _statements_of(db, look), _statements_of(db, look)
    queries = [statement for statement in second if statement != "BEGIN"]  # SQLite's own BEGIN
    assert len(queries) == 3 and all("catalogue_version" in query for query in queries), queries
    assert len([statement for statement in first if "catalogue_version" not in statement]) > 1


def test_rules_changed_by_another_process_are_read_at_once(client, db, database_url):
    make_site(db, capacity=2, counters=1)
    availability = f"/api/v1/sites/uji/services/KTP/availability?from={TOMORROW}&to={TOMORROW}"
    for _ in range(2):  # the second answer comes from the copies
        assert client.get(availability).json()["days"][0]["slots"][0]["remaining"] == 2

    _in_another_process(database_url, "UPDATE opening_rules SET capacity = 5")
    assert client.get(availability).json()["days"][0]["slots"][0]["remaining"] == 5

    # and a booking never takes a place by a rule that is gone: the counter closed meanwhile
    _in_another_process(
        database_url,
        "INSERT INTO closures (site_id, starts_on, ends_on, reason, reason_en, kind) "
        f"SELECT id, '{TOMORROW}', '{TOMORROW}', 'Listrik padam', 'Power cut', 'manual' FROM sites",
    )
    refused = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8)))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "closed"
    assert client.get(availability).json()["days"][0]["status"] == "closed"
