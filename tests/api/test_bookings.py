"""Booking, looking up, cancelling and rescheduling through the public API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.invariants import capacity_violations
from booking.models import Booking
from tests.factories import TOMORROW, at, booking_body, make_site


@pytest.fixture
def site(db):
    return make_site(db)


def book(client, start=None, n=1, **overrides):
    return client.post("/api/v1/sites/uji/bookings", json=booking_body(start or at(TOMORROW, 8), n, **overrides))


def remaining(client, start, service="KTP"):
    day = start[:10]
    days = client.get(f"/api/v1/sites/uji/services/{service}/availability?from={day}&to={day}").json()["days"]
    return {slot["start"]: slot["remaining"] for slot in days[0]["slots"]}.get(start)


def test_booking_confirms_a_place_at_a_counter_with_room(client, site):
    response = book(client)

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "confirmed"
    assert body["start"] == "2026-12-01T08:00:00+07:00"
    assert body["end"] == "2026-12-01T08:30:00+07:00"
    assert body["counter"]["label"] in site.counters
    assert body["agency"]["slug"] == "dukcapil"
    assert body["service"]["code"] == "KTP"
    assert len(body["code"]) == 9 and body["code"][4] == "-"
    assert body["manage_url"] == f"http://antrian.test/b/{body['code']}?token={body['manage_token']}"
    assert remaining(client, at(TOMORROW, 8)) == 3


def test_citizen_data_is_masked_in_every_answer(client, site):
    body = book(client, citizen={"email": "siti.aminah@example.com"}, channels=["sms", "email"]).json()
    shown = client.get(f"/api/v1/bookings/{body['code']}", headers={"X-Booking-Token": body["manage_token"]}).json()

    for answer in (body, shown):
        assert answer["citizen"] == {
            "nik": "************0001",
            "name": "S*** A*****",
            "phone": "+62812*****890",
            "email": "s***@example.com",
        }


def test_nik_is_stored_only_as_a_keyed_hash_and_last_digits(client, site, db):
    book(client)
    with db.read() as session:
        stored = session.scalar(select(Booking))
    assert "3316011708850001" not in (stored.citizen_nik_hash, stored.citizen_nik_last4)
    assert stored.citizen_nik_last4 == "0001"
    assert stored.citizen_phone == "+6281234567890"


def test_manage_token_is_stored_only_as_a_hash(client, site, db):
    token = book(client).json()["manage_token"]
    with db.read() as session:
        stored = session.scalar(select(Booking))
    assert token not in stored.manage_token_hash


def test_lookup_needs_the_manage_token(client, site):
    made = book(client).json()
    code, token = made["code"], made["manage_token"]

    assert client.get(f"/api/v1/bookings/{code}").status_code == 404
    assert client.get(f"/api/v1/bookings/{code}", headers={"X-Booking-Token": "wrong"}).status_code == 404
    assert client.get(f"/api/v1/bookings/{code}?token={token}").json()["code"] == code
    by_header = client.get(f"/api/v1/bookings/{code.lower().replace('-', '')}", headers={"X-Booking-Token": token})
    assert by_header.json()["code"] == code
    assert "manage_token" not in by_header.json()


def test_unknown_code_and_wrong_token_look_the_same(client, site):
    made = book(client).json()
    unknown = client.get("/api/v1/bookings/ZZZZ-ZZZZ", headers={"X-Booking-Token": made["manage_token"]})
    wrong = client.get(f"/api/v1/bookings/{made['code']}", headers={"X-Booking-Token": "x" * 32})
    assert unknown.status_code == wrong.status_code == 404
    assert unknown.json()["code"] == wrong.json()["code"] == "not_found"


def test_cancel_gives_the_place_back_and_is_idempotent(client, site):
    made = book(client).json()
    headers = {"X-Booking-Token": made["manage_token"]}
    assert remaining(client, at(TOMORROW, 8)) == 3

    first = client.post(f"/api/v1/bookings/{made['code']}/cancel", headers=headers)
    again = client.post(f"/api/v1/bookings/{made['code']}/cancel", headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "cancelled"
    assert remaining(client, at(TOMORROW, 8)) == 4


def test_cancelled_booking_frees_the_citizen_for_that_day(client, site):
    made = book(client).json()
    client.post(f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]})
    assert book(client, at(TOMORROW, 9)).status_code == 201


def test_cancel_after_the_start_is_refused(client, site, clock):
    made = book(client).json()
    clock.advance(days=1, hours=2)  # 09:00 on the booked day
    refused = client.post(f"/api/v1/bookings/{made['code']}/cancel", headers={"X-Booking-Token": made["manage_token"]})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"


def test_reschedule_moves_the_place(client, site):
    made = book(client).json()
    moved = client.post(
        f"/api/v1/bookings/{made['code']}/reschedule",
        headers={"X-Booking-Token": made["manage_token"]},
        json={"start": at(TOMORROW, 9)},
    )

    assert moved.status_code == 200
    assert moved.json()["start"] == "2026-12-01T09:00:00+07:00"
    assert moved.json()["code"] == made["code"]
    assert remaining(client, at(TOMORROW, 8)) == 4
    assert remaining(client, at(TOMORROW, 9)) == 3


def test_reschedule_to_a_full_slot_keeps_the_old_place(client, site, db):
    made = book(client).json()
    for n in range(2, 6):
        assert book(client, at(TOMORROW, 9), n).status_code == 201

    refused = client.post(
        f"/api/v1/bookings/{made['code']}/reschedule",
        headers={"X-Booking-Token": made["manage_token"]},
        json={"start": at(TOMORROW, 9)},
    )

    assert refused.status_code == 409 and refused.json()["code"] == "slot_full"
    kept = client.get(f"/api/v1/bookings/{made['code']}", headers={"X-Booking-Token": made["manage_token"]}).json()
    assert kept["start"] == "2026-12-01T08:00:00+07:00" and kept["status"] == "confirmed"
    assert remaining(client, at(TOMORROW, 8)) == 3
    with db.read() as session:
        assert capacity_violations(session) == []


def test_reschedule_to_another_day_moves_the_quota_too(client, site, db):
    made = book(client, service="KK").json()
    moved = client.post(
        f"/api/v1/bookings/{made['code']}/reschedule",
        headers={"X-Booking-Token": made["manage_token"]},
        json={"start": at(TOMORROW.replace(day=2), 8)},
    )
    assert moved.status_code == 200
    with db.read() as session:
        assert capacity_violations(session) == []


def test_reschedule_of_a_cancelled_booking_is_refused(client, site):
    made = book(client).json()
    headers = {"X-Booking-Token": made["manage_token"]}
    client.post(f"/api/v1/bookings/{made['code']}/cancel", headers=headers)
    refused = client.post(
        f"/api/v1/bookings/{made['code']}/reschedule", headers=headers, json={"start": at(TOMORROW, 9)}
    )
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"


def test_a_full_slot_answers_slot_full(client, site):
    for n in range(1, 5):  # 2 counters x 2 places
        assert book(client, n=n).status_code == 201
    refused = book(client, n=5)
    assert refused.status_code == 409
    assert refused.json()["code"] == "slot_full"
    assert refused.headers["content-type"].startswith("application/problem+json")


def test_places_are_spread_over_the_counters(client, site):
    labels = [book(client, n=n).json()["counter"]["label"] for n in range(1, 5)]
    assert sorted(labels) == ["Loket 1", "Loket 1", "Loket 2", "Loket 2"]


def test_the_daily_quota_is_enforced(client, site):
    for n, hour in enumerate((8, 9, 11), start=1):
        assert book(client, at(TOMORROW, hour), n, service="KK").status_code == 201
    refused = book(client, at(TOMORROW, 11, 30), 4, service="KK")
    assert refused.status_code == 409 and refused.json()["code"] == "quota_exhausted"


def test_one_active_booking_per_citizen_per_service_per_day(client, site):
    assert book(client, at(TOMORROW, 8), 1).status_code == 201
    again = book(client, at(TOMORROW, 9), 1)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_booking"
    assert book(client, at(TOMORROW, 9), 1, service="KK").status_code == 201  # another service is fine
    assert book(client, at(TOMORROW.replace(day=2), 9), 1).status_code == 201  # another day is fine


def test_phone_in_local_and_international_form_is_the_same_number(client, site, db):
    local = booking_body(at(TOMORROW, 8), 1)
    international = booking_body(at(TOMORROW, 8), 2)
    international["citizen"]["phone"] = "+62 812-3456-7890"
    assert client.post("/api/v1/sites/uji/bookings", json=local).status_code == 201
    assert client.post("/api/v1/sites/uji/bookings", json=international).status_code == 201
    with db.read() as session:
        assert set(session.scalars(select(Booking.citizen_phone))) == {"+6281234567890"}


def test_problems_speak_english_when_asked(client, site):
    for n in range(1, 5):
        book(client, n=n)
    refused = client.post(
        "/api/v1/sites/uji/bookings",
        json=booking_body(at(TOMORROW, 8), 9),
        headers={"Accept-Language": "en-US,en;q=0.9,id;q=0.5"},
    )
    assert refused.json()["detail"].startswith("The chosen time is fully booked")
    default = book(client, n=9)
    assert default.json()["detail"].startswith("Waktu yang dipilih sudah penuh")
