"""Booking on someone's behalf through the API: a partner account (a kantor desa) books for citizens of its
site, a clerk for their own agency; the citizen's own rules hold, the booking names who made it, the audit
log shows it without the NIK, and a partner's bookings have a limit of their own."""

from __future__ import annotations

import json
import os
import re
import subprocess

from litestar.testing import TestClient
from sqlalchemy import func, select

from booking.http.app import create_app
from booking.models import AuditEntry, Booking, Notification, StaffUser
from tests.factories import PASSWORD, TOMORROW, at, bearer, booking_body, make_site, make_staff, nik
from tests.test_operator_tools import BOOKING

ASSISTED = "/api/v1/sites/uji/assisted-bookings"
CODE = re.compile(r"- `([a-z_]+)`")


def _partner(office) -> dict:
    make_staff(office.db, "desa-sukamaju", role="partner")
    return bearer(office.client, "desa-sukamaju")


def _count(db, model) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_partner_books_for_a_citizen_and_the_booking_names_the_partner(office):
    partner = _partner(office)
    made = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=41), headers=partner)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["booked_by"] == "desa-sukamaju"
    assert body["manage_url"].startswith("http://antrian.test/b/") and "token=" in body["manage_url"]
    assert body["citizen"]["nik"] == "************" + nik(41)[-4:]
    # the citizen gets the usual confirmation on the channel chosen, through the outbox
    assert [(n["kind"], n["channel"]) for n in body["notifications"]][:1] == [("booking_confirmed", "sms")]
    # and their manage link opens it for them, as for any booking
    token = body["manage_token"]
    own = office.client.get(f"/api/v1/bookings/{body['code']}", headers={"X-Booking-Token": token})
    assert own.status_code == 200 and own.json()["booked_by"] == "desa-sukamaju"


def test_the_audit_log_shows_the_assisted_booking_without_the_nik(office):
    partner = _partner(office)
    code = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=42), headers=partner).json()["code"]
    entries = office.client.get("/api/v1/admin/audit?action=booking.assisted", headers=office.admin).json()
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("desa-sukamaju", "booking.assisted", f"booking:{code.replace('-', '')}")
    ]
    assert nik(42) not in json.dumps(entries) and nik(42)[-4:] not in json.dumps(entries)
    assert "Siti" not in json.dumps(entries) and "081234567890" not in json.dumps(entries)


def test_a_clerk_books_for_their_agency_and_is_refused_for_another_with_nothing_written(office):
    mine = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=43), headers=office.ani)
    assert mine.status_code == 201, mine.text
    assert mine.json()["booked_by"] == "ani"
    bookings, audit = _count(office.db, Booking), _count(office.db, AuditEntry)
    other = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=44, service="PKB"), headers=office.ani)
    assert other.status_code == 403 and other.json()["code"] == "forbidden"
    assert (_count(office.db, Booking), _count(office.db, AuditEntry)) == (bookings, audit)
    # the samsat clerk may, and an admin may book any agency's service
    assert (
        office.client.post(
            ASSISTED, json=booking_body(at(TOMORROW, 9), n=44, service="PKB"), headers=office.budi
        ).status_code
        == 201
    )
    assert (
        office.client.post(
            ASSISTED, json=booking_body(at(TOMORROW, 9), n=45, service="PKB"), headers=office.admin
        ).status_code
        == 201
    )


def test_a_partner_of_another_site_is_refused(office):
    make_site(office.db, slug="lain")
    make_staff(office.db, "desa-lain", role="partner", site="lain")
    refused = office.client.post(
        ASSISTED, json=booking_body(at(TOMORROW, 9), n=46), headers=bearer(office.client, "desa-lain")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert _count(office.db, Booking) == 0


def test_one_booking_per_nik_per_service_per_day_holds_for_assisted_bookings(office):
    partner = _partner(office)
    assert office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=47), headers=partner).status_code == 201
    again = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 11), n=47), headers=office.ani)
    assert again.status_code == 409 and again.json()["code"] == "duplicate_booking"
    herself = office.client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 11), n=47))
    assert herself.status_code == 409 and herself.json()["code"] == "duplicate_booking"
    assert _count(office.db, Booking) == 1


def test_the_booking_window_and_input_rules_hold_as_for_everyone(office):
    partner = _partner(office)
    too_soon = office.client.post(
        ASSISTED, json=booking_body(at(TOMORROW, 9), n=48) | {"start": "2026-11-30T07:30:00+07:00"}, headers=partner
    )
    assert too_soon.status_code == 422
    assert [e["code"] for e in too_soon.json()["errors"]] == ["start_too_soon"]
    bad = office.client.post(
        ASSISTED,
        json=booking_body(at(TOMORROW, 9), citizen={"nik": "123", "phone": ""}),
        headers={**partner, "Accept-Language": "en"},
    )
    assert bad.status_code == 422
    errors = {e["field"]: e["code"] for e in bad.json()["errors"]}
    assert errors["citizen.nik"] == "nik_format" and "citizen.phone" in errors  # sms needs a phone
    assert bad.json()["errors"][0]["message"] == "The NIK must be 16 digits."  # worded in the caller's language
    assert _count(office.db, Booking) == 0 and _count(office.db, Notification) == 0


