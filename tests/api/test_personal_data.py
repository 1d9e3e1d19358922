"""A citizen's data under UU PDP through the API: the privacy notice agreed to, what is held, and erasure."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from booking import lifecycle
from booking.invariants import capacity_violations
from booking.models import AuditEntry, Booking, IdempotencyKey, Notification
from booking.privacy_notice import PRIVACY_NOTICE_VERSION
from tests.factories import MONDAY_MORNING, TOMORROW, at, booking_body, make_site

EMAIL = "siti.aminah@example.com"


@pytest.fixture
def site(db):
    return make_site(db)


def book(client, start=None, n=1, headers=None, **overrides):
    body = booking_body(start or at(TOMORROW, 8), n, **overrides)
    answer = client.post("/api/v1/sites/uji/bookings", json=body, headers=headers or {})
    assert answer.status_code == 201, answer.text
    return answer.json()


def stored(db, code: str) -> Booking:
    with db.read() as session:
        return session.scalar(select(Booking).where(Booking.code == code.replace("-", "")))


def remaining(client, start: str) -> int:
    day = start[:10]
    days = client.get(f"/api/v1/sites/uji/services/KTP/availability?from={day}&to={day}").json()["days"]
    return {slot["start"]: slot["remaining"] for slot in days[0]["slots"]}[start]


def kinds_by_status(db, booking_id: int) -> set[tuple[str, str, str]]:
    with db.read() as session:
        rows = session.execute(
            select(Notification.kind, Notification.channel, Notification.status).where(
                Notification.booking_id == booking_id
            )
        )
        return set(rows)


def test_a_booking_records_the_notice_version_the_client_showed_and_when(client, site, db):
    made = book(client, privacy_notice=PRIVACY_NOTICE_VERSION)
    booking = stored(db, made["code"])
    assert booking.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert booking.privacy_notice_accepted_at == MONDAY_MORNING


def test_without_a_version_the_notice_the_api_documents_is_recorded(client, site, db):
    made = book(client)
    assert stored(db, made["code"]).privacy_notice_version == PRIVACY_NOTICE_VERSION

    operation = client.get("/schema/openapi.json").json()["paths"]["/api/v1/sites/{site}/bookings"]["post"]
    assert f"version {PRIVACY_NOTICE_VERSION}" in operation["description"]
    assert "Yang kami kumpulkan: NIK, nama lengkap" in operation["description"]
    assert "What we collect: your NIK, full name" in operation["description"]
    body = client.get("/schema/openapi.json").json()["components"]["schemas"]
    assert any("privacy_notice" in schema.get("properties", {}) for schema in body.values())


def test_an_unknown_notice_version_is_refused_and_nothing_is_booked(client, site, db):
    refused = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), privacy_notice="2020-01-01"))
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "field": "privacy_notice",
            "code": "privacy_notice_unknown",
            "message": f"Versi pemberitahuan privasi tidak dikenal. Tampilkan versi {PRIVACY_NOTICE_VERSION} "
            "kepada warga lalu kirim lagi.",
        }
    ]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 0


def test_sites_name_their_retention_and_privacy_contact(client, site):
    (shown,) = client.get("/api/v1/sites").json()
    assert shown["personal_data_retention_days"] == 90
    assert shown["privacy_contact"] == "meja informasi MPP Uji"  # no contact of its own


def test_personal_data_shows_what_is_held_in_clear_why_and_until_when(client, site):
    made = book(client, citizen={"email": EMAIL}, channels=["sms", "email"])
    url = f"/api/v1/bookings/{made['code']}/personal-data"

    assert client.get(url).status_code == 404
    assert client.get(url, headers={"X-Booking-Token": "not-the-token"}).status_code == 404
    held = client.get(url, headers={"X-Booking-Token": made["manage_token"], "Accept-Language": "en"}).json()

    assert held["citizen"] == {
        "nik_last4": "0001",
        "nik_hash_held": True,
        "name": "Siti Aminah",
        "phone": "+6281234567890",
        "email": EMAIL,
    }
    assert set(held["purposes"]) == {"nik", "name", "phone", "email"}
    assert held["purposes"]["phone"] == "For the booking's messages by SMS or WhatsApp."
    assert held["privacy_notice"] == {"version": PRIVACY_NOTICE_VERSION, "accepted_at": "2026-11-30T07:00:00+07:00"}
    assert held["retention_days"] == 90
    assert held["erase_after"] == "2027-03-01T08:30:00+07:00"  # the visit's end, 1 Dec 08.30, plus 90 days
    assert held["erased_at"] is None and held["status"] == "confirmed"


def test_erase_needs_the_manage_token(client, site, db):
    made = book(client)
    assert client.post(f"/api/v1/bookings/{made['code']}/erase").status_code == 404
    wrong = client.post(f"/api/v1/bookings/{made['code']}/erase", headers={"X-Booking-Token": "x" * 32})
    assert wrong.status_code == 404 and wrong.json()["code"] == "not_found"
    assert stored(db, made["code"]).citizen_name == "Siti Aminah"


def test_erasing_a_booking_ahead_cancels_it_gives_the_place_back_and_stops_its_reminders(client, site, db):
    made = book(client, citizen={"email": EMAIL}, channels=["sms", "email"])
    booking_id = stored(db, made["code"]).id
    assert remaining(client, made["start"]) == 3
    assert {kind for kind, _, status in kinds_by_status(db, booking_id) if status == "pending"} == {
        "booking_confirmed",
        "reminder_day_before",
        "reminder_soon",
    }

    erased = client.post(f"/api/v1/bookings/{made['code']}/erase", headers={"X-Booking-Token": made["manage_token"]})

    assert erased.status_code == 200
    answer = erased.json()
    assert answer["status"] == "cancelled"
    assert answer["erased_at"] == "2026-11-30T07:00:00+07:00"
    assert answer["citizen"]["name"] is None and answer["citizen"]["nik_last4"] is None
    assert answer["citizen"]["nik_hash_held"] is False
    # the cancellation notice is still owed: its phone and e-mail wait for it, nothing else
    assert answer["contact_kept_until_notice_sent"] is True
    assert answer["citizen"]["phone"] == "+6281234567890" and answer["citizen"]["email"] == EMAIL
    assert list(answer["purposes"]) == ["contact_kept"]

    assert remaining(client, made["start"]) == 4
    with db.read() as session:
        assert capacity_violations(session) == []
    rows = kinds_by_status(db, booking_id)
    assert {(kind, status) for kind, _, status in rows if kind.startswith("reminder")} == {
        ("reminder_day_before", "cancelled"),
        ("reminder_soon", "cancelled"),
    }
    assert {(kind, channel, status) for kind, channel, status in rows if kind == "booking_cancelled"} == {
        ("booking_cancelled", "sms", "pending"),
        ("booking_cancelled", "email", "pending"),
    }
    row = stored(db, made["code"])
    assert (row.citizen_name, row.citizen_nik_hash, row.citizen_nik_last4) == (None, None, None)


def test_after_erasure_the_link_opens_nothing_and_erasing_again_changes_nothing(client, site, db):
    made = book(client)
    token = {"X-Booking-Token": made["manage_token"]}
    first = client.post(f"/api/v1/bookings/{made['code']}/erase", headers=token)

    assert client.get(f"/api/v1/bookings/{made['code']}", headers=token).status_code == 404
    assert client.post(f"/api/v1/bookings/{made['code']}/cancel", headers=token).status_code == 404
    again = client.post(f"/api/v1/bookings/{made['code']}/erase", headers=token)
    assert again.status_code == 200 and again.json() == first.json()
    held = client.get(f"/api/v1/bookings/{made['code']}/personal-data", headers=token)
    assert held.status_code == 200 and held.json()["erased_at"] is not None
    assert client.post(f"/api/v1/bookings/{made['code']}/erase").status_code == 404  # still needs the token
    with db.read() as session:
        erasures = session.scalars(select(AuditEntry).where(AuditEntry.action == "personal_data.erase")).all()
        assert [(entry.actor, entry.target, entry.after) for entry in erasures] == [
            ("citizen", f"booking:{made['code'].replace('-', '')}", {"cancelled": True})
        ]


def test_an_idempotency_key_forgets_the_erased_request_and_never_books_it_again(client, site, db):
    key = {"Idempotency-Key": "pesan-siti-1"}
    made = book(client, headers=key)
    with db.read() as session:
        row = session.scalar(select(IdempotencyKey))
        assert "S*** A*****" in row.response_body  # the first answer, with the masked citizen

    client.post(f"/api/v1/bookings/{made['code']}/erase", headers={"X-Booking-Token": made["manage_token"]})

    with db.read() as session:
        row = session.scalar(select(IdempotencyKey))
        assert (row.response_body, row.booking_id, row.request_hash) == ("", None, "erased")
    retried = client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8)), headers=key)
    assert retried.status_code == 409 and retried.json()["code"] == "idempotency_conflict"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1


def test_erasing_a_booking_already_served_keeps_what_reports_need(client, site, db, clock):
    made = book(client)
    with db.write() as session:  # served at the counter on the day
        row = session.scalar(select(Booking).where(Booking.code == made["code"].replace("-", "")))
        lifecycle.take_step(session, row, "check_in", now=row.starts_at)
        lifecycle.take_step(session, row, "serve", now=row.starts_at + dt.timedelta(minutes=10))
    clock.advance(days=2)

    answer = client.post(f"/api/v1/bookings/{made['code']}/erase", headers={"X-Booking-Token": made["manage_token"]})

    assert answer.status_code == 200 and answer.json()["status"] == "served"
    assert answer.json()["contact_kept_until_notice_sent"] is False
    row = stored(db, made["code"])
    assert (row.citizen_name, row.citizen_phone, row.citizen_email, row.citizen_nik_hash) == (None,) * 4
    assert (row.status, row.local_date, row.walk_in) == ("served", TOMORROW, False)
    assert row.served_at == row.starts_at + dt.timedelta(minutes=10)
