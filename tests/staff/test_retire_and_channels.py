"""A retired service or agency is no longer offered (search, availability, booking, the service list) and
keeps its history; a site offers only the channels it chose, and only those the deployment can send by."""

from __future__ import annotations

from booking.http.app import create_app
from booking.settings import Settings
from tests.factories import TOMORROW, at, booking_body

ADMIN = "/api/v1/admin"
SITE = "/api/v1/sites/uji"


def codes(office, path: str = f"{SITE}/services") -> set[str]:
    return {service["code"] for service in office.client.get(path).json()}


def test_retiring_a_service_lists_its_future_bookings_first_then_cancels_them_and_keeps_the_history(office):
    served = office.book(8, 0, day=TOMORROW, service="KK")
    future = office.book(9, 0, day=TOMORROW, service="KK")
    office.client.post(f"/api/v1/staff/bookings/{served}/check-in", headers=office.admin)  # in the building
    refused = office.client.patch(f"{ADMIN}/services/KK", json={"active": False}, headers=office.admin)
    assert refused.status_code == 409 and refused.json()["code"] == "bookings_affected"
    assert {b["code"] for b in refused.json()["bookings"]} == {served, future}
    assert "KK" in codes(office)

    retired = office.client.patch(f"{ADMIN}/services/KK?force=true", json={"active": False}, headers=office.admin)
    assert retired.status_code == 200, retired.text
    assert retired.json()["active"] is False
    assert codes(office) == {"KTP", "PKB"}
    assert "KK" not in codes(office, f"{SITE}/services?q=kartu keluarga")
    availability = office.client.get(f"{SITE}/services/KK/availability?from={TOMORROW}&to={TOMORROW}")
    assert availability.status_code == 404
    booking = office.client.post(f"{SITE}/bookings", json=booking_body(at(TOMORROW, 10, 30), n=90, service="KK"))
    assert booking.status_code == 422
    assert booking.json()["errors"] == [
        {"field": "service", "code": "service_retired", "message": "Layanan ini sudah tidak tersedia di MPP ini."}
    ]
    # kept: the admin still lists it, and its bookings are still there to read
    assert any(
        s["code"] == "KK" and not s["active"]
        for s in office.client.get(f"{ADMIN}/services", headers=office.admin).json()
    )
    assert office.client.get(f"/api/v1/staff/bookings/{future}", headers=office.admin).json()["status"] == "cancelled"


def test_a_retired_service_cannot_be_given_to_a_counter(office):
    office.client.patch(f"{ADMIN}/services/KK", json={"active": False}, headers=office.admin)
    refused = office.client.patch(f"{ADMIN}/counters/Loket 1", json={"services": ["KTP", "KK"]}, headers=office.admin)
    assert refused.status_code == 422
    assert refused.json()["errors"][0] == {
        "field": "services[1]", "code": "service_retired", "message": "Layanan ini sudah tidak tersedia di MPP ini."
    }  # fmt: skip


def test_retiring_an_agency_takes_its_services_and_itself_off_offer(office):
    retired = office.client.patch(f"{ADMIN}/agencies/samsat", json={"active": False}, headers=office.admin)
    assert retired.status_code == 200, retired.text
    assert codes(office) == {"KTP", "KK"}
    assert {agency["slug"] for agency in office.client.get(f"{SITE}/agencies").json()} == {"dukcapil"}
    walk_in = office.client.post(
        "/api/v1/staff/walk-ins", json={"service": "PKB", "citizen": {"nik": "3316011708850001", "name": "Budi"}},
        headers=office.admin,
    )  # fmt: skip
    assert walk_in.status_code == 422 and walk_in.json()["errors"][0]["code"] == "service_retired"
    back = office.client.patch(f"{ADMIN}/agencies/samsat", json={"active": True}, headers=office.admin)
    assert back.status_code == 200 and codes(office) == {"KTP", "KK", "PKB"}


def test_a_booking_asking_for_a_channel_the_site_does_not_offer_is_422(office):
    changed = office.client.patch(f"{ADMIN}/site", json={"channels": ["sms", "email"]}, headers=office.admin)
    assert changed.status_code == 200 and changed.json()["channels"] == ["sms", "email"]
    assert office.client.get("/api/v1/sites").json()[0]["channels"] == ["sms", "email"]
    refused = office.client.post(
        f"{SITE}/bookings", json=booking_body(at(TOMORROW, 9), n=91, channels=["sms", "whatsapp"])
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{
        "field": "channels[1]", "code": "channel_not_offered",
        "message": "MPP ini tidak mengirim pesan lewat saluran ini. Pilih salah satu dari: sms, email.",
    }]  # fmt: skip
    assert office.client.post(f"{SITE}/bookings", json=booking_body(at(TOMORROW, 9), n=92)).status_code == 201
    unknown = office.client.patch(f"{ADMIN}/site", json={"channels": ["sms", "fax"]}, headers=office.admin)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["code"] == "channel_unknown"


def test_in_production_a_channel_without_its_gateway_is_not_offered_and_ready_says_why(office, db, clock, tmp_path):
    from litestar.testing import TestClient

    settings = Settings(
        environment="production", data_dir=tmp_path, database_url=db.url, secret_key="k" * 40,
        notify_sms_url="json://127.0.0.1:9/sms?to={to}", notify_email_url="mailto://127.0.0.1:9?to={to}",
        rate_limit_per_minute=0,
    )  # fmt: skip
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200
        assert ready.json()["channels"] == {"whatsapp": "not offered: BOOKING_NOTIFY_WHATSAPP_URL is not set"}
        assert client.get("/api/v1/sites").json()[0]["channels"] == ["sms", "email"]
        refused = client.post(f"{SITE}/bookings", json=booking_body(at(TOMORROW, 9), n=93, channels=["whatsapp"]))
        assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "channel_not_offered"