def test_a_citizen_without_a_phone_is_booked_with_no_messages(office):
    partner = _partner(office)
    body = booking_body(at(TOMORROW, 9), n=49, citizen={"phone": ""}, channels=[], no_messages=True)
    made = office.client.post(ASSISTED, json=body, headers=partner)
    assert made.status_code == 201, made.text
    assert made.json()["notifications"] == [] and made.json()["citizen"]["phone"] in (None, "")


def test_a_retried_request_under_one_key_books_and_audits_once(office):
    partner = _partner(office)
    key = {**partner, "Idempotency-Key": "desa-1"}
    first = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=50), headers=key)
    second = office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=50), headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["code"] == second.json()["code"] and second.headers["Idempotent-Replayed"] == "true"
    assert _count(office.db, Booking) == 1
    audited = office.client.get("/api/v1/admin/audit?action=booking.assisted", headers=office.admin).json()
    assert len(audited) == 1
    # another account's same key is not a replay of this one's booking
    clerk = office.client.post(
        ASSISTED, json=booking_body(at(TOMORROW, 9), n=50), headers={**office.ani, "Idempotency-Key": "desa-1"}
    )
    assert clerk.status_code == 409 and clerk.json()["code"] == "idempotency_conflict"


def test_the_schedule_shows_who_booked_on_the_citizens_behalf(office):
    partner = _partner(office)
    office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=51), headers=partner)
    office.book(day=TOMORROW, hour=11)
    schedule = office.client.get(f"/api/v1/staff/schedule?date={TOMORROW}", headers=office.ani).json()
    booked_by = sorted(str(b.get("booked_by")) for c in schedule["counters"] for b in c["bookings"])
    assert booked_by == ["None", "desa-sukamaju"]
    as_csv = office.client.get(
        f"/api/v1/staff/schedule?date={TOMORROW}", headers={**office.ani, "Accept": "text/csv"}
    ).text.splitlines()
    assert as_csv[0].endswith(",booked_by")
    assert sorted(line.rsplit(",", 1)[1] for line in as_csv[1:]) == ["", "desa-sukamaju"]


def test_a_partners_own_limit_answers_429_with_retry_after_and_clerks_are_not_limited(office, settings, db, clock):
    make_staff(db, "desa-sukamaju", role="partner")
    limited = settings.model_copy(update={"partner_rate_limit_per_minute": 2})
    with TestClient(create_app(limited, db=db, clock=clock)) as client:
        partner = bearer(client, "desa-sukamaju")
        answers = [
            client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=60 + i), headers=partner) for i in range(3)
        ]
        assert [a.status_code for a in answers] == [201, 201, 429]
        assert answers[2].json()["code"] == "rate_limited" and int(answers[2].headers["Retry-After"]) > 0
        clerk = bearer(client, "ani")
        for i in range(3):
            made = client.post(ASSISTED, json=booking_body(at(TOMORROW, 11), n=70 + i), headers=clerk)
            assert made.status_code == 201, made.text
    assert _count(db, Booking) == 5


def test_the_admin_creates_a_partner_account_through_the_accounts_api(office):
    made = office.client.post(
        "/api/v1/admin/accounts",
        json={"username": "desa-ngawen", "password": PASSWORD, "role": "partner"},
        headers=office.admin,
    )
    assert made.status_code == 201, made.text
    assert (made.json()["role"], made.json()["agency"]) == ("partner", None)
    partner = bearer(office.client, "desa-ngawen")
    assert office.client.post(ASSISTED, json=booking_body(at(TOMORROW, 9), n=52), headers=partner).status_code == 201
    assert office.client.get("/api/v1/staff/schedule", headers=partner).status_code == 403


def test_the_command_line_creates_a_partner_account(office, database_url):
    env = {**os.environ, "BOOKING_DATABASE_URL": database_url}
    made = subprocess.run(
        [str(BOOKING), "staff", "create", "--username", "desa-kunduran", "--role", "partner", "--site", "uji",
         "--password", PASSWORD],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip() == "partner desa-kunduran created"
    with office.db.read() as session:
        user = session.scalar(select(StaffUser).where(StaffUser.username == "desa-kunduran"))
        assert (user.role, user.agency_id, user.site.slug) == ("partner", None, "uji")


def test_the_openapi_document_lists_the_operation_and_every_problem_it_can_answer(office):
    document = office.client.get("/schema/openapi.json").json()
    operation = document["paths"]["/api/v1/sites/{site}/assisted-bookings"]["post"]
    documented = {
        status: set(CODE.findall(answer["description"]))
        for status, answer in operation["responses"].items()
        if int(status) >= 400
    }
    assert documented == {
        "401": {"unauthorized"},
        "403": {"forbidden"},
        "404": {"not_found"},
        "409": {"closed", "slot_full", "quota_exhausted", "duplicate_booking", "idempotency_conflict"},
        "413": {"payload_too_large"},
        "415": {"unsupported_media_type"},
        "422": {"validation_error"},
        "429": {"rate_limited"},
        "500": {"internal_error"},
        "503": {"busy"},
    }
    assert operation["security"] and "201" in operation["responses"]
    body = document["components"]["schemas"]["AssistedCitizenIn"]
    assert body["required"] == ["name", "nik"] and body["additionalProperties"] is False
    assert "booked_by" in document["components"]["schemas"]["BookingOut"]["properties"]
    # the path answers OPTIONS with its methods, as every path does
    assert office.client.options(ASSISTED).headers["allow"] == "OPTIONS, POST"
