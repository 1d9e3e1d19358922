"""What ``/schema`` tells a client about problems, times and bodies (``test_openapi_conformance.py`` drives
the live API against it)."""

from __future__ import annotations

import re

import pytest

from booking.http.problems import status_of
from tests.factories import bearer, make_site, make_staff

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
DOCUMENTED_CODE = re.compile(r"^- `(\w+)`", re.MULTILINE)


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def codes(operation: dict, status: str) -> list[str]:
    return DOCUMENTED_CODE.findall(operation["responses"][status]["description"])


@pytest.fixture
def document(client) -> dict:
    return client.get("/schema/openapi.json").json()


def test_every_error_an_operation_can_answer_is_a_problem_naming_its_codes(document):
    for name, operation in operations(document):
        errors = {status: answer for status, answer in operation["responses"].items() if int(status) >= 400}
        assert "400" not in errors, name  # Litestar's own shape; the API answers 422 instead
        assert codes(operation, "500") == ["internal_error"], name
        for status, answer in errors.items():
            if name == "GET /ready" and status == "503":
                continue  # not ready: the readiness report itself, not a problem
            assert answer["content"] == PROBLEM, (name, status)
            assert codes(operation, status), (name, status)
            assert {status_of(code) for code in codes(operation, status)} == {int(status)}, (name, status)


def test_the_shape_of_an_operation_brings_its_problems(document):
    for name, operation in operations(document):
        if operation.get("security"):
            assert codes(operation, "401") == ["unauthorized"], name
            assert codes(operation, "403") == ["forbidden"], name
        if "requestBody" in operation:
            assert codes(operation, "413") == ["payload_too_large"], name
            assert codes(operation, "415") == ["unsupported_media_type"], name
            assert "validation_error" in codes(operation, "422"), name
    paths = document["paths"]
    assert codes(paths["/api/v1/sites/{site}/bookings"]["post"], "429") == ["rate_limited"]
    assert codes(paths["/api/v1/auth/token"]["post"], "429") == ["rate_limited"]
    assert codes(paths["/api/v1/sites/{site}/waitlist"]["post"], "429") == ["rate_limited"]
    assert "429" not in paths["/api/v1/sites"]["get"]["responses"]
    assert "401" not in paths["/api/v1/sites"]["get"]["responses"]


def test_a_handler_declares_what_its_domain_refuses(document):
    booking = document["paths"]["/api/v1/sites/{site}/bookings"]["post"]
    assert codes(booking, "404") == ["not_found"]
    refusals = ["closed", "duplicate_booking", "idempotency_conflict", "quota_exhausted", "slot_full"]
    assert codes(booking, "409") == refusals
    check_in = document["paths"]["/api/v1/staff/bookings/{code}/check-in"]["post"]
    assert codes(check_in, "409") == ["invalid_transition", "wrong_day"]


def test_the_boards_event_stream_is_documented_as_a_public_stream(document):
    stream = document["paths"]["/api/v1/sites/{site}/queue/stream"]["get"]
    assert list(stream["responses"]["200"]["content"]) == ["text/event-stream"]
    assert codes(stream, "404") == ["not_found"]
    assert "security" not in stream  # the hall's TV signs in nowhere
    for words in ("retry:", "`changes`", "`board`", "`say`", "keep-alive", "`alive`"):
        assert words in stream["description"], words


def test_wall_clock_times_are_documented_as_the_api_sends_them(client, db, document):
    make_site(db)
    make_staff(db, "admin-uji", role="admin")
    opens_at = document["components"]["schemas"]["RuleOut"]["properties"]["opens_at"]
    assert opens_at.get("format") != "duration"

    rule = client.get("/api/v1/admin/counters", headers=bearer(client, "admin-uji")).json()[0]["rules"][0]

    assert rule["opens_at"] == "08:00:00"
    assert re.fullmatch(opens_at["pattern"], rule["opens_at"])
    assert not re.fullmatch(opens_at["pattern"], "08:00:00+07:00")


def test_request_bodies_say_they_refuse_unknown_fields_and_what_a_creation_needs(document):
    schemas = document["components"]["schemas"]
    assert schemas["BookingIn"]["additionalProperties"] is False
    assert schemas["AgencyIn"]["additionalProperties"] is False
    assert "required" not in schemas["AgencyIn"]  # a change may give any part
    assert schemas["NewAgencyIn"]["required"] == ["name", "slug"]
    assert schemas["NewRuleIn"]["required"] == ["capacity", "closes_at", "opens_at", "slot_minutes", "weekday"]
    assert "additionalProperties" not in schemas["BookingOut"]  # answers may gain fields


def test_options_lists_every_method_of_a_path(client):
    assert client.options("/api/v1/admin/agencies").headers["allow"] == "GET, OPTIONS, POST"
    assert client.options("/api/v1/admin/counters/Loket 1").headers["allow"] == "DELETE, OPTIONS, PATCH"


def test_an_id_beyond_the_database_range_is_refused_not_a_server_error(client, db):
    make_site(db)
    make_staff(db, "admin-uji", role="admin")
    headers = bearer(client, "admin-uji")

    for answer in (
        client.delete("/api/v1/admin/rules/2147483648", headers=headers),
        client.delete("/api/v1/admin/closures/99999999999999999999", headers=headers),
        client.get("/api/v1/admin/audit", params={"before_id": "12345678901234567890123"}, headers=headers),
    ):
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == "validation_error"
    assert client.delete("/api/v1/admin/rules/2147483647", headers=headers).status_code == 404
