"""Waiting for "the first free place in the next days", through the API on both databases: one entry over
several full days is offered the first place freed on any of them, in list order with the entries of single
days; a day with room in the span, a span too long or a day the citizen has booked are refused, nothing kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from booking import personal_data, waitlist
from booking.messages import long_date
from booking.models import Booking, OpeningRule, SlotLoad, WaitlistEntry
from tests.factories import TOMORROW, at, booking_body, make_site, nik
from tests.waitlist.test_waitlist import SECRET, SITE, book, cancel, clean, entry, offers

DAY_2, DAY_3 = TOMORROW + dt.timedelta(days=1), TOMORROW + dt.timedelta(days=2)


@pytest.fixture
def site(db):
    # one counter, one place a slot, 08.00-09.00: two places a day
    return make_site(db, capacity=1, counters=1, closes=dt.time(9), break_=None)


def fill(client, *days: dt.date) -> dict[dt.date, list[dict]]:
    made, n = {}, 0
    for day in days:
        made[day] = []
        for minute in (0, 30):
            n += 1
            made[day].append(book(client, 8, minute, n, day=day))
    return made


def join(client, n: int, day: dt.date, until: dt.date | None = None, expect: int = 201) -> dict:
    body = {
        "service": "KTP",
        "date": day.isoformat(),
        "citizen": {"nik": nik(n), "name": "Budi Santoso", "phone": "081298765432"},
        "channels": ["sms"],
    }
    if until is not None:
        body["until"] = until.isoformat()
    answer = client.post(f"{SITE}/waitlist", json=body)
    assert answer.status_code == expect, answer.text
    return answer.json()


def test_an_entry_over_three_days_is_offered_the_first_place_freed_on_any_of_them(client, db, site):
    made = fill(client, TOMORROW, DAY_2, DAY_3)
    spanning = join(client, 50, TOMORROW, until=DAY_3)
    assert (spanning["date"], spanning["until"], spanning["position"]) == (TOMORROW.isoformat(), DAY_3.isoformat(), 1)
    third_day_only = join(client, 51, DAY_3)
    assert third_day_only["until"] == DAY_3.isoformat()
    assert third_day_only["position"] == 2  # the spanning entry, ahead of it, also waits for that day
    assert join(client, 52, TOMORROW)["position"] == 2

    cancel(client, made[DAY_3][1])  # a place on the third day: the first in line for that day is the spanning one
    offered = entry(client, spanning)
    assert offered["status"] == "held" and offered["offer"]["start"] == at(DAY_3, 8, 30)
    assert entry(client, third_day_only)["position"] == 1

    cancel(client, made[DAY_3][0])  # the next place that day: the spanning entry already has one
    assert entry(client, third_day_only)["status"] == "held"

    accepted = client.post(f"{SITE}/waitlist/{spanning['token']}/accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["start"] == at(DAY_3, 8, 30)
    with db.read() as session:
        kept = session.scalar(select(Booking).where(Booking.code == accepted.json()["code"].replace("-", "")))
        assert kept.local_date == DAY_3 and kept.held_until is None
    assert len(offers(db)) == 2
    clean(db)


def test_a_place_on_a_day_nobody_waits_for_stays_on_sale(client, db, site):
    made = fill(client, TOMORROW, DAY_2, DAY_3)
    join(client, 50, TOMORROW, until=DAY_2)
    cancel(client, made[DAY_3][0])
    assert offers(db) == []
    assert client.post(f"{SITE}/bookings", json=booking_body(at(DAY_3, 8, 0), 60)).status_code == 201
    clean(db)


def test_joining_several_days_is_refused_when_one_has_room_and_keeps_nothing(client, db, site):
    fill(client, TOMORROW, DAY_3)  # the second day still has room
    refused = join(client, 50, TOMORROW, until=DAY_3, expect=409)
    assert refused["code"] == "day_has_room"
    assert long_date(DAY_2, "id") in refused["detail"]  # the day with room is named, not the first asked
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0


def test_a_span_backwards_too_long_or_beyond_the_booking_window_is_refused_by_its_field(client, site):
    fill(client, TOMORROW, DAY_2)
    for until in (TOMORROW - dt.timedelta(days=1), TOMORROW + dt.timedelta(days=waitlist.MAX_DAYS_WAITED), TOMORROW
                  + dt.timedelta(days=40)):  # fmt: skip
        refused = join(client, 50, TOMORROW, until=until, expect=422)
        assert [(error["field"], error["code"]) for error in refused["errors"]] == [("until", "date_out_of_range")]


def test_a_citizen_booked_on_one_of_the_days_or_already_waiting_for_one_is_refused(client, db, site):
    made = fill(client, TOMORROW, DAY_2, DAY_3)
    booked_citizen = 3  # fill's third booking: the second day at 08.00
    assert made[DAY_2][0]["citizen"]["nik"].endswith(nik(booked_citizen)[-4:])
    assert join(client, booked_citizen, TOMORROW, until=DAY_3, expect=409)["code"] == "duplicate_booking"
    join(client, 50, DAY_2)
    assert join(client, 50, TOMORROW, until=DAY_3, expect=409)["code"] == "waitlist_duplicate"
    assert join(client, 50, DAY_3)["position"] == 1  # a day its other entry does not cover


def test_beat_offers_new_capacity_on_any_day_of_a_span_and_retention_keeps_the_entry_until_its_last_day(
    client, db, site, clock
):
    fill(client, TOMORROW, DAY_2)
    spanning = join(client, 50, TOMORROW, until=DAY_2)
    with db.write() as session:  # nothing is free: nothing offered
        assert waitlist.offer_free_places(session, clock.now) == 0
    with db.write() as session:  # the first day gone by: the entry still waits for the second
        personal_data.erase_expired(session, now=at_midnight_after(TOMORROW), secret_key=SECRET, limit=10)
    assert entry(client, spanning)["status"] == "waiting"
    with db.write() as session:  # the admin adds a place to every slot
        session.execute(update(OpeningRule).values(capacity=2))
        session.execute(update(SlotLoad).values(capacity=2, online_capacity=2))
    clock.now = at_midnight_after(TOMORROW)
    with db.write() as session:
        assert waitlist.offer_free_places(session, clock.now) == 1
    assert entry(client, spanning)["offer"]["start"] == at(DAY_2, 8, 0)
    with db.write() as session:  # the last day gone by: the entry goes
        personal_data.erase_expired(session, now=at_midnight_after(DAY_2), secret_key=SECRET, limit=10)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(WaitlistEntry)) == 0


def at_midnight_after(day: dt.date) -> dt.datetime:
    """Midnight at the end of ``day`` in Blora (WIB, UTC+7), as a UTC instant."""
    return dt.datetime.combine(day, dt.time(17), dt.UTC)
