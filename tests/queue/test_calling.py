"""A clerk at a counter: call next in the queue's order, recall, start, done, missed, comeback, transfer."""

from __future__ import annotations

from sqlalchemy import select

from booking.models import AuditEntry, Booking, BookingStatus


def booking_status(floor, code: str) -> str:
    with floor.db.read() as session:
        return session.scalar(select(Booking.status).where(Booking.code == code.replace("-", "")))


def test_the_order_on_the_floor_priority_then_booked_at_their_time_then_walk_ins_then_the_early(floor):
    booked = floor.book(8, 30)
    floor.at(8, 0)
    walk_in = floor.ticket(service="KTP")
    floor.at(8, 5)
    booked_ticket = floor.ticket(booked)  # early: the slot begins at 08:30
    floor.at(8, 10)
    elderly = floor.ticket(service="KTP", priority="elderly")

    floor.at(8, 15)
    first = floor.called("Loket 1")
    second = floor.called("Loket 2")  # walk-in before a booked citizen whose time has not come
    for ticket in (first, second):
        assert floor.step(ticket, "done").status_code == 200
    floor.at(8, 25)
    late_walk_in = floor.ticket(service="KTP")
    floor.at(8, 30)
    third = floor.called("Loket 1")  # the booked citizen's time has come: ahead of the walk-in who waits
    fourth = floor.called("Loket 2")

    assert [first, second, third, fourth] == [elderly, walk_in, booked_ticket, late_walk_in]


def test_an_early_booked_citizen_is_called_when_the_counter_has_nobody_else(floor):
    code = floor.book(11)
    floor.at(10, 0)
    ticket = floor.ticket(code)
    floor.at(10, 5)
    assert floor.called("Loket 1") == ticket


def test_a_counter_calls_only_the_services_it_serves_and_one_citizen_at_a_time(floor):
    floor.at(8, 0)
    floor.ticket(service="PKB")  # samsat's
    first = floor.ticket(service="KTP")
    floor.ticket(service="KTP")

    assert floor.called("Loket 1") == first
    busy = floor.call("Loket 1")
    assert (busy.status_code, busy.json()["code"]) == (409, "counter_busy")
    assert first in busy.json()["detail"]


def test_an_empty_queue_says_so(floor):
    floor.at(8, 0)
    floor.ticket(service="PKB")
    answer = floor.call("Loket 1")
    assert (answer.status_code, answer.json()["code"]) == (409, "queue_empty")


def test_done_serves_the_booking_and_frees_the_counter(floor):
    code = floor.book(8, 30)
    floor.at(8, 20)
    ticket = floor.ticket(code)
    floor.at(8, 30)
    assert floor.called() == ticket
    started = floor.step(ticket, "start").json()
    floor.at(8, 42)
    done = floor.step(ticket, "done").json()

    assert (started["status"], done["status"]) == ("serving", "done")
    assert booking_status(floor, code) == BookingStatus.served
    floor.ticket(service="KTP")
    assert floor.call().status_code == 200  # the counter is free again


def test_missed_only_after_the_recalls_then_the_booking_is_a_no_show_until_the_citizen_comes_back(floor):
    code = floor.book(8, 30)
    floor.at(8, 25)
    ticket = floor.ticket(code)
    floor.at(8, 30)
    floor.called()

    too_soon = floor.step(ticket, "missed")
    recalls = [floor.step(ticket, "recall").json()["status"] for _ in range(2)]
    missed = floor.step(ticket, "missed")

    assert (too_soon.status_code, too_soon.json()["code"]) == (409, "invalid_transition")
    assert "2" in too_soon.json()["detail"]
    assert recalls == ["called", "called"]
    assert missed.json()["status"] == "missed"
    assert booking_status(floor, code) == BookingStatus.no_show

    floor.at(8, 50)
    back = floor.arrive(code)  # the citizen scans their code again at the kiosk
    assert (back.status_code, back.json()["status"], back.json()["ticket"]) == (200, "waiting", ticket)
    assert booking_status(floor, code) == BookingStatus.checked_in
    floor.called()
    floor.step(ticket, "recall")
    floor.step(ticket, "recall")
    floor.step(ticket, "missed")
    twice = floor.step(ticket, "comeback")
    assert (twice.status_code, twice.json()["code"]) == (409, "invalid_transition")  # once only


