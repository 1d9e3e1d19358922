"""The OpenAPI document is the truth: schemathesis drives a live server from what ``/schema`` says.

A real ``booking serve`` on the test's PostgreSQL database, seeded like a small MPP: a site,
its services and counters, an admin and a clerk, bookings of today and tomorrow, a closure. Schemathesis
(its CLI, as CI and a developer would run it) reads the document, generates requests for every operation
(authenticated ones with an admin's bearer token) and runs every check it has: no server errors, each
status, media type, header and body as documented, schema-invalid requests refused, auth not ignored,
405 and ``Allow`` for undocumented methods, plus our own (``schemathesis_checks.py``: each problem's
``code`` is one the document lists). Fuzz dictionaries put the seeded rows' real keys into three quarters
of the generated values, so that valid requests reach real bookings, counters and rules rather than 404s.

Deterministic generation, no example database, and a server on a clock the test holds (in the test's own
process, tests/inprocess_server.py: 07.00 on Monday 30 November 2026 in Blora): the same requests meet the
same state on every run, whatever the hour, so a run that passes once passes every time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from booking.bookings import BookingRequest, create_booking
from booking.http.app import create_app
from booking.models import Closure, Counter, OpeningRule, Site
from tests.factories import PASSWORD, add_agency, add_closure, make_site, make_staff, nik
from tests.inprocess_server import serving

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).parent / "st"
REPOSITORY = Path(__file__).resolve().parents[2]
MAX_EXAMPLES = 10  # per operation and phase; with the coverage phase's own cases, about 1,600 requests
REAL_KEYS = 0.75  # share of generated values taken from the seeded rows
RUN_TIMEOUT_S = 900  # a stuck run, not a slow one: CI machines may be busy
# positive_data_acceptance expects a 2xx for every request the schema allows. Here acceptance also rests on
# rules no JSON Schema states and that the document describes in words: a NIK's birth date, a start that is
# a free slot of an open day within the booking window, a service the counter serves. A schema-valid request
# is rightly refused with 422 or 409, so that check would report the domain's rules, not the document.
CHECKS_LEFT_OUT = ["positive_data_acceptance"]


# PostgreSQL only: what production runs, and the narrower database (its ids are 32-bit; SQLite's 64-bit).
# One run takes about a minute on an idle machine; SQLite too would double it.
@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=pytest.mark.postgresql)], indirect=True)
def test_the_api_answers_as_its_openapi_document_says(database_url, db, settings, clock, tmp_path):
    rows = seed(db, now=clock(), secret_key=settings.secret_key)
    with serving(create_app(settings, db=db, clock=clock)) as base_url:
        config = tmp_path / "schemathesis.toml"
        config.write_text(toml(schemathesis_config(rows, admin_token(base_url))))
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(config),
                "run",
                f"{base_url}/schema/openapi.json",
                "--checks",
                "all",
                "--exclude-checks",
                ",".join(CHECKS_LEFT_OUT),
                "--no-color",
            ],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
        )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-30000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", report)
    # every operation of the document but the board's endless event stream, left out below ...
    assert selected and int(selected[2]) - int(selected[1]) == 1, report[-3000:]
    assert f"Tested: {selected[1]}" in report, report[-3000:]  # ... and none skipped


def seed(db, *, now: dt.datetime, secret_key: str) -> dict[str, list]:
    """A small MPP open every day 08.00-12.00: Dindukcapil, whose bookings of today the clerk's operations
    meet and one of tomorrow its citizen's, and Samsat, whose counter, rules and service the admin's
    operations change (with ``?force=true`` too, cancelling its booking) without emptying Dindukcapil's day.
    The bookings are made as of this morning, so today's are taken whatever the hour of the run."""
    site = make_site(db)
    add_agency(db, site.slug, slug="samsat", service="PKB", counter="Loket 9")
    make_staff(db, "admin-uji", role="admin")
    make_staff(db, "petugas-uji")
    today = now.astimezone(site.timezone).date()
    days = [today + dt.timedelta(days=n) for n in range(3)]
    add_closure(db, site.slug, today + dt.timedelta(days=20), "Libur uji", "Test holiday")
    wanted = [(days[0], 8, 0, "KTP"), (days[0], 8, 30, "KK"), (days[1], 9, 0, "PKB"), (days[1], 9, 30, "KTP")]
    starts = [(_at(day, hour, minute, site.timezone), service) for day, hour, minute, service in wanted]
    made = book(db, site, starts, secret_key)
    with db.read() as session:
        rules = session.scalars(
            select(OpeningRule.id).join(Counter).where(Counter.label == "Loket 9").order_by(OpeningRule.id).limit(3)
        )
        closures = session.scalars(select(Closure.id))
        rules, closures = list(rules), list(closures)
    return {
        "sites": [site.slug],
        "services": [site.service, site.quota_service],
        "agencies": ["dukcapil"],
        "bookings": [code for code, _ in made[:2]],
        "own_booking": [made[-1][0]],
        "own_token": [made[-1][1]],
        "spare_agencies": ["samsat"],
        "spare_services": ["PKB"],
        "spare_counters": ["Loket 9"],
        "spare_rules": rules,
        "closures": closures,
        "dates": [day.isoformat() for day in days],
        "closure_dates": [(today + dt.timedelta(days=n)).isoformat() for n in (19, 20, 21)],  # no booking then
        "starts": [_at(day, hour, minute, site.timezone) for day in days[1:] for hour, minute in ((8, 0), (10, 30))],
        "times": ["08:00", "10:00", "10:30", "12:00"],
        "niks": [nik(n) for n in range(10, 20)],
        "names": ["Siti Aminah", "Budi Santoso"],
        "phones": ["081234567890", "+6281298765432"],
        "emails": ["warga@example.id"],
        "channels": ["sms", "email", "whatsapp"],
        "locales": ["id", "en"],
        "usernames": ["petugas-uji"],
        "passwords": [PASSWORD],
    }


