"""Malformed requests get a clear 4xx problem, never a 500, and never leave anything behind.

One table of bad requests against the public API: bodies, query parameters, headers, path values and
methods. Each names the status, the problem ``code`` and, for validation errors, the field the caller
must fix (and the field error code).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from dataclasses import field as attribute

import pytest
from sqlalchemy import func, select

from booking.invariants import capacity_violations
from booking.models import Booking, IdempotencyKey, Notification, ServiceDayLoad, SlotLoad
from tests.factories import MONDAY_MORNING, TOMORROW, at, booking_body, make_site

BOOK = "/api/v1/sites/uji/bookings"
SERVICES = "/api/v1/sites/uji/services"
AVAILABILITY = "/api/v1/sites/uji/services/KTP/availability"
MINE = "/api/v1/bookings/{code}"
TODAY = MONDAY_MORNING.date()


@dataclass(frozen=True)
class Bad:
    """One malformed request and the answer it must get."""

    method: str
    path: str
    status: int
    code: str
    field: str | None = None  # errors[].field that must be present
    field_code: str | None = None  # and its errors[].code, when given
    body: object = None  # sent as JSON when not None
    raw: bytes | None = None  # sent as is, with ``content_type``
    content_type: str | None = "application/json"  # None: no Content-Type header at all
    headers: dict[str, str] = attribute(default_factory=dict)
    params: dict[str, str] = attribute(default_factory=dict)
    booked: bool = False  # needs an existing booking: {code} in the path, its token in X-Booking-Token
    minutes_later: int = 0  # the clock moved on this far from Monday 07:00 WIB


def body(**top) -> dict:
    """A valid booking body for tomorrow 08:00 with top-level fields replaced (or set to None)."""
    return {**booking_body(at(TOMORROW, 8)), **top}


def person(**fields) -> dict:
    """A valid booking body with citizen fields replaced."""
    return booking_body(at(TOMORROW, 8), citizen=fields)


def without(key: str) -> dict:
    made = body()
    del made[key]
    return made


def invalid(path: str, field_name: str, field_code: str | None, method: str = "POST", **rest) -> Bad:
    return Bad(method, path, 422, "validation_error", field_name, field_code, **rest)


def not_json(content_type: str | None) -> Bad:
    """A valid booking body sent as another media type: refused for its type alone."""
    return Bad("POST", BOOK, 415, "unsupported_media_type", raw=VALID_BOOKING, content_type=content_type)


def missing(path: str, method: str = "GET", **rest) -> Bad:
    return Bad(method, path, 404, "not_found", **rest)


def start(text: str, field_code: str | None, **rest) -> Bad:
    return invalid(BOOK, "start", field_code, body=body(start=text), **rest)


VALID_BOOKING = json.dumps(body()).encode()


def dates(first: str, last: str) -> dict[str, str]:
    return {"from": first, "to": last}


def new_start(text: str, field_code: str) -> Bad:
    return invalid(MINE + "/reschedule", "start", field_code, body={"start": text}, booked=True)


CASES = [
    # The body as a whole
    pytest.param(invalid(BOOK, "body", "json_invalid", raw=b'{"service": "KTP", "start": '),
                 id="a_truncated_body_is_a_validation_error"),
    pytest.param(invalid(BOOK, "body", "json_invalid", raw=b"service=KTP&start=besok"),
                 id="a_body_that_is_not_json_is_a_validation_error"),
    pytest.param(invalid(BOOK, "body", "required", raw=b""), id="an_empty_body_is_required"),
    pytest.param(invalid(BOOK, "body", "type_invalid", body=[body()]), id="a_json_array_is_not_an_object"),
    pytest.param(invalid(BOOK, "body", "type_invalid", body="KTP"), id="a_json_string_is_not_an_object"),
    pytest.param(invalid(BOOK, "body", None, raw=b"[" * 1000 + b"]" * 1000),
                 id="deeply_nested_json_is_a_validation_error"),
    pytest.param(Bad("POST", BOOK, 413, "payload_too_large", raw=b'{"service": "' + b"K" * 70_000 + b'"}'),
                 id="a_body_over_64_kib_is_too_large"),
    # Wrong types, missing and unknown fields
    pytest.param(invalid(BOOK, "service", "type_invalid", body=body(service=5)), id="a_number_for_service"),
    pytest.param(invalid(BOOK, "start", "type_invalid", body=body(start=1764550800)), id="a_number_for_start"),
    pytest.param(invalid(BOOK, "citizen", "type_invalid", body=body(citizen="Siti Aminah")),
                 id="a_string_for_citizen"),
    pytest.param(invalid(BOOK, "citizen", "type_invalid", body=body(citizen=None)), id="null_for_citizen"),
    pytest.param(invalid(BOOK, "citizen.nik", "type_invalid", body=person(nik=None)), id="null_for_nik"),
    pytest.param(invalid(BOOK, "citizen.nik", "type_invalid", body=person(nik=3316011708850001)),
                 id="a_number_for_nik"),
    pytest.param(invalid(BOOK, "citizen.name", "type_invalid", body=person(name=["Siti", "Aminah"])),
                 id="a_list_for_name"),
    pytest.param(invalid(BOOK, "citizen.phone", "type_invalid", body=person(phone=81234567890)),
                 id="a_number_for_phone"),
    pytest.param(invalid(BOOK, "citizen.email", "type_invalid", body=person(email=42)), id="a_number_for_email"),
    pytest.param(invalid(BOOK, "channels", "type_invalid", body=body(channels="sms")), id="a_string_for_channels"),
    pytest.param(invalid(BOOK, "channels", "type_invalid", body=body(channels={"sms": True})),
                 id="an_object_for_channels"),
    pytest.param(invalid(BOOK, "channels[0]", "type_invalid", body=body(channels=[1])),
                 id="a_number_in_channels"),
    pytest.param(invalid(BOOK, "locale", "type_invalid", body=body(locale=1)), id="a_number_for_locale"),
    pytest.param(invalid(BOOK, "service", "required", body=without("service")), id="service_is_required"),
    pytest.param(invalid(BOOK, "citizen", "required", body=without("citizen")), id="citizen_is_required"),
    pytest.param(invalid(BOOK, "coupon", "unknown_field", body=body(coupon="GRATIS")),
                 id="an_unknown_top_level_field"),
    pytest.param(invalid(BOOK, "citizen.age", "unknown_field", body=person(age=40)),
                 id="an_unknown_citizen_field"),
    # NIK
    pytest.param(invalid(BOOK, "citizen.nik", "nik_format", body=person(nik="33160117088500")), id="nik_too_short"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_format", body=person(nik="33160117088500AB")),
                 id="nik_with_letters"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_invalid", body=person(nik="0" * 16)), id="nik_all_zeros"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_invalid", body=person(nik="9999991708850001")),
                 id="nik_with_an_unknown_region"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316013208850001")),
                 id="nik_born_on_day_32"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316011713850001")),
                 id="nik_born_in_month_13"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316017208850001")),
                 id="nik_of_a_woman_born_on_day_32_plus_40"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316018108850001")),
                 id="nik_born_on_day_81_which_is_no_day_for_anyone"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316-0131-0285-0001")),
                 id="nik_born_on_31_february_written_with_dashes"),
    pytest.param(invalid(BOOK, "citizen.nik", "nik_birth_date", body=person(nik="3316016902850002")),
                 id="nik_of_a_woman_born_on_29_february_of_a_common_year"),
    # Name
    pytest.param(invalid(BOOK, "citizen.name", "name_length", body=person(name="S")), id="name_of_one_character"),
    pytest.param(invalid(BOOK, "citizen.name", "name_length", body=person(name="S" * 101)),
                 id="name_of_101_characters"),
    pytest.param(invalid(BOOK, "citizen.name", "name_invalid", body=person(name="12345")), id="name_of_only_digits"),
    pytest.param(invalid(BOOK, "citizen.name", "name_invalid", body=person(name="\x1b[31mSiti Aminah")),
                 id="name_with_control_characters"),
    # Phone, e-mail, channels, locale, service
    pytest.param(invalid(BOOK, "citizen.phone", "phone_landline", body=person(phone="0296531234")),
                 id="phone_that_is_a_landline"),
    pytest.param(invalid(BOOK, "citizen.phone", "phone_not_indonesian", body=person(phone="+12015550123")),
                 id="phone_that_is_american"),
    pytest.param(invalid(BOOK, "citizen.phone", "phone_not_indonesian", body=person(phone="+447911123456")),
                 id="phone_that_is_a_british_mobile"),
    pytest.param(invalid(BOOK, "citizen.phone", "phone_invalid", body=person(phone="0812")), id="phone_too_short"),
    pytest.param(invalid(BOOK, "citizen.phone", "phone_invalid", body=person(phone="nomor saya")),
                 id="phone_of_letters"),
    pytest.param(invalid(BOOK, "citizen.email", "email_invalid", body=person(email="siti@")), id="email_invalid"),
    pytest.param(invalid(BOOK, "citizen.email", "email_required", body=body(channels=["sms", "email"])),
                 id="email_channel_without_an_email"),
    pytest.param(invalid(BOOK, "channels[0]", "channel_unknown", body=body(channels=["pigeon"])),
                 id="an_unknown_channel"),
    pytest.param(invalid(BOOK, "channels", "channels_required", body=body(channels=[])),
                 id="no_channel_without_choosing_no_messages"),
    pytest.param(invalid(BOOK, "channels", "channels_required", body=body(channels=[], no_messages=False)),
                 id="no_channel_with_no_messages_false"),
    pytest.param(invalid(BOOK, "channels", "channels_with_no_messages", body=body(no_messages=True)),
                 id="channels_and_no_messages_both"),
    pytest.param(invalid(BOOK, "no_messages", "type_invalid", body=body(channels=[], no_messages="ya")),
                 id="a_string_for_no_messages"),
    pytest.param(invalid(BOOK, "locale", "locale_unknown", body=body(locale="fr")), id="an_unknown_locale"),
    pytest.param(invalid(BOOK, "service", "service_unknown", body=body(service="NOPE")),
                 id="an_unknown_service_code"),
    pytest.param(invalid(BOOK, "service", "service_unknown", body=body(service="KTP\x00")),
                 id="a_service_code_with_a_nul_byte"),
    # Start
    pytest.param(start("besok jam 8", "start_format"), id="start_not_iso_8601"),
    pytest.param(start(at(TOMORROW, 8, 10), "start_not_slot"), id="start_not_on_a_slot_boundary"),
    pytest.param(start(at(TODAY - dt.timedelta(days=1), 8), "start_too_soon"), id="start_in_the_past"),
    pytest.param(start(at(TODAY, 8), "start_too_soon", minutes_later=1), id="start_inside_the_lead_time"),
    pytest.param(start(at(TODAY + dt.timedelta(days=31), 8), "start_too_far"),
                 id="start_beyond_the_30_day_window"),
    pytest.param(start(at(TOMORROW, 10), "start_not_slot"), id="start_in_the_break"),
    pytest.param(start("0001-01-01T00:00:00+07:00", None), id="start_in_year_1"),
    pytest.param(start("9999-12-31T23:59:59-12:00", None), id="start_at_the_end_of_year_9999"),
    pytest.param(start("9999-12-31T12:00:00+00:00", "date_out_of_range"), id="start_in_year_9999_in_utc"),
    pytest.param(start("0001-01-01T12:00:00+00:00", "date_out_of_range"), id="start_in_year_1_in_utc"),
    pytest.param(start("1999-12-31T08:00:00+07:00", "date_out_of_range"), id="start_in_the_last_century"),
    # Reschedule body
    pytest.param(invalid(MINE + "/reschedule", "body", "json_invalid", raw=b'{"start": "2026-12', booked=True),
                 id="reschedule_with_a_truncated_body"),
    pytest.param(invalid(MINE + "/reschedule", "start", "type_invalid", body={"start": 9}, booked=True),
                 id="reschedule_with_a_number_for_start"),
    pytest.param(invalid(MINE + "/reschedule", "start", "required", body={}, booked=True),
                 id="reschedule_without_start"),
    pytest.param(invalid(MINE + "/reschedule", "service", "unknown_field",
                         body={"start": at(TOMORROW, 9), "service": "KK"}, booked=True),
                 id="reschedule_cannot_change_the_service"),
    pytest.param(new_start("jam sembilan", "start_format"), id="reschedule_to_a_start_not_iso_8601"),
    pytest.param(new_start(at(TOMORROW, 9, 15), "start_not_slot"), id="reschedule_to_a_start_off_the_slots"),
    pytest.param(new_start(at(TOMORROW, 10), "start_not_slot"), id="reschedule_into_the_break"),
    pytest.param(new_start(at(TODAY + dt.timedelta(days=31), 8), "start_too_far"),
                 id="reschedule_beyond_the_window"),
    pytest.param(missing(MINE.format(code="ZZZZ-ZZZZ") + "/reschedule", "POST", body={"start": at(TOMORROW, 9)},
                         headers={"X-Booking-Token": "x" * 32}),
                 id="reschedule_of_an_unknown_booking"),
    pytest.param(missing(MINE + "/reschedule", "POST", body={"start": at(TOMORROW, 9)}, booked=True,
                         headers={"X-Booking-Token": "not-the-token"}),
                 id="reschedule_with_a_wrong_token"),
    # Availability query
    pytest.param(invalid(AVAILABILITY, "from", "date_format", "GET", params={"from": "besok"}),
                 id="availability_from_not_a_date"),
    pytest.param(invalid(AVAILABILITY, "to", "date_format", "GET", params=dates("2026-12-01", "2026-13-01")),
                 id="availability_to_not_a_date"),
    pytest.param(invalid(AVAILABILITY, "to", "range_reversed", "GET", params=dates("2026-12-05", "2026-12-01")),
                 id="availability_to_before_from"),
    pytest.param(invalid(AVAILABILITY, "to", "range_too_long", "GET", params=dates("2026-12-01", "2027-01-01")),
                 id="availability_over_31_days"),
    pytest.param(invalid(AVAILABILITY, None, "too_long", "GET", params={"from": "2026-12-01" * 3}),
                 id="availability_from_over_20_characters"),
    # Services query
    pytest.param(invalid(SERVICES, "q", "too_long", "GET", params={"q": "ktp " * 26}), id="services_huge_q"),
    pytest.param(invalid(SERVICES, "agency", "too_long", "GET", params={"agency": "a" * 65}),
                 id="services_huge_agency"),
    # Content types: only JSON is read, whatever the body (a cross-site form post needs no preflight)
    pytest.param(not_json("text/plain"), id="text_plain"),
    pytest.param(not_json("text/plain; charset=utf-8"), id="text_plain_with_a_charset"),
    pytest.param(not_json(None), id="no_content_type"),
    pytest.param(not_json("multipart/form-data; boundary=antrian"), id="multipart"),
    pytest.param(not_json("application/x-www-form-urlencoded"), id="a_form_post"),
    pytest.param(not_json("application/jsonp"), id="application_jsonp"),
    pytest.param(not_json("application/+json"), id="a_json_suffix_without_a_type"),
    pytest.param(Bad("POST", MINE + "/reschedule", 415, "unsupported_media_type", booked=True,
                     raw=json.dumps({"start": at(TOMORROW, 9)}).encode(), content_type="text/plain"),
                 id="reschedule_as_text_plain"),
    # Headers
    pytest.param(invalid(BOOK, None, "too_long", body=body(), headers={"Idempotency-Key": "k" * 256}),
                 id="idempotency_key_over_255_characters"),
    pytest.param(invalid(BOOK, "Idempotency-Key", "value_invalid", body=body(), headers={"Idempotency-Key": ""}),
                 id="an_empty_idempotency_key"),
    pytest.param(invalid(BOOK, "Idempotency-Key", "value_invalid", body=body(), headers={"Idempotency-Key": "a\tb"}),
                 id="an_idempotency_key_with_a_control_character"),
    pytest.param(invalid(MINE.format(code="ZZZZ-ZZZZ"), None, "too_long", "GET",
                         headers={"X-Booking-Token": "t" * 201}),
                 id="a_booking_token_over_200_characters"),
    # Path values
    pytest.param(missing("/api/v1/sites/nowhere/services/KTP/availability"), id="availability_of_an_unknown_site"),
    pytest.param(missing("/api/v1/sites/uji/services/NOPE/availability"), id="availability_of_an_unknown_service"),
    pytest.param(missing("/api/v1/sites/nowhere/services"), id="services_of_an_unknown_site"),
    pytest.param(missing("/api/v1/sites/nowhere/agencies"), id="agencies_of_an_unknown_site"),
    pytest.param(missing("/api/v1/sites/nowhere/bookings", "POST", body=body()), id="booking_at_an_unknown_site"),
    pytest.param(missing(MINE.format(code="ZZZZ-ZZZZ"), headers={"X-Booking-Token": "x" * 32}),
                 id="an_unknown_booking_code"),
    pytest.param(missing("/api/v1/sites/u%00ji/agencies"),
                 id="a_site_slug_with_a_nul_byte"),
    pytest.param(missing("/api/v1/sites/uji/services/K%00TP/availability"),
                 id="a_service_code_in_the_path_with_a_nul_byte"),
    pytest.param(missing(MINE.format(code="ZZZZ%00ZZZZ"), headers={"X-Booking-Token": "x" * 32}),
                 id="a_booking_code_with_a_nul_byte"),
    pytest.param(missing("/api/v1/nothing-here"), id="an_unknown_route"),
    # Methods
    pytest.param(Bad("DELETE", BOOK, 405, "method_not_allowed"), id="delete_on_bookings"),
    pytest.param(Bad("GET", BOOK, 405, "method_not_allowed"), id="get_on_bookings"),
    pytest.param(Bad("PUT", AVAILABILITY, 405, "method_not_allowed", body={}), id="put_on_availability"),
    pytest.param(Bad("GET", MINE.format(code="ZZZZ-ZZZZ") + "/cancel", 405, "method_not_allowed"),
                 id="get_on_cancel"),
]


@pytest.fixture
def site(db):
    return make_site(db)


def make_booking(client) -> dict:
    made = client.post(BOOK, json=booking_body(at(TOMORROW, 8), 900))
    assert made.status_code == 201, made.text
    return made.json()


def send(client, clock, case: Bad, booking: dict | None = None):
    clock.now = MONDAY_MORNING + dt.timedelta(minutes=case.minutes_later)
    path, headers = case.path, dict(case.headers)
    if case.booked:
        path = path.format(code=booking["code"])
        headers.setdefault("X-Booking-Token", booking["manage_token"])
    kwargs: dict = {"headers": headers, "params": case.params}
    if case.raw is not None:
        media = {"content-type": case.content_type} if case.content_type else {}
        kwargs.update(content=case.raw, headers={**media, **headers})
    elif case.body is not None:
        kwargs["json"] = case.body
    try:
        return client.request(case.method, path, **kwargs)
    finally:
        clock.now = MONDAY_MORNING


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_request_gets_a_clear_problem(client, db, clock, site, case):
    booking = make_booking(client) if case.booked else None

    response = send(client, clock, case, booking)

    assert response.status_code == case.status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == case.code
    assert problem["status"] == case.status
    if case.code == "validation_error":
        errors = problem["errors"]
        assert errors and all(error["message"] for error in errors)
        if case.field is not None:
            assert case.field in {error["field"] for error in errors}, errors
        if case.field_code is not None:
            codes = {error["code"] for error in errors if case.field in (None, error["field"])}
            assert case.field_code in codes, errors


def test_after_every_malformed_request_nothing_was_written(client, db, clock, site):
    for param in CASES:
        case = param.values[0]
        if not case.booked:
            send(client, clock, case)

    with db.read() as session:
        for table in (Booking, SlotLoad, ServiceDayLoad, IdempotencyKey):
            assert session.scalar(select(func.count()).select_from(table)) == 0, table.__tablename__


def test_malformed_reschedules_keep_the_booking_and_its_place(client, db, clock, site):
    booking = make_booking(client)
    for param in CASES:
        case = param.values[0]
        if case.booked:
            send(client, clock, case, booking)

    shown = client.get(MINE.format(code=booking["code"]), headers={"X-Booking-Token": booking["manage_token"]})
    assert shown.json()["start"] == booking["start"] and shown.json()["status"] == "confirmed"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Booking)) == 1
        assert [(load.starts_at, load.booked) for load in session.scalars(select(SlotLoad))] == [
            (dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC), 1)
        ]
        assert capacity_violations(session) == []


# Field errors must name what the caller sent, not the handler's Python parameter.
@pytest.mark.parametrize(("path", "kwargs", "expected"), [
    pytest.param(AVAILABILITY, {"params": {"from": "2026-12-01" * 3}}, "from", id="from"),
    pytest.param(BOOK, {"headers": {"Idempotency-Key": "k" * 256}, "json": body()}, "Idempotency-Key",
                 id="idempotency_key"),
    pytest.param(MINE.format(code="ZZZZ-ZZZZ"), {"headers": {"X-Booking-Token": "t" * 201}}, "X-Booking-Token",
                 id="booking_token"),
])
def test_a_too_long_parameter_is_named_as_the_caller_sent_it(client, site, path, kwargs, expected):
    response = client.request("POST" if "json" in kwargs else "GET", path, **kwargs)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [expected]


# Requests that are odd rather than wrong may get a 200 or a 4xx, but never a 500.
@pytest.mark.parametrize("path", [
    pytest.param(AVAILABILITY + "?from=0001-01-01&to=0001-01-01", id="availability_in_year_1"),
    pytest.param(AVAILABILITY + "?from=9999-12-31", id="availability_from_the_last_day_of_year_9999"),
    pytest.param(SERVICES + "?q=k%00tp", id="services_q_with_a_nul_byte"),
    pytest.param(SERVICES + "?agency=duk%00capil", id="services_agency_with_a_nul_byte"),
])
def test_an_odd_query_never_answers_500(client, site, path):
    response = client.get(path)
    assert response.status_code < 500, response.text


def test_a_womans_nik_with_day_plus_40_is_accepted(client, site):
    made = client.post(BOOK, json=person(nik="3316015708850002"))  # born 17 August 1985, female
    assert made.status_code == 201, made.text
    assert made.json()["citizen"]["nik"] == "************0002"


def test_the_last_day_of_the_window_is_bookable(client, site):
    made = client.post(BOOK, json=body(start=at(TODAY + dt.timedelta(days=30), 8)))
    assert made.status_code == 201, made.text


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
     "application/vnd.antrian+json"],
)  # fmt: skip
def test_json_is_read_with_or_without_a_charset_and_as_any_json_type(client, site, content_type):
    made = client.post(BOOK, content=VALID_BOOKING, headers={"content-type": content_type})
    assert made.status_code == 201, made.text


def test_an_action_without_a_body_needs_no_content_type(client, site):
    booking = make_booking(client)
    token = {"X-Booking-Token": booking["manage_token"]}
    cancelled = client.post(MINE.format(code=booking["code"]) + "/cancel", headers=token)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"


@pytest.mark.parametrize("given", [{"channels": [], "no_messages": True}, {"no_messages": True}])
def test_a_citizen_who_chose_no_messages_is_booked_and_sent_nothing(client, db, site, given):
    made = client.post(BOOK, json={**without("channels"), **given})

    assert made.status_code == 201, made.text
    assert (made.json()["channels"], made.json()["notifications"]) == ([], [])
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_without_channels_or_a_choice_the_citizen_gets_an_sms_as_before(client, site):
    made = client.post(BOOK, json=without("channels"))
    assert made.status_code == 201, made.text
    assert made.json()["channels"] == ["sms"]
