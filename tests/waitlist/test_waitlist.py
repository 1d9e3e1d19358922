"""The waiting list through the API, on both databases: joined only when the day is full; a freed place held for
the first in line and offered through the outbox; accepted, declined, run out, left; the personal data erased."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from booking import invariants, personal_data, waitlist
from booking.models import Booking, Notification, OpeningRule, Site, SlotLoad, WaitlistEntry
from tests.api.test_openapi_document import codes
from tests.factories import TOMORROW, at, bearer, booking_body, make_site, make_staff, nik

SITE = "/api/v1/sites/uji"
SECRET = "test-secret"


@pytest.fixture
def site(db):
    # one counter, one place a slot, 08.00-09.00: two places a day, full after two bookings
    return make_site(db, capacity=1, counters=1, closes=dt.time(9), break_=None)


def book(client, hour: int, minute: int, n: int, day=TOMORROW) -> dict:
    answer = client.post(f"{SITE}/bookings", json=booking_body(at(day, hour, minute), n))
    assert answer.status_code == 201, answer.text
    return answer.json()


def fill_the_day(client) -> list[dict]:
    return [book(client, 8, 0, 1), book(client, 8, 30, 2)]


def join(client, n: int, day=TOMORROW, expect: int = 201) -> dict:
    body = {
        "service": "KTP",
        "date": day.isoformat(),
        "citizen": {"nik": nik(n), "name": "Budi Santoso", "phone": "081298765432"},
        "channels": ["sms"],
    }
    answer = client.post(f"{SITE}/waitlist", json=body)
    assert answer.status_code == expect, answer.text
    return answer.json()


def cancel(client, booking: dict) -> None:
    answer = client.post(
        f"/api/v1/bookings/{booking['code']}/cancel", headers={"X-Booking-Token": booking["manage_token"]}
    )
    assert answer.status_code == 200, answer.text


def entry(client, joined: dict) -> dict:
    answer = client.get(f"{SITE}/waitlist/{joined['token']}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def clean(db) -> None:
    with db.read() as session:
        assert invariants.capacity_violations(session) == []


def offers(db) -> list[Notification]:
    with db.read() as session:
        return list(session.scalars(select(Notification).where(Notification.kind == "waitlist_offer")))


def test_a_day_with_room_is_booked_not_waited_for(client, site):
    book(client, 8, 0, 1)
    refused = join(client, 5, expect=409)
    assert refused["code"] == "day_has_room"
    assert "pesan" in refused["detail"]


def test_joining_a_full_day_gives_a_place_in_line_once_per_citizen(client, site):
    fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    assert (first["position"], second["position"]) == (1, 2)
    assert first["status"] == "waiting" and first["citizen"]["nik"].endswith(nik(5)[-4:])
    assert first["manage_url"] == f"http://antrian.test/s/uji/daftar-tunggu/{first['token']}"
    assert join(client, 5, expect=409)["code"] == "waitlist_duplicate"
    assert join(client, 1, expect=409)["code"] == "duplicate_booking"  # booked that day already
    bad = client.post(f"{SITE}/waitlist", json={"service": "KTP", "date": TOMORROW.isoformat(),
                                                "citizen": {"nik": "123", "name": "B", "phone": "1"}})  # fmt: skip
    assert bad.status_code == 422
    assert {error["field"] for error in bad.json()["errors"]} >= {"citizen.nik", "citizen.name", "citizen.phone"}


def test_a_freed_place_is_held_for_the_first_in_line_and_offered(client, db, site, clock):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])

    offered = entry(client, first)
    assert offered["status"] == "held" and offered["position"] is None
    assert offered["offer"]["start"] == at(TOMORROW, 8, 0)
    held_until = dt.datetime.fromisoformat(offered["offer"]["held_until"])
    assert held_until == clock.now + dt.timedelta(minutes=30)  # the site's default hold
    assert entry(client, second)["position"] == 1
    # the held place is nobody else's: the day is still full, and booking it is refused
    assert client.post(f"{SITE}/bookings", json=booking_body(at(TOMORROW, 8, 0), 7)).json()["code"] == "slot_full"
    assert join(client, 7)["position"] == 2
    assert [(row.kind, row.channel, row.status) for row in offers(db)] == [("waitlist_offer", "sms", "pending")]
    clean(db)


def test_accepting_makes_it_a_booking_and_a_second_accept_is_refused(client, db, site):
    made = fill_the_day(client)
    first = join(client, 5)
    cancel(client, made[0])

    accepted = client.post(f"{SITE}/waitlist/{first['token']}/accept")
    assert accepted.status_code == 201, accepted.text
    booking = accepted.json()
    assert booking["status"] == "confirmed" and booking["start"] == at(TOMORROW, 8, 0)
    assert "booking_confirmed" in {row["kind"] for row in booking["notifications"]}
    shown = client.get(f"/api/v1/bookings/{booking['code']}", headers={"X-Booking-Token": booking["manage_token"]})
    assert shown.status_code == 200
    again = client.post(f"{SITE}/waitlist/{first['token']}/accept")
    assert (again.status_code, again.json()["code"]) == (409, "offer_used")
    assert entry(client, first)["offer"]["booking_code"] == booking["code"]
    assert [row.status for row in offers(db)] == ["cancelled"]  # not sent: the citizen answered first
    clean(db)


def test_declining_offers_the_place_to_the_next_and_then_back_on_sale(client, db, site):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])

    declined = client.post(f"{SITE}/waitlist/{first['token']}/decline")
    assert declined.status_code == 200 and declined.json()["status"] == "lapsed"
    assert entry(client, second)["status"] == "held"
    again = client.post(f"{SITE}/waitlist/{first['token']}/decline")
    assert (again.status_code, again.json()["code"]) == (410, "offer_expired")
    assert client.post(f"{SITE}/waitlist/{second['token']}/decline").status_code == 200
    # nobody waits any more: the place is back on sale
    assert client.post(f"{SITE}/bookings", json=booking_body(at(TOMORROW, 8, 0), 7)).status_code == 201
    clean(db)


def test_a_hold_that_ran_out_goes_to_the_next_and_takes_nothing_when_accepted_late(client, db, site, clock):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])
    clock.advance(minutes=31)

    late = client.post(f"{SITE}/waitlist/{first['token']}/accept")
    assert (late.status_code, late.json()["code"]) == (410, "offer_expired")
    with db.write() as session:
        assert waitlist.release_expired(session, clock.now) == 1
    assert entry(client, second)["status"] == "held"
    assert client.post(f"{SITE}/waitlist/{first['token']}/accept").status_code == 410
    clean(db)


def test_a_place_soon_is_held_for_half_the_time_left(client, db, site, clock):
    made = fill_the_day(client)
    first = join(client, 5)
    clock.now = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)  # 07.00 WIB: the 08.30 place is 90 minutes away
    cancel(client, made[1])
    held_until = dt.datetime.fromisoformat(entry(client, first)["offer"]["held_until"])
    assert held_until == clock.now + dt.timedelta(minutes=30)
    start, site_row = dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC), Site(waitlist_hold_minutes=30)
    # 10 minutes before the place, a 30-minute hold is 5 minutes; 8 minutes before, not worth offering
    assert waitlist.hold_end(site_row, start, start - dt.timedelta(minutes=10)) == start - dt.timedelta(minutes=5)
    assert waitlist.hold_end(site_row, start, start - dt.timedelta(minutes=8)) is None


def test_a_move_to_another_day_offers_the_old_place(client, db, site):
    made = fill_the_day(client)
    first = join(client, 5)
    moved = client.post(
        f"/api/v1/bookings/{made[0]['code']}/reschedule",
        json={"start": at(TOMORROW + dt.timedelta(days=1), 8, 0)},
        headers={"X-Booking-Token": made[0]["manage_token"]},
    )
    assert moved.status_code == 200, moved.text
    assert entry(client, first)["offer"]["start"] == at(TOMORROW, 8, 0)
    clean(db)


def test_leaving_deletes_the_entry_and_releases_its_place(client, db, site):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])
    assert client.delete(f"{SITE}/waitlist/{first['token']}").status_code == 204
    assert client.get(f"{SITE}/waitlist/{first['token']}").status_code == 404
    assert entry(client, second)["status"] == "held"
    assert client.delete(f"{SITE}/waitlist/{second['token']}").status_code == 204
    with db.read() as session:
        assert session.scalars(select(WaitlistEntry)).all() == []
    clean(db)


def test_retention_deletes_the_entries_of_days_gone_by_and_erasure_the_entry_of_a_booking(client, db, site, clock):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])
    accepted = client.post(f"{SITE}/waitlist/{first['token']}/accept").json()
    erased = client.post(
        f"/api/v1/bookings/{accepted['code']}/erase", headers={"X-Booking-Token": accepted["manage_token"]}
    )
    assert erased.status_code == 200, erased.text
    assert client.get(f"{SITE}/waitlist/{first['token']}").status_code == 404
    with db.write() as session:  # the day itself: still waited for
        personal_data.erase_expired(
            session, now=dt.datetime(2026, 12, 1, 16, 59, tzinfo=dt.UTC), secret_key=SECRET, limit=10
        )
    assert entry(client, second)["status"] in ("waiting", "held")
    with db.write() as session:  # midnight in Blora: the day is gone, and so is its list
        personal_data.erase_expired(
            session, now=dt.datetime(2026, 12, 1, 17, 0, tzinfo=dt.UTC), secret_key=SECRET, limit=10
        )
    with db.read() as session:
        assert session.scalars(select(WaitlistEntry)).all() == []


def test_more_capacity_from_an_admin_is_offered_to_the_list_by_beat(client, db, site, clock):
    fill_the_day(client)
    first, second, third = join(client, 5), join(client, 6), join(client, 7)
    with db.write() as session:  # the admin adds a place to each slot (the rule, and the rows as a change settles them)
        session.execute(update(OpeningRule).values(capacity=2))
        session.execute(update(SlotLoad).values(capacity=2, online_capacity=2))
    with db.write() as session:
        assert waitlist.offer_free_places(session, clock.now) == 2
    assert [entry(client, joined)["status"] for joined in (first, second, third)] == ["held", "held", "waiting"]
    assert {entry(client, joined)["offer"]["start"] for joined in (first, second)} == {
        at(TOMORROW, 8, 0),
        at(TOMORROW, 8, 30),
    }
    with db.write() as session:  # nothing more is free: nothing more offered
        assert waitlist.offer_free_places(session, clock.now) == 0
    assert len(offers(db)) == 2
    clean(db)


def test_a_held_place_the_mpp_takes_away_puts_its_entry_back_first_in_line_without_a_notice(client, db, site):
    made = fill_the_day(client)
    first, second = join(client, 5), join(client, 6)
    cancel(client, made[0])
    assert entry(client, first)["status"] == "held"
    make_staff(db, "kepala", role="admin")
    closure = {"starts_on": str(TOMORROW), "ends_on": str(TOMORROW), "reason": "Listrik padam"}
    closed = client.post("/api/v1/admin/closures?force=true", json=closure, headers=bearer(client, "kepala"))
    assert closed.status_code == 201, closed.text

    assert (entry(client, first)["status"], entry(client, first)["position"]) == ("waiting", 1)
    assert entry(client, second)["position"] == 2
    with db.read() as session:
        hold = session.scalar(select(Booking).where(Booking.held_until.is_not(None)))
        assert hold.status == "cancelled"
        sent_for_hold = session.scalars(select(Notification).where(Notification.booking_id == hold.id)).all()
        assert [(row.kind, row.status) for row in sent_for_hold] == [("waitlist_offer", "cancelled")]
        told = session.scalars(select(Notification.booking_id).where(Notification.kind == "booking_cancelled"))
        assert sorted(told) == sorted(
            session.scalars(select(Booking.id).where(Booking.code.in_([b["code"].replace("-", "") for b in made])))
        )  # the citizens whose bookings these were (the one who cancelled, the one the MPP cancelled), not the hold
    clean(db)


def test_the_counter_sees_a_held_place_as_offered_and_nobody_can_check_it_in(client, db, site):
    made = fill_the_day(client)
    join(client, 5)
    cancel(client, made[0])
    make_staff(db, "ani")  # a clerk of the agency
    clerk = bearer(client, "ani")
    schedule = client.get(f"/api/v1/staff/schedule?date={TOMORROW}", headers=clerk).json()
    held = [b for c in schedule["counters"] for b in c["bookings"] if b.get("held_until")]
    assert len(held) == 1 and held[0]["start"] == at(TOMORROW, 8, 0)
    refused = client.post(f"/api/v1/staff/bookings/{held[0]['code']}/check-in", headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (409, "invalid_transition")
    assert "Ditawarkan ke daftar tunggu" in refused.json()["detail"]
    as_csv = client.get(f"/api/v1/staff/schedule?date={TOMORROW}", headers={**clerk, "Accept": "text/csv"}).text
    assert [line.split(",")[8] for line in as_csv.splitlines()[1:]] == ["Ditawarkan ke daftar tunggu", "Terkonfirmasi"]
    clean(db)


def test_the_openapi_document_lists_the_waiting_list_and_its_problems(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    join_operation = paths["/api/v1/sites/{site}/waitlist"]["post"]
    assert codes(join_operation, "409") == ["closed", "day_has_room", "duplicate_booking", "waitlist_duplicate"]
    accept = paths["/api/v1/sites/{site}/waitlist/{token}/accept"]["post"]
    assert codes(accept, "410") == ["offer_expired"]
    assert "offer_used" in codes(accept, "409") and codes(accept, "404") == ["not_found"]
    assert set(paths["/api/v1/sites/{site}/waitlist/{token}"]) >= {"get", "delete"}
    assert codes(paths["/api/v1/sites/{site}/waitlist/{token}/decline"]["post"], "410") == ["offer_expired"]
