"""Walk-in capacity: online booking never takes the share the rules keep for walk-ins, and a walk-in
never overbooks a slot."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import update

from booking.invariants import capacity_violations
from tests.factories import WIB, add_agency, at, bearer, booking_body, make_site, make_staff
from tests.staff.conftest import TODAY


@pytest.fixture
def hall(client, db, clock):
    """One counter, 3 places per slot of which 1 is kept for walk-ins; the clerk logged in."""
    make_site(db, capacity=3, counters=1, walk_in_places=1)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    return bearer(client, "ani")


def walk_in(client, headers, n: int, service: str = "KTP"):
    body = {"service": service, "citizen": {"nik": f"331601170885{9000 + n:04d}", "name": "Warga Datang"}}
    return client.post("/api/v1/staff/walk-ins", json=body, headers=headers)


def slot_remaining(client, day, start) -> int:
    days = client.get(f"/api/v1/sites/uji/services/KTP/availability?from={day}&to={day}").json()["days"]
    return next(slot["remaining"] for slot in days[0]["slots"] if slot["start"] == start)


def test_online_booking_stops_at_the_walk_in_share(client, db, hall):
    start = at(TODAY, 9)
    assert slot_remaining(client, TODAY, start) == 2  # 3 places, 1 held back
    for n in (1, 2):
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(start, n)).status_code == 201
    assert slot_remaining(client, TODAY, start) == 0
    refused = client.post("/api/v1/sites/uji/bookings", json=booking_body(start, 3))
    assert refused.status_code == 409 and refused.json()["code"] == "slot_full"
    with db.read() as session:
        assert capacity_violations(session) == []


def test_walk_ins_fill_the_current_slot_then_the_next_and_never_overbook(client, db, clock, hall):
    clock.now = dt.datetime.combine(TODAY, dt.time(8, 10), tzinfo=dt.timezone(dt.timedelta(hours=7)))
    # online citizens booked the 08:00 slot to its online limit earlier
    clock.now -= dt.timedelta(days=1)
    for n in (1, 2):
        assert client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TODAY, 8), n)).status_code == 201
    clock.now += dt.timedelta(days=1)

    first = walk_in(client, hall, 1)
    assert first.status_code == 201, first.text
    assert first.json()["start"] == at(TODAY, 8) and first.json()["status"] == "checked_in"
    assert first.json()["walk_in"] is True
    placed = [walk_in(client, hall, n).json()["start"] for n in (2, 3, 4)]
    assert placed == [at(TODAY, 8, 30)] * 3  # the 08:00 slot is full; the next has three places
    full = walk_in(client, hall, 5)
    assert full.status_code == 409 and full.json()["code"] == "slot_full"  # only the current and next slot
    with db.read() as session:
        assert capacity_violations(session) == []


def test_a_walk_in_takes_no_daily_quota(client, db, clock, hall):
    clock.now = dt.datetime.combine(TODAY, dt.time(7, 50), tzinfo=dt.timezone(dt.timedelta(hours=7)))
    for n in range(1, 4):
        assert walk_in(client, hall, n, service="KK").status_code == 201
    quota = client.get(f"/api/v1/sites/uji/services/KK/availability?from={TODAY}&to={TODAY}").json()["days"][0]
    assert quota["status"] == "open"  # the quota of 3 limits online booking only


def test_another_agency_s_service_is_forbidden_and_an_unknown_one_is_explained(client, hall):
    assert walk_in(client, hall, 1, service="PKB").status_code == 403
    unknown = walk_in(client, hall, 1, service="NOPE")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "service_unknown"


def test_a_walk_in_with_a_wrong_nik_is_refused_field_by_field(client, hall):
    answer = client.post(
        "/api/v1/staff/walk-ins", json={"service": "KTP", "citizen": {"nik": "123", "name": "X"}}, headers=hall
    )
    assert answer.status_code == 422
    assert {error["field"] for error in answer.json()["errors"]} == {"nik", "name"}


@pytest.mark.slow
def test_online_citizens_and_clerks_racing_for_the_same_slot_keep_both_limits(settings, db, clock):
    """Ten online bookings and ten walk-ins fired at the same moment through a real server (four client
    processes), on a clock the test holds: 07.50 in Blora, before the counter opens at 08.00.

    The counter has 8 places a slot, 2 of them kept for walk-ins. The walk-ins take the current slot (08.00)
    then the next (08.30): eight fill 08.00, two go on to 08.30. Online citizens all want 08.30, where at most
    6 places are theirs, and the two walk-ins leave exactly 6. So whatever the interleaving, exactly 6 online
    and all 10 walk-ins are booked and both slots end exactly full: an online booking past its share, a
    walk-in refused a free place, or a slot over capacity each changes a count below."""
    import httpx
    from sqlalchemy import func, select

    from booking.http.app import create_app
    from booking.models import Booking, Site
    from tests.crowd import fire
    from tests.inprocess_server import serving
    from tests.queue.conftest import local

    make_site(db, capacity=8, counters=1, walk_in_places=2)
    make_staff(db, "ani", agency="dukcapil")
    with db.write() as session:  # no lead time: online citizens can book the next slot, as walk-ins can
        session.execute(update(Site).values(min_lead_minutes=0))
    clock.now = local(7, 50)
    with serving(create_app(settings, db=db, clock=clock)) as base_url:
        with httpx.Client(base_url=base_url, timeout=60) as client:
            clerk = bearer(client, "ani")
        online = [
            {"url": f"{base_url}/api/v1/sites/uji/bookings", "json": booking_body(at(TODAY, 8, 30), n)}
            for n in range(1, 11)
        ]
        walk_ins = [
            {
                "url": f"{base_url}/api/v1/staff/walk-ins",
                "json": {"service": "KTP", "citizen": {"nik": f"331601170885{9000 + n:04d}", "name": "Warga"}},
                "headers": clerk,
            }
            for n in range(1, 11)
        ]
        result = fire(
            base_url, [request for pair in zip(online, walk_ins, strict=True) for request in pair], processes=4
        )

    answers = result.answers
    assert result.peak_in_flight > 1, "the requests did not overlap"
    assert all(answer.status in (201, 409) for answer in answers), [a for a in answers if a.status not in (201, 409)]
    online_answers, walk_in_answers = answers[0::2], answers[1::2]
    assert Counter((a.status, a.code) for a in online_answers) == {(201, None): 6, (409, "slot_full"): 4}
    assert Counter(a.status for a in walk_in_answers) == {201: 10}
    with db.read() as session:
        assert capacity_violations(session) == []
        per_slot = dict(session.execute(select(Booking.starts_at, func.count()).group_by(Booking.starts_at)).all())
        online_per_slot = dict(
            session.execute(
                select(Booking.starts_at, func.count()).where(Booking.walk_in.is_(False)).group_by(Booking.starts_at)
            ).all()
        )
    local_starts = {start.astimezone(WIB).strftime("%H:%M"): count for start, count in per_slot.items()}
    assert local_starts == {"08:00": 8, "08:30": 8}
    assert {start.astimezone(WIB).strftime("%H:%M"): n for start, n in online_per_slot.items()} == {"08:30": 6}
