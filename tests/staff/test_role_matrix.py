"""Every staff and admin endpoint against every kind of caller: no token, a bad one, an expired one,
a clerk of the agency, a clerk of another agency, the admin, an assisted-booking partner (refused on every
one of them); booking on a citizen's behalf against the same callers; and the public queue board (its JSON
and its event stream, through a real server) answering all of them alike."""

from __future__ import annotations

import datetime as dt
import itertools

import httpx
import jwt
import pytest
from sqlalchemy import select

from booking.http.app import create_app
from booking.models import StaffUser
from tests.factories import MONDAY_MORNING, TOMORROW, at, bearer, booking_body, make_staff
from tests.inprocess_server import serving
from tests.sse import BoardStream
from tests.staff.conftest import TODAY

CALLERS = ("none", "bad", "expired", "own_clerk", "other_clerk", "admin", "partner")
_fresh = itertools.count(1)


def _rule_id(office) -> int:
    counters = office.client.get("/api/v1/admin/counters", headers=office.admin).json()
    return counters[0]["rules"][0]["id"]


def _checked_in(office) -> str:
    code = office.book()
    assert office.client.post(f"/api/v1/staff/bookings/{code}/check-in", headers=office.admin).status_code == 200
    return code


def _begun(office) -> str:
    """A booking whose slot began ten minutes ago."""
    office.clock.now = MONDAY_MORNING
    code = office.book()
    start = office.client.get(f"/api/v1/staff/bookings/{code}", headers=office.admin).json()["start"]
    office.clock.now = dt.datetime.fromisoformat(start) + dt.timedelta(minutes=10)
    return code


def _new_counter(office) -> str:
    label = f"Loket Baru {next(_fresh)}"
    body = {"agency": "dukcapil", "label": label, "services": ["KTP"]}
    assert office.client.post("/api/v1/admin/counters", json=body, headers=office.admin).status_code == 201
    return label


def _waiting(office) -> str:
    """A walk-in's queue ticket, taken at the kiosk."""
    answer = office.client.post("/api/v1/sites/uji/arrivals", json={"service": "KTP"})
    assert answer.status_code == 201, answer.text
    return answer.json()["ticket"]


def _counter_to_call_at(office) -> str:
    _waiting(office)
    return _new_counter(office)


def _called(office, recalls: int = 0) -> str:
    """A ticket called (and recalled) at a counter of its own, by the admin: a new walk-in's, or one that
    came back into the queue earlier in the test."""
    _waiting(office)
    label = _new_counter(office)
    answer = office.client.post(f"/api/v1/staff/counters/{label}/call-next", headers=office.admin)
    assert answer.status_code == 200, answer.text
    ticket = answer.json()["ticket"]
    for _ in range(recalls):
        assert office.client.post(f"/api/v1/staff/tickets/{ticket}/recall", headers=office.admin).status_code == 200
    return ticket


def _missed(office) -> str:
    ticket = _called(office, recalls=2)
    assert office.client.post(f"/api/v1/staff/tickets/{ticket}/missed", headers=office.admin).status_code == 200
    return ticket


def _closure_id(office) -> int:
    body = {"starts_on": "2027-02-01", "ends_on": "2027-02-01", "reason": "Rapat"}
    return office.client.post("/api/v1/admin/closures", json=body, headers=office.admin).json()["id"]


def _synonym(office) -> dict:
    return {"term": f"istilah {next(_fresh)}", "means": "ktp"}


def _synonym_id(office) -> int:
    return office.client.post("/api/v1/admin/synonyms", json=_synonym(office), headers=office.admin).json()["id"]


