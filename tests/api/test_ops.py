"""What the operator relies on: health, readiness, metrics and the OpenAPI document."""

from __future__ import annotations

from litestar.testing import TestClient

from booking.db import Database
from booking.http.app import create_app
from tests.factories import TOMORROW, at, booking_body, make_site


def test_health_and_ready_answer(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ok", "database": "ok"}


def test_ready_says_so_when_the_database_is_gone(settings, tmp_path):
    broken = Database(f"sqlite:///{tmp_path}/missing-dir/nothing.db")
    with TestClient(create_app(settings, db=broken)) as client:
        answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"


def test_metrics_count_bookings_made_and_refused_by_reason(client, db):
    make_site(db, capacity=1, counters=1)
    client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), 1))
    client.post("/api/v1/sites/uji/bookings", json=booking_body(at(TOMORROW, 8), 2))
    text = client.get("/metrics").text
    assert "antrian_bookings_made_total" in text
    assert 'antrian_bookings_refused_total{reason="slot_full"}' in text
    assert "antrian_requests_total" in text


def test_openapi_documents_the_contract(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    for path in (
        "/api/v1/sites",
        "/api/v1/sites/{site}/agencies",
        "/api/v1/sites/{site}/services",
        "/api/v1/sites/{site}/services/{code}/availability",
        "/api/v1/sites/{site}/bookings",
        "/api/v1/bookings/{code}",
        "/api/v1/bookings/{code}/cancel",
        "/api/v1/bookings/{code}/reschedule",
    ):
        assert path in paths, path
