"""Every problem code of the public contract is reachable through the API with its documented status,
and its ``detail`` speaks Indonesian by default and English on ``Accept-Language: en``.

Also: ``Idempotency-Key`` replays the first answer for the same body and refuses another body.
"""

from __future__ import annotations

import datetime as dt

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from booking.http.app import create_app
from booking.models import Booking
from booking.settings import Settings
from tests.factories import TOMORROW, add_closure, at, booking_body, make_site

BOOK = "/api/v1/sites/uji/bookings"
AVAILABILITY = "/api/v1/sites/uji/services/KTP/availability"
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def site(db):
    return make_site(db)


def book(client, start=None, n=1, headers=None, **overrides):
    return client.post(BOOK, json=booking_body(start or at(TOMORROW, 8), n, **overrides), headers=headers or {})


def in_both_languages(send):
    """The same refusal asked for twice: with no language preference, then in English."""
    return send({}), send(ENGLISH)


def assert_problem(response, status: int, code: str, detail: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == code
    assert problem["status"] == status
    assert problem["detail"] == detail


def bookings_in(db) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(Booking))


def test_validation_error_is_422_with_field_errors_in_the_callers_language(client, site):
    indonesian, english = in_both_languages(lambda headers: book(client, headers=headers, citizen={"nik": "12345"}))

    assert_problem(indonesian, 422, "validation_error", "Data yang dikirim tidak valid.")
    assert_problem(english, 422, "validation_error", "The request data is not valid.")
    assert indonesian.json()["errors"] == [
        {"field": "citizen.nik", "code": "nik_format", "message": "NIK harus terdiri dari 16 angka."}
    ]
    assert english.json()["errors"] == [
        {"field": "citizen.nik", "code": "nik_format", "message": "The NIK must be 16 digits."}
    ]


def test_not_found_is_404(client, site):
    indonesian, english = in_both_languages(
        lambda headers: client.get("/api/v1/bookings/ZZZZ-ZZZZ", headers={"X-Booking-Token": "x" * 32, **headers})
    )

    assert_problem(indonesian, 404, "not_found", "Data tidak ditemukan.")
    assert_problem(english, 404, "not_found", "Not found.")


def test_slot_full_is_409(client, site):
    for n in range(1, 5):  # 2 counters x 2 places
        assert book(client, n=n).status_code == 201

    indonesian, english = in_both_languages(lambda headers: book(client, n=5, headers=headers))

    assert_problem(indonesian, 409, "slot_full", "Waktu yang dipilih sudah penuh. Silakan pilih waktu lain.")
    assert_problem(english, 409, "slot_full", "The chosen time is fully booked. Please choose another time.")


def test_quota_exhausted_is_409(client, site):
    for n, hour in enumerate((8, 9, 11), start=1):  # KK has a quota of 3 a day
        assert book(client, at(TOMORROW, hour), n, service="KK").status_code == 201

    indonesian, english = in_both_languages(
        lambda headers: book(client, at(TOMORROW, 11, 30), 4, service="KK", headers=headers)
    )

    assert_problem(indonesian, 409, "quota_exhausted", "Kuota harian layanan ini sudah habis. Silakan pilih hari lain.")
    assert_problem(
        english, 409, "quota_exhausted", "The daily quota for this service is used up. Please choose another day."
    )


def test_duplicate_booking_is_409(client, site):
    assert book(client, at(TOMORROW, 8), 1).status_code == 201

    indonesian, english = in_both_languages(lambda headers: book(client, at(TOMORROW, 9), 1, headers=headers))

    assert_problem(
        indonesian,
        409,
        "duplicate_booking",
        "NIK ini sudah memiliki pemesanan aktif untuk layanan ini pada hari yang sama.",
    )
    assert_problem(
        english, 409, "duplicate_booking", "This NIK already has an active booking for this service on that day."
    )


def test_closed_is_409_with_the_sites_reason(client, db, site):
    add_closure(db, "uji", TOMORROW, "Rapat koordinasi pegawai", "Staff meeting")

    indonesian, english = in_both_languages(lambda headers: book(client, headers=headers))

    assert_problem(indonesian, 409, "closed", "Tidak bisa memesan pada hari itu: Rapat koordinasi pegawai")
    assert_problem(english, 409, "closed", "Booking is not possible that day: Staff meeting")
    assert bookings_in(db) == 0


def test_closed_by_a_national_holiday_names_the_holiday(client, db, site):
    add_closure(db, None, TOMORROW, "Hari Raya Natal", "Christmas Day", kind="holiday")

    indonesian, english = in_both_languages(lambda headers: book(client, headers=headers))

    assert_problem(indonesian, 409, "closed", "Tidak bisa memesan pada hari itu: Hari Raya Natal")
    assert_problem(english, 409, "closed", "Booking is not possible that day: Christmas Day")


def test_closed_on_a_day_without_opening_hours_says_there_is_no_service(client, db):
    make_site(db, weekdays=range(5))  # Monday to Friday
    saturday = dt.date(2026, 12, 5)

    indonesian, english = in_both_languages(lambda headers: book(client, at(saturday, 8), headers=headers))

    assert_problem(indonesian, 409, "closed", "Tidak bisa memesan pada hari itu: Tidak ada layanan pada hari Sabtu")
    assert_problem(english, 409, "closed", "Booking is not possible that day: No service on Saturday")