def test_a_transfer_keeps_the_number_and_the_place_in_the_day(floor):
    floor.at(8, 0)
    ticket = floor.ticket(service="KTP")
    floor.at(8, 5)
    later = floor.ticket(service="PKB")  # already waiting at samsat
    floor.called("Loket 1")

    moved = floor.step(ticket, "transfer", service="PKB")

    assert moved.status_code == 200, moved.text
    assert (moved.json()["ticket"], moved.json()["agency"]["slug"], moved.json()["status"]) == (
        ticket,
        "samsat",
        "waiting",
    )
    assert moved.json()["position"] == 1  # arrived at 08:00, before the one who came at 08:05
    assert floor.call("Loket 9", clerk=floor.budi).json()["ticket"] == ticket
    assert floor.call("Loket 9", clerk=floor.budi).json()["code"] == "counter_busy"
    floor.step(ticket, "done", clerk=floor.budi)
    assert floor.call("Loket 9", clerk=floor.budi).json()["ticket"] == later


def test_a_transfer_to_a_service_the_site_lacks_changes_nothing(floor):
    floor.at(8, 0)
    ticket = floor.ticket(service="KTP")
    floor.called()
    answer = floor.step(ticket, "transfer", service="NOPE")
    assert (answer.status_code, answer.json()["code"]) == (422, "validation_error")
    assert floor.client.get(f"/api/v1/sites/uji/tickets/{ticket}").json()["status"] == "called"


def test_a_clerk_of_another_agency_can_neither_call_at_nor_touch_what_is_not_theirs(floor):
    floor.at(8, 0)
    ticket = floor.ticket(service="KTP")
    assert floor.call("Loket 1", clerk=floor.budi).status_code == 403
    floor.called("Loket 1")
    assert floor.step(ticket, "recall", clerk=floor.budi).status_code == 403
    assert floor.call("Loket 404").status_code == 404
    assert floor.step("A-999", "recall").status_code == 404
    assert floor.client.get(f"/api/v1/sites/uji/tickets/{ticket}").json()["status"] == "called"


def test_every_step_is_audited_under_the_clerks_name(floor):
    floor.at(8, 0)
    ticket = floor.ticket(service="KTP")
    floor.called()
    floor.step(ticket, "recall")
    floor.step(ticket, "start")
    floor.step(ticket, "done")
    with floor.db.read() as session:
        entries = session.scalars(
            select(AuditEntry.action).where(AuditEntry.actor == "ani").order_by(AuditEntry.id)
        ).all()
    assert entries == ["ticket.call", "ticket.recall", "ticket.start", "ticket.done"]


def test_the_board_shows_calls_and_counts_and_no_personal_data(floor):
    code = floor.book(8, 30)
    floor.at(8, 20)
    booked = floor.ticket(code)
    floor.ticket(service="PKB")
    floor.at(8, 30)
    floor.called("Loket 2")

    board = floor.client.get("/api/v1/sites/uji/queue")

    assert board.status_code == 200
    body = board.json()
    assert [(c["ticket"], c["counter"]) for c in body["calling"]] == [(booked, "Loket 2")]
    assert [(w["agency"], w["count"]) for w in body["waiting"]] == [("samsat", 1)]
    assert "Siti" not in board.text and "3316" not in board.text and "0812" not in board.text


def test_the_ticket_page_data_follows_the_ticket(floor):
    floor.at(8, 0)
    first = floor.ticket(service="KTP")
    second = floor.ticket(service="KTP")
    before = floor.client.get(f"/api/v1/sites/uji/tickets/{second}").json()
    floor.called()
    after = floor.client.get(f"/api/v1/sites/uji/tickets/{second}").json()
    called = floor.client.get(f"/api/v1/sites/uji/tickets/{first}").json()

    assert (before["position"], before["ahead"], before["estimated_wait_minutes"]) == (2, 1, 8)  # 15 min / 2 counters
    assert (after["position"], after["ahead"], after["estimated_wait_minutes"]) == (1, 0, 0)
    assert (called["status"], called["counter"], called["position"]) == ("called", "Loket 1", None)
