"""A closure for part of a day ("listrik padam" from 10.30): the slots it meets are closed, the others stay
bookable, and only the citizens booked in the closed hours lose their place (listed first, then cancelled
with a notice when the admin insists)."""

from __future__ import annotations

from tests.factories import TOMORROW, at, booking_body

ADMIN = "/api/v1/admin"
AFTERNOON_OFF = {
    "starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "from_time": "10:30", "reason": "Listrik padam",
}  # fmt: skip


def starts(office, day) -> list[str]:
    days = office.client.get(f"/api/v1/sites/uji/services/KTP/availability?from={day}&to={day}").json()["days"]
    return [slot["start"][11:16] for slot in days[0]["slots"]]


def test_a_closure_from_a_time_lists_only_the_bookings_in_those_hours_then_cancels_them(office):
    kept, dropped = office.book(9, 0, day=TOMORROW), office.book(11, 0, day=TOMORROW)
    refused = office.client.post(f"{ADMIN}/closures", json=AFTERNOON_OFF, headers=office.admin)
    assert refused.status_code == 409, refused.text
    assert [booking["code"] for booking in refused.json()["bookings"]] == [dropped]
    assert starts(office, TOMORROW) == ["08:00", "08:30", "09:00", "09:30", "10:30", "11:00", "11:30"]

    made = office.client.post(f"{ADMIN}/closures?force=true", json=AFTERNOON_OFF, headers=office.admin)
    assert made.status_code == 201, made.text
    assert made.json()["from_time"] == "10:30:00" and made.json()["until_time"] is None
    assert starts(office, TOMORROW) == ["08:00", "08:30", "09:00", "09:30"]
    status = {code: office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.admin).json()["status"]
              for code in (kept, dropped)}  # fmt: skip
    assert status == {kept: "confirmed", dropped: "cancelled"}
    late = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 11), n=77))
    assert late.status_code == 409 and late.json()["code"] == "closed"
    assert late.json()["detail"] == "Tidak bisa memesan pada hari itu: Listrik padam"
    early = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), n=78))
    assert early.status_code == 201


def test_a_closure_until_a_time_on_its_last_day_opens_after_it(office):
    body = {**AFTERNOON_OFF, "from_time": None, "until_time": "09:00"}
    assert office.client.post(f"{ADMIN}/closures", json=body, headers=office.admin).status_code == 201
    assert starts(office, TOMORROW) == ["09:00", "09:30", "10:30", "11:00", "11:30"]


def test_a_day_wholly_closed_by_hours_says_why(office):
    body = {**AFTERNOON_OFF, "from_time": "07:00", "until_time": "13:00"}
    assert office.client.post(f"{ADMIN}/closures", json=body, headers=office.admin).status_code == 201
    day = office.client.get(f"/api/v1/sites/uji/services/KTP/availability?from={TOMORROW}&to={TOMORROW}")
    assert day.json()["days"][0]["status"] == "closed"
    assert "Listrik padam" in day.json()["days"][0]["reason"]


def test_hours_that_cross_on_one_day_are_refused_by_the_field(office):
    body = {**AFTERNOON_OFF, "from_time": "11:00", "until_time": "10:00"}
    refused = office.client.post(f"{ADMIN}/closures", json=body, headers=office.admin)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "until_time", "code": "hours_reversed", "message": "Jam buka harus sebelum jam tutup."}
    ]