STAFF_ENDPOINTS = {
    "schedule": (lambda o: ("GET", f"/api/v1/staff/schedule?agency=dukcapil&date={TODAY}", None), 200),
    "lookup": (lambda o: ("GET", f"/api/v1/staff/bookings/{o.book()}", None), 200),
    "check-in": (lambda o: ("POST", f"/api/v1/staff/bookings/{o.book()}/check-in", None), 200),
    "check-in-scan": (lambda o: ("POST", "/api/v1/staff/check-ins", {"scan": o.book()}), 200),
    "serve": (lambda o: ("POST", f"/api/v1/staff/bookings/{_checked_in(o)}/serve", None), 200),
    "no-show": (lambda o: ("POST", f"/api/v1/staff/bookings/{_begun(o)}/no-show", None), 200),
    "walk-in": (
        lambda o: (
            "POST",
            "/api/v1/staff/walk-ins",
            {"service": "KTP", "citizen": {"nik": f"331601170885{9000 + next(_fresh):04d}", "name": "Warga"}},
        ),
        201,
    ),
    "queue": (lambda o: ("GET", "/api/v1/staff/queue?agency=dukcapil", None), 200),
    "call-next": (lambda o: ("POST", f"/api/v1/staff/counters/{_counter_to_call_at(o)}/call-next", None), 200),
    "recall": (lambda o: ("POST", f"/api/v1/staff/tickets/{_called(o)}/recall", None), 200),
    "start": (lambda o: ("POST", f"/api/v1/staff/tickets/{_called(o)}/start", None), 200),
    "done": (lambda o: ("POST", f"/api/v1/staff/tickets/{_called(o)}/done", None), 200),
    "missed": (lambda o: ("POST", f"/api/v1/staff/tickets/{_called(o, recalls=2)}/missed", None), 200),
    "comeback": (lambda o: ("POST", f"/api/v1/staff/tickets/{_missed(o)}/comeback", None), 200),
    "transfer": (lambda o: ("POST", f"/api/v1/staff/tickets/{_called(o)}/transfer", {"service": "PKB"}), 200),
}
ADMIN_ENDPOINTS = {
    "site": (lambda o: ("GET", "/api/v1/admin/site", None), 200),
    "site-change": (lambda o: ("PATCH", "/api/v1/admin/site", {"no_show_grace_minutes": 20}), 200),
    "agencies": (lambda o: ("GET", "/api/v1/admin/agencies", None), 200),
    "agency-add": (lambda o: ("POST", "/api/v1/admin/agencies", {"slug": f"a{next(_fresh)}", "name": "Bank"}), 201),
    "agency-change": (lambda o: ("PATCH", "/api/v1/admin/agencies/dukcapil", {"name": "Disdukcapil"}), 200),
    "services": (lambda o: ("GET", "/api/v1/admin/services", None), 200),
    "service-add": (
        lambda o: (
            "POST",
            "/api/v1/admin/services",
            {"agency": "dukcapil", "code": f"S{next(_fresh)}", "name": "Akta", "duration_minutes": 15},
        ),
        201,
    ),
    "service-change": (lambda o: ("PATCH", "/api/v1/admin/services/KK", {"daily_quota": 10}), 200),
    "counters": (lambda o: ("GET", "/api/v1/admin/counters", None), 200),
    "counter-add": (
        lambda o: ("POST", "/api/v1/admin/counters", {"agency": "dukcapil", "label": f"L{next(_fresh)}"}),
        201,
    ),
    "counter-change": (lambda o: ("PATCH", f"/api/v1/admin/counters/{_new_counter(o)}", {"services": []}), 200),
    "counter-remove": (lambda o: ("DELETE", f"/api/v1/admin/counters/{_new_counter(o)}", None), 204),
    "rule-add": (
        lambda o: (
            "POST",
            "/api/v1/admin/counters/Loket 1/rules",
            {"weekday": "sat", "opens_at": "13:00", "closes_at": "15:00", "slot_minutes": 30, "capacity": 1},
        ),
        201,
    ),
    "rule-change": (lambda o: ("PATCH", f"/api/v1/admin/rules/{_rule_id(o)}", {"capacity": 3}), 200),
    "rule-remove": (lambda o: ("DELETE", f"/api/v1/admin/rules/{_rule_id(o)}", None), 204),
    "closures": (lambda o: ("GET", "/api/v1/admin/closures", None), 200),
    "closure-add": (
        lambda o: (
            "POST",
            "/api/v1/admin/closures",
            {"starts_on": "2027-03-01", "ends_on": "2027-03-02", "reason": "X"},
        ),
        201,
    ),
    "closure-remove": (lambda o: ("DELETE", f"/api/v1/admin/closures/{_closure_id(o)}", None), 204),
    "synonyms": (lambda o: ("GET", "/api/v1/admin/synonyms", None), 200),
    "synonym-add": (lambda o: ("POST", "/api/v1/admin/synonyms", _synonym(o)), 201),
    "synonym-remove": (lambda o: ("DELETE", f"/api/v1/admin/synonyms/{_synonym_id(o)}", None), 204),
    "audit": (lambda o: ("GET", "/api/v1/admin/audit", None), 200),
}