def test_invalid_transition_is_409(client, site, clock):
    made = book(client).json()
    clock.advance(days=1, hours=2)  # 09:00 on the booked day, after its start
    cancel = f"/api/v1/bookings/{made['code']}/cancel"

    indonesian, english = in_both_languages(
        lambda headers: client.post(cancel, headers={"X-Booking-Token": made["manage_token"], **headers})
    )

    indonesian_detail = "Pemesanan dengan status 'Terkonfirmasi' tidak dapat dibatalkan."
    assert_problem(indonesian, 409, "invalid_transition", indonesian_detail)
    assert_problem(english, 409, "invalid_transition", "A booking with status 'Confirmed' cannot be cancelled.")


def test_idempotency_conflict_is_409(client, db, site):
    key = {"Idempotency-Key": "formulir-7f3a"}
    assert book(client, n=1, headers=key).status_code == 201

    indonesian, english = in_both_languages(lambda headers: book(client, n=2, headers={**key, **headers}))

    assert_problem(
        indonesian,
        409,
        "idempotency_conflict",
        "Idempotency-Key ini sudah dipakai untuk permintaan lain atau masih diproses.",
    )
    assert_problem(
        english,
        409,
        "idempotency_conflict",
        "This Idempotency-Key was used for a different request or is still being processed.",
    )


@pytest.fixture
def limited_client(tmp_path, database_url, db, clock):
    settings = Settings(
        data_dir=tmp_path / "limited",
        database_url=database_url,
        secret_key="test-secret",
        rate_limit_per_minute=2,
        public_url="http://antrian.test",
    )
    with TestClient(create_app(settings, db=db, clock=clock)) as test_client:
        yield test_client


def test_rate_limited_is_429_once_a_client_books_too_often(limited_client, db, site):
    assert book(limited_client, n=1).status_code == 201
    assert book(limited_client, n=2).status_code == 201

    indonesian, english = in_both_languages(lambda headers: book(limited_client, n=3, headers=headers))

    assert_problem(indonesian, 429, "rate_limited", "Terlalu banyak permintaan. Silakan coba lagi sebentar lagi.")
    assert_problem(english, 429, "rate_limited", "Too many requests. Please try again shortly.")
    assert 0 < int(indonesian.headers["Retry-After"]) <= 60  # when to try again, within the minute's window
    assert bookings_in(db) == 2


def test_joining_a_waiting_list_spends_the_same_allowance_as_booking(limited_client, db, site):
    join = {"service": "KTP", "date": TOMORROW.isoformat(), "citizen": booking_body("", 9)["citizen"]}
    room = limited_client.post("/api/v1/sites/uji/waitlist", json=join)
    assert room.status_code == 409 and room.json()["code"] == "day_has_room"  # counted all the same
    assert book(limited_client, n=1).status_code == 201
    refused = limited_client.post("/api/v1/sites/uji/waitlist", json=join)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert book(limited_client, n=2).status_code == 429
    assert bookings_in(db) == 1


def test_reading_is_never_rate_limited(limited_client, site):
    for _ in range(5):
        assert limited_client.get(AVAILABILITY).status_code == 200
    assert book(limited_client, n=1).status_code == 201  # the reads did not use up the allowance
    assert book(limited_client, n=2).status_code == 201
    assert book(limited_client, n=3).status_code == 429
    for _ in range(5):
        assert limited_client.get(AVAILABILITY).status_code == 200
        assert limited_client.get("/api/v1/sites/uji/services").status_code == 200


def test_the_same_key_and_body_replay_the_first_booking(client, db, site):
    key = {"Idempotency-Key": "formulir-7f3a"}

    first = book(client, headers=key)
    again = book(client, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["manage_token"] == first.json()["manage_token"]
    assert again.json() == first.json()
    assert bookings_in(db) == 1


def test_the_same_body_in_another_key_order_is_the_same_request(client, db, site):
    key = {"Idempotency-Key": "formulir-7f3a"}
    body = booking_body(at(TOMORROW, 8))
    reordered = {name: body[name] for name in reversed(body)}
    reordered["citizen"] = {name: body["citizen"][name] for name in reversed(body["citizen"])}

    first = client.post(BOOK, json=body, headers=key)
    again = client.post(BOOK, json=reordered, headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json()["code"] == first.json()["code"]
    assert bookings_in(db) == 1


def test_a_key_is_bound_to_its_body(client, db, site):
    key = {"Idempotency-Key": "formulir-7f3a"}
    first = book(client, at(TOMORROW, 8), 1, headers=key)

    other = book(client, at(TOMORROW, 9), 2, headers=key)

    assert first.status_code == 201
    assert other.status_code == 409 and other.json()["code"] == "idempotency_conflict"
    assert bookings_in(db) == 1


def test_a_key_whose_first_request_was_refused_can_be_used_again(client, db, site):
    key = {"Idempotency-Key": "formulir-7f3a"}
    refused = book(client, service="NOPE", headers=key)

    corrected = book(client, headers=key)

    assert refused.status_code == 422
    assert corrected.status_code == 201
    assert bookings_in(db) == 1


def test_expired_idempotency_keys_are_purged_and_live_ones_kept(client, db, site, clock):
    import datetime as dt

    from booking import idempotency
    from booking.models import IdempotencyKey

    headers = {"Idempotency-Key": "purge-me"}
    assert book(client, headers=headers).status_code == 201
    ttl = dt.timedelta(hours=24)
    with db.write() as session:
        assert idempotency.purge_expired(session, now=clock.now + dt.timedelta(hours=23), ttl=ttl) == 0
    with db.write() as session:
        assert idempotency.purge_expired(session, now=clock.now + dt.timedelta(hours=25), ttl=ttl) == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
