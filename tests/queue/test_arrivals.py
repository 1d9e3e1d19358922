"""Taking a ticket at the door: booked citizens by their code, walk-ins by service, and every refusal."""

from __future__ import annotations

from sqlalchemy import func, select

from booking.bookings import cancel_booking
from booking.invariants import capacity_violations
from booking.models import Booking, BookingStatus, Ticket
from tests.factories import TOMORROW, add_closure, make_site
from tests.queue.conftest import TODAY


def booking_status(floor, code: str) -> str:
    with floor.db.read() as session:
        return session.scalar(select(Booking.status).where(Booking.code == code.replace("-", "")))


def test_a_booked_citizen_gets_a_numbered_ticket_that_checks_the_booking_in(floor):
    code = floor.book(9)
    floor.at(8, 10)

    answer = floor.arrive(code)

    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["ticket"] == "A-001"
    assert (ticket["kind"], ticket["status"], ticket["position"], ticket["ahead"]) == ("booked", "waiting", 1, 0)
    assert ticket["agency"]["slug"] == "dukcapil" and ticket["service"]["code"] == "KTP"
    assert ticket["ticket_url"] == "http://antrian.test/t/uji/A-001"
    assert ticket["estimated_wait_minutes"] == 50  # nobody ahead, but the slot begins at 09:00
    assert booking_status(floor, code) == BookingStatus.checked_in


def test_one_code_gives_one_ticket_however_often_it_is_scanned(floor):
    code = floor.book(9)
    floor.at(8, 30)
    first = floor.arrive(code)
    again = [floor.arrive(code.lower().replace("-", " ")) for _ in range(3)]

    assert first.status_code == 201
    assert [answer.status_code for answer in again] == [200, 200, 200]
    assert {answer.json()["ticket"] for answer in again} == {first.json()["ticket"]}
    with floor.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_numbers_count_per_agency_per_day(floor):
    floor.at(8, 5)
    labels = [floor.ticket(service="KTP"), floor.ticket(service="PKB"), floor.ticket(service="KK")]
    assert labels == ["A-001", "SAM-001", "A-002"]


def test_a_booked_citizen_too_early_is_told_when_to_come(floor):
    code = floor.book(11)
    floor.at(9, 30)  # the site lets booked citizens in 60 minutes before their time

    answer = floor.arrive(code)

    assert answer.status_code == 409
    assert answer.json()["code"] == "too_early"
    assert "10:00" in answer.json()["detail"]
    assert booking_status(floor, code) == BookingStatus.confirmed


def test_a_booked_citizen_too_late_queues_as_a_walk_in(floor):
    code = floor.book(8)
    floor.at(8, 16)  # 15 minutes late still keeps the time; 16 does not

    ticket = floor.arrive(code).json()

    assert ticket["kind"] == "walk_in"
    assert booking_status(floor, code) == BookingStatus.checked_in


def test_codes_that_cannot_give_a_ticket_today_are_refused_and_change_nothing(floor):
    tomorrow = floor.book(9, day=TOMORROW)
    cancelled = floor.book(9, 30)
    with floor.db.write() as session:  # the citizen cancelled by their link
        booking = session.scalar(select(Booking).where(Booking.code == cancelled.replace("-", "")))
        cancel_booking(session, booking, now=floor.clock.now)
    floor.at(8, 40)
    make_site(floor.db, slug="lain")

    answers = {
        "another day": floor.arrive(tomorrow),
        "cancelled": floor.arrive(cancelled),
        "unknown": floor.arrive("ZZZZ-ZZZZ"),
        "another site": floor.client.post("/api/v1/sites/lain/arrivals", json={"code": tomorrow}),
        "nothing": floor.client.post("/api/v1/sites/uji/arrivals", json={}),
        "both": floor.client.post("/api/v1/sites/uji/arrivals", json={"code": tomorrow, "service": "KTP"}),
        "bad priority": floor.arrive(service="KTP", priority="vip"),
        "unknown service": floor.arrive(service="NOPE"),
    }

    assert {name: (a.status_code, a.json()["code"]) for name, a in answers.items()} == {
        "another day": (409, "wrong_day"),
        "cancelled": (409, "invalid_transition"),
        "unknown": (404, "not_found"),
        "another site": (404, "not_found"),
        "nothing": (422, "validation_error"),
        "both": (422, "validation_error"),
        "bad priority": (422, "validation_error"),
        "unknown service": (422, "validation_error"),
    }
    with floor.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert capacity_violations(session) == []


def test_a_walk_in_ticket_holds_a_walk_in_place_and_names_no_one(floor):
    floor.at(8, 5)

    ticket = floor.arrive(service="KTP", priority="elderly").json()

    assert (ticket["ticket"], ticket["kind"], ticket["priority"]) == ("A-001", "walk_in", "elderly")
    with floor.db.read() as session:
        booking = session.scalar(select(Booking))
        assert (booking.walk_in, booking.status, booking.citizen_name, booking.citizen_phone) == (
            True,
            BookingStatus.checked_in,
            None,
            None,
        )
        assert capacity_violations(session) == []


def test_when_todays_walk_in_places_are_gone_the_kiosk_offers_the_next_online_time(client, db, clock):
    from tests.queue.conftest import Floor

    make_site(db, capacity=1, counters=1)  # one place a slot: the current and the next slot hold two walk-ins
    floor = Floor(client, clock, db, {}, {}, {})
    floor.at(8, 5)

    answers = [floor.arrive(service="KTP") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 409]
    refusal = answers[2].json()
    assert refusal["code"] == "walk_ins_full"
    # online booking keeps its hour of lead time: from 08:05 the first bookable slot is 09:30
    assert refusal["next_online"] == f"{TODAY.isoformat()}T09:30:00+07:00"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 2


def test_a_walk_in_after_closing_time_or_on_a_closed_day_is_refused(floor):
    floor.at(12, 30)
    late = floor.arrive(service="KTP")
    add_closure(floor.db, "uji", TODAY, "Listrik padam")
    floor.at(9)
    closed = floor.arrive(service="KTP")

    assert (late.status_code, late.json()["code"]) == (409, "closed")
    assert "tutup untuk hari ini" in late.json()["detail"]
    assert (closed.status_code, closed.json()["code"]) == (409, "closed")
    assert "Listrik padam" in closed.json()["detail"]
