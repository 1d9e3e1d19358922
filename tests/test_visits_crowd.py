"""Families racing for the last places of a slot, from several OS processes against a real server.

Three places are left at two counters of two (one taken by a citizen booked alone); families of two and of
three ask for them at once. Whatever order the database puts them in: never overbooked, every family booked
whole or not at all, every refusal the visit's own clear 409, and no request failing (the families that
spread over both counters take them in one order, so none deadlocks another).
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from booking.invariants import capacity_violations
from booking.models import Booking, BookingStatus
from tests.crowd import fire
from tests.factories import at, booking_body, make_site, nik, wall_clock_tomorrow
from tests.server import running_server, server_log

pytestmark = pytest.mark.slow

FAMILIES = 24
PROCESSES = 4


def family_body(start: str, number: int, size: int) -> dict:
    first = 100 + number * 4
    citizens = [{"nik": nik(first), "name": f"Keluarga {number}", "phone": "081234567890"}]
    citizens += [{"nik": nik(first + n), "name": f"Anggota {number} {n}"} for n in range(1, size)]
    return {"steps": [{"service": "KTP", "start": start}], "citizens": citizens, "channels": ["sms"]}


def test_families_racing_for_the_last_places_are_each_booked_whole_or_not_at_all(database_url, db, tmp_path):
    make_site(db, capacity=2, counters=2)
    start = at(wall_clock_tomorrow(), 10, 30)  # the first slot after the break
    sizes = [2 + number % 2 for number in range(FAMILIES)]  # 2, 3, 2, 3, ...
    requests = [{"json": family_body(start, number, size)} for number, size in enumerate(sizes)]

    with running_server(database_url, tmp_path / "server") as base_url:
        alone = httpx.post(f"{base_url}/api/v1/sites/uji/bookings", json=booking_body(start, 1), timeout=60)
        assert alone.status_code == 201
        result = fire(f"{base_url}/api/v1/sites/uji/visits", requests, processes=PROCESSES, keep_bodies=True)

    failures = [answer for answer in result.answers if answer.status is None or answer.status >= 500]
    assert not failures, f"{failures[:3]}\n{server_log(tmp_path / 'server')[-3000:]}"
    refused = [answer for answer in result.answers if answer.status != 201]
    assert {(answer.status, answer.code) for answer in refused} <= {(409, "visit_does_not_fit")}
    booked = {answer.index for answer in result.answers if answer.status == 201}
    assert booked, "nobody got the last places"

    with db.read() as session:
        assert capacity_violations(session) == []
        rows = session.execute(
            select(Booking.citizen_name, Booking.visit_lead_id).where(Booking.status != BookingStatus.cancelled)
        ).all()
    assert len(rows) <= 4  # two counters of two places
    names = {name for name, _ in rows}
    for number, size in enumerate(sizes):
        members = {f"Keluarga {number}", *(f"Anggota {number} {n}" for n in range(1, size))}
        if number in booked:
            assert members <= names, f"family {number} booked only in part"
            assert len(result.answers[number].body["visit"]) == size - 1
        else:
            assert not members & names, f"family {number} was refused but holds places"
    assert sum(sizes[number] for number in booked) + 1 == len(rows)
