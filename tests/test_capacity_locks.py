"""Capacity rows under contention on PostgreSQL: one lock order everywhere, and a bounded wait.

- Reschedules crossing each other's slots (half the citizens of 08.00 move to 11.00 while as many of
  11.00 move to 08.00, all at once from several processes) each lock both slots' rows. Taken in the
  order of the move they deadlock and PostgreSQL aborts one of each pair; taken in the one order of
  capacity rows (``booking/bookings.py``, by start) they queue. The deadlocks are counted where the
  server counts them, ``antrian_transaction_retries_total{reason="deadlock"}``.
- A booking whose slot row a stuck transaction holds waits ``BOOKING_LOCK_TIMEOUT_MS``, then answers
  503 ``busy`` with ``Retry-After`` and changes nothing; once the row is free the same booking is made.
"""

from __future__ import annotations

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from booking.db import TRANSACTION_RETRIES, Database
from booking.http.app import create_app
from booking.invariants import capacity_violations
from booking.models import Booking, BookingStatus, SlotLoad
from tests.crowd import fire
from tests.factories import TOMORROW, at, booking_body, make_site
from tests.inprocess_server import serving

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
PER_SIDE = 10  # citizens moving each way in one round
ROUNDS = 3  # back and forth: one round could happen not to overlap
CLIENT_TIMEOUT_S = 60.0  # a bound, not a wait


def deadlocks() -> float:
    return TRANSACTION_RETRIES.labels(reason="deadlock")._value.get()


def move(base_url: str, made: dict, start: str) -> dict:
    return {
        "url": f"{base_url}/api/v1/bookings/{made['code']}/reschedule",
        "json": {"start": start},
        "headers": {"X-Booking-Token": made["manage_token"]},
    }


@on_postgresql
def test_reschedules_crossing_each_others_slots_queue_instead_of_deadlocking(settings, db, clock):
    make_site(db, counters=1, capacity=2 * PER_SIDE, quota=100)
    early, late = at(TOMORROW, 8), at(TOMORROW, 11)
    with serving(create_app(settings, db=db, clock=clock)) as server, httpx.Client(timeout=CLIENT_TIMEOUT_S) as http:
        made = []
        for n in range(2 * PER_SIDE):
            answer = http.post(
                f"{server}/api/v1/sites/uji/bookings", json=booking_body(early if n % 2 else late, n + 1)
            )
            assert answer.status_code == 201, answer.text
            made.append(answer.json())
        at_early, at_late = made[1::2], made[0::2]
        before = deadlocks()

        for round_ in range(ROUNDS):
            crowd = [move(server, booking, late) for booking in at_early]
            crowd += [move(server, booking, early) for booking in at_late]
            result = fire(server, crowd, processes=4)

            assert [answer for answer in result.answers if answer.status != 200] == []
            assert result.peak_in_flight > 1, "the moves did not overlap"
            at_early, at_late = at_late, at_early
            with db.read() as session:
                assert capacity_violations(session) == []
                assert sorted(session.scalars(select(SlotLoad.booked))) == [PER_SIDE, PER_SIDE], round_

    assert deadlocks() == before


@on_postgresql
def test_a_slot_held_past_the_lock_timeout_answers_503_busy_and_books_nothing(settings, database_url, clock):
    db = Database(database_url, lock_timeout_ms=300)
    try:
        make_site(db, counters=1, capacity=5)
        with TestClient(create_app(settings, db=db, clock=clock)) as client:
            first = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 1))
            assert first.status_code == 201, first.text

            with db.read() as stuck:  # a transaction that took the slot's row and never ends (until we say)
                assert stuck.scalar(select(SlotLoad.booked).with_for_update()) == 1
                answer = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 2))

            assert answer.status_code == 503, answer.text
            assert answer.json()["code"] == "busy"
            assert answer.headers["Retry-After"] == "1"
            with db.read() as session:
                assert session.scalar(select(func.count()).select_from(Booking)) == 1
                assert session.scalar(select(SlotLoad.booked)) == 1

            again = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9), 2))
            assert again.status_code == 201, again.text
            with db.read() as session:
                assert set(session.scalars(select(Booking.status))) == {BookingStatus.confirmed}
                assert session.scalar(select(SlotLoad.booked)) == 2
    finally:
        db.dispose()