def _headers(office, caller: str, settings) -> dict:
    if caller == "none":
        return {}
    if caller == "bad":
        return {"Authorization": "Bearer not-a-token"}
    if caller == "expired":
        with office.db.read() as session:
            user = session.scalar(select(StaffUser).where(StaffUser.username == "kepala"))
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        claims = {"sub": str(user.id), "iat": past - dt.timedelta(hours=12), "exp": past, "ver": user.token_version}
        return {"Authorization": "Bearer " + jwt.encode(claims, settings.staff_token_key, algorithm="HS256")}
    if caller == "partner":
        with office.db.read() as session:
            exists = session.scalar(select(StaffUser.id).where(StaffUser.username == "desa"))
        if exists is None:
            make_staff(office.db, "desa", role="partner")
        return bearer(office.client, "desa")
    return {"own_clerk": office.ani, "other_clerk": office.budi, "admin": office.admin}[caller]


def _expected(caller: str, allowed: int, admin_only: bool) -> int:
    if caller in ("none", "bad", "expired"):
        return 401
    if caller in ("other_clerk", "partner") or (caller == "own_clerk" and admin_only):
        return 403
    return allowed


@pytest.mark.parametrize(
    "endpoint",
    [*[(name, False) for name in STAFF_ENDPOINTS], *[(name, True) for name in ADMIN_ENDPOINTS]],
    ids=lambda e: e[0],
)
def test_each_endpoint_answers_each_caller_as_its_role_allows(office, settings, endpoint):
    name, admin_only = endpoint
    prepare, allowed = (ADMIN_ENDPOINTS if admin_only else STAFF_ENDPOINTS)[name]
    wrong = []
    for caller in CALLERS:  # one site for all seven callers: each gets a fresh target from prepare()
        method, path, body = prepare(office)
        answer = office.client.request(method, path, json=body, headers=_headers(office, caller, settings))
        expected = _expected(caller, allowed, admin_only)
        code = answer.json().get("code") if answer.status_code >= 400 else None
        if answer.status_code != expected or code != {401: "unauthorized", 403: "forbidden"}.get(expected):
            wrong.append(f"{caller}: {answer.status_code} {answer.text[:200]} (expected {expected})")
    assert not wrong, "\n".join(wrong)


ASSISTED_ALLOWED = {"own_clerk": 201, "other_clerk": 403, "admin": 201, "partner": 201}


def test_booking_on_a_citizens_behalf_answers_each_caller_as_its_role_allows(office, settings):
    """A Dindukcapil service: its clerk, the admin and the site's partner may; the Samsat clerk may not."""
    wrong = []
    for n, caller in enumerate(CALLERS):
        body = booking_body(at(TOMORROW, 9), n=900 + n)
        headers = _headers(office, caller, settings)
        answer = office.client.post("/api/v1/sites/uji/assisted-bookings", json=body, headers=headers)
        expected = ASSISTED_ALLOWED.get(caller, 401)
        code = answer.json().get("code") if answer.status_code >= 400 else None
        if answer.status_code != expected or code != {401: "unauthorized", 403: "forbidden"}.get(expected):
            wrong.append(f"{caller}: {answer.status_code} {answer.text[:200]} (expected {expected})")
    assert not wrong, "\n".join(wrong)


PUBLIC_ENDPOINTS = ("/api/v1/sites/uji/queue", "/api/v1/sites/uji/queue/stream")  # what the hall's TV reads


@pytest.mark.parametrize("path", PUBLIC_ENDPOINTS, ids=lambda path: path.rsplit("/", 1)[-1])
def test_the_public_board_answers_every_caller_alike(office, settings, path):
    """No token is needed, and none is held against the caller: a stale one left in a TV's browser included."""
    _called(office)  # something on the board
    app = create_app(settings, db=office.db, clock=office.clock)
    with serving(app) as base:
        for caller in CALLERS:
            headers = _headers(office, caller, settings)
            if path.endswith("/stream"):
                with BoardStream(base + path, headers=headers) as stream:
                    board = stream.next()["board"]
                    assert (stream.status, stream.headers["content-type"].split(";")[0]) == (200, "text/event-stream")
            else:
                answer = httpx.get(base + path, headers=headers, timeout=60)
                assert answer.status_code == 200, f"{caller}: {answer.status_code} {answer.text[:200]}"
                board = answer.json()
            assert len(board["calling"]) == 1, caller