def book(db, site, wanted: list[tuple[str, str]], secret_key: str) -> list[tuple[str, str]]:
    """(code, manage token) for each (start, service), booked at midnight of the first start's day."""
    midnight = dt.datetime.fromisoformat(wanted[0][0]).replace(hour=0, minute=0)
    made = []
    with db.write() as session:
        found = session.scalar(select(Site).where(Site.slug == site.slug))
        for n, (start, service) in enumerate(wanted, start=1):
            request = BookingRequest(service=service, start=start, nik=nik(n), name="Siti Aminah", phone="081234567890")
            new = create_booking(session, found, request, now=midnight, secret_key=secret_key)
            made.append((new.booking.code, new.manage_token))
    return made


def _at(day: dt.date, hour: int, minute: int, zone: ZoneInfo) -> str:
    return dt.datetime.combine(day, dt.time(hour, minute), zone).isoformat()


def admin_token(base_url: str) -> str:
    answer = httpx.post(
        f"{base_url}/api/v1/auth/token", json={"username": "admin-uji", "password": PASSWORD}, timeout=60
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


def schemathesis_config(rows: dict[str, list], token: str) -> dict:
    def real(dictionary: str) -> dict:
        return {"dictionary": dictionary, "probability": REAL_KEYS}

    return {
        "hooks": "tests.api.schemathesis_checks",
        # Nothing here may depend on the machine's speed: no timed health check, no short request timeout
        # (a login's Argon2 check on a busy CI machine can take seconds).
        "suppress-health-check": ["too_slow"],
        "request-timeout": 60,
        "headers": {"Authorization": f"Bearer {token}"},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "dictionaries": {name: {"values": values} for name, values in rows.items()},
        "parameters": {
            "path.site": real("sites"),
            "path.slug": real("spare_agencies"),
            "path.label": real("spare_counters"),
            "path.rule_id": real("spare_rules"),
            "path.closure_id": real("closures"),
            "path.username": real("usernames"),
            "query.agency": real("agencies"),
            "query.date": real("dates"),
            "query.from": real("dates"),
            "query.to": real("dates"),
            "query.token": real("own_token"),
            "header.X-Booking-Token": real("own_token"),
            "body.service": real("services"),
            "body.start": real("starts"),
            "body.agency": real("spare_agencies"),
            "body.citizen.nik": real("niks"),
            "body.citizen.name": real("names"),
            "body.citizen.phone": real("phones"),
            "body.citizen.email": real("emails"),
            "body.channels[*]": real("channels"),
            "body.locale": real("locales"),
            "body.scan": real("bookings"),
            "body.starts_on": real("closure_dates"),
            "body.ends_on": real("closure_dates"),
            "body.opens_at": real("times"),
            "body.closes_at": real("times"),
            "body.username": real("usernames"),
            "body.password": real("passwords"),
        },
        # `code` names a service of the catalogue, one the admin changes, a booking at the counter, or the
        # citizen's own booking.
        "operations": [
            {"include-path-regex": "^/api/v1/sites/", "parameters": {"path.code": real("services")}},
            {
                "include-path-regex": "^/api/v1/admin/",
                "parameters": {"path.code": real("spare_services")},
                # Not the keys other answers show (Dindukcapil's counters and rules): only Samsat's rows.
                "phases": {phase: {"extra-data-sources": {"responses": False}} for phase in ("coverage", "fuzzing")},
            },
            {"include-path-regex": "^/api/v1/staff/", "parameters": {"path.code": real("bookings")}},
            {"include-path-regex": "^/api/v1/bookings/", "parameters": {"path.code": real("own_booking")}},
            # The board's event stream never ends (a display keeps it open all day): a request to it waits for
            # its request timeout, then fails as a timeout. Its document (text/event-stream, 404) is held by
            # tests/api/test_openapi_document.py; the stream itself by tests/queue/test_board_stream.py.
            {"include-path-regex": "/queue/stream$", "enabled": False},
        ],
    }


def toml(config: dict) -> str:
    """The config as TOML: every value inline (JSON's strings, numbers and lists are TOML's too)."""
    return "".join(f"{json.dumps(key)} = {_toml_value(value)}\n" for key, value in config.items())


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(key)} = {_toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value)
