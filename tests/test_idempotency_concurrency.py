"""Idempotency-Key under concurrency, against a real server process on SQLite and PostgreSQL.

Twenty copies of one request sent at the same moment (a phone retrying over a bad connection, or a
double tap) must make one booking: every answer replays it or says the key is busy, never a second
booking or a 500. The same key with different bodies must never make more than one booking.
"""

from __future__ import annotations

from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from booking.invariants import capacity_violations
from booking.models import Booking, IdempotencyKey
from tests.crowd import CrowdResult, fire
from tests.factories import at, booking_body, make_site, wall_clock_tomorrow
from tests.server import running_server, server_log

pytestmark = pytest.mark.slow

COPIES = 20
PROCESSES = 2  # 2 processes x 10 threads, all released together


def describe(result: CrowdResult) -> str:
    return str(Counter((answer.status, answer.code) for answer in result.answers))


def assert_no_failures(result: CrowdResult, data_dir) -> None:
    broken = [answer for answer in result.answers if answer.status is None or answer.status >= 500]
    assert not broken, f"{len(broken)} transport errors or 5xx, e.g. {broken[:3]}\n{server_log(data_dir)[-3000:]}"
    assert result.peak_in_flight >= len(result.answers) // 4, f"peak in flight only {result.peak_in_flight}"


# These tests found that on PostgreSQL every POST with an Idempotency-Key, even the first, answered 409
# idempotency_conflict: claim() read the rowcount of INSERT ... ON CONFLICT DO NOTHING, which psycopg 3 under
# SQLAlchemy 2.1 reports as -1. The PostgreSQL cases below are the regression tests for that.


def booking_rows(db) -> list[tuple[str, str]]:
    with db.read() as session:
        return session.execute(select(Booking.code, Booking.citizen_nik_last4)).all()


def test_a_fresh_key_books_and_its_retry_replays(database_url, db, tmp_path):
    """The plain, sequential case the concurrent ones build on."""
    make_site(db)
    body = booking_body(at(wall_clock_tomorrow(), 8), 1)
    with running_server(database_url, tmp_path / "server") as base_url:
        first = httpx.post(
            f"{base_url}/api/v1/sites/uji/bookings", json=body, headers={"Idempotency-Key": "fresh-key-1"}, timeout=60
        )
        again = httpx.post(
            f"{base_url}/api/v1/sites/uji/bookings", json=body, headers={"Idempotency-Key": "fresh-key-1"}, timeout=60
        )

    assert first.status_code == 201, first.text
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(booking_rows(db)) == 1


def test_same_key_and_body_sent_twenty_times_at_once_makes_one_booking(database_url, db, tmp_path):
    make_site(db)
    key = "retry-7f3c9a1e-double-tap"
    body = booking_body(at(wall_clock_tomorrow(), 10, 30), 7)
    requests = [{"json": body, "headers": {"Idempotency-Key": key}} for _ in range(COPIES)]

    with running_server(database_url, tmp_path / "server") as base_url:
        result = fire(f"{base_url}/api/v1/sites/uji/bookings", requests, processes=PROCESSES, keep_bodies=True)
        made = [answer for answer in result.answers if answer.status == 201]
        shown = httpx.get(
            f"{base_url}/api/v1/bookings/{made[0].booking_code}" if made else f"{base_url}/health",
            headers={"X-Booking-Token": made[0].manage_token if made else ""},
            timeout=60,
        )

    print(
        f"\n[same key, same body {'postgresql' if 'postgresql' in database_url else 'sqlite'}] "
        f"{describe(result)} in {result.elapsed:.2f}s, peak in flight {result.peak_in_flight}"
    )
    assert_no_failures(result, tmp_path / "server")
    others = [answer for answer in result.answers if answer.status != 201]
    assert {(answer.status, answer.code) for answer in others} <= {(409, "idempotency_conflict")}, describe(result)
    assert made, describe(result)
    assert len({answer.booking_code for answer in made}) == 1
    assert len({answer.manage_token for answer in made}) == 1
    assert all(answer.body == made[0].body for answer in made), "a replay differs from the first answer"

    rows = booking_rows(db)
    assert len(rows) == 1
    assert rows[0][0] == made[0].booking_code.replace("-", "")
    assert shown.status_code == 200 and shown.json()["code"] == made[0].booking_code
    with db.read() as session:
        assert capacity_violations(session) == []
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_same_key_with_different_bodies_at_once_makes_one_booking(database_url, db, tmp_path):
    make_site(db)
    key = "one-key-many-bodies"
    day = wall_clock_tomorrow()
    starts = [at(day, 8), at(day, 9), at(day, 10, 30), at(day, 11, 30)]
    # Different citizens and different slots, all with room: only the key stands in the way. Never more than
    # one booking; and since every request could be served, exactly one (the first to claim the key) is.
    requests = [
        {"json": booking_body(starts[n % len(starts)], n), "headers": {"Idempotency-Key": key}}
        for n in range(1, COPIES + 1)
    ]

    with running_server(database_url, tmp_path / "server") as base_url:
        result = fire(f"{base_url}/api/v1/sites/uji/bookings", requests, processes=PROCESSES, keep_bodies=True)

    print(
        f"\n[same key, different bodies {'postgresql' if 'postgresql' in database_url else 'sqlite'}] "
        f"{describe(result)} in {result.elapsed:.2f}s, peak in flight {result.peak_in_flight}"
    )
    assert_no_failures(result, tmp_path / "server")
    made = [answer for answer in result.answers if answer.status == 201]
    others = [answer for answer in result.answers if answer.status != 201]
    assert len(made) == 1, describe(result)
    assert {(answer.status, answer.code) for answer in others} == {(409, "idempotency_conflict")}, describe(result)

    rows = booking_rows(db)
    assert len(rows) == len(made)
    winner = requests[made[0].index]["json"]  # the one booking is the winner's own: its citizen, its slot
    assert rows[0] == (made[0].booking_code.replace("-", ""), winner["citizen"]["nik"][-4:])
    assert made[0].body["start"] == winner["start"]
    with db.read() as session:
        assert capacity_violations(session) == []


def test_same_key_for_a_full_slot_at_once_refuses_all_and_remembers_nothing(database_url, db, tmp_path):
    """A refused first attempt must not pin the key: every copy is judged on its own and told slot_full."""
    make_site(db, capacity=1, counters=1)
    start = at(wall_clock_tomorrow(), 10, 30)
    key = "retry-after-full"

    with running_server(database_url, tmp_path / "server") as base_url:
        first = httpx.post(f"{base_url}/api/v1/sites/uji/bookings", json=booking_body(start, 1), timeout=60)
        assert first.status_code == 201, first.text
        requests = [{"json": booking_body(start, 2), "headers": {"Idempotency-Key": key}} for _ in range(COPIES)]
        result = fire(f"{base_url}/api/v1/sites/uji/bookings", requests, processes=PROCESSES)

    assert_no_failures(result, tmp_path / "server")
    assert Counter((answer.status, answer.code) for answer in result.answers) == {(409, "slot_full"): COPIES}
    assert len(booking_rows(db)) == 1
    with db.read() as session:
        assert capacity_violations(session) == []
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
