"""An admin change and a booking of the same counter at the same moment (two real transactions, held
open on purpose): the change waits for the booking and then settles it, so no slot keeps a capacity
the new rules do not give. On PostgreSQL this needs the row locks of ``hold_rules`` and
``capacity_changes``; on SQLite one writer at a time gives the same order.

Each race is proven to have happened, not assumed after a sleep: while the first transaction is held open,
the test waits until the second is seen waiting for it (tests/locks.py: PostgreSQL's ``pg_blocking_pids``,
or SQLite's writer turn).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking
from booking.invariants import capacity_violations
from booking.models import Booking, Counter, Site, SlotLoad
from tests.factories import TOMORROW, at, bearer, make_site, make_staff, nik
from tests.gateways import wait_until
from tests.locks import holder, someone_waits_for

DEADLINE_S = 60.0  # a bound, not a wait: each wait ends as soon as what it waits for is seen


def test_removing_the_days_hours_waits_for_a_booking_in_flight_and_settles_it(client, db, clock, settings):
    make_site(db, capacity=1, counters=1)
    make_staff(db, "kepala", role="admin")
    admin = bearer(client, "kepala")
    rule = next(
        r["id"]
        for r in client.get("/api/v1/admin/counters", headers=admin).json()[0]["rules"]
        if r["weekday"] == TOMORROW.weekday()
    )
    booked_in_flight, may_commit = threading.Event(), threading.Event()
    held = []

    def citizen_books() -> None:
        with db.write() as session:
            site = session.scalar(select(Site).where(Site.slug == "uji"))
            request = BookingRequest(
                service="KTP", start=at(TOMORROW, 9), nik=nik(1), name="Siti", phone="081234567890"
            )
            create_booking(session, site, request, now=clock(), secret_key=settings.secret_key)
            held.append(holder(session))
            booked_in_flight.set()
            may_commit.wait(timeout=DEADLINE_S)

    answers = []
    booking = threading.Thread(target=citizen_books)
    booking.start()
    change = None
    try:
        assert booked_in_flight.wait(timeout=DEADLINE_S)
        assert not someone_waits_for(db, held[0])  # nobody yet: what is seen below is the change
        change = threading.Thread(
            target=lambda: answers.append(
                client.delete(f"/api/v1/admin/rules/{rule}?force=true", headers=admin)
            )
        )
        change.start()
        assert wait_until(lambda: someone_waits_for(db, held[0]), timeout=DEADLINE_S), "the change never waited"
        assert change.is_alive() and answers == [], "the admin change did not wait for the booking in flight"
    finally:
        may_commit.set()
        booking.join(timeout=DEADLINE_S)
        if change is not None:
            change.join(timeout=DEADLINE_S)

    assert answers and answers[0].status_code == 204, answers[0].text if answers else "no answer"
    with db.read() as session:
        assert session.scalar(select(Booking.status)) == "cancelled"  # settled by the change, with a notice
        # the emptied row is gone or says 0: the next booking finds the new rules either way
        assert [load.capacity for load in session.scalars(select(SlotLoad)) if load.capacity > 0] == []
        assert capacity_violations(session) == []


# SQLite's writers take turns by design (booking/db.py), so this is a PostgreSQL property only.
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_two_bookings_of_one_service_in_flight_do_not_wait_for_each_other(db, clock, settings):
    """Both hold the service's and counters' rows against admin changes, in a shared mode: the second
    books, and commits, while the first is still open."""
    make_site(db, capacity=2, counters=2)
    first_in_flight, may_commit = threading.Event(), threading.Event()

    def book(n: int, hold: bool) -> None:
        with db.write() as session:
            site = session.scalar(select(Site).where(Site.slug == "uji"))
            start = at(TOMORROW, 9, 30 * (n - 1))  # other slots: a new row of the same slot would wait
            request = BookingRequest(service="KTP", start=start, nik=nik(n), name="Siti", phone="081234567890")
            create_booking(session, site, request, now=clock(), secret_key=settings.secret_key)
            if hold:
                first_in_flight.set()
                may_commit.wait(timeout=DEADLINE_S)

    first = threading.Thread(target=book, args=(1, True))
    first.start()
    try:
        assert first_in_flight.wait(timeout=DEADLINE_S)
        second = threading.Thread(target=book, args=(2, False))
        second.start()
        second.join(timeout=DEADLINE_S)  # had it waited for the first, it would still be waiting
        assert not second.is_alive(), "the second booking waited for the first to commit"
        assert first.is_alive()  # the first is still open: the two overlapped
    finally:
        may_commit.set()
        first.join(timeout=DEADLINE_S)
    with db.read() as session:
        assert len(session.scalars(select(Booking)).all()) == 2


def test_a_booking_whose_first_counter_fills_meanwhile_takes_the_other_and_says_so(db, clock, settings):
    """Both bookings want the emptier counter; the second waits for the first (PostgreSQL: for the first's
    new row of that slot; SQLite: for its turn to write) and, when its turn comes, finds that counter full
    and takes the other one."""
    make_site(db, capacity=1, counters=2)
    first_in_flight, may_commit = threading.Event(), threading.Event()
    made: dict[int, tuple[str, str]] = {}
    held = []

    def book(n: int, hold: bool) -> None:
        with db.write() as session:
            site = session.scalar(select(Site).where(Site.slug == "uji"))
            request = BookingRequest(
                service="KTP", start=at(TOMORROW, 9), nik=nik(n), name="Siti", phone="081234567890"
            )
            new = create_booking(session, site, request, now=clock(), secret_key=settings.secret_key)
            made[n] = (new.booking.code, new.booking.counter.label)
            if hold:
                held.append(holder(session))
                first_in_flight.set()
                may_commit.wait(timeout=DEADLINE_S)

    first = threading.Thread(target=book, args=(1, True))
    first.start()
    second = None
    try:
        assert first_in_flight.wait(timeout=DEADLINE_S)
        assert not someone_waits_for(db, held[0])  # nobody yet: what is seen below is the second booking
        second = threading.Thread(target=book, args=(2, False))
        second.start()
        assert wait_until(lambda: someone_waits_for(db, held[0]), timeout=DEADLINE_S), "the second never waited"
        assert 2 not in made  # it is waiting, not done
    finally:
        may_commit.set()
        first.join(timeout=DEADLINE_S)
        if second is not None:
            second.join(timeout=DEADLINE_S)

    assert made[1][1] != made[2][1], made  # one place each, on different counters
    with db.read() as session:
        stored = {code: label for code, label in session.execute(select(Booking.code, Counter.label).join(Counter))}
        assert stored == {code: label for code, label in made.values()}  # what it answered is what is stored
        assert capacity_violations(session) == []
