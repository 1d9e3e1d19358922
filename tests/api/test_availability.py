"""Availability: open, full and closed days, with reasons; places summed over counters; time zones."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from booking.availability import BookedPlaces
from booking.models import Closure, Counter
from tests.factories import TOMORROW, add_closure, at, booking_body, make_site


def days(client, service="KTP", first=TOMORROW, last=None, site="uji", **headers):
    last = last or first
    response = client.get(
        f"/api/v1/sites/{site}/services/{service}/availability?from={first}&to={last}", headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()["days"]


def test_an_open_day_lists_its_slots_with_places_summed_over_counters(client, db):
    make_site(db, capacity=2, counters=3)
    day = days(client)[0]
    assert day["status"] == "open"
    assert [slot["start"][11:16] for slot in day["slots"]] == [
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:30",
        "11:00",
        "11:30",
    ]
    assert {slot["remaining"] for slot in day["slots"]} == {6}
    assert day["slots"][0] == {"start": "2026-12-01T08:00:00+07:00", "end": "2026-12-01T08:30:00+07:00", "remaining": 6}


def test_a_booking_takes_one_place_from_its_slot(client, db):
    make_site(db)
    client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 9)))
    slots = {slot["start"][11:16]: slot["remaining"] for slot in days(client)[0]["slots"]}
    assert slots["09:00"] == 3 and slots["08:00"] == 4


def test_a_day_whose_slots_are_all_taken_is_full(client, db):
    make_site(db, capacity=1, counters=1, opens=dt.time(8), closes=dt.time(9), break_=None)
    for n, hour_minute in enumerate(((8, 0), (8, 30)), start=1):
        assert (
            client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, *hour_minute), n)).status_code
            == 201
        )
    day = days(client)[0]
    assert day["status"] == "full"
    assert [slot["remaining"] for slot in day["slots"]] == [0, 0]  # both times shown, neither with a place


def test_a_used_up_daily_quota_makes_the_day_full_with_its_reason(client, db):
    make_site(db, quota=1)
    client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), service="KK"))
    day = days(client, service="KK")[0]
    assert day["status"] == "full"
    assert day["reason"] == "Kuota harian sudah habis"
    assert days(client, service="KTP")[0]["status"] == "open"  # the quota is the service's, not the counter's


def _booked_counter(client, start: str, n: int = 1) -> str:
    made = client.post("/api/v1/sites/uji/bookings", json=booking_body(start, n))
    assert made.status_code == 201, made.text
    return made.json()["counter"]["label"]


def test_a_counter_closed_for_the_day_counts_neither_its_places_nor_its_bookings(client, db):
    make_site(db, capacity=2, counters=2)
    closed = _booked_counter(client, at(TOMORROW, 9))
    with db.write() as session:
        counter = session.scalar(select(Counter).where(Counter.label == closed))
        session.add(Closure(counter_id=counter.id, starts_on=TOMORROW, ends_on=TOMORROW, reason="Loket rusak"))
    slots = {slot["start"][11:16]: slot["remaining"] for slot in days(client)[0]["slots"]}
    assert slots["09:00"] == 2 and slots["08:00"] == 2  # the other counter's places, untouched


def test_a_booked_slot_no_longer_on_its_counter_s_hours_counts_for_nothing(client, db):
    """A cancelled booking leaves its slot's row behind; then that counter opens later: the row is no place."""
    make_site(db, capacity=2, counters=2)
    made = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8))).json()
    cancelled = client.post(
        f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]}
    )
    assert cancelled.status_code == 200, cancelled.text
    with db.write() as session:
        counter = session.scalar(select(Counter).where(Counter.label == made["counter"]["label"]))
        for rule in counter.rules:
            rule.opens_at = dt.time(9)
    slots = {slot["start"][11:16]: slot["remaining"] for slot in days(client)[0]["slots"]}
    assert slots["08:00"] == 2  # the other counter alone, not its 2 and the empty row's 2
    assert slots["09:00"] == 4


def test_a_national_holiday_is_closed_with_its_name(client, db):
    make_site(db)
    add_closure(db, None, TOMORROW, "Hari Raya Natal", "Christmas Day", kind="holiday")
    assert days(client)[0] == {"date": "2026-12-01", "status": "closed", "slots": [], "reason": "Hari Raya Natal"}
    assert days(client, **{"Accept-Language": "en"})[0]["reason"] == "Christmas Day"


def test_a_closure_of_another_site_does_not_close_this_one(client, db):
    make_site(db)
    make_site(db, slug="lain")
    add_closure(db, "lain", TOMORROW, "Renovasi gedung")
    assert days(client)[0]["status"] == "open"
    assert days(client, site="lain")[0]["reason"] == "Renovasi gedung"


