"""The display board's event stream, ``GET /api/v1/sites/{site}/queue/stream``, against a real server.

A display connects and gets ``retry:`` and the board as it stands; a clerk calls through the staff API and
the call arrives on the stream (with the sentence to speak), then each later step; a display that
connects after a call sees it at once; what a transaction refused is never published; no personal data
travels on it. The server runs in the test's process on the test's clock (tests/inprocess_server.py), on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import json

import httpx
import pytest

from booking.announcements import announcement
from booking.http import events
from booking.http.app import create_app
from tests.factories import add_agency, at, bearer, booking_body, make_site, make_staff
from tests.inprocess_server import serving
from tests.queue.conftest import TODAY, local
from tests.sse import BoardStream, called

STREAM = "/api/v1/sites/uji/queue/stream"


@pytest.fixture
def hall(settings, db, clock):
    """A served site (dukcapil: Loket 1 and 2, tickets A-NNN; samsat: Loket 9) at 08:00, and its clerk."""
    make_site(db)
    add_agency(db, "uji")
    make_staff(db, "ani", agency="dukcapil")
    clock.now = local(8, 0)
    with serving(create_app(settings, db=db, clock=clock)) as base, httpx.Client(base_url=base, timeout=60) as api:
        yield base, api, bearer(api, "ani")


def walk_in(api, service: str = "KTP") -> str:
    answer = api.post("/api/v1/sites/uji/arrivals", json={"service": service})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def waiting(message: dict, agency: str = "dukcapil") -> int:
    return next((row["count"] for row in message["board"]["waiting"] if row["agency"] == agency), 0)


def test_a_display_gets_the_board_first_then_every_call_as_it_happens(hall):
    base, api, clerk = hall
    first, second = walk_in(api), walk_in(api)
    with BoardStream(base + STREAM) as stream:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        now = stream.next()
        assert stream.retry_ms and stream.retry_ms > 0  # a dropped display comes back by itself
        assert now["changes"] == [] and now["board"]["calling"] == [] and waiting(now) == 2

        answer = api.post("/api/v1/staff/counters/Loket 1/call-next", headers=clerk)
        assert answer.status_code == 200 and answer.json()["ticket"] == first
        message = stream.wait_for(lambda m: called(m, first))
        change = called(message, first)
        assert change == {
            "kind": "call",
            "ticket": first,
            "agency": "dukcapil",
            "counter": "Loket 1",
            "say": announcement(first, "Loket 1").spoken,
        }
        assert [(row["ticket"], row["counter"]) for row in message["board"]["calling"]] == [(first, "Loket 1")]
        assert waiting(message) == 1

        assert api.post(f"/api/v1/staff/tickets/{first}/recall", headers=clerk).status_code == 200
        assert called(stream.wait_for(lambda m: called(m, first, "recall")), first, "recall")["counter"] == "Loket 1"

        assert api.post("/api/v1/staff/counters/Loket 2/call-next", headers=clerk).status_code == 200
        both = stream.wait_for(lambda m: called(m, second))
        assert {row["ticket"] for row in both["board"]["calling"]} == {first, second}

        assert api.post(f"/api/v1/staff/tickets/{first}/done", headers=clerk).status_code == 200
        done = stream.wait_for(lambda m: any(c["kind"] == "done" for c in m["changes"]))
        assert [row["ticket"] for row in done["board"]["calling"]] == [second]
        assert first in [row["ticket"] for row in done["board"]["recent"]]


def test_a_display_that_connects_after_a_call_shows_it_at_once(hall):
    base, api, clerk = hall
    ticket = walk_in(api)
    assert api.post("/api/v1/staff/counters/Loket 1/call-next", headers=clerk).status_code == 200
    with BoardStream(base + STREAM) as stream:
        now = stream.next()
        assert now["changes"] == []
        assert [(row["ticket"], row["counter"]) for row in now["board"]["calling"]] == [(ticket, "Loket 1")]


def test_what_a_transaction_refused_is_never_published(hall):
    base, api, clerk = hall
    with BoardStream(base + STREAM) as stream:
        stream.next()
        empty = api.post("/api/v1/staff/counters/Loket 1/call-next", headers=clerk)
        assert (empty.status_code, empty.json()["code"]) == (409, "queue_empty")
        ticket = walk_in(api)  # a change that commits: the next message must be this one, and only this
        message = stream.next()
        assert [(c["kind"], c["ticket"]) for c in message["changes"]] == [("arrival", ticket)]


def test_an_arrival_at_any_agency_reaches_the_board(hall):
    base, api, _ = hall
    with BoardStream(base + STREAM) as stream:
        stream.next()
        ticket = walk_in(api, service="PKB")
        message = stream.wait_for(lambda m: any(c["ticket"] == ticket for c in m["changes"]))
        assert waiting(message, "samsat") == 1 and waiting(message, "dukcapil") == 0


def test_no_personal_data_travels_on_the_stream(hall, clock):
    base, api, clerk = hall
    clock.now = local(7, 0) - (local(8, 0) - local(7, 0)) * 12  # booked the evening before
    body = booking_body(at(TODAY, 8, 30), n=7, citizen={"name": "Siti Aminah Rahayu", "email": "siti@example.id"})
    booked = api.post("/api/v1/sites/uji/bookings", json=body)
    assert booked.status_code == 201, booked.text
    code = booked.json()["code"]
    clock.now = local(8, 20)
    with BoardStream(base + STREAM) as stream:
        stream.next()
        arrival = api.post("/api/v1/sites/uji/arrivals", json={"code": code})
        assert arrival.status_code == 201, arrival.text
        ticket = arrival.json()["ticket"]
        assert api.post("/api/v1/staff/counters/Loket 1/call-next", headers=clerk).status_code == 200
        message = stream.wait_for(lambda m: called(m, ticket))
    seen = json.dumps(message)
    for secret in ("Siti", "Rahayu", "siti@example.id", body["citizen"]["nik"], "0812", code, code.replace("-", "")):
        assert secret not in seen, secret


def test_a_quiet_stream_says_it_is_alive(hall, monkeypatch):
    base, api, _ = hall
    monkeypatch.setattr(events, "KEEP_ALIVE_S", 0.2)
    with BoardStream(base + STREAM) as stream:
        stream.next()
        assert _wait(lambda: "keep-alive" in stream.comments and stream.alive >= 2), "a quiet stream said nothing"
        ticket = walk_in(api)  # and the changes still come, between the keep-alives
        assert [c["ticket"] for c in stream.next()["changes"]] == [ticket]


def test_an_unknown_site_is_a_problem_not_a_stream(client):
    answer = client.get("/api/v1/sites/nowhere/queue/stream")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "not_found"


def _wait(condition, timeout: float = 60.0) -> bool:
    from tests.gateways import wait_until

    return wait_until(condition, timeout=timeout, interval=0.05)
