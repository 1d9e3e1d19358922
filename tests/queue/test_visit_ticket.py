"""A visit of several services takes one ticket at the kiosk, and the ticket moves from agency to agency."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from booking.models import Booking
from tests.factories import MONDAY_MORNING, at, nik
from tests.queue.conftest import TODAY


def book_chain(floor) -> dict:
    """KTP at dukcapil at 08.00, then PKB at samsat at 09.00: booked the evening before."""
    now, floor.clock.now = floor.clock.now, MONDAY_MORNING - dt.timedelta(hours=12)
    body = {
        "steps": [{"service": "KTP", "start": at(TODAY, 8)}, {"service": "PKB", "start": at(TODAY, 9)}],
        "citizens": [{"nik": nik(1), "name": "Siti Aminah", "phone": "081234567890"}],
    }
    try:
        answer = floor.client.post("/api/v1/sites/uji/visits", json=body)
    finally:
        floor.clock.now = now
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_one_ticket_serves_the_visit_from_agency_to_agency(floor, db):
    visit = book_chain(floor)
    floor.at(7, 50)
    ticket = floor.ticket(visit["code"])

    assert floor.called("Loket 1") == ticket
    assert floor.step(ticket, "done").status_code == 200

    shown = floor.client.get(f"/api/v1/sites/uji/tickets/{ticket}").json()
    assert shown["status"] == "waiting" and shown["agency"]["slug"] == "samsat"
    assert floor.call("Loket 9", floor.budi).json()["ticket"] == ticket
    again = floor.arrive(visit["visit"][0]["code"])  # the next step's own code finds the same ticket
    assert again.status_code == 200 and again.json()["ticket"] == ticket
    with db.read() as session:
        statuses = dict(session.execute(select(Booking.code, Booking.status)).all())
    assert statuses[visit["code"].replace("-", "")] == "served"
    assert statuses[visit["visit"][0]["code"].replace("-", "")] == "checked_in"

    assert floor.step(ticket, "done", floor.budi).status_code == 200
    with db.read() as session:
        second = session.scalar(select(Booking).where(Booking.code == visit["visit"][0]["code"].replace("-", "")))
        assert second.status == "served"