def test_a_day_without_opening_hours_is_closed_and_named_never_today(client, db):
    make_site(db, weekdays=range(5))  # Monday to Friday
    saturday = dt.date(2026, 12, 5)
    assert days(client, first=saturday)[0]["status"] == "closed"
    assert days(client, first=saturday)[0]["reason"] == "Tidak ada layanan pada hari Sabtu"
    english = client.get(
        "/api/v1/sites/uji/services/KTP/availability",
        params={"from": saturday, "to": saturday},
        headers={"Accept-Language": "en"},
    )
    assert english.json()["days"][0]["reason"] == "No service on Saturday"


def test_slots_inside_the_lead_time_are_not_offered(client, db, clock):
    make_site(db)
    clock.now = dt.datetime(2026, 12, 1, 1, 40, tzinfo=dt.UTC)  # 08:40 local, lead time 60 minutes
    first = days(client)[0]["slots"][0]
    assert first["start"] == "2026-12-01T10:30:00+07:00"  # 09:30 starts before 09:40; then the break


def test_a_day_whose_last_slot_is_inside_the_lead_time_says_booking_for_it_has_closed(client, db, clock):
    make_site(db)
    clock.now = dt.datetime(2026, 12, 1, 4, 10, tzinfo=dt.UTC)  # 11:10 local: the 11:30 slot is too soon
    today = days(client)[0]
    assert today["status"] == "closed" and today["reason"] == "Waktu pemesanan untuk hari itu sudah lewat"


def test_days_outside_the_booking_window_are_closed(client, db):
    make_site(db)
    assert days(client, first=TOMORROW - dt.timedelta(days=2))[0]["reason"] == "Tanggal sudah lewat"
    answer = days(client, first=TOMORROW, last=TOMORROW + dt.timedelta(days=30))
    assert answer[-1]["status"] == "closed" and answer[-1]["reason"] == "Belum dibuka untuk pemesanan"
    assert answer[-2]["status"] == "open"  # 30 days after today is the last bookable day


def test_a_wita_site_shows_its_slots_with_plus_eight(client, db):
    make_site(db, slug="denpasar", timezone="Asia/Makassar")
    slot = days(client, site="denpasar")[0]["slots"][0]
    assert slot["start"] == "2026-12-01T08:00:00+08:00"
    answer = client.get(f"/api/v1/sites/denpasar/services/KTP/availability?from={TOMORROW}&to={TOMORROW}").json()
    assert answer["timezone"] == "Asia/Makassar"


def test_a_booking_in_wita_is_answered_in_wita(client, db):
    make_site(db, slug="denpasar", timezone="Asia/Makassar")
    made = client.post("/api/v1/sites/denpasar/bookings", json=booking_body("2026-12-01T08:00:00+08:00"))
    assert made.status_code == 201, made.text
    assert made.json()["start"] == "2026-12-01T08:00:00+08:00"


def test_default_range_is_two_weeks_from_today(client, db):
    make_site(db)
    answer = client.get("/api/v1/sites/uji/services/KTP/availability").json()["days"]
    assert answer[0]["date"] == "2026-11-30" and len(answer) == 14


@pytest.mark.parametrize("span", [31])
def test_at_most_31_days_per_call(client, db, span):
    make_site(db)
    assert len(days(client, last=TOMORROW + dt.timedelta(days=span - 1))) == span
    too_long = client.get(
        f"/api/v1/sites/uji/services/KTP/availability?from={TOMORROW}&to={TOMORROW + dt.timedelta(days=span)}"
    )
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "to"


def test_counters_are_counted_in_batches_when_one_query_cannot_name_them_all(client, db, monkeypatch):
    """Counters' rows are summed in batches of 62 per query; batches of one show the batches add up."""
    monkeypatch.setattr(BookedPlaces, "BITS_PER_QUERY", 1)
    make_site(db, capacity=2, counters=3)
    at_nine = [_booked_counter(client, at(TOMORROW, 9), n) for n in range(1, 5)]
    closed = _booked_counter(client, at(TOMORROW, 8), 5)
    with db.write() as session:
        counter = session.scalar(select(Counter).where(Counter.label == closed))
        session.add(Closure(counter_id=counter.id, starts_on=TOMORROW, ends_on=TOMORROW, reason="Loket rusak"))
    slots = {slot["start"][11:16]: slot["remaining"] for slot in days(client)[0]["slots"]}
    open_counters = {"Loket 1", "Loket 2", "Loket 3"} - {closed}
    assert slots["08:00"] == 4
    assert slots["09:00"] == sum(2 - at_nine.count(label) for label in open_counters)
