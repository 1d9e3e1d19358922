"""A flash crowd on a full day's waiting list through a real server, from several processes, on both databases:
40 citizens joining while 10 booked citizens cancel, all at one moment. What must hold, counted afterwards in
the database: every freed place is held for exactly one entry, and those are the first ten in list order;
no entry holds two places; each hold has one offer message; the day stays full (a freed place is never on
sale, so every joiner still gets in line); the capacity counters equal the bookings; no request gets a 5xx.
Then every offer is accepted twice at once: each becomes one booking, the second tap is ``offer_used``."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from booking.http.app import create_app
from booking.invariants import capacity_violations
from booking.models import Booking, Notification, SlotLoad, WaitlistEntry
from tests.crowd import fire
from tests.factories import TOMORROW, at, booking_body, make_site, nik
from tests.inprocess_server import serving

pytestmark = pytest.mark.slow
CLIENT_TIMEOUT_S = 60.0  # a bound, not a wait
PLACES = 10  # two counters, one place each, five half-hour slots 08.00-10.30
EARLY, CROWD = 10, 40  # joined one by one first (so each cancel finds someone waiting), then with the cancels


@pytest.fixture
def server(settings, db, clock):
    make_site(db, capacity=1, counters=2, closes=dt.time(10, 30), break_=None)
    with serving(create_app(settings, db=db, clock=clock)) as base_url:
        yield base_url


def join_request(base_url: str, n: int) -> dict:
    citizen = {"nik": nik(n), "name": "Budi Santoso", "phone": "081298765432"}
    body = {"service": "KTP", "date": TOMORROW.isoformat(), "citizen": citizen, "channels": ["sms"]}
    return {"url": f"{base_url}/api/v1/sites/uji/waitlist", "json": body}


def test_fifty_joining_and_ten_cancelling_at_once_offer_each_freed_place_to_one_entry_in_list_order(server, db):
    with httpx.Client(base_url=server, timeout=CLIENT_TIMEOUT_S) as client:
        starts = [at(TOMORROW, 8 + half // 2, 30 * (half % 2)) for half in range(PLACES // 2)]
        booked = []
        for n, start in enumerate(starts * 2, start=1):
            answer = client.post("/api/v1/sites/uji/bookings", json=booking_body(start, n))
            assert answer.status_code == 201, answer.text
            booked.append(answer.json())
        early = [client.post(**join_request(server, 100 + n)) for n in range(EARLY)]
        assert [answer.json()["position"] for answer in early] == list(range(1, EARLY + 1))

    cancels = [
        {"url": f"{server}/api/v1/bookings/{made['code']}/cancel", "headers": {"X-Booking-Token": made["manage_token"]}}
        for made in booked
    ]
    joins = [join_request(server, 200 + n) for n in range(CROWD)]
    crowd = [request for pair in zip(joins[: len(cancels)], cancels, strict=True) for request in pair]
    crowd += joins[len(cancels) :]

    result = fire(server, crowd, processes=4, keep_bodies=True)

    statuses = Counter(answer.status for answer in result.answers)
    assert statuses == {201: CROWD, 200: PLACES}, [a for a in result.answers if a.status not in (200, 201)]
    assert result.peak_in_flight > 1, "the requests did not overlap"
    with db.read() as session:
        entries = session.scalars(select(WaitlistEntry).order_by(WaitlistEntry.id)).all()
        assert len(entries) == EARLY + CROWD
        offered = [entry for entry in entries if entry.status == "offered"]
        assert offered == entries[:PLACES]  # the first ten in list order, none after them
        holds = [session.get(Booking, entry.hold_id) for entry in offered]
        assert len({hold.id for hold in holds}) == PLACES  # one place each, never two for one entry
        assert all(hold.held_until is not None and hold.status == "confirmed" for hold in holds)
        cancelled_places = {
            (b.counter_id, b.starts_at) for b in session.scalars(select(Booking).where(Booking.status == "cancelled"))
        }
        assert {(hold.counter_id, hold.starts_at) for hold in holds} == cancelled_places
        offers = Counter(session.scalars(select(Notification.booking_id).where(Notification.kind == "waitlist_offer")))
        assert offers == {hold.id: 1 for hold in holds}
        assert session.scalar(select(func.sum(SlotLoad.booked))) == PLACES  # the day never had a free place
        assert capacity_violations(session) == []
    # everyone still waiting has a place in line, 1 to 40, with nobody skipped
    with httpx.Client(base_url=server, timeout=CLIENT_TIMEOUT_S) as client:
        tokens = [answer.body["token"] for answer in result.answers if answer.status == 201]
        positions = sorted(client.get(f"/api/v1/sites/uji/waitlist/{token}").json()["position"] for token in tokens)
        assert positions == list(range(1, CROWD + 1))

    # every offer accepted twice at once (a double tap): one booking each, the second tap refused
    accepts = [{"url": f"{server}/api/v1/sites/uji/waitlist/{answer.json()['token']}/accept"} for answer in early]
    accepted = fire(server, accepts * 2, processes=4)
    assert Counter(answer.status for answer in accepted.answers) == {201: PLACES, 409: PLACES}
    assert {answer.code for answer in accepted.answers if answer.status == 409} == {"offer_used"}
    with db.read() as session:
        day = select(Booking).where(Booking.local_date == TOMORROW, Booking.status == "confirmed")
        kept = session.scalars(day).all()
        assert len(kept) == PLACES and all(booking.held_until is None for booking in kept)
        assert len({booking.citizen_nik_hash for booking in kept}) == PLACES
        assert capacity_violations(session) == []
